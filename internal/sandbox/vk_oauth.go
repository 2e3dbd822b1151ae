package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// vkCodeTTL is the lifetime of a VK authorization code.
const vkCodeTTL = time.Hour

// vkCodeBytes is the number of random bytes in a VK authorization code.
const vkCodeBytes = 16

// vkCode is an issued, not yet exchanged VK authorization code.
type vkCode struct {
	clientID    string
	redirectURI string
	user        VKUser
	scope       string // comma-separated permission names
	expires     time.Time
}

// vkPermission is a VK permission with its bit in a numeric scope and its
// description on the consent page. The bits are those of vk.com/dev/permissions
// as VK SDKs list them.
type vkPermission struct {
	name  string
	bit   int64
	label string
}

var vkPermissions = []vkPermission{
	{"notify", 1, "уведомления"},
	{"friends", 2, "доступ к друзьям"},
	{"photos", 4, "доступ к фотографиям"},
	{"audio", 8, "доступ к аудиозаписям"},
	{"video", 16, "доступ к видеозаписям"},
	{"wall", 8192, "доступ к стене"},
	{"offline", 65536, "доступ в любое время"},
	{"docs", 131072, "доступ к документам"},
	{"groups", 262144, "доступ к сообществам"},
	{"email", 4194304, "доступ к адресу электронной почты"},
	{"market", 134217728, "доступ к товарам"},
}

// vkAuthorizeRequest contains the parameters of GET /vk/oauth/authorize,
// which the consent form posts back unchanged.
type vkAuthorizeRequest struct {
	clientID, redirectURI, responseType, scope, state, display, version string
}

func readVKAuthorizeRequest(form url.Values) vkAuthorizeRequest {
	return vkAuthorizeRequest{
		clientID:     form.Get("client_id"),
		redirectURI:  form.Get("redirect_uri"),
		responseType: form.Get("response_type"),
		scope:        form.Get("scope"),
		state:        form.Get("state"),
		display:      form.Get("display"),
		version:      form.Get("v"),
	}
}

func (req vkAuthorizeRequest) hiddenFields() []hiddenField {
	return []hiddenField{
		{"client_id", req.clientID},
		{"redirect_uri", req.redirectURI},
		{"response_type", req.responseType},
		{"scope", req.scope},
		{"state", req.state},
		{"display", req.display},
		{"v", req.version},
	}
}

// validateVKAuthorize returns the message of the error page for a request
// that must not be redirected back, or "" for a valid one.
func (s *Sandbox) validateVKAuthorize(req vkAuthorizeRequest) string {
	if req.clientID != s.cfg.VKClientID {
		return fmt.Sprintf("Приложение с client_id «%s» не найдено.", req.clientID)
	}
	if msg := validateRedirectURI(req.redirectURI); msg != "" {
		return msg
	}
	if req.responseType != "code" {
		return fmt.Sprintf("Песочница поддерживает только response_type=code, получено «%s».", req.responseType)
	}
	return ""
}

func (s *Sandbox) registerVKOAuthRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /vk/oauth/authorize", s.showVKConsent)
	mux.HandleFunc("POST /vk/oauth/authorize", s.decideVKConsent)
	mux.HandleFunc("/vk/oauth/access_token", s.handleVKAccessToken)
}

// vkConsentPage is the data of the "vk_consent" template.
type vkConsentPage struct {
	ClientID  string
	Scopes    []string
	Hidden    []hiddenField
	UserID    string
	FirstName string
	LastName  string
}

func (s *Sandbox) showVKConsent(w http.ResponseWriter, r *http.Request) {
	req := readVKAuthorizeRequest(r.URL.Query())
	if msg := s.validateVKAuthorize(req); msg != "" {
		renderOAuthError(w, msg)
		return
	}
	renderPage(w, http.StatusOK, "vk_consent", vkConsentPage{
		ClientID:  req.clientID,
		Scopes:    vkScopeLabels(parseVKScope(req.scope)),
		Hidden:    req.hiddenFields(),
		UserID:    strconv.Itoa(defaultVKUserID),
		FirstName: defaultVKFirstName,
		LastName:  defaultVKLastName,
	})
}

// decideVKConsent handles the consent form: "allow" redirects with a new
// code and "deny" with VK's error parameters for a user who pressed Cancel.
func (s *Sandbox) decideVKConsent(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		renderOAuthError(w, "Не удалось разобрать форму: "+err.Error())
		return
	}
	req := readVKAuthorizeRequest(r.PostForm)
	if msg := s.validateVKAuthorize(req); msg != "" {
		renderOAuthError(w, msg)
		return
	}

	switch r.PostForm.Get("decision") {
	case "deny":
		redirectWithParams(w, r, req.redirectURI, deniedParams(req.state, url.Values{
			"error_reason":      {"user_denied"},
			"error_description": {"User denied your request"},
		}))
	case "allow":
		user, msg := readVKConsentUser(r.PostForm)
		if msg != "" {
			renderOAuthError(w, msg)
			return
		}
		params := url.Values{"code": {s.issueVKCode(req, user)}}
		if req.state != "" {
			params.Set("state", req.state)
		}
		redirectWithParams(w, r, req.redirectURI, params)
	default:
		renderOAuthError(w, "Неизвестное решение: ожидается «allow» или «deny».")
	}
}

// readVKConsentUser returns the user entered on the consent page, or a
// message for the error page.
func readVKConsentUser(form url.Values) (VKUser, string) {
	id, err := strconv.ParseInt(strings.TrimSpace(form.Get("user_id")), 10, 64)
	if err != nil || id <= 0 {
		return VKUser{}, fmt.Sprintf("ID пользователя «%s» должен быть положительным целым числом.", form.Get("user_id"))
	}
	user := VKUser{
		ID:        id,
		FirstName: strings.TrimSpace(form.Get("first_name")),
		LastName:  strings.TrimSpace(form.Get("last_name")),
	}
	if user.FirstName == "" {
		return VKUser{}, "Имя пользователя не может быть пустым."
	}
	return user, ""
}

func (s *Sandbox) issueVKCode(req vkAuthorizeRequest, user VKUser) string {
	value := randomHex(vkCodeBytes)
	code := vkCode{
		clientID:    req.clientID,
		redirectURI: req.redirectURI,
		user:        user,
		scope:       strings.Join(parseVKScope(req.scope), ","),
		expires:     s.now().Add(vkCodeTTL),
	}
	s.mu.Lock()
	s.vkCodes[value] = code
	s.mu.Unlock()
	return value
}

// parseVKScope returns the permission names of a scope given as names,
// separated by commas or spaces, or as a bitmask. Unknown bits of a bitmask
// come back as their decimal value.
func parseVKScope(scope string) []string {
	scope = strings.TrimSpace(scope)
	if mask, err := strconv.ParseInt(scope, 10, 64); err == nil {
		return vkScopeNames(mask)
	}
	var names []string
	for field := range strings.FieldsFuncSeq(scope, isScopeSeparator) {
		name := strings.ToLower(field)
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

func isScopeSeparator(r rune) bool {
	return r == ',' || r == ' '
}

func vkScopeNames(mask int64) []string {
	var names []string
	for _, p := range vkPermissions {
		if mask&p.bit != 0 {
			names = append(names, p.name)
			mask &^= p.bit
		}
	}
	for bit := int64(1); mask != 0 && bit > 0; bit <<= 1 {
		if mask&bit != 0 {
			names = append(names, strconv.FormatInt(bit, 10))
			mask &^= bit
		}
	}
	return names
}

// vkScopeLabels returns the consent page descriptions of permission names.
func vkScopeLabels(names []string) []string {
	labels := make([]string, 0, len(names))
	for _, name := range names {
		label := "право «" + name + "»"
		for _, p := range vkPermissions {
			if p.name == name {
				label = p.label
			}
		}
		labels = append(labels, label)
	}
	return labels
}

package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// evotorCodeTTL is the lifetime of an Evotor authorization code.
// NOTE: Evotor does not document it. Ten minutes is the maximum that
// RFC 6749, section 4.1.2, recommends.
const evotorCodeTTL = 10 * time.Minute

// evotorCodeBytes is the number of random bytes in an authorization code.
const evotorCodeBytes = 16

// evotorUserIDPattern matches Evotor user ids such as 01-000000000000001.
var evotorUserIDPattern = regexp.MustCompile(`^\d{2}-\d{15}$`)

// evotorCode is an issued, not yet exchanged Evotor authorization code.
type evotorCode struct {
	clientID    string
	redirectURI string
	userID      string
	scope       string
	expires     time.Time
}

// evotorScopeLabels are the consent page descriptions of Evotor scopes.
var evotorScopeLabels = map[string]string{
	"store:read":            "просмотр магазинов",
	"product:read":          "просмотр товаров",
	"product-group:read":    "просмотр групп товаров",
	"product-image:read":    "просмотр изображений товаров",
	"product.quantity:read": "просмотр остатков",
}

// evotorAuthorizeRequest contains the parameters of GET
// /evotor/oauth/authorize, which the consent form posts back unchanged.
type evotorAuthorizeRequest struct {
	clientID, responseType, redirectURI, state, scope string
}

func readEvotorAuthorizeRequest(form url.Values) evotorAuthorizeRequest {
	return evotorAuthorizeRequest{
		clientID:     form.Get("client_id"),
		responseType: form.Get("response_type"),
		redirectURI:  form.Get("redirect_uri"),
		state:        form.Get("state"),
		scope:        form.Get("scope"),
	}
}

func (req evotorAuthorizeRequest) hiddenFields() []hiddenField {
	return []hiddenField{
		{"client_id", req.clientID},
		{"response_type", req.responseType},
		{"redirect_uri", req.redirectURI},
		{"state", req.state},
		{"scope", req.scope},
	}
}

// grantedScope returns the requested scope, or every read scope when the
// request names none.
func (req evotorAuthorizeRequest) grantedScope() string {
	if scope := strings.Join(strings.Fields(req.scope), " "); scope != "" {
		return scope
	}
	return defaultEvotorScope
}

// validateEvotorAuthorize returns the message of the error page for a
// request that must not be redirected back, or "" for a valid one.
func (s *Sandbox) validateEvotorAuthorize(req evotorAuthorizeRequest) string {
	if req.clientID != s.cfg.EvotorClientID {
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

func (s *Sandbox) registerEvotorOAuthRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /evotor/oauth/authorize", s.showEvotorConsent)
	mux.HandleFunc("POST /evotor/oauth/authorize", s.decideEvotorConsent)
	mux.HandleFunc("/evotor/oauth/token", s.handleEvotorToken)
}

// evotorConsentPage is the data of the "evotor_consent" template.
type evotorConsentPage struct {
	ClientID string
	Scopes   []string
	Hidden   []hiddenField
	UserID   string
}

func (s *Sandbox) showEvotorConsent(w http.ResponseWriter, r *http.Request) {
	req := readEvotorAuthorizeRequest(r.URL.Query())
	if msg := s.validateEvotorAuthorize(req); msg != "" {
		renderOAuthError(w, msg)
		return
	}
	var labels []string
	for _, scope := range strings.Fields(req.grantedScope()) {
		label, ok := evotorScopeLabels[scope]
		if !ok {
			label = "право «" + scope + "»"
		}
		labels = append(labels, label)
	}
	renderPage(w, http.StatusOK, "evotor_consent", evotorConsentPage{
		ClientID: req.clientID,
		Scopes:   labels,
		Hidden:   req.hiddenFields(),
		UserID:   defaultEvotorUserID,
	})
}

// decideEvotorConsent handles the consent form: "allow" redirects with a
// new code and "deny" with error=access_denied.
func (s *Sandbox) decideEvotorConsent(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		renderOAuthError(w, "Не удалось разобрать форму: "+err.Error())
		return
	}
	req := readEvotorAuthorizeRequest(r.PostForm)
	if msg := s.validateEvotorAuthorize(req); msg != "" {
		renderOAuthError(w, msg)
		return
	}

	switch r.PostForm.Get("decision") {
	case "deny":
		redirectWithParams(w, r, req.redirectURI, deniedParams(req.state, nil))
	case "allow":
		userID := strings.TrimSpace(r.PostForm.Get("user_id"))
		if !evotorUserIDPattern.MatchString(userID) {
			renderOAuthError(w, fmt.Sprintf("ID пользователя Эвотор «%s» должен иметь вид 01-000000000000001.", userID))
			return
		}
		params := url.Values{"code": {s.issueEvotorCode(req, userID)}}
		if req.state != "" {
			params.Set("state", req.state)
		}
		redirectWithParams(w, r, req.redirectURI, params)
	default:
		renderOAuthError(w, "Неизвестное решение: ожидается «allow» или «deny».")
	}
}

func (s *Sandbox) issueEvotorCode(req evotorAuthorizeRequest, userID string) string {
	value := randomHex(evotorCodeBytes)
	code := evotorCode{
		clientID:    req.clientID,
		redirectURI: req.redirectURI,
		userID:      userID,
		scope:       req.grantedScope(),
		expires:     s.now().Add(evotorCodeTTL),
	}
	s.mu.Lock()
	s.evotorCodes[value] = code
	s.mu.Unlock()
	return value
}

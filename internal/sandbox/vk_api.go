package sandbox

import (
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// VK API error codes that the sandbox sends. The messages are the
// descriptions in VKCOM/vk-api-schema errors.json (version 5.199), and VK
// appends a detail to those of errors 5 and 8.
const (
	vkErrUnknownMethod   = 3
	vkErrAuthFailed      = 5
	vkErrTooManyRequests = 6
	vkErrInvalidRequest  = 8
	vkErrInternal        = 10
	vkErrUserDeactivated = 18
	vkErrInvalidParam    = 100
	vkErrInvalidUserID   = 113
)

const (
	vkMsgUnknownMethod   = "Unknown method passed"
	vkMsgInvalidToken    = "User authorization failed: invalid access_token (4)."
	vkMsgNoToken         = "User authorization failed: no access_token passed."
	vkMsgTooManyRequests = "Too many requests per second"
	vkMsgNoVersion       = "Invalid request: v is required"
	vkMsgInternal        = "Internal server error"
	vkMsgUserDeactivated = "User was deleted or banned"
	vkMsgInvalidParam    = "One of the parameters specified was missing or invalid"
	vkMsgInvalidUserID   = "Invalid user id"
)

// vkError is the error object of a failed VK API call.
type vkError struct {
	code  int
	msg   string
	extra map[string]any // additional fields, such as captcha_sid
}

// vkCall is an API call that passed the version, token and rate checks, as
// a method handler receives it.
type vkCall struct {
	method string
	params url.Values
	token  string
	scope  string // comma-separated permission names of the token
	user   VKUser // the token's owner
	now    time.Time
	// baseURL is the scheme and host that the request reached, for the
	// absolute URLs of uploads and photos.
	baseURL string
}

// hasScope reports whether the call's token carries the named permission.
func (c *vkCall) hasScope(name string) bool {
	return slices.Contains(strings.Split(c.scope, ","), name)
}

// vkMethodHandler returns the "response" value of a successful call, or the
// error to send instead.
type vkMethodHandler func(s *Sandbox, c *vkCall) (any, *vkError)

// vkMethod is an implemented VK API method.
type vkMethod struct {
	handle vkMethodHandler
	// allowDeactivated lets a deleted or banned owner call the method. VK
	// returns error 18 to such an owner for most methods.
	allowDeactivated bool
}

// vkMethods is the table of implemented VK API methods by name. Files of
// this package add their methods with registerVKMethod from init functions,
// so the table is complete before any request and is never written after.
var vkMethods = map[string]vkMethod{}

// registerVKMethod adds a method to vkMethods. It panics on a duplicate
// name, which is a programming error.
func registerVKMethod(name string, m vkMethod) {
	if _, ok := vkMethods[name]; ok {
		panic("sandbox: VK method " + name + " registered twice")
	}
	vkMethods[name] = m
}

func (s *Sandbox) registerVKAPIRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/vk/method/{name}", s.handleVKMethod)
}

// handleVKMethod serves GET and POST /vk/method/{name}. Apart from a wrong
// HTTP method, every response has status 200, as VK's responses do.
func (s *Sandbox) handleVKMethod(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed: VK API methods accept GET and POST", http.StatusMethodNotAllowed)
		return
	}
	name := r.PathValue("name")
	if !s.begin(w, r, ProviderVK, name, writeVKAPIOutage) {
		return
	}

	params, parseErr := parseVKParams(r)
	token := vkAccessToken(r, params)
	var result any
	vkErr := parseErr
	if vkErr == nil {
		result, vkErr = s.callVKMethod(name, params, token, requestBaseURL(r))
	}
	if vkErr != nil {
		writeVKError(w, vkErr, vkRequestParams(name, params, token != ""))
		return
	}
	if body, ok := result.(vkResponseBody); ok {
		writeJSON(w, http.StatusOK, body)
		return
	}
	writeJSON(w, http.StatusOK, vkResponse{Response: result})
}

type vkResponse struct {
	Response any `json:"response"`
}

// vkResponseBody is a method result that is the whole response body, with
// "response" and other top-level fields, such as execute's
// "execute_errors".
type vkResponseBody interface {
	isVKResponseBody()
}

// requestBaseURL returns the scheme and host that r reached, such as
// http://127.0.0.1:8090.
func requestBaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// parseVKParams returns the query and form parameters of an API call. VK
// ignores JSON request bodies, and so does the sandbox.
func parseVKParams(r *http.Request) (url.Values, *vkError) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if mediaType == "multipart/form-data" {
		err = r.ParseMultipartForm(maxBodyBytes)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return r.URL.Query(), &vkError{code: vkErrInvalidRequest, msg: "Invalid request: " + err.Error()}
	}
	return r.Form, nil
}

// vkAccessToken returns the access_token parameter, or else the token of an
// "Authorization: Bearer" header.
func vkAccessToken(r *http.Request, params url.Values) string {
	if token := params.Get("access_token"); token != "" {
		return token
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token)
	}
	return ""
}

// callVKMethod checks the version parameter, the method name and the call's
// authorization, in this order, and then runs the method.
func (s *Sandbox) callVKMethod(name string, params url.Values, token, baseURL string) (any, *vkError) {
	if params.Get("v") == "" {
		return nil, &vkError{code: vkErrInvalidRequest, msg: vkMsgNoVersion}
	}
	method, ok := vkMethods[name]
	if !ok {
		return nil, &vkError{code: vkErrUnknownMethod, msg: vkMsgUnknownMethod}
	}
	call, vkErr := s.authorizeVKCall(name, params, token, method)
	if vkErr != nil {
		return nil, vkErr
	}
	call.baseURL = baseURL
	return method.handle(s, call)
}

// authorizeVKCall checks the token, the injected errors, the rate limit and
// the owner's account state, in that order.
func (s *Sandbox) authorizeVKCall(name string, params url.Values, value string, method vkMethod) (*vkCall, *vkError) {
	if value == "" {
		return nil, &vkError{code: vkErrAuthFailed, msg: vkMsgNoToken}
	}
	now := s.now()
	token, user, ok := s.lookupVKToken(value, now)
	if !ok {
		return nil, &vkError{code: vkErrAuthFailed, msg: vkMsgInvalidToken}
	}
	if injected := s.takeVKInjection(value); injected != nil {
		return nil, injected
	}
	if !s.vkRate.allow(value, now) {
		return nil, &vkError{code: vkErrTooManyRequests, msg: vkMsgTooManyRequests}
	}
	if user.Deactivated != VKUserActive && !method.allowDeactivated {
		return nil, &vkError{code: vkErrUserDeactivated, msg: vkMsgUserDeactivated}
	}
	return &vkCall{method: name, params: params, token: value, scope: token.scope, user: user, now: now}, nil
}

// vkRequestParam is an entry of an error's request_params.
type vkRequestParam struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// vkRequestParams lists the call's parameters as VK echoes them in an
// error: the method, "oauth" when a token was sent, then the request
// parameters by name, with the access token left out.
func vkRequestParams(method string, params url.Values, withToken bool) []vkRequestParam {
	list := []vkRequestParam{{Key: "method", Value: method}}
	if withToken {
		list = append(list, vkRequestParam{Key: "oauth", Value: "1"})
	}
	for _, key := range slices.Sorted(maps.Keys(params)) {
		if key == "access_token" || len(params[key]) == 0 {
			continue
		}
		list = append(list, vkRequestParam{Key: key, Value: params[key][0]})
	}
	return list
}

func writeVKError(w http.ResponseWriter, e *vkError, requestParams []vkRequestParam) {
	body := make(map[string]any, len(e.extra)+3)
	maps.Copy(body, e.extra)
	body["error_code"] = e.code
	body["error_msg"] = e.msg
	body["request_params"] = requestParams
	writeJSON(w, http.StatusOK, map[string]any{"error": body})
}

// writeVKAPIOutage responds to an API call during OutageRateLimit or
// OutageServerError with the VK error that VK returns in those conditions.
func writeVKAPIOutage(w http.ResponseWriter, r *http.Request, o Outage) {
	e := &vkError{code: vkErrInternal, msg: vkMsgInternal}
	if o == OutageRateLimit {
		e = &vkError{code: vkErrTooManyRequests, msg: vkMsgTooManyRequests}
	}
	params, _ := parseVKParams(r)
	token := vkAccessToken(r, params)
	writeVKError(w, e, vkRequestParams(r.PathValue("name"), params, token != ""))
}

package sandbox

import (
	"net/http"
	"net/url"
)

// evotorTokenResponse is the body of a successful Evotor token request.
type evotorTokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"` // seconds
	Scope        string `json:"scope"`
}

// handleEvotorToken serves POST /evotor/oauth/token with HTTP Basic client
// authentication and the authorization_code and refresh_token grants.
func (s *Sandbox) handleEvotorToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeMethodNotAllowed(w, http.MethodPost)
		return
	}
	if !s.begin(w, r, ProviderEvotor, "token", writeEvotorOAuthOutage) {
		return
	}

	clientID, secret, ok := r.BasicAuth()
	if !ok || clientID != s.cfg.EvotorClientID || secret != s.cfg.EvotorClientSecret {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", "Client authentication failed"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "invalid form body: " + err.Error()})
		return
	}

	var status int
	var body any
	switch grantType := r.PostForm.Get("grant_type"); grantType {
	case "authorization_code":
		status, body = s.exchangeEvotorCode(clientID, r.PostForm)
	case "refresh_token":
		status, body = s.refreshEvotorGrant(r.PostForm.Get("refresh_token"))
	case "":
		status, body = http.StatusBadRequest, oauthError{"invalid_request", "grant_type is required"}
	default:
		status, body = http.StatusBadRequest, oauthError{"unsupported_grant_type", "grant_type " + grantType + " is not supported"}
	}
	writeJSON(w, status, body)
}

// exchangeEvotorCode redeems an authorization code. The code is deleted
// when it is redeemed or found expired, so a failed attempt with a wrong
// redirect_uri leaves it usable.
func (s *Sandbox) exchangeEvotorCode(clientID string, form url.Values) (int, any) {
	value := form.Get("code")
	if value == "" {
		return http.StatusBadRequest, oauthError{"invalid_request", "code is required"}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	code, ok := s.evotorCodes[value]
	if ok && !s.now().Before(code.expires) {
		delete(s.evotorCodes, value)
		ok = false
	}
	if !ok || code.clientID != clientID {
		return http.StatusBadRequest, oauthError{"invalid_grant", "Invalid authorization code"}
	}
	if form.Get("redirect_uri") != code.redirectURI {
		return http.StatusBadRequest, oauthError{"invalid_grant", "Redirect URI mismatch"}
	}

	delete(s.evotorCodes, value)
	return http.StatusOK, s.evotorTokenResponse(s.issueEvotorGrantLocked(code.userID, code.scope))
}

// refreshEvotorGrant revokes the grant of a usable refresh token, so its
// access and refresh tokens stop working, and issues a new grant.
func (s *Sandbox) refreshEvotorGrant(refresh string) (int, any) {
	if refresh == "" {
		return http.StatusBadRequest, oauthError{"invalid_request", "refresh_token is required"}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.evotorRefresh[refresh]
	if !ok || !old.refreshUsable(s.now()) {
		return http.StatusBadRequest, oauthError{"invalid_grant", "Invalid refresh token"}
	}
	old.revoked = true
	return http.StatusOK, s.evotorTokenResponse(s.issueEvotorGrantLocked(old.userID, old.scope))
}

func (s *Sandbox) evotorTokenResponse(g *evotorGrant) evotorTokenResponse {
	return evotorTokenResponse{
		AccessToken:  g.access,
		TokenType:    "bearer",
		RefreshToken: g.refresh,
		ExpiresIn:    int64(s.cfg.EvotorTokenTTL.Seconds()),
		Scope:        g.scope,
	}
}

// writeEvotorOAuthOutage writes the token endpoint's response during
// OutageRateLimit or OutageServerError, with rate-limit headers on a 429.
func writeEvotorOAuthOutage(w http.ResponseWriter, r *http.Request, o Outage) {
	if o == OutageRateLimit {
		setEvotorRateLimitHeaders(w, 0, evotorRateWindow)
	}
	writeOAuthOutage(w, r, o)
}

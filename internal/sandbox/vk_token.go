package sandbox

import (
	"net/http"
	"net/url"
)

// vkAccessTokenResponse is the body of a successful VK code exchange.
type vkAccessTokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"` // seconds, 0 for a token that never expires
	UserID      int64  `json:"user_id"`
}

// vkInvalidCode is VK's description for an unknown, used or expired code.
const vkInvalidCode = "Code is invalid or expired."

// handleVKAccessToken serves GET /vk/oauth/access_token. VK takes the
// exchange parameters in the query string and rejects other HTTP methods.
func (s *Sandbox) handleVKAccessToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeMethodNotAllowed(w, http.MethodGet)
		return
	}
	if !s.begin(w, r, ProviderVK, "access_token", writeOAuthOutage) {
		return
	}
	status, body := s.exchangeVKCode(r.URL.Query())
	writeJSON(w, status, body)
}

// exchangeVKCode checks the client and the code and returns the status and
// body of the response. The code is deleted when it is redeemed or found
// expired, so a failed attempt with a wrong redirect_uri leaves it usable.
func (s *Sandbox) exchangeVKCode(query url.Values) (int, any) {
	for _, name := range []string{"client_id", "client_secret", "code"} {
		if query.Get(name) == "" {
			return http.StatusBadRequest, oauthError{"invalid_request", name + " is required"}
		}
	}
	if query.Get("client_id") != s.cfg.VKClientID {
		return http.StatusUnauthorized, oauthError{"invalid_client", "client_id is incorrect"}
	}
	if query.Get("client_secret") != s.cfg.VKClientSecret {
		return http.StatusUnauthorized, oauthError{"invalid_client", "client_secret is incorrect"}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	value := query.Get("code")
	code, ok := s.vkCodes[value]
	if ok && !s.now().Before(code.expires) {
		delete(s.vkCodes, value)
		ok = false
	}
	if !ok || code.clientID != query.Get("client_id") {
		return http.StatusUnauthorized, oauthError{"invalid_grant", vkInvalidCode}
	}
	if query.Get("redirect_uri") != code.redirectURI {
		return http.StatusUnauthorized, oauthError{"invalid_grant", "redirect_uri is incorrect"}
	}

	delete(s.vkCodes, value)
	s.storeVKUserLocked(code.user)
	return http.StatusOK, vkAccessTokenResponse{
		AccessToken: s.issueVKTokenLocked(code.user.ID, code.scope),
		ExpiresIn:   int64(s.cfg.VKTokenTTL.Seconds()),
		UserID:      code.user.ID,
	}
}

// storeVKUserLocked stores the names a user entered on the consent page.
// A deactivated state set earlier is kept.
func (s *Sandbox) storeVKUserLocked(u VKUser) {
	if old, ok := s.vkUsers[u.ID]; ok {
		u.Deactivated = old.Deactivated
	}
	s.vkUsers[u.ID] = u
}

// writeOAuthOutage writes a token endpoint's response during
// OutageRateLimit or OutageServerError.
// NOTE: how VK's and Evotor's OAuth servers fail under load is not
// documented, so these bodies follow the OAuth 2.0 error format.
func writeOAuthOutage(w http.ResponseWriter, _ *http.Request, o Outage) {
	if o == OutageRateLimit {
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusTooManyRequests, oauthError{"temporarily_unavailable", "Too many requests"})
		return
	}
	writeJSON(w, http.StatusServiceUnavailable, oauthError{"temporarily_unavailable", "Service temporarily unavailable"})
}

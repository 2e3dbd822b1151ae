package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
)

// oauthError is the body of a failed token request (RFC 6749, section 5.2).
type oauthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// validateRedirectURI returns a message for the consent page when raw is
// not an absolute http or https URL, or "" when it is one.
func validateRedirectURI(raw string) string {
	if raw == "" {
		return "Не указан параметр redirect_uri."
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("redirect_uri «%s» не является абсолютным адресом http или https.", raw)
	}
	return ""
}

// redirectWithParams sends a 302 to redirectURI with params added to its
// query. redirectURI has passed validateRedirectURI.
func redirectWithParams(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		renderOAuthError(w, validateRedirectURI(redirectURI))
		return
	}
	query := u.Query()
	for key, values := range params {
		query[key] = values
	}
	u.RawQuery = query.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// deniedParams returns the redirect parameters of a user who pressed
// Cancel on the consent page, with the state of the authorize request
// when it had one.
func deniedParams(state string, extra url.Values) url.Values {
	params := url.Values{"error": {"access_denied"}}
	for key, values := range extra {
		params[key] = values
	}
	if state != "" {
		params.Set("state", state)
	}
	return params
}

// writeMethodNotAllowed responds with 405 to a token endpoint request with
// the wrong HTTP method.
func writeMethodNotAllowed(w http.ResponseWriter, allowed string) {
	w.Header().Set("Allow", allowed)
	writeJSON(w, http.StatusMethodNotAllowed, oauthError{
		Error:            "invalid_request",
		ErrorDescription: "HTTP method not allowed, use " + allowed,
	})
}

// Package vk is the client for VK's legacy OAuth code flow and its API.
package vk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/evosync/evosync/internal/httpx"
)

// Config holds the settings the client needs.
type Config struct {
	ClientID     string
	ClientSecret string
	Scopes       string // space- or comma-separated names, e.g. "market groups offline"
	APIVersion   string // sent as `v`, e.g. "5.131"
	OAuthBaseURL string // contains /authorize and /access_token
	APIBaseURL   string // contains /<method>
}

// Client talks to VK. It is safe for concurrent use.
type Client struct {
	cfg     Config
	http    *http.Client
	limiter *TokenLimiter
}

// New returns a client; httpClient carries the request timeout.
func New(cfg Config, httpClient *http.Client) *Client {
	return &Client{cfg: cfg, http: httpClient, limiter: NewTokenLimiter()}
}

// AuthorizeURL is where the browser goes to grant access.
func (c *Client) AuthorizeURL(redirectURI, state string) string {
	q := url.Values{}
	q.Set("client_id", c.cfg.ClientID)
	q.Set("redirect_uri", redirectURI)
	q.Set("response_type", "code")
	q.Set("scope", scopeList(c.cfg.Scopes))
	q.Set("state", state)
	q.Set("display", "page")
	q.Set("v", c.cfg.APIVersion)
	return strings.TrimRight(c.cfg.OAuthBaseURL, "/") + "/authorize?" + q.Encode()
}

// scopeList turns "market groups offline" into VK's comma-separated form.
func scopeList(scopes string) string {
	return strings.Join(strings.FieldsFunc(scopes, func(r rune) bool { return r == ' ' || r == ',' }), ",")
}

// Token is the answer of a successful code exchange.
type Token struct {
	AccessToken string
	UserID      int64
	// ExpiresIn is the lifetime; zero means the token does not expire.
	ExpiresIn time.Duration
}

// OAuthError is VK's rejection of a code exchange.
type OAuthError struct {
	Status      int
	Code        string // e.g. "invalid_grant"
	Description string
}

func (e *OAuthError) Error() string {
	return fmt.Sprintf("VK OAuth error %s (HTTP %d): %s", e.Code, e.Status, e.Description)
}

// Exchange trades an authorization code for a token with a GET request, as
// VK's code flow requires. redirectURI must be byte-identical to the one
// sent to AuthorizeURL.
func (c *Client) Exchange(ctx context.Context, code, redirectURI string) (Token, error) {
	q := url.Values{}
	q.Set("client_id", c.cfg.ClientID)
	q.Set("client_secret", c.cfg.ClientSecret)
	q.Set("redirect_uri", redirectURI)
	q.Set("code", code)
	endpoint := strings.TrimRight(c.cfg.OAuthBaseURL, "/") + "/access_token?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return Token{}, fmt.Errorf("build VK token request: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Token{}, fmt.Errorf("exchange VK code: %w", stripURL(err))
	}
	body, err := httpx.ReadBody(resp)
	if err != nil {
		return Token{}, err
	}
	return decodeToken(resp, body)
}

func decodeToken(resp *http.Response, body []byte) (Token, error) {
	var raw struct {
		AccessToken      string      `json:"access_token"`
		ExpiresIn        json.Number `json:"expires_in"`
		UserID           json.Number `json:"user_id"`
		Error            string      `json:"error"`
		ErrorDescription string      `json:"error_description"`
	}
	if !httpx.LooksLikeJSON(body) {
		if resp.StatusCode != http.StatusOK {
			return Token{}, &httpx.StatusError{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: httpx.Snippet(body)}
		}
		return Token{}, &httpx.DecodeError{ContentType: resp.Header.Get("Content-Type"), Err: fmt.Errorf("not JSON")}
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return Token{}, &httpx.DecodeError{ContentType: resp.Header.Get("Content-Type"), Err: err}
	}
	if raw.Error != "" {
		return Token{}, &OAuthError{Status: resp.StatusCode, Code: raw.Error, Description: raw.ErrorDescription}
	}
	if resp.StatusCode != http.StatusOK {
		return Token{}, &httpx.StatusError{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: httpx.Snippet(body)}
	}
	userID, errID := parseInt(raw.UserID)
	expires, errExp := parseInt(raw.ExpiresIn)
	if raw.AccessToken == "" || errID != nil || userID <= 0 || errExp != nil || expires < 0 {
		return Token{}, &httpx.DecodeError{ContentType: resp.Header.Get("Content-Type"), Err: fmt.Errorf("token answer lacks access_token, user_id or expires_in")}
	}
	return Token{AccessToken: raw.AccessToken, UserID: userID, ExpiresIn: time.Duration(expires) * time.Second}, nil
}

// stripURL removes the request URL from a transport error, because VK's
// exchange URL carries the client secret and the code.
func stripURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return fmt.Errorf("%s request failed: %w", ue.Op, ue.Err)
	}
	return err
}

// Package evotor is the client for Evotor's OAuth server and its API v2.
package evotor

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

// MediaType is the Accept header Evotor's API v2 requires.
const MediaType = "application/vnd.evotor.v2+json"

// Config holds the settings the client needs.
type Config struct {
	ClientID     string
	ClientSecret string
	Scopes       string // space-separated, e.g. "store:read product:read"
	OAuthBaseURL string // contains /oauth/authorize and /oauth/token
	APIBaseURL   string // contains /stores
}

// Client talks to Evotor. It is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client
}

// New returns a client; httpClient carries the request timeout.
func New(cfg Config, httpClient *http.Client) *Client {
	return &Client{cfg: cfg, http: httpClient}
}

// AuthorizeURL is where the browser goes to grant access.
func (c *Client) AuthorizeURL(redirectURI, state string) string {
	q := url.Values{}
	q.Set("client_id", c.cfg.ClientID)
	q.Set("response_type", "code")
	q.Set("redirect_uri", redirectURI)
	q.Set("scope", c.cfg.Scopes)
	q.Set("state", state)
	return strings.TrimRight(c.cfg.OAuthBaseURL, "/") + "/oauth/authorize?" + q.Encode()
}

// Token is a successful token answer. Evotor's exact fields are not fully
// documented, so every field but AccessToken may be empty.
type Token struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration // zero when Evotor gave no lifetime
	Scope        string
	UserID       string // present in some answers as user_id or userId
}

// OAuthError is the token endpoint's rejection.
type OAuthError struct {
	Status      int
	Code        string // e.g. "invalid_grant"
	Description string
}

func (e *OAuthError) Error() string {
	return fmt.Sprintf("Evotor OAuth error %s (HTTP %d): %s", e.Code, e.Status, e.Description)
}

// Exchange trades an authorization code for tokens: a form POST with HTTP
// Basic client credentials.
func (c *Client) Exchange(ctx context.Context, code, redirectURI string) (Token, error) {
	form := url.Values{}
	form.Set("grant_type", "authorization_code")
	form.Set("code", code)
	form.Set("redirect_uri", redirectURI)
	return c.token(ctx, form)
}

// Refresh trades a refresh token for new tokens.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (Token, error) {
	form := url.Values{}
	form.Set("grant_type", "refresh_token")
	form.Set("refresh_token", refreshToken)
	return c.token(ctx, form)
}

func (c *Client) token(ctx context.Context, form url.Values) (Token, error) {
	endpoint := strings.TrimRight(c.cfg.OAuthBaseURL, "/") + "/oauth/token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return Token{}, fmt.Errorf("build Evotor token request: %w", err)
	}
	req.SetBasicAuth(c.cfg.ClientID, c.cfg.ClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return Token{}, fmt.Errorf("call Evotor token endpoint: %w", err)
	}
	body, err := httpx.ReadBody(resp)
	if err != nil {
		return Token{}, err
	}
	return decodeToken(resp, body)
}

func decodeToken(resp *http.Response, body []byte) (Token, error) {
	contentType := resp.Header.Get("Content-Type")
	if !httpx.LooksLikeJSON(body) {
		if resp.StatusCode != http.StatusOK {
			return Token{}, &httpx.StatusError{Status: resp.StatusCode, ContentType: contentType, Body: httpx.Snippet(body)}
		}
		return Token{}, &httpx.DecodeError{ContentType: contentType, Err: fmt.Errorf("not JSON")}
	}
	var raw struct {
		AccessToken      string      `json:"access_token"`
		RefreshToken     string      `json:"refresh_token"`
		ExpiresIn        json.Number `json:"expires_in"`
		Scope            string      `json:"scope"`
		UserID           string      `json:"user_id"`
		UserIDCamel      string      `json:"userId"`
		Error            string      `json:"error"`
		ErrorDescription string      `json:"error_description"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return Token{}, &httpx.DecodeError{ContentType: contentType, Err: err}
	}
	if raw.Error != "" {
		return Token{}, &OAuthError{Status: resp.StatusCode, Code: raw.Error, Description: raw.ErrorDescription}
	}
	if resp.StatusCode != http.StatusOK {
		return Token{}, &httpx.StatusError{Status: resp.StatusCode, ContentType: contentType, Body: httpx.Snippet(body)}
	}
	if raw.AccessToken == "" {
		return Token{}, &httpx.DecodeError{ContentType: contentType, Err: fmt.Errorf("token answer lacks access_token")}
	}
	tok := Token{AccessToken: raw.AccessToken, RefreshToken: raw.RefreshToken, Scope: raw.Scope, UserID: raw.UserID}
	if tok.UserID == "" {
		tok.UserID = raw.UserIDCamel
	}
	if secs, err := raw.ExpiresIn.Int64(); err == nil && secs > 0 {
		tok.ExpiresIn = time.Duration(secs) * time.Second
	}
	return tok, nil
}

package vk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/evosync/evosync/internal/httpx"
)

// VK API error codes the product acts on (VK's errors.json).
const (
	ErrAuthFailed         = 5    // token revoked, expired or invalid
	ErrTooManyPerSecond   = 6    // more than 3 requests per second
	ErrFloodControl       = 9    // too many similar actions
	ErrInternal           = 10   // VK internal error
	ErrCaptchaNeeded      = 14   // a person must solve a captcha
	ErrValidationRequired = 17   // a person must confirm the account
	ErrUserDeactivated    = 18   // the user was deleted or banned
	ErrAppAuthFailed      = 28   // application authorization failed
	ErrMethodRateLimit    = 29   // the method's daily limit is reached
	ErrTokenExpired       = 1117 // token expired (VK ID tokens)
)

// APIError is VK's error object, returned with HTTP 200.
type APIError struct {
	Code    int
	Message string
	// RedirectURI comes with error 17; CaptchaSID with error 14.
	RedirectURI string
	CaptchaSID  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("VK API error %d: %s", e.Code, e.Message)
}

// Call invokes an API method with a form POST, so the token never appears
// in a URL, and decodes `response` into out. It waits for the per-token
// rate limit first.
func (c *Client) Call(ctx context.Context, token, method string, params url.Values, out any) error {
	if err := c.limiter.Wait(ctx, token); err != nil {
		return fmt.Errorf("wait for VK rate limit: %w", err)
	}
	form := url.Values{}
	for k, v := range params {
		form[k] = v
	}
	form.Set("access_token", token)
	form.Set("v", c.cfg.APIVersion)
	endpoint := strings.TrimRight(c.cfg.APIBaseURL, "/") + "/" + method
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("build VK %s request: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("call VK %s: %w", method, err)
	}
	body, err := httpx.ReadBody(resp)
	if err != nil {
		return fmt.Errorf("call VK %s: %w", method, err)
	}
	return decodeAPI(resp, body, out)
}

func decodeAPI(resp *http.Response, body []byte, out any) error {
	contentType := resp.Header.Get("Content-Type")
	if resp.StatusCode != http.StatusOK {
		return &httpx.StatusError{Status: resp.StatusCode, ContentType: contentType, Body: httpx.Snippet(body)}
	}
	if !httpx.LooksLikeJSON(body) {
		return &httpx.DecodeError{ContentType: contentType, Err: fmt.Errorf("not JSON")}
	}
	var env struct {
		Response json.RawMessage `json:"response"`
		Error    *struct {
			Code        json.Number `json:"error_code"`
			Msg         string      `json:"error_msg"`
			RedirectURI string      `json:"redirect_uri"`
			CaptchaSID  json.Number `json:"captcha_sid"`
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil {
		return &httpx.DecodeError{ContentType: contentType, Err: err}
	}
	if env.Error != nil {
		code, _ := parseInt(env.Error.Code)
		return &APIError{Code: int(code), Message: env.Error.Msg, RedirectURI: env.Error.RedirectURI, CaptchaSID: env.Error.CaptchaSID.String()}
	}
	if env.Response == nil {
		return &httpx.DecodeError{ContentType: contentType, Err: fmt.Errorf("neither response nor error")}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(env.Response, out); err != nil {
		return &httpx.DecodeError{ContentType: contentType, Err: err}
	}
	return nil
}

// Int is a VK integer that may arrive as 42, "42" or 42.000000.
type Int int64

// UnmarshalJSON accepts numbers and numeric strings.
func (n *Int) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		*n = 0
		return nil
	}
	v, err := parseInt(json.Number(s))
	if err != nil {
		return err
	}
	*n = Int(v)
	return nil
}

// parseInt reads an integer that VK may write with a fractional part.
func parseInt(num json.Number) (int64, error) {
	s := string(num)
	if s == "" {
		return 0, fmt.Errorf("empty number")
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("not an integer: %q", s)
	}
	return int64(f), nil
}

// User is the token owner as users.get returns it.
type User struct {
	ID          Int    `json:"id"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Deactivated string `json:"deactivated"` // "deleted" or "banned" when set
}

// CurrentUser calls users.get without ids, which returns the token's owner.
func (c *Client) CurrentUser(ctx context.Context, token string) (User, error) {
	var users []User
	if err := c.Call(ctx, token, "users.get", nil, &users); err != nil {
		return User{}, err
	}
	if len(users) != 1 {
		return User{}, &httpx.DecodeError{ContentType: "application/json", Err: fmt.Errorf("users.get returned %d users, want 1", len(users))}
	}
	u := users[0]
	u.FirstName, u.LastName = clipName(u.FirstName), clipName(u.LastName)
	return u, nil
}

// String renders the integer in base 10.
func (n Int) String() string { return strconv.FormatInt(int64(n), 10) }

// maxNameRunes caps a profile name that EvoSync stores and shows; real VK
// names are far shorter, so only a broken or hostile answer is cut.
const maxNameRunes = 100

func clipName(s string) string {
	if r := []rune(s); len(r) > maxNameRunes {
		return string(r[:maxNameRunes])
	}
	return s
}

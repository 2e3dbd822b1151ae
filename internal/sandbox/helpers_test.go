package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testRedirectURI = "http://127.0.0.1:9999/oauth/vk/callback?from=test"
	testEvotorURI   = "http://127.0.0.1:9999/oauth/evotor/callback"
)

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// harness is a sandbox served by an httptest server on loopback, with a
// client that does not follow redirects.
type harness struct {
	t      *testing.T
	sb     *Sandbox
	srv    *httptest.Server
	client *http.Client
	clock  *fakeClock
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	clock := newFakeClock()
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	sb := New(cfg)
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	client := &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
	return &harness{t: t, sb: sb, srv: srv, client: client, clock: clock}
}

// response is a fully read HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (h *harness) do(req *http.Request) response {
	h.t.Helper()
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("reading the body of %s %s: %v", req.Method, req.URL, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

func (h *harness) newRequest(method, path string, body io.Reader) *http.Request {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, body)
	if err != nil {
		h.t.Fatalf("building %s %s: %v", method, path, err)
	}
	return req
}

func (h *harness) get(path string) response {
	h.t.Helper()
	return h.do(h.newRequest(http.MethodGet, path, nil))
}

func (h *harness) postForm(path string, form url.Values) response {
	h.t.Helper()
	req := h.newRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return h.do(req)
}

// location returns the parsed Location header of a redirect.
func (r response) location(t *testing.T) *url.URL {
	t.Helper()
	if r.status != http.StatusFound && r.status != http.StatusSeeOther {
		t.Fatalf("status = %d, want a redirect; body: %s", r.status, r.body)
	}
	u, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		t.Fatalf("parsing Location %q: %v", r.header.Get("Location"), err)
	}
	return u
}

func decodeJSON[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	return v
}

// vkConsent posts the VK consent form with the default user and returns
// the response.
func (h *harness) vkConsent(redirectURI, state, decision string) response {
	h.t.Helper()
	return h.postForm("/vk/oauth/authorize", url.Values{
		"client_id":     {DefaultVKClientID},
		"redirect_uri":  {redirectURI},
		"response_type": {"code"},
		"scope":         {"offline,groups,market,photos"},
		"state":         {state},
		"display":       {"page"},
		"v":             {"5.199"},
		"user_id":       {"424242"},
		"first_name":    {"Иван"},
		"last_name":     {"Тестов"},
		"decision":      {decision},
	})
}

// vkCode runs the consent with "allow" and returns the issued code.
func (h *harness) vkCode() string {
	h.t.Helper()
	code := h.vkConsent(testRedirectURI, "st", "allow").location(h.t).Query().Get("code")
	if code == "" {
		h.t.Fatal("consent redirect has no code")
	}
	return code
}

func (h *harness) vkExchange(code, secret, redirectURI string) response {
	h.t.Helper()
	query := url.Values{
		"client_id":     {DefaultVKClientID},
		"client_secret": {secret},
		"redirect_uri":  {redirectURI},
		"code":          {code},
	}
	return h.get("/vk/oauth/access_token?" + query.Encode())
}

// vkAPIResult is the decoded body of a VK API response.
type vkAPIResult struct {
	Response json.RawMessage `json:"response"`
	Error    *struct {
		ErrorCode     int              `json:"error_code"`
		ErrorMsg      string           `json:"error_msg"`
		RequestParams []vkRequestParam `json:"request_params"`
		CaptchaSID    string           `json:"captcha_sid"`
		CaptchaImg    string           `json:"captcha_img"`
	} `json:"error"`
}

// callVK calls a VK method with v=5.199 and returns the decoded response,
// failing the test unless the status is 200.
func (h *harness) callVK(method, token string, params url.Values) vkAPIResult {
	h.t.Helper()
	if params == nil {
		params = url.Values{}
	}
	params.Set("v", "5.199")
	if token != "" {
		params.Set("access_token", token)
	}
	r := h.get("/vk/method/" + method + "?" + params.Encode())
	if r.status != http.StatusOK {
		h.t.Fatalf("%s: status = %d, want 200; body: %s", method, r.status, r.body)
	}
	return decodeJSON[vkAPIResult](h.t, r.body)
}

// vkErrorCode returns the error code of a VK response, or 0 for success.
func (r vkAPIResult) vkErrorCode() int {
	if r.Error == nil {
		return 0
	}
	return r.Error.ErrorCode
}

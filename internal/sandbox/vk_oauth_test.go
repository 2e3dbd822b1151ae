package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestVKCodeFlow(t *testing.T) {
	h := newHarness(t, Config{})

	page := h.get("/vk/oauth/authorize?" + url.Values{
		"client_id": {DefaultVKClientID}, "redirect_uri": {testRedirectURI}, "response_type": {"code"},
		"scope": {"offline,groups,market,photos"}, "state": {"st"}, "display": {"page"}, "v": {"5.199"},
	}.Encode())
	if page.status != http.StatusOK {
		t.Fatalf("consent page status = %d, want 200; body: %s", page.status, page.body)
	}
	for _, want := range []string{"Разрешить", "Отмена", "424242", "Иван", "Тестов", "доступ к товарам"} {
		if !strings.Contains(string(page.body), want) {
			t.Errorf("consent page does not contain %q", want)
		}
	}

	location := h.vkConsent(testRedirectURI, "st", "allow").location(t)
	if got := location.Query().Get("state"); got != "st" {
		t.Errorf("redirect state = %q, want st", got)
	}
	if got := location.Query().Get("from"); got != "test" {
		t.Errorf("redirect lost the redirect_uri's own query: from = %q", got)
	}

	exchange := h.vkExchange(location.Query().Get("code"), DefaultVKClientSecret, testRedirectURI)
	if exchange.status != http.StatusOK {
		t.Fatalf("exchange status = %d, want 200; body: %s", exchange.status, exchange.body)
	}
	raw := decodeJSON[map[string]any](t, exchange.body)
	if got, ok := raw["user_id"].(float64); !ok || got != 424242 {
		t.Errorf("user_id = %#v, want the JSON number 424242", raw["user_id"])
	}
	if got, ok := raw["expires_in"].(float64); !ok || got != 0 {
		t.Errorf("expires_in = %#v, want 0 for offline tokens", raw["expires_in"])
	}
	token, _ := raw["access_token"].(string)

	result := h.callVK("users.get", token, nil)
	if result.Error != nil {
		t.Fatalf("users.get error: %+v", result.Error)
	}
	users := decodeJSON[[]map[string]any](t, result.Response)
	want := []map[string]any{{
		"id": 424242.0, "first_name": "Иван", "last_name": "Тестов",
		"can_access_closed": true, "is_closed": false,
	}}
	if diff := cmp.Diff(want, users); diff != "" {
		t.Errorf("users.get response (-want +got):\n%s", diff)
	}
}

func TestVKConsentDeny(t *testing.T) {
	h := newHarness(t, Config{})
	query := h.vkConsent(testRedirectURI, "xyz", "deny").location(t).Query()
	want := map[string]string{
		"error":             "access_denied",
		"error_reason":      "user_denied",
		"error_description": "User denied your request",
		"state":             "xyz",
		"code":              "",
	}
	for key, value := range want {
		if got := query.Get(key); got != value {
			t.Errorf("%s = %q, want %q", key, got, value)
		}
	}
}

func TestVKConsentRejectsBadRequests(t *testing.T) {
	h := newHarness(t, Config{})
	cases := map[string]url.Values{
		"unknown client":        {"client_id": {"other"}, "redirect_uri": {testRedirectURI}, "response_type": {"code"}},
		"missing redirect_uri":  {"client_id": {DefaultVKClientID}, "response_type": {"code"}},
		"relative redirect_uri": {"client_id": {DefaultVKClientID}, "redirect_uri": {"/cb"}, "response_type": {"code"}},
		"implicit flow":         {"client_id": {DefaultVKClientID}, "redirect_uri": {testRedirectURI}, "response_type": {"token"}},
	}
	for name, query := range cases {
		t.Run(name, func(t *testing.T) {
			r := h.get("/vk/oauth/authorize?" + query.Encode())
			if r.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", r.status)
			}
			if r.header.Get("Location") != "" {
				t.Errorf("Location = %q, want no redirect", r.header.Get("Location"))
			}
		})
	}
}

func TestVKConsentRejectsInvalidUserID(t *testing.T) {
	h := newHarness(t, Config{})
	form := url.Values{
		"client_id": {DefaultVKClientID}, "redirect_uri": {testRedirectURI}, "response_type": {"code"},
		"user_id": {"abc"}, "first_name": {"Иван"}, "decision": {"allow"},
	}
	if r := h.postForm("/vk/oauth/authorize", form); r.status != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", r.status)
	}
}

func TestVKExchangeCodeReuse(t *testing.T) {
	h := newHarness(t, Config{})
	code := h.vkCode()
	if r := h.vkExchange(code, DefaultVKClientSecret, testRedirectURI); r.status != http.StatusOK {
		t.Fatalf("first exchange status = %d; body: %s", r.status, r.body)
	}
	r := h.vkExchange(code, DefaultVKClientSecret, testRedirectURI)
	if r.status != http.StatusUnauthorized {
		t.Errorf("second exchange status = %d, want 401", r.status)
	}
	want := oauthError{Error: "invalid_grant", ErrorDescription: "Code is invalid or expired."}
	if diff := cmp.Diff(want, decodeJSON[oauthError](t, r.body)); diff != "" {
		t.Errorf("second exchange body (-want +got):\n%s", diff)
	}
}

func TestVKExchangeExpiredCode(t *testing.T) {
	h := newHarness(t, Config{})
	code := h.vkCode()
	h.clock.Advance(time.Hour)
	r := h.vkExchange(code, DefaultVKClientSecret, testRedirectURI)
	if got := decodeJSON[oauthError](t, r.body).Error; r.status != http.StatusUnauthorized || got != "invalid_grant" {
		t.Errorf("exchange after an hour = %d %q, want 401 invalid_grant", r.status, got)
	}
}

func TestVKExchangeRedirectMismatch(t *testing.T) {
	h := newHarness(t, Config{})
	code := h.vkCode()
	r := h.vkExchange(code, DefaultVKClientSecret, testRedirectURI+"&extra=1")
	if r.status != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", r.status)
	}
	want := oauthError{Error: "invalid_grant", ErrorDescription: "redirect_uri is incorrect"}
	if diff := cmp.Diff(want, decodeJSON[oauthError](t, r.body)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if r := h.vkExchange(code, DefaultVKClientSecret, testRedirectURI); r.status != http.StatusOK {
		t.Errorf("exchange with the right redirect_uri after a mismatch = %d, want 200", r.status)
	}
}

func TestVKExchangeBadSecret(t *testing.T) {
	h := newHarness(t, Config{})
	code := h.vkCode()
	r := h.vkExchange(code, "wrong", testRedirectURI)
	if got := decodeJSON[oauthError](t, r.body).Error; r.status != http.StatusUnauthorized || got != "invalid_client" {
		t.Errorf("exchange with a bad secret = %d %q, want 401 invalid_client", r.status, got)
	}
}

func TestVKExchangeMissingCode(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.vkExchange("", DefaultVKClientSecret, testRedirectURI)
	if got := decodeJSON[oauthError](t, r.body).Error; r.status != http.StatusBadRequest || got != "invalid_request" {
		t.Errorf("exchange without code = %d %q, want 400 invalid_request", r.status, got)
	}
}

func TestVKExchangeRejectsPost(t *testing.T) {
	h := newHarness(t, Config{})
	code := h.vkCode()
	r := h.postForm("/vk/oauth/access_token", url.Values{
		"client_id": {DefaultVKClientID}, "client_secret": {DefaultVKClientSecret},
		"redirect_uri": {testRedirectURI}, "code": {code},
	})
	if r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST status = %d, want 405", r.status)
	}
	if got := r.header.Get("Allow"); got != http.MethodGet {
		t.Errorf("Allow = %q, want GET", got)
	}
	if r := h.vkExchange(code, DefaultVKClientSecret, testRedirectURI); r.status != http.StatusOK {
		t.Errorf("GET exchange after the rejected POST = %d, want 200", r.status)
	}
}

func TestVKExchangeTokenTTL(t *testing.T) {
	h := newHarness(t, Config{VKTokenTTL: 24 * time.Hour})
	r := h.vkExchange(h.vkCode(), DefaultVKClientSecret, testRedirectURI)
	body := decodeJSON[vkAccessTokenResponse](t, r.body)
	if body.ExpiresIn != 86400 {
		t.Errorf("expires_in = %d, want 86400", body.ExpiresIn)
	}
	h.clock.Advance(24 * time.Hour)
	if code := h.callVK("users.get", body.AccessToken, nil).vkErrorCode(); code != vkErrAuthFailed {
		t.Errorf("users.get with an expired token: error %d, want 5", code)
	}
}

func TestParseVKScope(t *testing.T) {
	cases := map[string][]string{
		"offline,groups":  {"offline", "groups"},
		"offline groups":  {"offline", "groups"},
		"Market, market":  {"market"},
		"134545412":       {"photos", "offline", "groups", "market"},
		"1073741824":      {"1073741824"},
		"":                nil,
		"134217728":       {"market"},
		"offline,,photos": {"offline", "photos"},
	}
	for scope, want := range cases {
		if diff := cmp.Diff(want, parseVKScope(scope)); diff != "" {
			t.Errorf("parseVKScope(%q) (-want +got):\n%s", scope, diff)
		}
	}
}

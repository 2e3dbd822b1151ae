package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testVKUser = VKUser{ID: 743784474, FirstName: "Пётр", LastName: "Петров"}

func TestVKAPIMissingVersion(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	r := h.get("/vk/method/users.get?access_token=" + token)
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200", r.status)
	}
	result := decodeJSON[vkAPIResult](t, r.body)
	if result.vkErrorCode() != vkErrInvalidRequest {
		t.Fatalf("error code = %d, want 8", result.vkErrorCode())
	}
	if result.Error.ErrorMsg != "Invalid request: v is required" {
		t.Errorf("error_msg = %q", result.Error.ErrorMsg)
	}
}

func TestVKAPIUnknownMethod(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	if code := h.callVK("wall.nope", token, nil).vkErrorCode(); code != vkErrUnknownMethod {
		t.Errorf("error code = %d, want 3", code)
	}
}

func TestVKAPIRequestParamsOmitToken(t *testing.T) {
	h := newHarness(t, Config{})
	result := h.callVK("wall.nope", "secret-token-value", url.Values{"owner_id": {"-1"}})
	want := []vkRequestParam{
		{Key: "method", Value: "wall.nope"},
		{Key: "oauth", Value: "1"},
		{Key: "owner_id", Value: "-1"},
		{Key: "v", Value: "5.199"},
	}
	if diff := cmp.Diff(want, result.Error.RequestParams); diff != "" {
		t.Errorf("request_params (-want +got):\n%s", diff)
	}
}

func TestVKAPIInvalidToken(t *testing.T) {
	h := newHarness(t, Config{})
	result := h.callVK("users.get", "unknown", nil)
	if result.vkErrorCode() != vkErrAuthFailed {
		t.Fatalf("error code = %d, want 5", result.vkErrorCode())
	}
	if want := "User authorization failed: invalid access_token (4)."; result.Error.ErrorMsg != want {
		t.Errorf("error_msg = %q, want %q", result.Error.ErrorMsg, want)
	}
	if code := h.callVK("users.get", "", nil).vkErrorCode(); code != vkErrAuthFailed {
		t.Errorf("error code without a token = %d, want 5", code)
	}
}

func TestVKAPIRevocation(t *testing.T) {
	h := newHarness(t, Config{})
	first := h.sb.MintVKToken(testVKUser)
	second := h.sb.MintVKToken(testVKUser)
	other := h.sb.MintVKToken(VKUser{ID: 1, FirstName: "Анна"})

	if !h.sb.RevokeVKToken(first) {
		t.Error("RevokeVKToken of an active token = false")
	}
	if h.sb.RevokeVKToken(first) {
		t.Error("RevokeVKToken of a revoked token = true")
	}
	if code := h.callVK("users.get", first, nil).vkErrorCode(); code != vkErrAuthFailed {
		t.Errorf("revoked token: error %d, want 5", code)
	}
	if code := h.callVK("users.get", second, nil).vkErrorCode(); code != 0 {
		t.Errorf("second token before user revocation: error %d, want success", code)
	}
	if n := h.sb.RevokeVKUser(testVKUser.ID); n != 1 {
		t.Errorf("RevokeVKUser = %d, want 1", n)
	}
	if code := h.callVK("users.get", second, nil).vkErrorCode(); code != vkErrAuthFailed {
		t.Errorf("token of a revoked user: error %d, want 5", code)
	}
	if code := h.callVK("users.get", other, nil).vkErrorCode(); code != 0 {
		t.Errorf("other user's token: error %d, want success", code)
	}
}

func TestVKAPIBearerHeaderAndPost(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	req := h.newRequest(http.MethodPost, "/vk/method/users.get", strings.NewReader("v=5.199"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	result := decodeJSON[vkAPIResult](t, h.do(req).body)
	if result.Error != nil {
		t.Fatalf("POST with a Bearer token: error %+v", result.Error)
	}
	users := decodeJSON[[]vkUserObject](t, result.Response)
	if len(users) != 1 || users[0].ID != testVKUser.ID {
		t.Errorf("users = %+v, want the token owner", users)
	}
}

func TestVKAPIDeactivatedUser(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	h.sb.SetVKUserDeactivated(testVKUser.ID, VKUserBanned)

	result := h.callVK("users.get", token, nil)
	if result.Error != nil {
		t.Fatalf("users.get for a banned owner: error %+v, want the user", result.Error)
	}
	raw := decodeJSON[[]map[string]any](t, result.Response)
	if len(raw) != 1 || raw[0]["deactivated"] != "banned" {
		t.Errorf("users.get = %v, want one user with deactivated banned", raw)
	}

	registerTestMethod(t, "test.echo")
	if code := h.callVK("test.echo", token, nil).vkErrorCode(); code != vkErrUserDeactivated {
		t.Errorf("other method for a banned owner: error %d, want 18", code)
	}

	h.sb.SetVKUserDeactivated(testVKUser.ID, VKUserActive)
	if code := h.callVK("test.echo", token, nil).vkErrorCode(); code != 0 {
		t.Errorf("other method after reactivation: error %d, want success", code)
	}
}

// registerTestMethod adds a method that returns 1 and removes it when the
// test ends. Tests that use it must not run in parallel.
func registerTestMethod(t *testing.T, name string) {
	t.Helper()
	registerVKMethod(name, vkMethod{handle: func(*Sandbox, *vkCall) (any, *vkError) { return 1, nil }})
	t.Cleanup(func() { delete(vkMethods, name) })
}

func TestVKUsersGetByIDs(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	h.sb.MintVKToken(VKUser{ID: 5, FirstName: "Анна", LastName: "Смирнова"})

	result := h.callVK("users.get", token, url.Values{"user_ids": {"5,999"}})
	users := decodeJSON[[]vkUserObject](t, result.Response)
	want := []vkUserObject{{ID: 5, FirstName: "Анна", LastName: "Смирнова", CanAccessClosed: true}}
	if diff := cmp.Diff(want, users); diff != "" {
		t.Errorf("users.get user_ids=5,999 (-want +got):\n%s", diff)
	}
	if code := h.callVK("users.get", token, url.Values{"user_ids": {"durov"}}).vkErrorCode(); code != vkErrInvalidUserID {
		t.Errorf("users.get with a screen name: error %d, want 113", code)
	}
}

func TestVKAPIRateLimit(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	for i := range 3 {
		if code := h.callVK("users.get", token, nil).vkErrorCode(); code != 0 {
			t.Fatalf("call %d: error %d, want success", i+1, code)
		}
	}
	result := h.callVK("users.get", token, nil)
	if result.vkErrorCode() != vkErrTooManyRequests {
		t.Fatalf("4th call in a second: error %d, want 6", result.vkErrorCode())
	}
	if result.Error.ErrorMsg != "Too many requests per second" {
		t.Errorf("error_msg = %q", result.Error.ErrorMsg)
	}

	other := h.sb.MintVKToken(VKUser{ID: 2, FirstName: "Олег"})
	if code := h.callVK("users.get", other, nil).vkErrorCode(); code != 0 {
		t.Errorf("another token in the same second: error %d, want success", code)
	}

	h.clock.Advance(999 * time.Millisecond)
	if code := h.callVK("users.get", token, nil).vkErrorCode(); code != vkErrTooManyRequests {
		t.Errorf("call 999 ms after the first: error %d, want 6", code)
	}
	h.clock.Advance(time.Millisecond)
	for i := range 3 {
		if code := h.callVK("users.get", token, nil).vkErrorCode(); code != 0 {
			t.Errorf("call %d one second later: error %d, want success", i+1, code)
		}
	}
}

func TestVKAPIInjectedError(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	h.sb.InjectVKError(token, 14, "Captcha needed", map[string]any{
		"captcha_sid": "123", "captcha_img": "http://127.0.0.1/captcha.png",
	}, 2)

	for i := range 2 {
		result := h.callVK("users.get", token, nil)
		if result.vkErrorCode() != 14 {
			t.Fatalf("call %d: error %d, want injected 14", i+1, result.vkErrorCode())
		}
		if result.Error.CaptchaSID != "123" || result.Error.CaptchaImg == "" {
			t.Errorf("call %d: captcha fields = %q %q", i+1, result.Error.CaptchaSID, result.Error.CaptchaImg)
		}
		if result.Error.ErrorMsg != "Captcha needed" {
			t.Errorf("call %d: error_msg = %q", i+1, result.Error.ErrorMsg)
		}
	}
	if code := h.callVK("users.get", token, nil).vkErrorCode(); code != 0 {
		t.Errorf("third call: error %d, want success", code)
	}
}

func TestVKAPIInjectedErrorCleared(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	h.sb.InjectVKError(token, 10, "Internal server error", nil, 5)
	h.sb.InjectVKError(token, 0, "", nil, 0)
	if code := h.callVK("users.get", token, nil).vkErrorCode(); code != 0 {
		t.Errorf("error %d after clearing the injection, want success", code)
	}
}

func TestVKAPIErrorExtraDoesNotOverrideCode(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	h.sb.InjectVKError(token, 17, "Validation required", map[string]any{
		"error_code": 1, "redirect_uri": "https://127.0.0.1/validate",
	}, 1)
	r := h.get("/vk/method/users.get?v=5.199&access_token=" + token)
	var body struct {
		Error map[string]any `json:"error"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Error["error_code"] != 17.0 || body.Error["redirect_uri"] != "https://127.0.0.1/validate" {
		t.Errorf("error object = %v, want code 17 with redirect_uri", body.Error)
	}
}

func TestVKCallCount(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	h.callVK("users.get", token, nil)
	h.callVK("users.get", "bad", nil)
	h.vkExchange("nope", DefaultVKClientSecret, testRedirectURI)
	if n := h.sb.CallCount(ProviderVK, "users.get"); n != 2 {
		t.Errorf("CallCount users.get = %d, want 2", n)
	}
	if n := h.sb.CallCount(ProviderVK, "access_token"); n != 1 {
		t.Errorf("CallCount access_token = %d, want 1", n)
	}
	h.sb.ResetCounts()
	if n := h.sb.CallCount(ProviderVK, "users.get"); n != 0 {
		t.Errorf("CallCount after ResetCounts = %d, want 0", n)
	}
}

package sandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// controlJSON posts a control form with "Accept: application/json".
func (h *harness) controlJSON(path string, form url.Values) response {
	h.t.Helper()
	req := h.newRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return h.do(req)
}

func TestControlPageListsTokens(t *testing.T) {
	h := newHarness(t, Config{})
	vkToken := h.sb.MintVKToken(testVKUser)
	revoked := h.sb.MintVKToken(VKUser{ID: 7, FirstName: "Анна"})
	h.sb.RevokeVKToken(revoked)
	evotorAccess, _ := h.sb.MintEvotorToken(defaultEvotorUserID)

	r := h.get("/")
	if r.status != http.StatusOK {
		t.Fatalf("status = %d; body: %s", r.status, r.body)
	}
	page := string(r.body)
	for _, want := range []string{
		vkToken[:6] + "…", evotorAccess[:6] + "…", "Пётр Петров", "действует", "отозван",
		defaultEvotorUserID, "Отозвать", "Отметить удаление", "/control/outage", "заблокирован",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("control page does not contain %q", want)
		}
	}
	if strings.Contains(page, ">"+vkToken+"<") {
		t.Error("control page shows a full token as text")
	}
}

func TestControlPageShowsExpired(t *testing.T) {
	h := newHarness(t, Config{VKTokenTTL: time.Hour})
	h.sb.MintVKToken(testVKUser)
	h.clock.Advance(2 * time.Hour)
	if page := string(h.get("/").body); !strings.Contains(page, "истёк") {
		t.Error("control page does not mark the expired token")
	}
}

func TestControlFormRedirects(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	r := h.postForm("/control/vk/tokens/revoke", url.Values{"token": {token}})
	if got := r.location(t).Path; r.status != http.StatusSeeOther || got != "/" {
		t.Errorf("form post = %d to %q, want 303 to /", r.status, got)
	}
	if code := h.callVK("users.get", token, nil).vkErrorCode(); code != vkErrAuthFailed {
		t.Errorf("token after the revoke button: error %d, want 5", code)
	}
}

func TestControlFormError(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.postForm("/control/outage", url.Values{"provider": {"vk"}, "outage": {"down"}})
	if r.status != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", r.status)
	}
	if !strings.Contains(string(r.body), "Неизвестный режим сбоя") {
		t.Errorf("error page does not explain the error: %s", r.body)
	}
}

func TestControlJSON(t *testing.T) {
	h := newHarness(t, Config{})

	minted := decodeJSON[map[string]any](t, h.controlJSON("/control/vk/tokens/mint", url.Values{"user_id": {"99"}}).body)
	vkToken, _ := minted["access_token"].(string)
	if vkToken == "" || minted["user_id"] != 99.0 {
		t.Fatalf("vk mint = %v", minted)
	}
	evotor := decodeJSON[map[string]string](t, h.controlJSON("/control/evotor/tokens/mint", nil).body)
	if evotor["access_token"] == "" || evotor["user_id"] != defaultEvotorUserID {
		t.Fatalf("evotor mint = %v", evotor)
	}

	cases := []struct {
		path string
		form url.Values
		want map[string]any
	}{
		{"/control/vk/users/deactivate", url.Values{"user_id": {"99"}, "state": {"deleted"}},
			map[string]any{"user_id": 99.0, "deactivated": "deleted"}},
		{"/control/vk/users/revoke", url.Values{"user_id": {"99"}}, map[string]any{"revoked": 1.0}},
		{"/control/vk/tokens/revoke", url.Values{"token": {vkToken}}, map[string]any{"revoked": false}},
		{"/control/evotor/users/app", url.Values{"user_id": {defaultEvotorUserID}, "removed": {"true"}},
			map[string]any{"user_id": defaultEvotorUserID, "app_removed": true}},
		{"/control/evotor/tokens/revoke", url.Values{"token": {evotor["refresh_token"]}}, map[string]any{"revoked": true}},
		{"/control/evotor/users/revoke", url.Values{"user_id": {defaultEvotorUserID}}, map[string]any{"revoked": 0.0}},
		{"/control/outage", url.Values{"provider": {"evotor"}, "outage": {"timeout"}},
			map[string]any{"provider": "evotor", "outage": "timeout"}},
		{"/control/latency", url.Values{"latency_ms": {"25"}}, map[string]any{"latency_ms": 25.0}},
		{"/control/counts/reset", nil, map[string]any{"reset": true}},
	}
	for _, c := range cases {
		r := h.controlJSON(c.path, c.form)
		if r.status != http.StatusOK {
			t.Errorf("%s: status = %d; body: %s", c.path, r.status, r.body)
			continue
		}
		if diff := cmp.Diff(c.want, decodeJSON[map[string]any](t, r.body)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.path, diff)
		}
	}

	if got := h.sb.outage(ProviderEvotor); got != OutageTimeout {
		t.Errorf("evotor outage = %v, want timeout", got)
	}
	if got := time.Duration(h.sb.latency.Load()); got != 25*time.Millisecond {
		t.Errorf("latency = %v, want 25ms", got)
	}
}

func TestControlJSONError(t *testing.T) {
	h := newHarness(t, Config{})
	r := h.controlJSON("/control/vk/users/revoke", url.Values{"user_id": {"-3"}})
	if r.status != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", r.status)
	}
	body := decodeJSON[map[string]string](t, r.body)
	if !strings.Contains(body["error"], "user_id") {
		t.Errorf("error = %q, want a message that mentions user_id", body["error"])
	}
}

func TestControlState(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	h.sb.MintVKToken(testVKUser)
	h.sb.RevokeVKToken(token)
	h.sb.MintEvotorToken(defaultEvotorUserID)
	h.sb.SetOutage(ProviderVK, OutageHTML200)
	h.get("/vk/method/users.get?v=5.199")

	r := h.get("/control/state")
	want := controlState{
		Outages:      map[string]string{"vk": "html200", "evotor": "none"},
		VKTokens:     tokenStateCounts{Active: 1, Revoked: 1},
		EvotorTokens: tokenStateCounts{Active: 1},
		Calls:        []callCount{{Provider: "vk", Method: "users.get", Count: 1}},
	}
	if diff := cmp.Diff(want, decodeJSON[controlState](t, r.body)); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}
}

func TestControlPageCapsRows(t *testing.T) {
	h := newHarness(t, Config{})
	for i := range maxPageRows + 5 {
		h.sb.MintVKToken(VKUser{ID: int64(i + 1), FirstName: "Иван"})
	}
	page := string(h.get("/").body)
	if !strings.Contains(page, "Показаны последние 200 из 205") {
		t.Error("control page does not say that the token list is cut")
	}
}

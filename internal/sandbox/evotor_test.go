package sandbox

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// evotorConsent posts the Evotor consent form and returns the response.
func (h *harness) evotorConsent(userID, decision string) response {
	h.t.Helper()
	return h.postForm("/evotor/oauth/authorize", url.Values{
		"client_id":     {DefaultEvotorClientID},
		"response_type": {"code"},
		"redirect_uri":  {testEvotorURI},
		"state":         {"ev-state"},
		"user_id":       {userID},
		"decision":      {decision},
	})
}

// evotorToken posts a token request with the given Basic credentials.
func (h *harness) evotorToken(clientID, secret string, form url.Values) response {
	h.t.Helper()
	req := h.newRequest(http.MethodPost, "/evotor/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	return h.do(req)
}

func (h *harness) evotorExchange(code, redirectURI string) response {
	h.t.Helper()
	return h.evotorToken(DefaultEvotorClientID, DefaultEvotorClientSecret, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI},
	})
}

func (h *harness) evotorRefresh(refresh string) response {
	h.t.Helper()
	return h.evotorToken(DefaultEvotorClientID, DefaultEvotorClientSecret, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {refresh},
	})
}

func (h *harness) stores(token string) response {
	h.t.Helper()
	req := h.newRequest(http.MethodGet, "/evotor/api/stores", nil)
	req.Header.Set("Accept", evotorMediaType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return h.do(req)
}

func (h *harness) evotorCode() string {
	h.t.Helper()
	code := h.evotorConsent(defaultEvotorUserID, "allow").location(h.t).Query().Get("code")
	if code == "" {
		h.t.Fatal("consent redirect has no code")
	}
	return code
}

func TestEvotorCodeFlow(t *testing.T) {
	h := newHarness(t, Config{})
	page := h.get("/evotor/oauth/authorize?" + url.Values{
		"client_id": {DefaultEvotorClientID}, "response_type": {"code"},
		"redirect_uri": {testEvotorURI}, "state": {"ev-state"},
	}.Encode())
	if page.status != http.StatusOK || !strings.Contains(string(page.body), defaultEvotorUserID) {
		t.Fatalf("consent page = %d without the default user id; body: %s", page.status, page.body)
	}

	location := h.evotorConsent(defaultEvotorUserID, "allow").location(t)
	if got := location.Query().Get("state"); got != "ev-state" {
		t.Errorf("redirect state = %q, want ev-state", got)
	}
	r := h.evotorExchange(location.Query().Get("code"), testEvotorURI)
	if r.status != http.StatusOK {
		t.Fatalf("exchange status = %d; body: %s", r.status, r.body)
	}
	tokens := decodeJSON[evotorTokenResponse](t, r.body)
	if tokens.TokenType != "bearer" || tokens.ExpiresIn != 604800 || tokens.Scope != defaultEvotorScope {
		t.Errorf("token response = %+v, want bearer, 604800 s and the default scope", tokens)
	}
	if tokens.AccessToken == "" || tokens.RefreshToken == "" {
		t.Fatalf("token response lacks tokens: %+v", tokens)
	}
	if s := h.stores(tokens.AccessToken); s.status != http.StatusOK {
		t.Errorf("stores status = %d; body: %s", s.status, s.body)
	}
}

func TestEvotorConsentDeny(t *testing.T) {
	h := newHarness(t, Config{})
	query := h.evotorConsent(defaultEvotorUserID, "deny").location(t).Query()
	want := url.Values{"error": {"access_denied"}, "state": {"ev-state"}}
	if diff := cmp.Diff(want, query); diff != "" {
		t.Errorf("deny redirect query (-want +got):\n%s", diff)
	}
}

func TestEvotorConsentRejectsBadUserID(t *testing.T) {
	h := newHarness(t, Config{})
	if r := h.evotorConsent("user-1", "allow"); r.status != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", r.status)
	}
}

func TestEvotorExchangeErrors(t *testing.T) {
	h := newHarness(t, Config{})
	code := h.evotorCode()

	bad := h.evotorToken(DefaultEvotorClientID, "wrong", url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testEvotorURI},
	})
	if got := decodeJSON[oauthError](t, bad.body).Error; bad.status != http.StatusUnauthorized || got != "invalid_client" {
		t.Errorf("bad secret = %d %q, want 401 invalid_client", bad.status, got)
	}
	mismatch := h.evotorExchange(code, testEvotorURI+"/other")
	if got := decodeJSON[oauthError](t, mismatch.body).Error; mismatch.status != http.StatusBadRequest || got != "invalid_grant" {
		t.Errorf("redirect mismatch = %d %q, want 400 invalid_grant", mismatch.status, got)
	}
	if r := h.evotorExchange(code, testEvotorURI); r.status != http.StatusOK {
		t.Fatalf("exchange after failed attempts = %d, want 200; body: %s", r.status, r.body)
	}
	reuse := h.evotorExchange(code, testEvotorURI)
	if got := decodeJSON[oauthError](t, reuse.body).Error; reuse.status != http.StatusBadRequest || got != "invalid_grant" {
		t.Errorf("code reuse = %d %q, want 400 invalid_grant", reuse.status, got)
	}
}

func TestEvotorExchangeExpiredCode(t *testing.T) {
	h := newHarness(t, Config{})
	code := h.evotorCode()
	h.clock.Advance(evotorCodeTTL)
	r := h.evotorExchange(code, testEvotorURI)
	if got := decodeJSON[oauthError](t, r.body).Error; r.status != http.StatusBadRequest || got != "invalid_grant" {
		t.Errorf("expired code = %d %q, want 400 invalid_grant", r.status, got)
	}
}

func TestEvotorTokenGrantTypes(t *testing.T) {
	h := newHarness(t, Config{})
	cases := map[string]string{"": "invalid_request", "password": "unsupported_grant_type"}
	for grantType, want := range cases {
		r := h.evotorToken(DefaultEvotorClientID, DefaultEvotorClientSecret, url.Values{"grant_type": {grantType}})
		if got := decodeJSON[oauthError](t, r.body).Error; r.status != http.StatusBadRequest || got != want {
			t.Errorf("grant_type %q = %d %q, want 400 %s", grantType, r.status, got, want)
		}
	}
	if r := h.get("/evotor/oauth/token"); r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET /evotor/oauth/token = %d, want 405", r.status)
	}
}

func TestEvotorRefreshRotation(t *testing.T) {
	h := newHarness(t, Config{EvotorTokenTTL: time.Hour})
	oldAccess, oldRefresh := h.sb.MintEvotorToken(defaultEvotorUserID)

	h.clock.Advance(2 * time.Hour)
	if r := h.stores(oldAccess); r.status != http.StatusUnauthorized {
		t.Errorf("stores with an expired access token = %d, want 401", r.status)
	}
	r := h.evotorRefresh(oldRefresh)
	if r.status != http.StatusOK {
		t.Fatalf("refresh status = %d; body: %s", r.status, r.body)
	}
	fresh := decodeJSON[evotorTokenResponse](t, r.body)
	if fresh.ExpiresIn != 3600 {
		t.Errorf("expires_in = %d, want 3600", fresh.ExpiresIn)
	}
	if fresh.AccessToken == oldAccess || fresh.RefreshToken == oldRefresh {
		t.Error("refresh returned the old tokens, want new ones")
	}
	if r := h.stores(fresh.AccessToken); r.status != http.StatusOK {
		t.Errorf("stores with the new access token = %d, want 200", r.status)
	}
	if r := h.evotorRefresh(oldRefresh); r.status != http.StatusBadRequest {
		t.Errorf("second refresh with the old token = %d, want 400", r.status)
	}

	_, unexpiredRefresh := h.sb.MintEvotorToken("01-000000000000002")
	rotated := decodeJSON[evotorTokenResponse](t, h.evotorRefresh(unexpiredRefresh).body)
	if rotated.AccessToken == "" {
		t.Fatal("refresh of the second grant failed")
	}
}

func TestEvotorRefreshRevokesOldAccess(t *testing.T) {
	h := newHarness(t, Config{})
	oldAccess, oldRefresh := h.sb.MintEvotorToken(defaultEvotorUserID)
	if r := h.evotorRefresh(oldRefresh); r.status != http.StatusOK {
		t.Fatalf("refresh status = %d", r.status)
	}
	if r := h.stores(oldAccess); r.status != http.StatusUnauthorized {
		t.Errorf("stores with the rotated access token = %d, want 401", r.status)
	}
}

func TestEvotorRefreshAfterRevocation(t *testing.T) {
	h := newHarness(t, Config{})
	access, refresh := h.sb.MintEvotorToken(defaultEvotorUserID)
	h.sb.MintEvotorToken("01-000000000000009")
	if n := h.sb.RevokeEvotorUser(defaultEvotorUserID); n != 1 {
		t.Errorf("RevokeEvotorUser = %d, want 1", n)
	}
	r := h.evotorRefresh(refresh)
	if got := decodeJSON[oauthError](t, r.body).Error; r.status != http.StatusBadRequest || got != "invalid_grant" {
		t.Errorf("refresh after revocation = %d %q, want 400 invalid_grant", r.status, got)
	}
	if r := h.stores(access); r.status != http.StatusUnauthorized {
		t.Errorf("stores after revocation = %d, want 401", r.status)
	}
}

func TestEvotorStores(t *testing.T) {
	h := newHarness(t, Config{})
	access, _ := h.sb.MintEvotorToken(defaultEvotorUserID)
	r := h.stores(access)
	if r.status != http.StatusOK {
		t.Fatalf("status = %d; body: %s", r.status, r.body)
	}
	if got := r.header.Get("Content-Type"); !strings.HasPrefix(got, evotorMediaType) {
		t.Errorf("Content-Type = %q, want %s", got, evotorMediaType)
	}
	remaining, err := strconv.Atoi(r.header.Get("X-RateLimit-Remaining"))
	if err != nil || remaining != evotorCallsPerWindow-1 {
		t.Errorf("X-RateLimit-Remaining = %q, want %d", r.header.Get("X-RateLimit-Remaining"), evotorCallsPerWindow-1)
	}
	if got := r.header.Get("X-RateLimit-Reset"); got != "60" {
		t.Errorf("X-RateLimit-Reset = %q, want 60", got)
	}

	page := decodeJSON[evotorPage[evotorStore]](t, r.body)
	if len(page.Items) != 2 {
		t.Fatalf("items = %+v, want 2 stores", page.Items)
	}
	idPattern := regexp.MustCompile(`^\d{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)
	for _, store := range page.Items {
		if !idPattern.MatchString(store.ID) || store.Name == "" || store.Address == "" {
			t.Errorf("store = %+v, want an Evotor-style id, a name and an address", store)
		}
	}
	if !strings.Contains(string(r.body), `"paging":{}`) {
		t.Errorf("body %s lacks an empty paging object", r.body)
	}

	again := decodeJSON[evotorPage[evotorStore]](t, h.stores(access).body)
	if diff := cmp.Diff(page.Items, again.Items); diff != "" {
		t.Errorf("store list changed between calls (-first +second):\n%s", diff)
	}
	otherAccess, _ := h.sb.MintEvotorToken("01-000000000000002")
	other := decodeJSON[evotorPage[evotorStore]](t, h.stores(otherAccess).body)
	if len(other.Items) == 2 && other.Items[0].ID == page.Items[0].ID {
		t.Error("two users share a store id, want ids per user")
	}
}

func TestEvotorStoresXAuthorization(t *testing.T) {
	h := newHarness(t, Config{})
	access, _ := h.sb.MintEvotorToken(defaultEvotorUserID)
	req := h.newRequest(http.MethodGet, "/evotor/api/stores", nil)
	req.Header.Set("Accept", evotorMediaType)
	req.Header.Set("X-Authorization", access)
	if r := h.do(req); r.status != http.StatusOK {
		t.Errorf("status with X-Authorization = %d, want 200", r.status)
	}
}

func TestEvotorStoresUnauthorized(t *testing.T) {
	h := newHarness(t, Config{})
	for name, token := range map[string]string{"missing": "", "unknown": "f0000000-0000-4000-8000-000000000000"} {
		r := h.stores(token)
		if r.status != http.StatusUnauthorized {
			t.Errorf("%s token: status = %d, want 401", name, r.status)
		}
		body := decodeJSON[evotorErrorBody](t, r.body)
		if len(body.Errors) != 1 || body.Errors[0].Code != "unauthorized" {
			t.Errorf("%s token: body = %s", name, r.body)
		}
	}
}

func TestEvotorStoresAppRemoved(t *testing.T) {
	h := newHarness(t, Config{})
	access, _ := h.sb.MintEvotorToken(defaultEvotorUserID)
	h.sb.SetEvotorAppRemoved(defaultEvotorUserID, true)
	if r := h.stores(access); r.status != http.StatusForbidden {
		t.Errorf("status after the app was removed = %d, want 403", r.status)
	}
	h.sb.SetEvotorAppRemoved(defaultEvotorUserID, false)
	if r := h.stores(access); r.status != http.StatusOK {
		t.Errorf("status after the app was installed again = %d, want 200", r.status)
	}
}

func TestEvotorStoresNotAcceptable(t *testing.T) {
	h := newHarness(t, Config{})
	access, _ := h.sb.MintEvotorToken(defaultEvotorUserID)
	for _, accept := range []string{"", "application/json", "application/vnd.evotor.v1+json"} {
		req := h.newRequest(http.MethodGet, "/evotor/api/stores", nil)
		req.Header.Set("Authorization", "Bearer "+access)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		r := h.do(req)
		if r.status != http.StatusNotAcceptable {
			t.Errorf("Accept %q: status = %d, want 406", accept, r.status)
		}
		if got := r.header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
			t.Errorf("Accept %q: Content-Type = %q, want JSON", accept, got)
		}
	}
	req := h.newRequest(http.MethodGet, "/evotor/api/stores", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	req.Header.Set("Accept", "application/json, "+evotorMediaType+";q=0.9")
	if r := h.do(req); r.status != http.StatusOK {
		t.Errorf("Accept with the v2 type in a list: status = %d, want 200", r.status)
	}
}

func TestEvotorCallCount(t *testing.T) {
	h := newHarness(t, Config{})
	access, refresh := h.sb.MintEvotorToken(defaultEvotorUserID)
	h.stores(access)
	h.stores("")
	h.evotorRefresh(refresh)
	if n := h.sb.CallCount(ProviderEvotor, "stores"); n != 2 {
		t.Errorf("CallCount stores = %d, want 2", n)
	}
	if n := h.sb.CallCount(ProviderEvotor, "token"); n != 1 {
		t.Errorf("CallCount token = %d, want 1", n)
	}
}

func TestEvotorTokenBodyTooLarge(t *testing.T) {
	h := newHarness(t, Config{})
	body := "grant_type=refresh_token&refresh_token=" + strings.Repeat("a", maxBodyBytes)
	req := h.newRequest(http.MethodPost, "/evotor/oauth/token", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(DefaultEvotorClientID, DefaultEvotorClientSecret)
	if r := h.do(req); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", r.status)
	}
}

package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/internal/testenv"
)

func newEnv(t *testing.T) *testenv.Env {
	t.Helper()
	return testenv.New(t, testenv.Options{})
}

func connections(t *testing.T, e *testenv.Env) []*ent.Connection {
	t.Helper()
	all, err := e.App.Ent.Connection.Query().All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func TestVKConnectStoresOnlineConnection(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")

	final := b.Connect("vk", "allow", map[string]string{"user_id": "424242", "first_name": "Иван", "last_name": "Тестов"})

	if final.Status != http.StatusSeeOther || final.Header.Get("Location") != "/connections" {
		t.Fatalf("callback: got %d to %q, want 303 to /connections: %.300s", final.Status, final.Header.Get("Location"), final.Body)
	}
	conns := connections(t, e)
	if len(conns) != 1 {
		t.Fatalf("got %d connections, want 1", len(conns))
	}
	c := conns[0]
	if c.Provider != connection.ProviderVk || c.AccountID != "424242" || c.FirstName != "Иван" || c.LastName != "Тестов" {
		t.Errorf("connection = %s %s %s %s", c.Provider, c.AccountID, c.FirstName, c.LastName)
	}
	if c.IsOnline == nil || !*c.IsOnline {
		t.Errorf("is_online = %v, want true", c.IsOnline)
	}
	if c.LastCheckedAt == nil || !c.LastCheckedAt.Equal(e.Clock.Now()) {
		t.Errorf("last_checked_at = %v, want %v", c.LastCheckedAt, e.Clock.Now())
	}
	if c.TokenExpiresAt != nil {
		t.Errorf("token_expires_at = %v, want none for an offline-scope token", c.TokenExpiresAt)
	}
	if strings.Contains(string(c.AccessToken), "vk") && len(c.AccessToken) < 20 {
		t.Errorf("access token looks unsealed")
	}

	page := b.Get("/connections")
	doc := page.Doc(t)
	badge := doc.Find(`[data-provider="vk"]`)
	if got, _ := badge.Attr("data-status"); got != "online" {
		t.Errorf("vk badge data-status = %q, want online", got)
	}
	if got := strings.TrimSpace(doc.Find(`[data-card="vk"] [data-account-name]`).Text()); got != "Иван Тестов" {
		t.Errorf("account name = %q", got)
	}
	vkPage := b.Get("/vk").Doc(t)
	if got := vkPage.Find("[data-vk-user-id]").Text(); got != "424242" {
		t.Errorf("VK user id on /vk = %q", got)
	}
	if !strings.Contains(vkPage.Text(), "Отключить аккаунт ВКонтакте") || !strings.Contains(vkPage.Text(), "Переподключить") {
		t.Errorf("/vk lacks the reconnect and disconnect buttons")
	}
}

func TestVKRedirectURIFromConfig(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")

	req, _ := http.NewRequest(http.MethodGet, b.URL("/vk/connect"), nil)
	req.Host = "attacker.example.test"
	req.AddCookie(b.Cookie("evosync_session"))
	start := b.Do(req)

	if start.Status != http.StatusFound {
		t.Fatalf("connect status = %d", start.Status)
	}
	if got := start.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	loc, err := url.Parse(start.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	want := e.Config.BaseURL + "/vk/callback"
	if got := loc.Query().Get("redirect_uri"); got != want {
		t.Errorf("redirect_uri = %q, want %q", got, want)
	}
	for _, k := range []string{"client_id", "state", "scope", "v"} {
		if loc.Query().Get(k) == "" {
			t.Errorf("authorize URL lacks %s", k)
		}
	}
	if loc.Query().Get("response_type") != "code" || loc.Query().Get("display") != "page" {
		t.Errorf("authorize URL = %s", loc)
	}
}

func TestVKExchangeRejectedStoresNothing(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")

	// A code issued for another redirect_uri makes VK answer
	// 401 invalid_grant "redirect_uri is incorrect".
	start := b.Get("/vk/connect")
	loc, _ := url.Parse(start.Location())
	state := loc.Query().Get("state")
	q := loc.Query()
	q.Set("redirect_uri", "https://elsewhere.example.test/vk/callback")
	loc.RawQuery = q.Encode()
	back := b.Consent(b.Get(loc.String()), "allow", nil)
	code, _ := url.Parse(back.Location())

	final := b.Get("/vk/callback?state=" + url.QueryEscape(state) + "&code=" + url.QueryEscape(code.Query().Get("code")))

	if got := final.Header.Get("Location"); got != "/vk?error=token_exchange" {
		t.Errorf("callback redirect = %q, want /vk?error=token_exchange", got)
	}
	if n := len(connections(t, e)); n != 0 {
		t.Errorf("got %d connections, want none", n)
	}
	msg := b.Get("/vk?error=token_exchange").Doc(t).Find("[data-message]").Text()
	if msg == "" {
		t.Error("no message shown for token_exchange")
	}
}

func TestVKCallbackFailures(t *testing.T) {
	tests := []struct {
		name  string
		query func(state string) string
		want  string
	}{
		{"wrong state", func(string) string { return "state=forged&code=abc" }, "invalid_state"},
		{"missing state", func(string) string { return "code=abc" }, "invalid_state"},
		{"missing code", func(s string) string { return "state=" + s }, "no_code"},
		{"consent cancelled", func(s string) string {
			return "state=" + s + "&error=access_denied&error_reason=user_denied&error_description=User+denied+your+request"
		}, "access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.Browser()
			b.Register("owner@example.test", "correct horse")
			loc, _ := url.Parse(b.Get("/vk/connect").Location())

			final := b.Get("/vk/callback?" + tt.query(loc.Query().Get("state")))

			if got := final.Header.Get("Location"); got != "/vk?error="+tt.want {
				t.Errorf("redirect = %q, want /vk?error=%s", got, tt.want)
			}
			if n := len(connections(t, e)); n != 0 {
				t.Errorf("got %d connections, want none", n)
			}
			if n := e.Sandbox.CallCount("vk", "access_token"); n != 0 {
				t.Errorf("code exchanges = %d, want 0", n)
			}
			page := b.Get("/vk?error=" + tt.want)
			if page.Status != http.StatusOK || page.Doc(t).Find("[data-message]").Text() == "" {
				t.Errorf("/vk?error=%s shows no message", tt.want)
			}
		})
	}
}

func TestVKCallbackReplayIsRejected(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	consent := b.Follow(b.Get("/vk/connect"))
	back := b.Consent(consent, "allow", nil)

	first := b.Get(back.Location())
	replay := b.Get(back.Location())

	if first.Header.Get("Location") != "/connections" {
		t.Fatalf("first callback went to %q", first.Header.Get("Location"))
	}
	if got := replay.Header.Get("Location"); got != "/vk?error=invalid_state" {
		t.Errorf("replayed callback went to %q, want /vk?error=invalid_state", got)
	}
	if n := e.Sandbox.CallCount("vk", "access_token"); n != 1 {
		t.Errorf("code exchanges = %d, want 1", n)
	}
}

func TestVKStateExpiresAfterTenMinutes(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	back := b.Consent(b.Follow(b.Get("/vk/connect")), "allow", nil)

	e.Clock.Advance(10*60*1e9 + 1e9)
	final := b.Get(back.Location())

	if got := final.Header.Get("Location"); got != "/vk?error=invalid_state" {
		t.Errorf("late callback went to %q, want /vk?error=invalid_state", got)
	}
	if n := e.Sandbox.CallCount("vk", "access_token"); n != 0 {
		t.Errorf("code exchanges = %d, want 0", n)
	}
}

func TestVKConnectTwiceUsesSecondState(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")

	first := b.Get("/vk/connect")
	second := b.Get("/vk/connect")
	s1, _ := url.Parse(first.Location())
	s2, _ := url.Parse(second.Location())
	if s1.Query().Get("state") == s2.Query().Get("state") {
		t.Fatal("two connects produced the same state")
	}
	final := b.Follow(b.Consent(b.Get(second.Location()), "allow", nil))

	if got := final.Header.Get("Location"); got != "/connections" {
		t.Errorf("second flow ended at %q, want /connections", got)
	}
	cookie := b.Cookie("evosync_session")
	if cookie == nil {
		t.Fatal("no session cookie")
	}
}

func TestVKDisconnect(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	b.Connect("vk", "allow", nil)
	b.Get("/vk")

	p := b.Post("/vk/disconnect", nil)

	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/vk") {
		t.Errorf("disconnect: %d to %q", p.Status, p.Header.Get("Location"))
	}
	if n := len(connections(t, e)); n != 0 {
		t.Errorf("got %d connections after disconnect", n)
	}
	doc := b.Follow(p).Doc(t)
	if !strings.Contains(doc.Text(), "Подключить ВКонтакте") {
		t.Error("/vk after disconnect lacks the connect button")
	}
}

func TestEvotorConnectAndDisconnect(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")

	final := b.Connect("evotor", "allow", nil)

	if final.Header.Get("Location") != "/connections" {
		t.Fatalf("callback went to %q: %.300s", final.Header.Get("Location"), final.Body)
	}
	conns := connections(t, e)
	if len(conns) != 1 {
		t.Fatalf("got %d connections", len(conns))
	}
	c := conns[0]
	if len(c.StoreNames) == 0 || c.RefreshToken == nil || c.TokenExpiresAt == nil {
		t.Errorf("evotor connection: stores %v, refresh %v, expiry %v", c.StoreNames, c.RefreshToken != nil, c.TokenExpiresAt)
	}
	doc := b.Get("/connections").Doc(t)
	if got, _ := doc.Find(`[data-provider="evotor"]`).Attr("data-status"); got != "online" {
		t.Errorf("evotor badge = %q", got)
	}
	if doc.Find(`[data-card="evotor"] [data-store-names]`).Text() == "" {
		t.Error("store names not shown")
	}

	p := b.Post("/evotor/disconnect", nil)
	if p.Header.Get("Location") != "/connections" {
		t.Errorf("disconnect went to %q", p.Header.Get("Location"))
	}
	if n := len(connections(t, e)); n != 0 {
		t.Errorf("got %d connections after disconnect", n)
	}
}

func TestEvotorConsentDenied(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")

	final := b.Connect("evotor", "deny", nil)

	if got := final.Header.Get("Location"); got != "/evotor?error=access_denied" {
		t.Errorf("denied consent went to %q", got)
	}
	if n := len(connections(t, e)); n != 0 {
		t.Errorf("got %d connections", n)
	}
}

func TestStrayCallbackKeepsConnectInProgress(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	back := b.Consent(b.Follow(b.Get("/vk/connect")), "allow", nil)

	stray := b.Get("/vk/callback?state=forged&code=x")
	final := b.Get(back.Location())

	if got := stray.Header.Get("Location"); got != "/vk?error=invalid_state" {
		t.Errorf("stray callback went to %q", got)
	}
	if got := final.Header.Get("Location"); got != "/connections" {
		t.Errorf("real callback after a stray one went to %q, want /connections", got)
	}
}

func TestConnectWithoutRedisNeverRedirects(t *testing.T) {
	e := newEnv(t)
	if e.Mini == nil {
		t.Skip("needs the in-process Redis to stop it")
	}
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	b.Get("/connections")
	e.Mini.Close()

	p := b.Get("/vk/connect")

	if p.Status < 500 {
		t.Errorf("status = %d, want a 5xx error", p.Status)
	}
	if loc := p.Header.Get("Location"); loc != "" {
		t.Errorf("redirected to %q although the state could not be saved", loc)
	}
}

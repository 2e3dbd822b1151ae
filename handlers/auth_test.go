package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/evosync/evosync/internal/sessionstore"
	"github.com/evosync/evosync/internal/testenv"
)

func TestRegisterRedirectsToConnections(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()

	p := b.Register("Owner@Example.Test", "correct horse")

	if got := p.Header.Get("Location"); got != "/connections" {
		t.Errorf("register redirect = %q, want /connections", got)
	}
	u, err := e.App.Ent.User.Query().Only(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "owner@example.test" {
		t.Errorf("email = %q, want lower-case", u.Email)
	}
	if u.PasswordHash == "correct horse" || !strings.HasPrefix(u.PasswordHash, "$2") {
		t.Errorf("password is not bcrypt-hashed")
	}
	if b.Follow(p).Status != http.StatusOK {
		t.Error("dashboard not reachable after registration")
	}
}

func TestRegisterRejectsBadInput(t *testing.T) {
	tests := []struct {
		name, email, password string
		status                int
	}{
		{"bad email", "not-an-email", "correct horse", http.StatusUnprocessableEntity},
		{"short password", "a@example.test", "short", http.StatusUnprocessableEntity},
		{"duplicate email", "taken@example.test", "correct horse", http.StatusConflict},
	}
	e := newEnv(t)
	e.Browser().Register("taken@example.test", "correct horse")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.Browser()
			b.Get("/register")

			p := b.Post("/register", url.Values{"email": {tt.email}, "password": {tt.password}})

			if p.Status != tt.status {
				t.Errorf("status = %d, want %d", p.Status, tt.status)
			}
			if p.Doc(t).Find("[data-form-error]").Text() == "" {
				t.Error("no error message on the form")
			}
		})
	}
}

func TestLoginChangesSessionID(t *testing.T) {
	e := newEnv(t)
	e.Browser().Register("owner@example.test", "correct horse")
	b := e.Browser()
	b.Get("/login")
	before := b.Cookie("evosync_session").Value

	p := b.Post("/login", url.Values{"email": {"owner@example.test"}, "password": {"correct horse"}})

	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/connections" {
		t.Fatalf("login: %d to %q", p.Status, p.Header.Get("Location"))
	}
	if after := b.Cookie("evosync_session").Value; after == before {
		t.Error("session cookie unchanged by login")
	}
}

func TestLoginWrongPassword(t *testing.T) {
	e := newEnv(t)
	e.Browser().Register("owner@example.test", "correct horse")
	b := e.Browser()
	b.Get("/login")

	p := b.Post("/login", url.Values{"email": {"owner@example.test"}, "password": {"wrong horse"}})

	if p.Status != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", p.Status)
	}
	doc := p.Doc(t)
	if !strings.Contains(doc.Find("[data-form-error]").Text(), "Неверный email или пароль") {
		t.Error("no error message")
	}
	if doc.Find(`form[action="/logout"]`).Length() != 0 {
		t.Error("failed login page shows the logout button")
	}
}

func TestLoginNextOnlyLocal(t *testing.T) {
	tests := []struct{ next, want string }{
		{"/vk", "/vk"},
		{"//evil.example.test/", "/connections"},
		{"https://evil.example.test/", "/connections"},
		{"/\\evil.example.test", "/connections"},
	}
	e := newEnv(t)
	e.Browser().Register("owner@example.test", "correct horse")
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			b := e.Browser()
			b.Get("/login?next=" + url.QueryEscape(tt.next))

			p := b.Post("/login", url.Values{"email": {"owner@example.test"}, "password": {"correct horse"}, "next": {tt.next}})

			if got := p.Header.Get("Location"); got != tt.want {
				t.Errorf("redirect = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLogoutDeletesSession(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	b.Get("/connections")
	b.HTMX(http.MethodGet, "/connections/vk/badge")
	rdb := e.App.Redis
	keysBefore := sessionKeys(t, rdb)

	p := b.Post("/logout", nil)

	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/login" {
		t.Errorf("logout: %d to %q", p.Status, p.Header.Get("Location"))
	}
	if len(keysBefore) != 1 {
		t.Fatalf("session keys before logout = %v", keysBefore)
	}
	if n, _ := rdb.Exists(context.Background(), keysBefore[0]).Result(); n != 0 {
		t.Error("session key still in Redis after logout")
	}
	if b.Cookie("evosync_session") != nil {
		t.Error("session cookie not expired")
	}
	if got := b.Get("/connections").Header.Get("Location"); !strings.HasPrefix(got, "/login") {
		t.Errorf("dashboard after logout redirects to %q", got)
	}
}

func TestBadgeAfterLogoutRedirects(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	b.Get("/connections")
	cookie := b.Cookie("evosync_session")
	b.HTMX(http.MethodGet, "/connections/vk/badge")

	b.Post("/logout", nil)
	req, _ := http.NewRequest(http.MethodGet, b.URL("/connections/vk/badge"), nil)
	req.Header.Set("HX-Request", "true")
	req.AddCookie(cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if got := resp.Header.Get("HX-Redirect"); got != "/login" {
		t.Errorf("badge with the old cookie after logout: HX-Redirect = %q, want /login", got)
	}
}

func sessionKeys(t *testing.T, rdb *redis.Client) []string {
	t.Helper()
	keys, err := rdb.Keys(context.Background(), sessionstore.Key("*")).Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestSessionCookieAndTTL(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Get("/login")

	req, _ := http.NewRequest(http.MethodGet, b.URL("/login"), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "evosync_session" {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("no session cookie set on the login page")
	}
	if !cookie.HttpOnly {
		t.Error("cookie not HttpOnly")
	}
	if cookie.SameSite != http.SameSiteLaxMode {
		t.Errorf("SameSite = %v, want Lax", cookie.SameSite)
	}
	if cookie.Secure {
		t.Error("cookie Secure on an http BASE_URL")
	}
	if cookie.MaxAge <= 0 {
		t.Fatalf("MaxAge = %d, want positive", cookie.MaxAge)
	}
	keys := sessionKeys(t, e.App.Redis)
	if len(keys) == 0 {
		t.Fatal("no session in Redis")
	}
	ttl, err := e.App.Redis.TTL(context.Background(), keys[0]).Result()
	if err != nil {
		t.Fatal(err)
	}
	if diff := time.Duration(cookie.MaxAge)*time.Second - ttl; diff < 0 || diff > 2*time.Second {
		t.Errorf("Redis TTL %v does not match cookie MaxAge %ds", ttl, cookie.MaxAge)
	}
}

func TestSecureCookieOnHTTPSBaseURL(t *testing.T) {
	e := testenv.New(t, testenv.Options{Vars: map[string]string{"BASE_URL": "https://shop.example.test"}})

	resp, err := http.Get(e.Server.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	cookies := resp.Cookies()
	if len(cookies) != 1 || cookies[0].Name != "evosync_session" {
		t.Fatalf("cookies = %v", cookies)
	}
	if !cookies[0].Secure {
		t.Error("session cookie lacks Secure on an https BASE_URL")
	}
}

func TestPostWithoutCSRFIsForbidden(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	b.Connect("vk", "allow", nil)

	tests := []struct{ name, token string }{{"missing", ""}, {"wrong", "0000"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.Post("/vk/disconnect", url.Values{"csrf_token": {tt.token}})

			if p.Status != http.StatusForbidden {
				t.Errorf("status = %d, want 403", p.Status)
			}
			if n := len(connections(t, e)); n != 1 {
				t.Errorf("connection deleted without a CSRF token")
			}
		})
	}
}

func TestHealthzWithoutSession(t *testing.T) {
	e := newEnv(t)

	p := e.Browser().Get("/healthz")

	if p.Status != http.StatusOK {
		t.Errorf("status = %d", p.Status)
	}
	if p.Header.Get("Set-Cookie") != "" {
		t.Error("healthz set a cookie")
	}
	if keys := sessionKeys(t, e.App.Redis); len(keys) != 0 {
		t.Errorf("healthz created sessions: %v", keys)
	}
}

func TestAdminQueuesOnlyForAdmins(t *testing.T) {
	e := newEnv(t)
	anonymous := e.Browser()
	owner := e.Browser()
	owner.Register("owner@example.test", "correct horse")
	admin := e.Browser()
	admin.Register("admin@example.test", "correct horse")

	if got := anonymous.Get("/admin/queues").Status; got != http.StatusNotFound {
		t.Errorf("anonymous: %d, want 404", got)
	}
	if got := owner.Get("/admin/queues").Status; got != http.StatusNotFound {
		t.Errorf("non-admin: %d, want 404", got)
	}
	if got := admin.Get("/admin/queues").Status; got != http.StatusOK {
		t.Errorf("admin: %d, want 200", got)
	}
}

func TestLoginThrottledAfterFailures(t *testing.T) {
	e := newEnv(t)
	e.Browser().Register("owner@example.test", "correct horse")
	b := e.Browser()
	b.Get("/login")
	for range 10 {
		b.Post("/login", url.Values{"email": {"owner@example.test"}, "password": {"wrong horse"}})
	}

	p := b.Post("/login", url.Values{"email": {"owner@example.test"}, "password": {"correct horse"}})

	if p.Status != http.StatusTooManyRequests {
		t.Errorf("11th attempt: status %d, want 429", p.Status)
	}
	other := e.Browser()
	other.Register("other@example.test", "correct horse")
	other.Post("/logout", nil)
	other.Get("/login")
	if got := other.Post("/login", url.Values{"email": {"other@example.test"}, "password": {"correct horse"}}).Status; got != http.StatusSeeOther {
		t.Errorf("another account's login: %d, want 303", got)
	}
}

package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/internal/connstatus"
)

func TestBadgeAnonymousGetsHXRedirect(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		path := "/connections/vk/badge"
		if method == http.MethodPost {
			path = "/connections/vk/check"
		}
		p := b.HTMX(method, path)

		if got := p.Header.Get("HX-Redirect"); got != "/login" {
			t.Errorf("%s %s: HX-Redirect = %q, want /login", method, path, got)
		}
		if strings.Contains(p.Body, "<html") {
			t.Errorf("%s %s: got a page, want no body", method, path)
		}
	}
}

func TestBadgeStatuses(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")

	doc := b.HTMX(http.MethodGet, "/connections/vk/badge").Doc(t)
	if got, _ := doc.Find("[data-provider=vk]").Attr("data-status"); got != "disconnected" {
		t.Errorf("before connecting: %q, want disconnected", got)
	}

	b.Connect("vk", "allow", nil)
	doc = b.HTMX(http.MethodGet, "/connections/vk/badge").Doc(t)
	badge := doc.Find("[data-provider=vk]")
	if got, _ := badge.Attr("data-status"); got != "online" {
		t.Errorf("after connecting: %q, want online", got)
	}
	if _, ok := badge.Find("[data-last-checked]").Attr("data-last-checked"); !ok {
		t.Error("badge lacks the last-check time")
	}
	if got, _ := badge.Attr("hx-trigger"); !strings.HasPrefix(got, "every ") {
		t.Errorf("hx-trigger = %q, want polling", got)
	}

	ctx := context.Background()
	e.App.Ent.Connection.Update().SetIsOnline(false).SetOfflineReason(connstatus.ReasonRevoked).ExecX(ctx)
	doc = b.HTMX(http.MethodGet, "/connections/vk/badge").Doc(t)
	badge = doc.Find("[data-provider=vk]")
	if got, _ := badge.Attr("data-status"); got != "offline" {
		t.Errorf("after revocation: %q, want offline", got)
	}
	if !strings.Contains(badge.Find("[data-offline-reason]").Text(), "отозван") {
		t.Errorf("offline reason = %q", badge.Find("[data-offline-reason]").Text())
	}

	e.App.Ent.Connection.Update().ClearIsOnline().SetLastErrorCode(connstatus.ErrUnavailable).ExecX(ctx)
	doc = b.HTMX(http.MethodGet, "/connections/vk/badge").Doc(t)
	badge = doc.Find("[data-provider=vk]")
	if got, _ := badge.Attr("data-status"); got != "unknown" {
		t.Errorf("with no conclusive check: %q, want unknown", got)
	}
	if badge.Find("[data-warning]").Text() == "" {
		t.Error("inconclusive check shows no warning")
	}
}

func TestBadgeUnknownProvider(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")

	p := b.HTMX(http.MethodGet, "/connections/ok/badge")

	if p.Status != http.StatusNotFound {
		t.Errorf("status = %d, want 404", p.Status)
	}
}

func TestCheckNowQueuesTask(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	b.Connect("vk", "allow", nil)
	b.Get("/connections")

	p := b.HTMX(http.MethodPost, "/connections/vk/check")
	again := b.HTMX(http.MethodPost, "/connections/vk/check")

	if p.Status != http.StatusOK || again.Status != http.StatusOK {
		t.Fatalf("check: %d then %d: %.300s", p.Status, again.Status, p.Body)
	}
	if p.Doc(t).Find("[data-check-queued]").Length() != 1 {
		t.Error("badge does not say a check was queued")
	}
	tasks, err := e.Inspector().ListPendingTasks("health")
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 || tasks[0].Type != "health:check" {
		t.Errorf("pending tasks = %d, want one health:check", len(tasks))
	}
}

func TestUserTextIsEscaped(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	b.Connect("vk", "allow", map[string]string{"first_name": `<script>alert(1)</script>`, "last_name": `"><img src=x>`})

	page := b.Get("/connections")

	if strings.Contains(page.Body, "<script>alert(1)</script>") || strings.Contains(page.Body, "<img src=x>") {
		t.Error("VK profile text rendered unescaped")
	}
	c := e.App.Ent.Connection.Query().Where(connection.ProviderEQ(connection.ProviderVk)).OnlyX(context.Background())
	if c.FirstName != `<script>alert(1)</script>` {
		t.Errorf("stored name = %q", c.FirstName)
	}
}

func TestBadgeAsksReloadWhenPresenceChanged(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	stale := b.HTMX(http.MethodGet, "/connections/vk/badge?shown=disconnected")
	b.Connect("vk", "allow", nil)

	fresh := b.HTMX(http.MethodGet, "/connections/vk/badge?shown=connected")
	changed := b.HTMX(http.MethodGet, "/connections/vk/badge?shown=disconnected")

	if stale.Header.Get("HX-Refresh") != "" || fresh.Header.Get("HX-Refresh") != "" {
		t.Error("badge asked for a reload though the page was current")
	}
	if changed.Header.Get("HX-Refresh") != "true" {
		t.Error("badge did not ask for a reload after connecting elsewhere")
	}
}

package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/evosync/evosync/internal/sandbox"
	"github.com/evosync/evosync/internal/testenv"
)

// connectedOwner registers and connects both providers.
func connectedOwner(t *testing.T, e *testenv.Env) *testenv.Browser {
	t.Helper()
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")
	b.Connect("vk", "allow", map[string]string{"user_id": "424242"})
	b.Connect("evotor", "allow", nil)
	return b
}

// saveFirstOptions posts the sync form with the first store and category
// and the first community whose Market is on.
func saveFirstOptions(t *testing.T, b *testenv.Browser) *goquery.Document {
	t.Helper()
	doc := b.Get("/sync").Doc(t)
	store, _ := doc.Find("#evotor_store_id option").First().Attr("value")
	category, _ := doc.Find("#vk_category_id option").First().Attr("value")
	group := ""
	doc.Find("#vk_group_id option").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if !strings.Contains(s.Text(), "выключены") {
			group, _ = s.Attr("value")
			return false
		}
		return true
	})
	if store == "" || category == "" || group == "" {
		t.Fatalf("sync page options: store %q, category %q, group %q: %s", store, category, group, doc.Find("[data-options-error]").Text())
	}
	p := b.Post("/sync/settings", url.Values{"evotor_store_id": {store}, "vk_group_id": {group}, "vk_category_id": {category}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("save settings: %d: %.300s", p.Status, p.Body)
	}
	return b.Follow(p).Doc(t)
}

func TestSyncPageListsOptions(t *testing.T) {
	e := newEnv(t)
	b := connectedOwner(t, e)

	doc := b.Get("/sync").Doc(t)

	if n := doc.Find("#evotor_store_id option").Length(); n != 2 {
		t.Errorf("stores = %d, want 2", n)
	}
	if n := doc.Find("#vk_group_id option").Length(); n != 2 {
		t.Errorf("communities = %d, want 2", n)
	}
	if n := doc.Find("#vk_category_id option").Length(); n == 0 {
		t.Error("no categories")
	}
	if n := doc.Find("#product-groups input[type=checkbox]").Length(); n == 0 {
		t.Error("no product groups")
	}
	if doc.Find("[data-not-ready]").Length() != 1 {
		t.Error("run buttons shown before settings are saved")
	}
}

func TestSyncPageWithoutConnections(t *testing.T) {
	e := newEnv(t)
	b := e.Browser()
	b.Register("owner@example.test", "correct horse")

	page := b.Get("/sync")

	if page.Status != http.StatusOK {
		t.Fatalf("status = %d", page.Status)
	}
	if page.Doc(t).Find("[data-options-error]").Text() == "" {
		t.Error("no message about missing connections")
	}
}

func TestSyncPreviewWritesNothing(t *testing.T) {
	e := newEnv(t)
	b := connectedOwner(t, e)
	doc := saveFirstOptions(t, b)
	if doc.Find("[data-message]").Text() == "" {
		t.Error("no confirmation after saving settings")
	}

	p := b.HTMX(http.MethodPost, "/sync/preview")

	if p.Status != http.StatusOK {
		t.Fatalf("preview: %d: %.300s", p.Status, p.Body)
	}
	preview := p.Doc(t)
	if preview.Find(`tr[data-action="create"]`).Length() == 0 {
		t.Error("preview lists nothing to create")
	}
	for _, method := range []string{"market.add", "market.edit", "market.delete", "execute"} {
		if n := e.Sandbox.CallCount("vk", method); n != 0 {
			t.Errorf("preview called %s %d times", method, n)
		}
	}
}

func TestSyncRunEndToEnd(t *testing.T) {
	e := testenv.New(t, testenv.Options{Sandbox: func(c *sandbox.Config) { c.CatalogSize = 6 }})
	b := connectedOwner(t, e)
	saveFirstOptions(t, b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.App.RunWorker(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	start := b.HTMX(http.MethodPost, "/sync/run")
	again := b.HTMX(http.MethodPost, "/sync/run")

	if start.Status != http.StatusOK {
		t.Fatalf("run: %d: %.300s", start.Status, start.Body)
	}
	if again.Status != http.StatusConflict {
		t.Errorf("second run while one is queued: %d, want 409", again.Status)
	}
	id, _ := start.Doc(t).Find("[data-run-status]").Attr("id")
	// The second request shows the run in progress, so the page goes on
	// following it.
	againDoc := again.Doc(t)
	if againID, _ := againDoc.Find("[data-run-status]").Attr("id"); againID != id {
		t.Errorf("second run shows progress of %q, want %q", againID, id)
	}
	if notice := againDoc.Find("[data-run-notice]").Text(); !strings.Contains(notice, "уже идёт") {
		t.Errorf("second run notice = %q", notice)
	}
	progressURL := "/sync/runs/" + strings.TrimPrefix(id, "run-") + "/progress"
	deadline := time.Now().Add(60 * time.Second)
	var status string
	for {
		doc := b.HTMX(http.MethodGet, progressURL).Doc(t)
		status, _ = doc.Find("[data-run-status]").Attr("data-run-status")
		if status != "queued" && status != "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run still %s after 60 s", status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if status != "succeeded" {
		t.Errorf("run ended %s", status)
	}
	history := b.HTMX(http.MethodGet, "/sync/history").Doc(t)
	if !strings.Contains(history.Find("tr[data-run]").First().Text(), "создано") {
		t.Error("history lacks the run's counts")
	}
	if e.Sandbox.CallCount("vk", "market.add") == 0 {
		t.Error("no items were created in VK")
	}
}

func TestSyncSettingsRejectForgedValues(t *testing.T) {
	e := newEnv(t)
	b := connectedOwner(t, e)
	doc := b.Get("/sync").Doc(t)
	store, _ := doc.Find("#evotor_store_id option").First().Attr("value")
	category, _ := doc.Find("#vk_category_id option").First().Attr("value")
	var enabled, disabled string
	doc.Find("#vk_group_id option").Each(func(_ int, s *goquery.Selection) {
		v, _ := s.Attr("value")
		if strings.Contains(s.Text(), "выключены") {
			disabled = v
		} else {
			enabled = v
		}
	})
	tests := []struct {
		name string
		form url.Values
	}{
		{"foreign store", url.Values{"evotor_store_id": {"20170228-F4F1-401B-80FA-9ECCA8451FFB"}, "vk_group_id": {enabled}, "vk_category_id": {category}}},
		{"foreign community", url.Values{"evotor_store_id": {store}, "vk_group_id": {"77"}, "vk_category_id": {category}}},
		{"market disabled", url.Values{"evotor_store_id": {store}, "vk_group_id": {disabled}, "vk_category_id": {category}}},
		{"unknown category", url.Values{"evotor_store_id": {store}, "vk_group_id": {enabled}, "vk_category_id": {"999"}}},
		{"unknown product group", url.Values{"evotor_store_id": {store}, "vk_group_id": {enabled}, "vk_category_id": {category}, "product_group_ids": {"nope"}}},
		{"huge community id", url.Values{"evotor_store_id": {store}, "vk_group_id": {"99999999999999999999"}, "vk_category_id": {category}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.Post("/sync/settings", tt.form)

			if p.Status != http.StatusUnprocessableEntity {
				t.Errorf("status = %d, want 422", p.Status)
			}
			if n := e.App.Ent.SyncSettings.Query().CountX(context.Background()); n != 0 {
				t.Errorf("settings rows = %d, want none", n)
			}
			// The owner stays on the sync page, with the reason above the form.
			doc := p.Doc(t)
			if doc.Find("form#sync-settings").Length() != 1 {
				t.Error("the answer has no settings form")
			}
			if doc.Find("[data-message]").Text() == "" {
				t.Error("the answer shows no reason")
			}
		})
	}
}

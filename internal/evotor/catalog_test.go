package evotor_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evosync/evosync/internal/catalog"
	"github.com/evosync/evosync/internal/evotor"
	"github.com/evosync/evosync/internal/httpx"
)

const storeID = "20170228-F4F1-401B-80FA-9ECCA8451FFB"

// fakeEvotor serves fixed responses by path and records every request.
type fakeEvotor struct {
	server *httptest.Server
	client *evotor.Client
	routes map[string]func(w http.ResponseWriter, r *http.Request)

	mu       sync.Mutex
	requests []*http.Request
}

func newFakeEvotor(t *testing.T) *fakeEvotor {
	f := &fakeEvotor{routes: map[string]func(http.ResponseWriter, *http.Request){}}
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r)
		route, ok := f.routes[r.URL.Path]
		f.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		route(w, r)
	}))
	t.Cleanup(f.server.Close)
	f.client = evotor.New(evotor.Config{APIBaseURL: f.server.URL + "/api"}, f.server.Client())
	return f
}

func (f *fakeEvotor) route(path string, fn func(w http.ResponseWriter, r *http.Request)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[path] = fn
}

func (f *fakeEvotor) answer(path, contentType, body string) {
	f.route(path, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		io.WriteString(w, body)
	})
}

func (f *fakeEvotor) requestsTo(path string) []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*http.Request
	for _, r := range f.requests {
		if r.URL.Path == path {
			out = append(out, r)
		}
	}
	return out
}

const productsPath = "/api/stores/" + storeID + "/products"

func TestProductsFollowsCursorsAndSendsSince(t *testing.T) {
	f := newFakeEvotor(t)
	f.route(productsPath, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			io.WriteString(w, `{"items":[{"id":"p1","name":"Кефир","price":64.5}],"paging":{"next_cursor":"c2"}}`)
			return
		}
		io.WriteString(w, `{"items":[{"id":"p2","name":"Батон","price":45,"parent_id":"g1"}],"paging":{}}`)
	})
	since := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	var names []string

	err := f.client.Products(context.Background(), "token-1", storeID, since, func(p catalog.Product) error {
		names = append(names, p.Name)
		return nil
	})

	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Кефир", "Батон"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	requests := f.requestsTo(productsPath)
	if len(requests) != 2 {
		t.Fatalf("requests = %d, want 2", len(requests))
	}
	if got := requests[0].URL.Query().Get("since"); got != "1796374800000" {
		t.Errorf("since = %q, want milliseconds since the epoch", got)
	}
	if got := requests[1].URL.Query().Get("cursor"); got != "c2" {
		t.Errorf("second page cursor = %q, want c2", got)
	}
	if got := requests[0].Header.Get("Authorization"); got != "Bearer token-1" {
		t.Errorf("Authorization = %q", got)
	}
}

func TestProductsWithoutSinceListsAll(t *testing.T) {
	f := newFakeEvotor(t)
	f.answer(productsPath, evotor.MediaType, `{"items":[],"paging":{}}`)

	err := f.client.Products(context.Background(), "t", storeID, time.Time{}, func(catalog.Product) error { return nil })

	if err != nil {
		t.Fatal(err)
	}
	if q := f.requestsTo(productsPath)[0].URL.RawQuery; q != "" {
		t.Errorf("query = %q, want none", q)
	}
}

func TestStreamProductsHandsOverInvalidProducts(t *testing.T) {
	f := newFakeEvotor(t)
	f.answer(productsPath, evotor.MediaType, `{"items":[`+
		`{"id":"p1","name":"Кефир","price":64.5},`+
		`{"id":"p2","name":"Сломанный","price":-5,"parent_id":"g1"},`+
		`{"id":"p3","name":"Батон","price":45}]}`)
	var valid []string
	var invalid []evotor.InvalidProduct

	err := f.client.StreamProducts(context.Background(), "t", storeID, time.Time{},
		func(p catalog.Product) error {
			valid = append(valid, p.ID)
			return nil
		},
		func(p evotor.InvalidProduct) error {
			invalid = append(invalid, p)
			return nil
		})

	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"p1", "p3"}, valid); diff != "" {
		t.Errorf("valid products (-want +got):\n%s", diff)
	}
	if len(invalid) != 1 || invalid[0].ID != "p2" || invalid[0].ParentID != "g1" || invalid[0].Name != "Сломанный" || invalid[0].Err == nil {
		t.Errorf("invalid products = %+v", invalid)
	}
	strict := f.client.Products(context.Background(), "t", storeID, time.Time{}, func(catalog.Product) error { return nil })
	if strict == nil {
		t.Error("Products accepted a product with a negative price")
	}
}

func TestProductGroupsDecodes(t *testing.T) {
	f := newFakeEvotor(t)
	f.answer("/api/stores/"+storeID+"/product-groups", evotor.MediaType,
		`{"items":[{"id":"g1","name":"Хлеб"},{"id":"g2","name":"Булки","parent_id":"g1"}]}`)
	var groups []catalog.Group

	err := f.client.ProductGroups(context.Background(), "t", storeID, func(g catalog.Group) error {
		groups = append(groups, g)
		return nil
	})

	if err != nil {
		t.Fatal(err)
	}
	want := []catalog.Group{{ID: "g1", Name: "Хлеб"}, {ID: "g2", ParentID: "g1", Name: "Булки"}}
	if diff := cmp.Diff(want, groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}

func TestProductsRejectedTokenIsStatusError(t *testing.T) {
	f := newFakeEvotor(t)
	f.route(productsPath, func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"code":401}`, http.StatusUnauthorized)
	})

	err := f.client.Products(context.Background(), "t", storeID, time.Time{}, func(catalog.Product) error { return nil })

	var statusErr *httpx.StatusError
	if !errors.As(err, &statusErr) || statusErr.Status != http.StatusUnauthorized {
		t.Errorf("error = %v, want HTTP 401", err)
	}
}

const imagesPath = "/api/stores/" + storeID + "/products/p1/images"

func TestProductImageDownloadsFirstURL(t *testing.T) {
	f := newFakeEvotor(t)
	f.answer(imagesPath, "application/json", `{"items":[{"id":"i1","url":"`+f.server.URL+`/api/images/i1.png"}]}`)
	f.answer("/api/images/i1.png", "image/png", "PNG bytes")

	image, err := f.client.ProductImage(context.Background(), "token-1", storeID, "p1")

	if err != nil {
		t.Fatal(err)
	}
	if string(image) != "PNG bytes" {
		t.Errorf("image = %q", image)
	}
	download := f.requestsTo("/api/images/i1.png")[0]
	if got := download.Header.Get("Authorization"); got != "Bearer token-1" {
		t.Errorf("Authorization of the download = %q, want the token", got)
	}
	if accept := f.requestsTo(imagesPath)[0].Header.Get("Accept"); !strings.Contains(accept, evotor.MediaType) {
		t.Errorf("Accept of the list = %q", accept)
	}
}

func TestProductImageResolvesRelativeURL(t *testing.T) {
	f := newFakeEvotor(t)
	f.answer(imagesPath, "application/json", `[{"id":"i1","url":"images/i1.png"}]`)
	f.answer("/api/images/i1.png", "image/png", "PNG bytes")

	image, err := f.client.ProductImage(context.Background(), "t", storeID, "p1")

	if err != nil || string(image) != "PNG bytes" {
		t.Errorf("image = %q, error %v", image, err)
	}
}

func TestProductImageKeepsTokenFromOtherHosts(t *testing.T) {
	var gotAuth string
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		io.WriteString(w, "PNG bytes")
	}))
	t.Cleanup(storage.Close)
	f := newFakeEvotor(t)
	f.answer(imagesPath, "application/json", `{"items":[{"id":"i1","url":"`+storage.URL+`/i1.png"}]}`)

	image, err := f.client.ProductImage(context.Background(), "secret-token", storeID, "p1")

	if err != nil || string(image) != "PNG bytes" {
		t.Fatalf("image = %q, error %v", image, err)
	}
	if gotAuth != "" {
		t.Errorf("the storage host got Authorization %q", gotAuth)
	}
}

func TestProductImageNone(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fakeEvotor)
	}{
		{"empty list", func(f *fakeEvotor) { f.answer(imagesPath, "application/json", `{"items":[]}`) }},
		{"list not found", func(f *fakeEvotor) {}},
		{"image not found", func(f *fakeEvotor) {
			f.answer(imagesPath, "application/json", `{"items":[{"id":"i1","url":"`+f.server.URL+`/api/gone.png"}]}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeEvotor(t)
			tt.setup(f)

			image, err := f.client.ProductImage(context.Background(), "t", storeID, "p1")

			if err != nil || image != nil {
				t.Errorf("image %q, error %v; want nil, nil", image, err)
			}
		})
	}
}

func TestProductImageAnswerThatIsTheImage(t *testing.T) {
	f := newFakeEvotor(t)
	f.answer(imagesPath, "image/png", "PNG bytes")

	image, err := f.client.ProductImage(context.Background(), "t", storeID, "p1")

	if err != nil || string(image) != "PNG bytes" {
		t.Errorf("image = %q, error %v", image, err)
	}
}

func TestProductImageTooLarge(t *testing.T) {
	f := newFakeEvotor(t)
	f.answer(imagesPath, "application/json", `{"items":[{"id":"i1","url":"`+f.server.URL+`/api/big.png"}]}`)
	f.route("/api/big.png", func(w http.ResponseWriter, _ *http.Request) {
		w.Write(make([]byte, evotor.MaxImageBytes+1))
	})

	_, err := f.client.ProductImage(context.Background(), "t", storeID, "p1")

	if err == nil {
		t.Error("an image over the size cap gave no error")
	}
}

package sandbox

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// evotorGet sends an Evotor API GET with the v2 Accept header.
func (h *harness) evotorGet(path, token string) response {
	h.t.Helper()
	req := h.newRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", evotorMediaType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return h.do(req)
}

// productPage is a decoded page of the products route.
type productPage struct {
	Items  []evotorProductJSON `json:"items"`
	Paging struct {
		NextCursor string `json:"next_cursor"`
	} `json:"paging"`
}

// walkProducts reads every page of the store's products with the query
// and returns the products and the number of pages.
func (h *harness) walkProducts(token, storeID string, query url.Values) ([]evotorProductJSON, int) {
	h.t.Helper()
	var all []evotorProductJSON
	pages := 0
	for {
		r := h.evotorGet("/evotor/api/stores/"+storeID+"/products?"+query.Encode(), token)
		if r.status != http.StatusOK {
			h.t.Fatalf("products page %d: status %d, body %s", pages+1, r.status, r.body)
		}
		page := decodeJSON[productPage](h.t, r.body)
		all = append(all, page.Items...)
		pages++
		if page.Paging.NextCursor == "" {
			if !bytes.Contains(r.body, []byte(`"paging":{}`)) {
				h.t.Errorf("last page has no empty paging object: %s", r.body)
			}
			return all, pages
		}
		if pages > 1000 {
			h.t.Fatal("more than 1000 pages")
		}
		query = url.Values{"cursor": {page.Paging.NextCursor}}
	}
}

// firstStore mints an Evotor token for the default user and returns it with
// the user's first store id.
func (h *harness) firstStore() (string, string) {
	h.t.Helper()
	token, _ := h.sb.MintEvotorToken(defaultEvotorUserID)
	return token, h.sb.StoreIDs(defaultEvotorUserID)[0]
}

// mintEvotorScope issues an Evotor token with the given scope.
func (h *harness) mintEvotorScope(userID, scope string) string {
	h.sb.mu.Lock()
	defer h.sb.mu.Unlock()
	return h.sb.issueEvotorGrantLocked(userID, scope).access
}

func productIDs(products []evotorProductJSON) []string {
	ids := make([]string, len(products))
	for i, p := range products {
		ids[i] = p.ID
	}
	return ids
}

func TestEvotorProductsPaginationWalksAll(t *testing.T) {
	h := newHarness(t, Config{CatalogSize: 250, EvotorPageSize: 40})
	token, storeID := h.firstStore()
	products, pages := h.walkProducts(token, storeID, nil)

	if pages != 7 {
		t.Errorf("pages = %d, want 7 for 250 products of 40", pages)
	}
	if diff := cmp.Diff(h.sb.ProductIDs(storeID), productIDs(products)); diff != "" {
		t.Errorf("walked ids differ from ProductIDs (-want +got):\n%s", diff)
	}
	seen := make(map[string]bool)
	for _, p := range products {
		if seen[p.ID] {
			t.Errorf("product %s returned twice", p.ID)
		}
		seen[p.ID] = true
	}
	if len(seen) != 250 {
		t.Errorf("distinct products = %d, want 250", len(seen))
	}
}

func TestEvotorProductsExactPages(t *testing.T) {
	h := newHarness(t, Config{CatalogSize: 80, EvotorPageSize: 40})
	token, storeID := h.firstStore()
	products, pages := h.walkProducts(token, storeID, nil)
	if pages != 2 || len(products) != 80 {
		t.Errorf("pages = %d with %d products, want 2 pages with 80 and no empty third page", pages, len(products))
	}
}

func TestEvotorProductsEmptyCatalog(t *testing.T) {
	h := newHarness(t, Config{CatalogSize: -1})
	token, storeID := h.firstStore()
	products, pages := h.walkProducts(token, storeID, nil)
	if pages != 1 || len(products) != 0 {
		t.Errorf("pages = %d with %d products, want one empty page", pages, len(products))
	}
}

func TestEvotorProductsInvalidCursor(t *testing.T) {
	h := newHarness(t, Config{})
	token, storeID := h.firstStore()
	groupCursor := encodeCursor(cursorGroups, pageQuery{after: 1})
	for _, cursor := range []string{"garbage!", "cC4xMA", groupCursor} {
		r := h.evotorGet("/evotor/api/stores/"+storeID+"/products?cursor="+url.QueryEscape(cursor), token)
		if r.status != http.StatusBadRequest {
			t.Errorf("cursor %q: status = %d, want 400", cursor, r.status)
			continue
		}
		body := decodeJSON[evotorErrorBody](t, r.body)
		if len(body.Errors) != 1 || !strings.Contains(body.Errors[0].Message, "invalid cursor") {
			t.Errorf("cursor %q: body = %s, want an invalid cursor error", cursor, r.body)
		}
	}
}

func TestEvotorProductsSince(t *testing.T) {
	h := newHarness(t, Config{CatalogSize: 120, EvotorPageSize: 50})
	token, storeID := h.firstStore()
	ids := h.sb.ProductIDs(storeID)

	h.clock.Advance(time.Hour)
	since := h.clock.Now()
	h.clock.Advance(time.Minute)
	changed := []string{ids[3], ids[77], ids[110]}
	for _, id := range changed {
		if err := h.sb.SetProductPrice(storeID, id, "42.5"); err != nil {
			t.Fatalf("SetProductPrice(%s): %v", id, err)
		}
	}

	formats := map[string]string{
		"milliseconds": strconv.FormatInt(since.UnixMilli(), 10),
		"evotor":       since.UTC().Format(evotorTimeFormat),
		"rfc3339":      since.Format(time.RFC3339),
		"evotor plus":  since.In(time.FixedZone("MSK", 3*3600)).Format(evotorTimeFormat),
	}
	for name, value := range formats {
		products, _ := h.walkProducts(token, storeID, url.Values{"since": {value}})
		if diff := cmp.Diff(changed, productIDs(products)); diff != "" {
			t.Errorf("since in %s format %q (-want +got):\n%s", name, value, diff)
		}
	}

	// A "+" that the client did not escape arrives as a space.
	raw := "/evotor/api/stores/" + storeID + "/products?since=" + since.In(time.FixedZone("MSK", 3*3600)).Format(evotorTimeFormat)
	page := decodeJSON[productPage](t, h.evotorGet(raw, token).body)
	if len(page.Items) != len(changed) {
		t.Errorf("since with an unescaped +: %d products, want %d", len(page.Items), len(changed))
	}

	if r := h.evotorGet("/evotor/api/stores/"+storeID+"/products?since=yesterday", token); r.status != http.StatusBadRequest {
		t.Errorf("since=yesterday: status = %d, want 400", r.status)
	}
}

func TestEvotorSinceCarriedByCursor(t *testing.T) {
	h := newHarness(t, Config{CatalogSize: 30, EvotorPageSize: 2})
	token, storeID := h.firstStore()
	ids := h.sb.ProductIDs(storeID)
	h.clock.Advance(time.Hour)
	since := h.clock.Now()
	for _, id := range ids[:5] {
		if err := h.sb.SetProductAllowToSell(storeID, id, false); err != nil {
			t.Fatal(err)
		}
	}
	products, pages := h.walkProducts(token, storeID, url.Values{"since": {strconv.FormatInt(since.UnixMilli(), 10)}})
	if diff := cmp.Diff(ids[:5], productIDs(products)); diff != "" {
		t.Errorf("since over several pages (-want +got):\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3", pages)
	}
}

func TestEvotorSeededCatalog(t *testing.T) {
	h := newHarness(t, Config{})
	token, storeID := h.firstStore()
	r := h.evotorGet("/evotor/api/stores/"+storeID+"/products", token)
	if bytes.Contains(r.body, []byte("null")) {
		t.Errorf("products body contains null: %s", r.body)
	}
	var raw struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Items) != 40 {
		t.Fatalf("products = %d, want 40", len(raw.Items))
	}

	prices := map[string]bool{}
	var short, long, noSale, noStock, services, withDescription, withCode int
	timeFormat := regexp.MustCompile(`^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000"$`)
	for _, item := range raw.Items {
		prices[string(item["price"])] = true
		var name string
		_ = json.Unmarshal(item["name"], &name)
		switch n := utf8.RuneCountInString(name); {
		case n == 2:
			short++
		case n > 100:
			long++
		}
		if string(item["allow_to_sell"]) == "false" {
			noSale++
		}
		if string(item["quantity"]) == "0" {
			noStock++
		}
		if string(item["type"]) == `"SERVICE"` {
			services++
		}
		if _, ok := item["description"]; ok {
			withDescription++
		}
		if item["article_number"] != nil || item["code"] != nil {
			withCode++
		}
		for _, field := range []string{"created_at", "updated_at"} {
			if !timeFormat.Match(item[field]) {
				t.Errorf("%s = %s, want Evotor's format", field, item[field])
			}
		}
	}
	for _, price := range []string{"89.9", "120", "0.5"} {
		if !prices[price] {
			t.Errorf("no product with price %s", price)
		}
	}
	checks := []struct {
		name     string
		got, min int
		max      int
	}{
		{"names of 2 runes", short, 1, 1},
		{"names over 100 runes", long, 2, 5},
		{"products not for sale", noSale, 2, 5},
		{"products without stock", noStock, 2, 5},
		{"services", services, 1, 1},
		{"products with a description", withDescription, 10, 30},
		{"products with an article number or code", withCode, 30, 38},
	}
	for _, c := range checks {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%s = %d, want %d to %d", c.name, c.got, c.min, c.max)
		}
	}
}

func TestEvotorCatalogDeterministic(t *testing.T) {
	first := newHarness(t, Config{})
	second := newHarness(t, Config{})
	token1, store1 := first.firstStore()
	token2, store2 := second.firstStore()
	body1 := first.evotorGet("/evotor/api/stores/"+store1+"/products", token1).body
	body2 := second.evotorGet("/evotor/api/stores/"+store2+"/products", token2).body
	if !bytes.Equal(body1, body2) {
		t.Error("two sandboxes with the same clock generated different catalogs")
	}
	other := first.sb.StoreIDs(defaultEvotorUserID)[1]
	if ids := first.sb.ProductIDs(other); ids[0] == first.sb.ProductIDs(store1)[0] {
		t.Error("two stores share product ids")
	}
}

func TestEvotorQuantityNeedsScope(t *testing.T) {
	h := newHarness(t, Config{})
	_, storeID := h.firstStore()
	token := h.mintEvotorScope(defaultEvotorUserID, "store:read product:read")
	r := h.evotorGet("/evotor/api/stores/"+storeID+"/products", token)
	if r.status != http.StatusOK {
		t.Fatalf("status = %d; body %s", r.status, r.body)
	}
	if bytes.Contains(r.body, []byte(`"quantity"`)) {
		t.Error("quantity sent to a token without product.quantity:read")
	}
	if r := h.evotorGet("/evotor/api/stores/"+storeID+"/product-groups", token); r.status != http.StatusForbidden {
		t.Errorf("groups without product-group:read: status = %d, want 403", r.status)
	}
}

func TestEvotorOtherUsersStore(t *testing.T) {
	h := newHarness(t, Config{})
	_, storeID := h.firstStore()
	other, _ := h.sb.MintEvotorToken("01-000000000000002")
	for _, path := range []string{"/products", "/product-groups", "/products/x/images"} {
		if r := h.evotorGet("/evotor/api/stores/"+storeID+path, other); r.status != http.StatusNotFound {
			t.Errorf("%s of another user's store: status = %d, want 404", path, r.status)
		}
	}
	if r := h.evotorGet("/evotor/api/stores/"+storeID+"/products", ""); r.status != http.StatusUnauthorized {
		t.Errorf("without a token: status = %d, want 401", r.status)
	}
}

func TestEvotorProductGroups(t *testing.T) {
	h := newHarness(t, Config{EvotorPageSize: 3})
	token, storeID := h.firstStore()
	first := decodeJSON[evotorPage[evotorGroupJSON]](t, h.evotorGet("/evotor/api/stores/"+storeID+"/product-groups", token).body)
	if len(first.Items) != 3 || first.Paging.NextCursor == "" {
		t.Fatalf("first page = %d groups, cursor %q; want 3 and a cursor", len(first.Items), first.Paging.NextCursor)
	}
	second := decodeJSON[evotorPage[evotorGroupJSON]](t, h.evotorGet(
		"/evotor/api/stores/"+storeID+"/product-groups?cursor="+first.Paging.NextCursor, token).body)
	var names []string
	for _, g := range append(first.Items, second.Items...) {
		names = append(names, g.Name)
	}
	want := []string{"Молочные продукты", "Хлеб и выпечка", "Бакалея", "Напитки", "Кулинария"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("group names (-want +got):\n%s", diff)
	}
	if second.Paging.NextCursor != "" {
		t.Errorf("last page cursor = %q, want none", second.Paging.NextCursor)
	}

	products, _ := h.walkProducts(token, storeID, nil)
	groupIDs := map[string]bool{}
	for _, g := range append(first.Items, second.Items...) {
		groupIDs[g.ID] = true
	}
	for _, p := range products {
		if p.ParentID != "" && !groupIDs[p.ParentID] {
			t.Errorf("product %s has parent_id %s, which is not a group", p.ID, p.ParentID)
		}
	}
}

// imageList is the decoded body of the images route.
type imageList struct {
	Items []evotorImageJSON `json:"items"`
}

func TestEvotorImages(t *testing.T) {
	h := newHarness(t, Config{})
	token, storeID := h.firstStore()
	ids := h.sb.ProductIDs(storeID)

	var pngs [][]byte
	withImage := 0
	for i, id := range ids {
		r := h.evotorGet("/evotor/api/stores/"+storeID+"/products/"+id+"/images", token)
		if r.status != http.StatusOK {
			t.Fatalf("images of %s: status %d", id, r.status)
		}
		list := decodeJSON[imageList](t, r.body)
		if len(list.Items) == 0 {
			continue
		}
		withImage++
		item := list.Items[0]
		if !strings.HasPrefix(item.URL, h.srv.URL+"/evotor/api/images/") || item.ContentType != "image/png" {
			t.Errorf("image entry = %+v, want an absolute sandbox URL and image/png", item)
		}
		if i > 3 && len(pngs) >= 2 {
			continue
		}
		req := h.newRequest(http.MethodGet, strings.TrimPrefix(item.URL, h.srv.URL), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		img := h.do(req)
		if img.status != http.StatusOK || img.header.Get("Content-Type") != "image/png" {
			t.Fatalf("GET %s: status %d, type %q", item.URL, img.status, img.header.Get("Content-Type"))
		}
		decoded, err := png.Decode(bytes.NewReader(img.body))
		if err != nil {
			t.Fatalf("decoding %s: %v", item.URL, err)
		}
		if b := decoded.Bounds(); b != image.Rect(0, 0, 300, 300) {
			t.Errorf("image bounds = %v, want 300×300", b)
		}
		pngs = append(pngs, img.body)
	}
	if withImage < 24 || withImage > 30 {
		t.Errorf("products with an image = %d of 40, want about two thirds", withImage)
	}
	if len(pngs) >= 2 && bytes.Equal(pngs[0], pngs[1]) {
		t.Error("two products have the same image")
	}
}

func TestEvotorImageAuthorization(t *testing.T) {
	h := newHarness(t, Config{})
	token, storeID := h.firstStore()
	list := decodeJSON[imageList](t, h.evotorGet("/evotor/api/stores/"+storeID+"/products/"+h.sb.ProductIDs(storeID)[0]+"/images", token).body)
	if len(list.Items) != 1 {
		t.Fatalf("first product images = %d, want 1", len(list.Items))
	}
	path := strings.TrimPrefix(list.Items[0].URL, h.srv.URL)
	if r := h.get(path); r.status != http.StatusUnauthorized {
		t.Errorf("image without a token: status = %d, want 401", r.status)
	}
	other, _ := h.sb.MintEvotorToken("01-000000000000002")
	if r := h.evotorGet(path, other); r.status != http.StatusNotFound {
		t.Errorf("image with another user's token: status = %d, want 404", r.status)
	}
	if r := h.evotorGet("/evotor/api/stores/"+storeID+"/products/missing/images", token); r.status != http.StatusNotFound {
		t.Errorf("images of an unknown product: status = %d, want 404", r.status)
	}
	if n := h.sb.CallCount(ProviderEvotor, "image"); n != 2 {
		t.Errorf("CallCount image = %d, want 2", n)
	}
}

func TestEvotorControlsBumpUpdatedAt(t *testing.T) {
	h := newHarness(t, Config{})
	token, storeID := h.firstStore()
	before, _ := h.walkProducts(token, storeID, nil)
	id := before[0].ID
	h.clock.Advance(time.Hour)

	steps := []struct {
		name   string
		change func() error
	}{
		{"price", func() error { return h.sb.SetProductPrice(storeID, id, "99,50") }},
		{"allow_to_sell", func() error { return h.sb.SetProductAllowToSell(storeID, id, false) }},
		{"quantity", func() error { return h.sb.SetProductQuantity(storeID, id, "1.250") }},
		{"name", func() error { return h.sb.RenameProduct(storeID, id, "Молоко топлёное") }},
	}
	last := before[0].UpdatedAt
	for _, step := range steps {
		if err := step.change(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		after, _ := h.walkProducts(token, storeID, nil)
		if after[0].UpdatedAt <= last {
			t.Errorf("after changing %s: updated_at = %s, want later than %s", step.name, after[0].UpdatedAt, last)
		}
		last = after[0].UpdatedAt
	}

	after, _ := h.walkProducts(token, storeID, nil)
	got := after[0]
	if got.Price != "99.5" || got.AllowToSell || got.Quantity != "1.25" || got.Name != "Молоко топлёное" {
		t.Errorf("product after the changes = %+v", got)
	}
	if got.CreatedAt != before[0].CreatedAt {
		t.Errorf("created_at changed from %s to %s", before[0].CreatedAt, got.CreatedAt)
	}
}

func TestEvotorControlErrors(t *testing.T) {
	h := newHarness(t, Config{})
	_, storeID := h.firstStore()
	id := h.sb.ProductIDs(storeID)[0]
	cases := []struct {
		name string
		err  error
	}{
		{"negative price", h.sb.SetProductPrice(storeID, id, "-1")},
		{"three decimals", h.sb.SetProductPrice(storeID, id, "1.001")},
		{"unknown store", h.sb.SetProductPrice("nope", id, "1")},
		{"unknown product", h.sb.SetProductQuantity(storeID, "nope", "1")},
		{"empty name", h.sb.RenameProduct(storeID, id, "")},
		{"long name", h.sb.RenameProduct(storeID, id, strings.Repeat("я", 129))},
		{"remove unknown", h.sb.RemoveProduct(storeID, "nope")},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Errorf("%s: error = nil", c.name)
		}
	}
	if _, err := h.sb.AddProduct(storeID, map[string]any{"name": "Чай", "colour": "red"}); err == nil {
		t.Error("AddProduct with an unknown key: error = nil")
	}
	if _, err := h.sb.AddProduct(storeID, map[string]any{"name": "Чай", "parent_id": "nope"}); err == nil {
		t.Error("AddProduct with an unknown group: error = nil")
	}
}

func TestEvotorAddRemoveProduct(t *testing.T) {
	h := newHarness(t, Config{})
	token, storeID := h.firstStore()
	removed := h.sb.ProductIDs(storeID)[0]
	if err := h.sb.RemoveProduct(storeID, removed); err != nil {
		t.Fatal(err)
	}
	id, err := h.sb.AddProduct(storeID, map[string]any{
		"name": "Торт «Наполеон»", "price": 899.9, "quantity": "3", "barcodes": []any{"4600000000017"},
		"description": "Слоёный торт с заварным кремом.", "image": true,
	})
	if err != nil {
		t.Fatal(err)
	}

	products, _ := h.walkProducts(token, storeID, nil)
	if len(products) != 40 {
		t.Errorf("products = %d, want 40 after one removal and one addition", len(products))
	}
	if slices.Contains(productIDs(products), removed) {
		t.Error("removed product is still listed")
	}
	added := products[len(products)-1]
	want := evotorProductJSON{
		ID: id, Name: "Торт «Наполеон»", Type: "NORMAL", Price: "899.9", CostPrice: "0", Quantity: "3",
		MeasureName: "шт", AllowToSell: true, Description: "Слоёный торт с заварным кремом.",
		Barcodes: []string{"4600000000017"}, CreatedAt: added.CreatedAt, UpdatedAt: added.CreatedAt,
	}
	if diff := cmp.Diff(want, added); diff != "" {
		t.Errorf("added product (-want +got):\n%s", diff)
	}
	list := decodeJSON[imageList](t, h.evotorGet("/evotor/api/stores/"+storeID+"/products/"+id+"/images", token).body)
	if len(list.Items) != 1 {
		t.Errorf("images of the added product = %d, want 1", len(list.Items))
	}
	if r := h.evotorGet("/evotor/api/stores/"+storeID+"/products/"+removed+"/images", token); r.status != http.StatusNotFound {
		t.Errorf("images of the removed product: status = %d, want 404", r.status)
	}
}

func TestEvotorControlEndpoints(t *testing.T) {
	h := newHarness(t, Config{})
	token, storeID := h.firstStore()
	id := h.sb.ProductIDs(storeID)[1]

	req := h.newRequest(http.MethodPost, "/control/evotor/products/price", strings.NewReader(url.Values{
		"store_id": {storeID}, "product_id": {id}, "price": {"77.70"},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if r := h.do(req); r.status != http.StatusOK {
		t.Fatalf("price endpoint: status %d, body %s", r.status, r.body)
	}
	products, _ := h.walkProducts(token, storeID, nil)
	if products[1].Price != "77.7" {
		t.Errorf("price after the endpoint = %s, want 77.7", products[1].Price)
	}

	back := "/control/evotor/stores/" + storeID + "?page=1"
	r := h.postForm("/control/evotor/products/allow", url.Values{
		"store_id": {storeID}, "product_id": {id}, "allow_to_sell": {"false"}, "back": {back},
	})
	if got := r.location(t).String(); got != back {
		t.Errorf("redirect = %q, want %q", got, back)
	}
	r = h.postForm("/control/evotor/products/remove", url.Values{
		"store_id": {storeID}, "product_id": {id}, "back": {"//evil.example/"},
	})
	if got := r.location(t).String(); got != "/" {
		t.Errorf("redirect with a foreign back = %q, want /", got)
	}
	if slices.Contains(h.sb.ProductIDs(storeID), id) {
		t.Error("product is still listed after the remove endpoint")
	}

	r = h.postForm("/control/evotor/products/add", url.Values{"store_id": {storeID}, "name": {""}})
	if r.status != http.StatusBadRequest {
		t.Errorf("add without a name: status = %d, want 400", r.status)
	}
}

func TestEvotorStorePage(t *testing.T) {
	h := newHarness(t, Config{CatalogSize: 150})
	_, storeID := h.firstStore()
	page := string(h.get("/control/evotor/stores/" + storeID).body)
	for _, want := range []string{"Магазин на Ленина", "Кефир 1%", "89,9", "/control/evotor/products/price", "Страница 1 из 2"} {
		if !strings.Contains(page, want) {
			t.Errorf("store page lacks %q", want)
		}
	}
	second := string(h.get("/control/evotor/stores/" + storeID + "?page=2").body)
	if !strings.Contains(second, "вариант 4") {
		t.Error("second page lacks the later products")
	}

	control := string(h.get("/").body)
	if !strings.Contains(control, "/control/evotor/stores/"+storeID) {
		t.Error("control page has no link to the store page")
	}
	if r := h.get("/control/evotor/stores/unknown"); r.status != http.StatusNotFound {
		t.Errorf("unknown store page: status = %d, want 404", r.status)
	}
}

func BenchmarkEvotorWalk10000Products(b *testing.B) {
	for b.Loop() {
		sb := New(Config{CatalogSize: 10_000})
		token, _ := sb.MintEvotorToken(defaultEvotorUserID)
		storeID := sb.StoreIDs(defaultEvotorUserID)[0]
		srv := newLoopbackServer(b, sb)
		path := "/evotor/api/stores/" + storeID + "/products"
		total := 0
		for path != "" {
			req, _ := http.NewRequest(http.MethodGet, srv.url+path, nil)
			req.Header.Set("Accept", evotorMediaType)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := srv.client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var page productPage
			err = json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			total += len(page.Items)
			path = ""
			if page.Paging.NextCursor != "" {
				path = "/evotor/api/stores/" + storeID + "/products?cursor=" + page.Paging.NextCursor
			}
		}
		srv.close()
		if total != 10_000 {
			b.Fatalf("walked %d products, want 10000", total)
		}
	}
}

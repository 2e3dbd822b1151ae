package vk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/evosync/evosync/internal/httpx"
	"github.com/evosync/evosync/internal/vk"
)

// fakeVK serves /method/<name> with a handler per method and records the
// form of every call.
type fakeVK struct {
	t       *testing.T
	server  *httptest.Server
	client  *vk.Client
	methods map[string]func(form map[string]string) string

	mu    sync.Mutex
	calls []fakeCall
}

type fakeCall struct {
	method string
	form   map[string]string
	at     time.Time
}

func newFakeVK(t *testing.T) *fakeVK {
	f := &fakeVK{t: t, methods: map[string]func(map[string]string) string{}}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.server.Close)
	f.client = vk.New(vk.Config{APIVersion: "5.199", APIBaseURL: f.server.URL + "/method"}, f.server.Client())
	return f
}

func (f *fakeVK) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	method := strings.TrimPrefix(r.URL.Path, "/method/")
	form := map[string]string{}
	for k := range r.PostForm {
		form[k] = r.PostForm.Get(k)
	}
	f.mu.Lock()
	f.calls = append(f.calls, fakeCall{method: method, form: form, at: time.Now()})
	handler, ok := f.methods[method]
	f.mu.Unlock()
	if !ok {
		io.WriteString(w, `{"error":{"error_code":3,"error_msg":"Unknown method passed"}}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, handler(form))
}

func (f *fakeVK) handle(method string, fn func(form map[string]string) string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.methods[method] = fn
}

func (f *fakeVK) callsOf(method string) []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeCall
	for _, c := range f.calls {
		if c.method == method {
			out = append(out, c)
		}
	}
	return out
}

func TestExecuteCodeWritesJSONObjects(t *testing.T) {
	calls := []vk.ExecCall{
		{Method: "market.add", Params: map[string]any{
			"owner_id": -5, "name": "Чай <зелёный> & мята", "price": json.Number("199.90"), "deleted": 0,
		}},
		{Method: "market.delete", Params: map[string]any{"owner_id": -5, "item_id": int64(7)}},
	}

	code, err := vk.ExecuteCode(calls)

	if err != nil {
		t.Fatal(err)
	}
	want := `return [API.market.add({"deleted":0,"name":"Чай <зелёный> & мята","owner_id":-5,"price":199.90}),` +
		`API.market.delete({"item_id":7,"owner_id":-5})];`
	if code != want {
		t.Errorf("code:\n got %s\nwant %s", code, want)
	}
}

func TestExecuteCodeEscapesNewlines(t *testing.T) {
	code, err := vk.ExecuteCode([]vk.ExecCall{{Method: "market.edit", Params: map[string]any{"description": "a\n\"b\""}}})

	if err != nil {
		t.Fatal(err)
	}
	if want := `return [API.market.edit({"description":"a\n\"b\""})];`; code != want {
		t.Errorf("code = %s, want %s", code, want)
	}
}

func TestExecuteCodeRejectsInvalidCalls(t *testing.T) {
	tooMany := make([]vk.ExecCall, vk.MaxExecuteCalls+1)
	for i := range tooMany {
		tooMany[i] = vk.ExecCall{Method: "market.delete"}
	}
	tests := []struct {
		name  string
		calls []vk.ExecCall
	}{
		{"no calls", nil},
		{"26 calls", tooMany},
		{"method with script", []vk.ExecCall{{Method: "market.add({});API.wall.post"}}},
		{"method without section", []vk.ExecCall{{Method: "execute"}}},
		{"parameter name with quote", []vk.ExecCall{{Method: "market.add", Params: map[string]any{`a"b`: 1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := vk.ExecuteCode(tt.calls); err == nil {
				t.Error("ExecuteCode returned no error")
			}
		})
	}
}

func TestExecuteMatchesErrorsToFalseSlots(t *testing.T) {
	f := newFakeVK(t)
	f.handle("execute", func(map[string]string) string {
		return `{"response":[{"market_item_id":101},false,1,false],"execute_errors":[` +
			`{"method":"market.add","error_code":1408,"error_msg":"Item has bad links in description"},` +
			`{"method":"market.edit","error_code":1403,"error_msg":"Item not found"}]}`
	})
	calls := []vk.ExecCall{
		{Method: "market.add", Params: map[string]any{"name": "a"}},
		{Method: "market.add", Params: map[string]any{"name": "b"}},
		{Method: "market.delete", Params: map[string]any{"item_id": 5}},
		{Method: "market.edit", Params: map[string]any{"item_id": 6}},
	}

	results, err := f.client.Execute(context.Background(), "token-1", calls)

	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 4 {
		t.Fatalf("results = %d, want 4", len(results))
	}
	if results[0].Err != nil || string(results[0].Response) != `{"market_item_id":101}` {
		t.Errorf("result 0 = %s, %v", results[0].Response, results[0].Err)
	}
	if results[1].Err == nil || results[1].Err.Code != 1408 {
		t.Errorf("result 1 error = %v, want code 1408", results[1].Err)
	}
	if results[2].Err != nil || string(results[2].Response) != "1" {
		t.Errorf("result 2 = %s, %v", results[2].Response, results[2].Err)
	}
	if results[3].Err == nil || results[3].Err.Code != 1403 {
		t.Errorf("result 3 error = %v, want code 1403", results[3].Err)
	}
	sent := f.callsOf("execute")[0].form
	if sent["access_token"] != "token-1" || sent["v"] != "5.199" || !strings.HasPrefix(sent["code"], "return [API.market.add(") {
		t.Errorf("request form = %v", sent)
	}
}

func TestExecuteFalseWithoutErrorGetsCodeZero(t *testing.T) {
	f := newFakeVK(t)
	f.handle("execute", func(map[string]string) string { return `{"response":[false]}` })

	results, err := f.client.Execute(context.Background(), "t", []vk.ExecCall{{Method: "market.delete"}})

	if err != nil {
		t.Fatal(err)
	}
	if results[0].Err == nil || results[0].Err.Code != 0 {
		t.Errorf("error = %v, want an APIError with code 0", results[0].Err)
	}
}

func TestExecuteWholeRequestErrorIsAPIError(t *testing.T) {
	f := newFakeVK(t)
	f.handle("execute", func(map[string]string) string {
		return `{"error":{"error_code":5,"error_msg":"User authorization failed: invalid access_token (4)."}}`
	})

	_, err := f.client.Execute(context.Background(), "t", []vk.ExecCall{{Method: "market.delete"}})

	var apiErr *vk.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 5 {
		t.Errorf("error = %v, want APIError 5", err)
	}
}

func TestExecuteWrongResultCountIsDecodeError(t *testing.T) {
	f := newFakeVK(t)
	f.handle("execute", func(map[string]string) string { return `{"response":[1]}` })

	_, err := f.client.Execute(context.Background(), "t", []vk.ExecCall{{Method: "market.delete"}, {Method: "market.delete"}})

	var decodeErr *httpx.DecodeError
	if !errors.As(err, &decodeErr) {
		t.Errorf("error = %v, want a DecodeError", err)
	}
}

func TestCallsShareTokenRateLimit(t *testing.T) {
	f := newFakeVK(t)
	f.handle("execute", func(map[string]string) string { return `{"response":[1]}` })
	ctx := context.Background()

	for range 4 {
		if _, err := f.client.Execute(ctx, "t", []vk.ExecCall{{Method: "market.delete"}}); err != nil {
			t.Fatal(err)
		}
	}

	calls := f.callsOf("execute")
	if gap := calls[3].at.Sub(calls[0].at); gap < time.Second {
		t.Errorf("4 calls of one token took %v, want more than 1 s at 3 calls per second", gap)
	}
}

func TestAdminGroupsDecodesTolerantly(t *testing.T) {
	f := newFakeVK(t)
	f.handle("groups.get", func(form map[string]string) string {
		if form["offset"] == "0" {
			return `{"response":{"count":3,"items":[` +
				`{"id":11,"name":"Магазин","screen_name":"shop","market":{"enabled":1},"is_admin":1},` +
				`{"id":"12","name":"Блог","screen_name":"blog","market":{"enabled":"0"}}]}}`
		}
		return `{"response":{"count":3,"items":[{"id":13.000000,"name":"Без маркета"}]}}`
	})

	groups, err := f.client.AdminGroups(context.Background(), "t")

	if err != nil {
		t.Fatal(err)
	}
	want := []vk.Group{
		{ID: 11, Name: "Магазин", ScreenName: "shop", MarketEnabled: true},
		{ID: 12, Name: "Блог", ScreenName: "blog"},
		{ID: 13, Name: "Без маркета"},
	}
	if diff := cmp.Diff(want, groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	first := f.callsOf("groups.get")[0].form
	if first["filter"] != "admin" || first["extended"] != "1" || first["fields"] != "market" {
		t.Errorf("groups.get form = %v", first)
	}
}

func TestMarketItemsReadsPagesOf200(t *testing.T) {
	f := newFakeVK(t)
	f.handle("market.get", func(form map[string]string) string {
		offset, _ := strconv.Atoi(form["offset"])
		var items []string
		for i := offset; i < min(offset+200, 450); i++ {
			items = append(items, fmt.Sprintf(`{"id":%d,"owner_id":-5,"title":"Товар %d","sku":"A-%d",`+
				`"price":{"amount":"%d","text":"x"},"availability":0,"date":1700000000,"albums_ids":[3]}`, i+1, i, i, 100*i+99))
		}
		return fmt.Sprintf(`{"response":{"count":450,"items":[%s]}}`, strings.Join(items, ","))
	})
	var got []vk.Item

	err := f.client.MarketItems(context.Background(), "t", -5, func(item vk.Item) error {
		got = append(got, item)
		return nil
	})

	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 450 {
		t.Fatalf("items = %d, want 450", len(got))
	}
	calls := f.callsOf("market.get")
	if len(calls) != 3 || calls[1].form["offset"] != "200" || calls[0].form["count"] != "200" {
		t.Errorf("market.get calls = %d, second offset %q", len(calls), calls[1].form["offset"])
	}
	if calls[0].form["owner_id"] != "-5" || calls[0].form["with_disabled"] != "1" {
		t.Errorf("market.get form = %v", calls[0].form)
	}
	want := vk.Item{ID: 3, OwnerID: -5, Name: "Товар 2", SKU: "A-2", PriceKopecks: 299,
		Created: time.Unix(1700000000, 0).UTC(), AlbumIDs: []int64{3}}
	if diff := cmp.Diff(want, got[2]); diff != "" {
		t.Errorf("item 3 (-want +got):\n%s", diff)
	}
}

func TestMarketCategoriesFlattensTree(t *testing.T) {
	tests := []struct {
		name, answer string
	}{
		{"flat list with sections", `{"response":{"count":2,"items":[` +
			`{"id":1,"name":"Продукты питания","section":{"id":1,"name":"Еда"}},` +
			`{"id":2,"name":"Напитки","section":{"id":1,"name":"Еда"}}]}}`},
		{"tree with children", `{"response":{"count":1,"items":[{"id":100,"name":"Еда","children":[` +
			`{"id":1,"name":"Продукты питания"},{"id":2,"name":"Напитки"}]}]}}`},
	}
	want := []vk.Category{{ID: 1, Name: "Продукты питания", Section: "Еда"}, {ID: 2, Name: "Напитки", Section: "Еда"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeVK(t)
			f.handle("market.getCategories", func(map[string]string) string { return tt.answer })

			got, err := f.client.MarketCategories(context.Background(), "t")

			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("categories (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAlbumsListAndAdd(t *testing.T) {
	f := newFakeVK(t)
	f.handle("market.getAlbums", func(map[string]string) string {
		return `{"response":{"count":1,"items":[{"id":4,"owner_id":-5,"title":"Хлеб","count":"7"}]}}`
	})
	f.handle("market.addAlbum", func(form map[string]string) string {
		return `{"response":{"market_album_id":9}}`
	})
	ctx := context.Background()

	albums, err := f.client.MarketAlbums(ctx, "t", -5)
	if err != nil {
		t.Fatal(err)
	}
	id, err := f.client.AddAlbum(ctx, "t", -5, "Напитки")
	if err != nil {
		t.Fatal(err)
	}

	if diff := cmp.Diff([]vk.Album{{ID: 4, Title: "Хлеб", Count: 7}}, albums); diff != "" {
		t.Errorf("albums (-want +got):\n%s", diff)
	}
	if id != 9 {
		t.Errorf("album id = %d, want 9", id)
	}
	if form := f.callsOf("market.addAlbum")[0].form; form["title"] != "Напитки" || form["owner_id"] != "-5" {
		t.Errorf("market.addAlbum form = %v", form)
	}
}

func TestUploadProductPhotoPassesAnswerVerbatim(t *testing.T) {
	f := newFakeVK(t)
	const uploadAnswer = `{"server":606,"photo":"[{\"photo\":\"abc\"}]","hash":"d41d8c"}`
	var gotFile []byte
	var gotName string
	upload := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file, header, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		gotFile, _ = io.ReadAll(file)
		gotName = header.Filename
		io.WriteString(w, uploadAnswer)
	}))
	t.Cleanup(upload.Close)
	f.handle("market.getProductPhotoUploadServer", func(form map[string]string) string {
		return `{"response":{"upload_url":"` + upload.URL + `/upload?id=1"}}`
	})
	f.handle("market.saveProductPhoto", func(form map[string]string) string {
		if form["upload_response"] != uploadAnswer || form["group_id"] != "5" {
			return `{"error":{"error_code":100,"error_msg":"wrong upload_response"}}`
		}
		return `{"response":{"photo_id":77}}`
	})

	id, err := f.client.UploadProductPhoto(context.Background(), "t", 5, []byte("JPEG bytes"), "product.jpg")

	if err != nil {
		t.Fatal(err)
	}
	if id != 77 {
		t.Errorf("photo id = %d, want 77", id)
	}
	if string(gotFile) != "JPEG bytes" || gotName != "product.jpg" {
		t.Errorf("uploaded file %q named %q", gotFile, gotName)
	}
	if form := f.callsOf("market.getProductPhotoUploadServer")[0].form; form["group_id"] != "5" {
		t.Errorf("upload server form = %v", form)
	}
}

func TestPostProductPhotoErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"server error", http.StatusServiceUnavailable, `{"error":"ERR_UPLOAD_SERVER_UNAVAILABLE"}`},
		{"error field", http.StatusOK, `{"error":"ERR_UPLOAD_BAD_IMAGE_SIZE: market photo min size 400x400"}`},
		{"HTML page", http.StatusOK, `<html>oops</html>`},
		{"answer over 64 KiB", http.StatusOK, `{"hash":"` + strings.Repeat("a", 70<<10) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			upload := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			t.Cleanup(upload.Close)
			client := vk.New(vk.Config{}, upload.Client())

			_, err := client.PostProductPhoto(context.Background(), upload.URL, []byte("x"), "p.png")

			var uploadErr *vk.UploadError
			if !errors.As(err, &uploadErr) {
				t.Fatalf("error = %v, want an UploadError", err)
			}
			if uploadErr.Status != tt.status {
				t.Errorf("status = %d, want %d", uploadErr.Status, tt.status)
			}
		})
	}
}

func TestPostProductPhotoRejectsNonHTTPURL(t *testing.T) {
	client := vk.New(vk.Config{}, http.DefaultClient)

	_, err := client.PostProductPhoto(context.Background(), "file:///etc/passwd", []byte("x"), "p.png")

	var uploadErr *vk.UploadError
	if !errors.As(err, &uploadErr) {
		t.Errorf("error = %v, want an UploadError", err)
	}
}

func TestDecodePhotoIDShapes(t *testing.T) {
	tests := []struct {
		answer string
		want   int64
	}{
		{`{"photo_id":77}`, 77},
		{`{"photo_id":"78"}`, 78},
		{`{"id":79,"owner_id":-5}`, 79},
		{`[{"id":80,"owner_id":-5}]`, 80},
		{`81`, 81},
	}
	for _, tt := range tests {
		t.Run(tt.answer, func(t *testing.T) {
			got, err := vk.DecodePhotoID(json.RawMessage(tt.answer))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("photo id = %d, want %d", got, tt.want)
			}
		})
	}
	if _, err := vk.DecodePhotoID(json.RawMessage(`{"photo_id":0}`)); err == nil {
		t.Error("an answer without a photo id gave no error")
	}
}

func TestPostProductPhotosNumbersTheFields(t *testing.T) {
	var got []string
	upload := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for i := 1; i <= 6; i++ {
			field := "file" + strconv.Itoa(i)
			file, header, err := r.FormFile(field)
			if err != nil {
				continue
			}
			data, _ := io.ReadAll(file)
			got = append(got, field+"="+header.Filename+":"+string(data))
		}
		io.WriteString(w, `{"upload_result":"r1","hash":"h1"}`)
	}))
	t.Cleanup(upload.Close)
	client := vk.New(vk.Config{}, http.DefaultClient)
	files := []vk.UploadFile{{Name: "a.jpg", Data: []byte("A")}, {Name: "b.png", Data: []byte("B")}, {Name: "c.jpg", Data: []byte("C")}}

	answer, err := client.PostProductPhotos(context.Background(), upload.URL, files)

	if err != nil {
		t.Fatal(err)
	}
	if string(answer) != `{"upload_result":"r1","hash":"h1"}` {
		t.Errorf("answer = %s, want the server's body", answer)
	}
	want := []string{"file1=a.jpg:A", "file2=b.png:B", "file3=c.jpg:C"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("posted fields (-want +got):\n%s", diff)
	}
	six := make([]vk.UploadFile, vk.MaxBulkPhotos+1)
	for _, files := range [][]vk.UploadFile{nil, six} {
		if _, err := client.PostProductPhotos(context.Background(), upload.URL, files); err == nil {
			t.Errorf("%d files: no error", len(files))
		}
	}
}

func TestDecodePhotoIDsKeepsFileOrder(t *testing.T) {
	raw := json.RawMessage(`[{"photo_id":11,"photo":{"id":11,"owner_id":-5}},{"photo_id":"12"},{"photo_id":10}]`)

	got, err := vk.DecodePhotoIDs(raw, 3)

	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{11, 12, 10}, got); diff != "" {
		t.Errorf("photo ids (-want +got):\n%s", diff)
	}
	for _, bad := range []struct {
		raw  string
		want int
	}{
		{`[{"photo_id":11}]`, 2},
		{`{"photo_id":11}`, 1},
		{`[{"photo_id":0}]`, 1},
	} {
		if _, err := vk.DecodePhotoIDs(json.RawMessage(bad.raw), bad.want); err == nil {
			t.Errorf("%s for %d files: no error", bad.raw, bad.want)
		}
	}
}

func TestDecodeAlbumIDShapes(t *testing.T) {
	tests := []struct {
		answer string
		want   int64
	}{
		{`{"market_album_id":7,"albums_count":3}`, 7},
		{`{"album_id":"8"}`, 8},
	}
	for _, tt := range tests {
		got, err := vk.DecodeAlbumID(json.RawMessage(tt.answer))
		if err != nil || got != tt.want {
			t.Errorf("%s: album id %d, error %v; want %d", tt.answer, got, err, tt.want)
		}
	}
	for _, bad := range []string{`{"albums_count":3}`, `[7]`} {
		if _, err := vk.DecodeAlbumID(json.RawMessage(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

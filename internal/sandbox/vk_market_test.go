package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// marketCall calls a VK method after moving the clock 400 ms, so that a
// test can make any number of calls within the limit of 3 per second.
func (h *harness) marketCall(method, token string, params url.Values) vkAPIResult {
	h.t.Helper()
	h.clock.Advance(400 * time.Millisecond)
	return h.callVK(method, token, params)
}

// mustMarket calls a VK method and fails the test on an error response.
func (h *harness) mustMarket(method, token string, params url.Values) json.RawMessage {
	h.t.Helper()
	result := h.marketCall(method, token, params)
	if result.Error != nil {
		h.t.Fatalf("%s: error %d %s", method, result.Error.ErrorCode, result.Error.ErrorMsg)
	}
	return result.Response
}

// mintVKScope issues a VK token with the given scope for a stored user.
func (h *harness) mintVKScope(u VKUser, scope string) string {
	h.sb.mu.Lock()
	defer h.sb.mu.Unlock()
	h.sb.vkUsers[u.ID] = u
	return h.sb.issueVKTokenLocked(u.ID, scope)
}

// shopOf returns the id of the user's community with Market enabled.
func shopOf(u VKUser) int64 {
	return u.ID*vkGroupIDFactor + vkShopGroupSuffix
}

func owner(groupID int64) string {
	return strconv.FormatInt(-groupID, 10)
}

// solidPNG returns a PNG of one color with the given size.
func solidPNG(t *testing.T, width, height int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(0, 0, color.RGBA{R: 10, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadFile posts data as the multipart field "file" to an upload URL and
// returns the response body.
func (h *harness) uploadFile(uploadURL string, data []byte) []byte {
	h.t.Helper()
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	part, err := form.CreateFormFile("file", "photo.png")
	if err != nil {
		h.t.Fatal(err)
	}
	_, _ = part.Write(data)
	_ = form.Close()
	req := h.newRequest(http.MethodPost, strings.TrimPrefix(uploadURL, h.srv.URL), &body)
	req.Header.Set("Content-Type", form.FormDataContentType())
	r := h.do(req)
	if r.status != http.StatusOK {
		h.t.Fatalf("upload: status %d, body %s", r.status, r.body)
	}
	return r.body
}

// uploadFiles posts each file under its multipart field to an upload URL
// and returns the response body.
func (h *harness) uploadFiles(uploadURL string, fields []string, files [][]byte) []byte {
	h.t.Helper()
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	for i, field := range fields {
		part, err := form.CreateFormFile(field, "photo.png")
		if err != nil {
			h.t.Fatal(err)
		}
		_, _ = part.Write(files[i])
	}
	_ = form.Close()
	req := h.newRequest(http.MethodPost, strings.TrimPrefix(uploadURL, h.srv.URL), &body)
	req.Header.Set("Content-Type", form.FormDataContentType())
	r := h.do(req)
	if r.status != http.StatusOK {
		h.t.Fatalf("upload: status %d, body %s", r.status, r.body)
	}
	return r.body
}

// bulkUploadURL returns a new upload URL of the community for several
// files.
func (h *harness) bulkUploadURL(token string, groupID int64) string {
	h.t.Helper()
	params := url.Values{"group_id": {strconv.FormatInt(groupID, 10)}, "bulk": {"1"}}
	raw := h.mustMarket("market.getProductPhotoUploadServer", token, params)
	return decodeJSON[map[string]string](h.t, raw)["upload_url"]
}

// uploadURL returns a new upload URL of the community.
func (h *harness) uploadURL(token string, groupID int64) string {
	h.t.Helper()
	raw := h.mustMarket("market.getProductPhotoUploadServer", token, url.Values{"group_id": {strconv.FormatInt(groupID, 10)}})
	return decodeJSON[map[string]string](h.t, raw)["upload_url"]
}

// savePhoto uploads a 400×400 PNG to the community and returns its photo id.
func (h *harness) savePhoto(token string, groupID int64) int64 {
	h.t.Helper()
	uploaded := h.uploadFile(h.uploadURL(token, groupID), solidPNG(h.t, 400, 400))
	raw := h.mustMarket("market.saveProductPhoto", token, url.Values{"upload_response": {string(uploaded)}})
	return decodeJSON[map[string]int64](h.t, raw)["photo_id"]
}

// itemParams returns valid market.add parameters.
func itemParams(groupID, photoID int64, name string) url.Values {
	return url.Values{
		"owner_id":      {owner(groupID)},
		"name":          {name},
		"description":   {"Описание товара для проверки."},
		"category_id":   {"1"},
		"price":         {"89.90"},
		"main_photo_id": {strconv.FormatInt(photoID, 10)},
		"sku":           {"MLK-00001"},
	}
}

func TestVKGroupsGet(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	shop := shopOf(testVKUser)

	ids := decodeJSON[vkList[int64]](t, h.mustMarket("groups.get", token, url.Values{"filter": {"admin"}}))
	if diff := cmp.Diff(vkList[int64]{Count: 2, Items: []int64{shop, shop + 1}}, ids); diff != "" {
		t.Errorf("groups.get (-want +got):\n%s", diff)
	}

	raw := h.mustMarket("groups.get", token, url.Values{"filter": {"admin"}, "extended": {"1"}})
	var extended struct {
		Count int              `json:"count"`
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(raw, &extended); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"id": float64(shop), "name": "Магазин Петра", "screen_name": "public" + strconv.FormatInt(shop, 10),
			"is_closed": 0.0, "type": "page", "is_admin": 1.0, "admin_level": 3.0, "is_member": 1.0,
			"is_advertiser": 0.0, "market": map[string]any{"enabled": 1.0}},
		{"id": float64(shop + 1), "name": "Блог Петра", "screen_name": "public" + strconv.FormatInt(shop+1, 10),
			"is_closed": 0.0, "type": "page", "is_admin": 1.0, "admin_level": 3.0, "is_member": 1.0,
			"is_advertiser": 0.0, "market": map[string]any{"enabled": 0.0}},
	}
	if diff := cmp.Diff(want, extended.Items); diff != "" {
		t.Errorf("groups.get extended (-want +got):\n%s", diff)
	}

	groups := h.sb.VKGroups(testVKUser.ID)
	if len(groups) != 2 || !groups[0].MarketEnabled || groups[1].MarketEnabled {
		t.Errorf("VKGroups = %+v, want a shop with Market and a community without", groups)
	}
	if h.sb.VKGroups(99) != nil {
		t.Error("VKGroups of an unknown user is not nil")
	}
}

func TestGenitiveName(t *testing.T) {
	cases := map[string]string{
		"Иван": "Ивана", "Анна": "Анны", "Ольга": "Ольги", "Мария": "Марии", "Андрей": "Андрея",
		"Игорь": "Игоря", "Пётр": "Петра", "John": "«John»", "": "",
	}
	for name, want := range cases {
		if got := genitiveName(name); got != want {
			t.Errorf("genitiveName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestMarketAddValidation(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	shop := shopOf(testVKUser)
	photo := h.savePhoto(token, shop)
	other := VKUser{ID: 5, FirstName: "Анна"}
	otherToken := h.sb.MintVKToken(other)
	otherPhoto := h.savePhoto(otherToken, shopOf(other))
	noMarketToken := h.mintVKScope(testVKUser, "offline,groups,photos")

	cases := []struct {
		name   string
		token  string
		change func(url.Values)
		code   int
		msg    string
	}{
		{"name of 3 characters", token, func(p url.Values) { p.Set("name", "Щи!") }, 100, "name must be 4 to 100"},
		{"name of 101 characters", token, func(p url.Values) { p.Set("name", strings.Repeat("я", 101)) }, 100, "name must be 4 to 100"},
		{"short description", token, func(p url.Values) { p.Set("description", "Коротко") }, 100, "description must be at least 10"},
		{"http link", token, func(p url.Values) { p.Set("description", "Подробнее: http://example.com/tea") }, 1408, "bad links"},
		{"https link", token, func(p url.Values) { p.Set("description", "Подробнее на HTTPS://example.com") }, 1408, "bad links"},
		{"www link", token, func(p url.Values) { p.Set("description", "Заходите на www.example.com") }, 1408, "bad links"},
		{"missing category", token, func(p url.Values) { p.Del("category_id") }, 100, "category_id is required"},
		{"unknown category", token, func(p url.Values) { p.Set("category_id", "999") }, 100, "category_id"},
		{"missing price", token, func(p url.Values) { p.Del("price") }, 100, "price is required"},
		{"price with comma", token, func(p url.Values) { p.Set("price", "89,90") }, 100, "price must be"},
		{"missing photo", token, func(p url.Values) { p.Del("main_photo_id") }, 100, "main_photo_id is required"},
		{"photo of another community", token, func(p url.Values) { p.Set("main_photo_id", strconv.FormatInt(otherPhoto, 10)) }, 100, "not a photo saved"},
		{"five extra photos", token, func(p url.Values) { p.Set("photo_ids", "1,2,3,4,5") }, 100, "at most 4"},
		{"long sku", token, func(p url.Values) { p.Set("sku", strings.Repeat("A", 51)) }, 100, "sku must be at most 50"},
		{"positive owner_id", token, func(p url.Values) { p.Set("owner_id", strconv.FormatInt(shop, 10)) }, 100, "negative"},
		{"market disabled", token, func(p url.Values) { p.Set("owner_id", owner(shop+1)) }, 1438, "Market not enabled"},
		{"community of another user", otherToken, func(url.Values) {}, 15, "not an administrator"},
		{"token without market scope", noMarketToken, func(url.Values) {}, 15, "market scope"},
	}
	for _, c := range cases {
		params := itemParams(shop, photo, "Молоко 3,2%")
		c.change(params)
		result := h.marketCall("market.add", c.token, params)
		if result.vkErrorCode() != c.code {
			t.Errorf("%s: error code = %d, want %d", c.name, result.vkErrorCode(), c.code)
			continue
		}
		if !strings.Contains(result.Error.ErrorMsg, c.msg) {
			t.Errorf("%s: error_msg = %q, want it to contain %q", c.name, result.Error.ErrorMsg, c.msg)
		}
	}
	if items := h.sb.MarketItems(shop); len(items) != 0 {
		t.Errorf("items after failed adds = %d, want 0", len(items))
	}

	raw := h.mustMarket("market.add", token, itemParams(shop, photo, "Молоко 3,2%"))
	id := decodeJSON[map[string]int64](t, raw)["market_item_id"]
	want := []MarketItem{{
		ID: id, Name: "Молоко 3,2%", Description: "Описание товара для проверки.", PriceKopecks: 8990,
		SKU: "MLK-00001", CategoryID: 1, MainPhotoID: photo,
	}}
	if diff := cmp.Diff(want, h.sb.MarketItems(shop)); diff != "" {
		t.Errorf("MarketItems (-want +got):\n%s", diff)
	}
}

func TestMarketItemLimit(t *testing.T) {
	h := newHarness(t, Config{MarketItemLimit: 2})
	token := h.sb.MintVKToken(testVKUser)
	shop := shopOf(testVKUser)
	photo := h.savePhoto(token, shop)
	for i := range 2 {
		h.mustMarket("market.add", token, itemParams(shop, photo, fmt.Sprintf("Товар %d", i)))
	}
	result := h.marketCall("market.add", token, itemParams(shop, photo, "Товар лишний"))
	if result.vkErrorCode() != vkErrTooManyItems || result.Error.ErrorMsg != "Too many items" {
		t.Errorf("third item: error = %+v, want 1405 Too many items", result.Error)
	}
}

func TestMarketPhotoUploadRoundTrip(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	shop := shopOf(testVKUser)

	uploadURL := h.uploadURL(token, shop)
	if !strings.HasPrefix(uploadURL, h.srv.URL+"/vk/upload/market/") {
		t.Fatalf("upload_url = %q, want an absolute sandbox URL", uploadURL)
	}
	uploaded := h.uploadFile(uploadURL, solidPNG(t, 800, 600))
	body := decodeJSON[uploadResponse](t, uploaded)
	if body.UploadResult == "" || body.Hash == "" || body.Error != "" {
		t.Fatalf("upload response = %s, want upload_result and hash", uploaded)
	}
	raw := h.mustMarket("market.saveProductPhoto", token, url.Values{"upload_response": {string(uploaded)}})
	photoID := decodeJSON[map[string]int64](t, raw)["photo_id"]
	if photoID <= 0 {
		t.Fatalf("photo_id = %d", photoID)
	}
	if n := h.sb.PhotoCount(shop); n != 1 {
		t.Errorf("PhotoCount = %d, want 1", n)
	}

	thumb := h.get("/vk/photos/" + strconv.FormatInt(photoID, 10) + ".png")
	img, err := png.Decode(bytes.NewReader(thumb.body))
	if thumb.status != http.StatusOK || err != nil {
		t.Fatalf("photo: status %d, decode error %v", thumb.status, err)
	}
	if b := img.Bounds(); b.Dx() != photoThumbSide || b.Dy() != photoThumbSide*3/4 {
		t.Errorf("thumbnail bounds = %v, want %d×%d", b, photoThumbSide, photoThumbSide*3/4)
	}

	again := decodeJSON[uploadResponse](t, h.uploadFile(uploadURL, solidPNG(t, 400, 400)))
	if !strings.HasPrefix(again.Error, uploadErrBadURL) {
		t.Errorf("second upload to one URL: error = %q, want %s", again.Error, uploadErrBadURL)
	}
	if code := h.marketCall("market.saveProductPhoto", token, url.Values{"upload_response": {string(uploaded)}}).vkErrorCode(); code != vkErrInvalidParam {
		t.Errorf("saving one upload twice: error %d, want 100", code)
	}
	forged := strings.Replace(string(uploaded), body.Hash, strings.Repeat("0", len(body.Hash)), 1)
	if code := h.marketCall("market.saveProductPhoto", token, url.Values{"upload_response": {forged}}).vkErrorCode(); code != vkErrInvalidHash {
		t.Errorf("wrong hash: error %d, want 121", code)
	}
	if n := h.sb.CallCount(ProviderVK, "upload"); n != 2 {
		t.Errorf("CallCount upload = %d, want 2", n)
	}
}

func TestMarketPhotoRejected(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	shop := shopOf(testVKUser)
	cases := []struct {
		name   string
		data   []byte
		prefix string
		code   int
	}{
		{"300×300 Evotor image", solidPNG(t, 300, 300), uploadErrBadSize, vkErrCropSizeTooLow},
		{"500×399", solidPNG(t, 500, 399), uploadErrBadSize, vkErrCropSizeTooLow},
		{"text file", []byte("not an image"), uploadErrBadImage, vkErrInvalidPhoto},
	}
	for _, c := range cases {
		uploaded := h.uploadFile(h.uploadURL(token, shop), c.data)
		body := decodeJSON[uploadResponse](t, uploaded)
		if !strings.HasPrefix(body.Error, c.prefix) || body.UploadResult != "" {
			t.Errorf("%s: upload response = %s, want error %s", c.name, uploaded, c.prefix)
		}
		result := h.marketCall("market.saveProductPhoto", token, url.Values{"upload_response": {string(uploaded)}})
		if result.vkErrorCode() != c.code {
			t.Errorf("%s: saveProductPhoto error = %d, want %d", c.name, result.vkErrorCode(), c.code)
		}
	}
	if n := h.sb.PhotoCount(shop); n != 0 {
		t.Errorf("PhotoCount = %d, want 0", n)
	}
	if code := h.marketCall("market.getProductPhotoUploadServer", token, url.Values{"group_id": {owner(shop)}}).vkErrorCode(); code != vkErrInvalidParam {
		t.Errorf("negative group_id: error %d, want 100", code)
	}
	if code := h.marketCall("market.getProductPhotoUploadServer", token, url.Values{"group_id": {strconv.FormatInt(shop+1, 10)}}).vkErrorCode(); code != vkErrMarketNotEnabled {
		t.Errorf("community without Market: error %d, want 1438", code)
	}
}

func TestMarketBulkPhotoUploadRoundTrip(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	shop := shopOf(testVKUser)
	files := [][]byte{solidPNG(t, 400, 400), solidPNG(t, 800, 600), solidPNG(t, 600, 800)}

	uploaded := h.uploadFiles(h.bulkUploadURL(token, shop), []string{"file1", "file2", "file3"}, files)
	if code := h.marketCall("market.saveProductPhoto", token, url.Values{"upload_response": {string(uploaded)}}).vkErrorCode(); code != vkErrInvalidParam {
		t.Errorf("saveProductPhoto of a bulk upload: error %d, want 100", code)
	}
	raw := h.mustMarket("market.saveProductPhotoBulk", token, url.Values{"upload_response": {string(uploaded)}})

	saved := decodeJSON[[]savedPhoto](t, raw)
	if len(saved) != len(files) {
		t.Fatalf("saved %d photos, want %d: %s", len(saved), len(files), raw)
	}
	for i, photo := range saved {
		if photo.PhotoID <= 0 || photo.Photo.ID != photo.PhotoID || photo.Photo.OwnerID != -shop {
			t.Errorf("photo %d = %+v", i, photo)
		}
		if i > 0 && photo.PhotoID <= saved[i-1].PhotoID {
			t.Errorf("photo ids %d, %d are not in the order of the files", saved[i-1].PhotoID, photo.PhotoID)
		}
	}
	// The thumbnail of the second file keeps its 4:3 shape.
	thumb := h.get("/vk/photos/" + strconv.FormatInt(saved[1].PhotoID, 10) + ".png")
	img, err := png.Decode(bytes.NewReader(thumb.body))
	if err != nil || img.Bounds().Dx() != photoThumbSide || img.Bounds().Dy() != photoThumbSide*3/4 {
		t.Errorf("thumbnail of the second file: error %v, bounds %v", err, img.Bounds())
	}
	if n := h.sb.PhotoCount(shop); n != len(files) {
		t.Errorf("PhotoCount = %d, want %d", n, len(files))
	}
	if code := h.marketCall("market.saveProductPhotoBulk", token, url.Values{"upload_response": {string(uploaded)}}).vkErrorCode(); code != vkErrInvalidParam {
		t.Errorf("saving one bulk upload twice: error %d, want 100", code)
	}
}

func TestMarketBulkPhotoUploadRejected(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	shop := shopOf(testVKUser)
	good := solidPNG(t, 400, 400)
	rejected := solidPNG(t, 500, 500)
	h.sb.RejectPhoto(rejected)
	six := [][]byte{good, good, good, good, good, good}
	cases := []struct {
		name   string
		fields []string
		files  [][]byte
		prefix string
		code   int
	}{
		{"one file too small", []string{"file1", "file2"}, [][]byte{good, solidPNG(t, 300, 300)},
			uploadErrBadSize + ": file2:", vkErrCropSizeTooLow},
		{"one file rejected", []string{"file1", "file2", "file3"}, [][]byte{good, rejected, good},
			uploadErrBadImage + ": file2:", vkErrInvalidPhoto},
		{"six files", []string{"file1", "file2", "file3", "file4", "file5", "file6"}, six,
			uploadErrNoFile, vkErrInvalidPhoto},
		{"field file instead of file1", []string{"file"}, [][]byte{good},
			uploadErrNoFile, vkErrInvalidPhoto},
	}
	for _, c := range cases {
		uploaded := h.uploadFiles(h.bulkUploadURL(token, shop), c.fields, c.files)
		body := decodeJSON[uploadResponse](t, uploaded)
		if !strings.HasPrefix(body.Error, c.prefix) || body.UploadResult != "" {
			t.Errorf("%s: upload response = %s, want error %s", c.name, uploaded, c.prefix)
		}
		result := h.marketCall("market.saveProductPhotoBulk", token, url.Values{"upload_response": {string(uploaded)}})
		if result.vkErrorCode() != c.code {
			t.Errorf("%s: saveProductPhotoBulk error = %d, want %d", c.name, result.vkErrorCode(), c.code)
		}
	}
	if n := h.sb.PhotoCount(shop); n != 0 {
		t.Errorf("PhotoCount = %d, want 0", n)
	}

	single := h.uploadFile(h.uploadURL(token, shop), good)
	if code := h.marketCall("market.saveProductPhotoBulk", token, url.Values{"upload_response": {string(single)}}).vkErrorCode(); code != vkErrInvalidParam {
		t.Errorf("saveProductPhotoBulk of a single upload: error %d, want 100", code)
	}
	if code := h.marketCall("market.getProductPhotoUploadServer", token,
		url.Values{"group_id": {strconv.FormatInt(shop, 10)}, "bulk": {"yes"}}).vkErrorCode(); code != vkErrInvalidParam {
		t.Errorf("bulk=yes: error %d, want 100", code)
	}
}

// marketGetResult is the decoded response of market.get.
type marketGetResult struct {
	Count int                  `json:"count"`
	Items []vkMarketItemObject `json:"items"`
}

func TestMarketGetPagination(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	shop := shopOf(testVKUser)
	photo := h.savePhoto(token, shop)
	for i := range 250 {
		params := itemParams(shop, photo, fmt.Sprintf("Товар номер %d", i))
		params.Set("price", fmt.Sprintf("%d.%02d", i, i%100))
		h.mustMarket("market.add", token, params)
	}

	first := decodeJSON[marketGetResult](t, h.mustMarket("market.get", token, url.Values{"owner_id": {owner(shop)}, "count": {"500"}}))
	second := decodeJSON[marketGetResult](t, h.mustMarket("market.get", token, url.Values{"owner_id": {owner(shop)}, "count": {"200"}, "offset": {"200"}}))
	if first.Count != 250 || len(first.Items) != 200 {
		t.Errorf("first page: count %d with %d items, want 250 with 200", first.Count, len(first.Items))
	}
	if second.Count != 250 || len(second.Items) != 50 {
		t.Errorf("second page: count %d with %d items, want 250 with 50", second.Count, len(second.Items))
	}
	seen := map[int64]bool{}
	for _, item := range append(first.Items, second.Items...) {
		if seen[item.ID] {
			t.Errorf("item %d listed twice", item.ID)
		}
		seen[item.ID] = true
	}
	if len(seen) != 250 {
		t.Errorf("distinct items = %d, want 250", len(seen))
	}

	newest := first.Items[0]
	wantPrice := vkMarketPrice{Amount: "24949", Currency: rubleCurrency, Text: "249,49 ₽"}
	if diff := cmp.Diff(wantPrice, newest.Price); diff != "" {
		t.Errorf("price of the newest item (-want +got):\n%s", diff)
	}
	if newest.Title != "Товар номер 249" || newest.OwnerID != -shop || newest.Availability != 0 {
		t.Errorf("newest item = %+v", newest)
	}
	if !strings.HasPrefix(newest.ThumbPhoto, h.srv.URL+"/vk/photos/") {
		t.Errorf("thumb_photo = %q, want a sandbox URL", newest.ThumbPhoto)
	}
	if newest.AlbumsIDs != nil {
		t.Errorf("albums_ids without extended = %v, want absent", newest.AlbumsIDs)
	}

	raw := h.mustMarket("market.get", token, url.Values{"owner_id": {owner(shop)}, "count": {"1"}})
	if !bytes.Contains(raw, []byte(`"amount":"24949"`)) {
		t.Errorf("price amount is not a JSON string: %s", raw)
	}
}

func TestMarketEditDeleteAndHidden(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	shop := shopOf(testVKUser)
	photo := h.savePhoto(token, shop)
	extra := h.savePhoto(token, shop)
	id := decodeJSON[map[string]int64](t, h.mustMarket("market.add", token, itemParams(shop, photo, "Кефир 1%")))["market_item_id"]
	itemID := strconv.FormatInt(id, 10)

	h.mustMarket("market.edit", token, url.Values{
		"owner_id": {owner(shop)}, "item_id": {itemID}, "price": {"70"}, "old_price": {"80.5"},
		"deleted": {"1"}, "photo_ids": {strconv.FormatInt(extra, 10)}, "sku": {""},
	})
	want := []MarketItem{{
		ID: id, Name: "Кефир 1%", Description: "Описание товара для проверки.", PriceKopecks: 7000,
		OldPriceKopecks: 8050, Hidden: true, CategoryID: 1, MainPhotoID: photo, PhotoIDs: []int64{extra},
	}}
	if diff := cmp.Diff(want, h.sb.MarketItems(shop)); diff != "" {
		t.Errorf("item after market.edit (-want +got):\n%s", diff)
	}

	visible := decodeJSON[marketGetResult](t, h.mustMarket("market.get", token, url.Values{"owner_id": {owner(shop)}}))
	if visible.Count != 0 {
		t.Errorf("market.get without with_disabled lists %d hidden items, want 0", visible.Count)
	}
	all := decodeJSON[marketGetResult](t, h.mustMarket("market.get", token, url.Values{
		"owner_id": {owner(shop)}, "with_disabled": {"1"}, "extended": {"1"},
	}))
	if all.Count != 1 || all.Items[0].Availability != availabilityRemoved || all.Items[0].Price.OldAmount != "8050" {
		t.Errorf("market.get with_disabled = %+v, want the hidden item with availability 1 and old_amount 8050", all)
	}
	if len(all.Items) == 1 && (len(all.Items[0].Photos) != 2 || all.Items[0].AlbumsIDs == nil) {
		t.Errorf("extended item = %+v, want 2 photos and albums_ids", all.Items[0])
	}

	missing := url.Values{"owner_id": {owner(shop)}, "item_id": {"1"}, "name": {"Новое имя"}}
	if code := h.marketCall("market.edit", token, missing).vkErrorCode(); code != vkErrItemNotFound {
		t.Errorf("edit of an unknown item: error %d, want 1403", code)
	}
	h.mustMarket("market.delete", token, url.Values{"owner_id": {owner(shop)}, "item_id": {itemID}})
	if code := h.marketCall("market.delete", token, url.Values{"owner_id": {owner(shop)}, "item_id": {itemID}}).vkErrorCode(); code != vkErrItemNotFound {
		t.Errorf("second delete: error %d, want 1403", code)
	}
	if items := h.sb.MarketItems(shop); len(items) != 0 {
		t.Errorf("items after delete = %d, want 0", len(items))
	}
}

func TestMarketAlbums(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	shop := shopOf(testVKUser)
	photo := h.savePhoto(token, shop)
	var items []string
	for i := range 3 {
		raw := h.mustMarket("market.add", token, itemParams(shop, photo, fmt.Sprintf("Хлеб %d", i)))
		items = append(items, strconv.FormatInt(decodeJSON[map[string]int64](t, raw)["market_item_id"], 10))
	}

	add := func(title string) string {
		raw := h.mustMarket("market.addAlbum", token, url.Values{"owner_id": {owner(shop)}, "title": {title}})
		return strconv.FormatInt(decodeJSON[map[string]int64](t, raw)["market_album_id"], 10)
	}
	bread, dairy := add("Хлеб и выпечка"), add("Молочные продукты")
	if code := h.marketCall("market.addAlbum", token, url.Values{"owner_id": {owner(shop)}, "title": {strings.Repeat("я", 129)}}).vkErrorCode(); code != vkErrInvalidParam {
		t.Errorf("title of 129 characters: error %d, want 100", code)
	}

	h.mustMarket("market.addToAlbum", token, url.Values{"owner_id": {owner(shop)}, "item_ids": {strings.Join(items, ",")}, "album_ids": {bread}})
	h.mustMarket("market.addToAlbum", token, url.Values{"owner_id": {owner(shop)}, "item_ids": {items[0]}, "album_ids": {dairy}})
	if code := h.marketCall("market.addToAlbum", token, url.Values{"owner_id": {owner(shop)}, "item_ids": {items[1]}, "album_ids": {bread}}).vkErrorCode(); code != vkErrAlreadyInAlbum {
		t.Errorf("adding an item twice: error %d, want 1404", code)
	}
	if code := h.marketCall("market.addToAlbum", token, url.Values{"owner_id": {owner(shop)}, "item_ids": {items[1]}, "album_ids": {"999"}}).vkErrorCode(); code != vkErrAlbumNotFound {
		t.Errorf("unknown album: error %d, want 1402", code)
	}
	h.mustMarket("market.removeFromAlbum", token, url.Values{"owner_id": {owner(shop)}, "item_id": {items[2]}, "album_ids": {bread}})

	albums := decodeJSON[vkList[vkMarketAlbumObject]](t, h.mustMarket("market.getAlbums", token, url.Values{"owner_id": {owner(shop)}}))
	var got []MarketAlbum
	for _, a := range albums.Items {
		got = append(got, MarketAlbum{ID: a.ID, Title: a.Title, Count: a.Count})
	}
	want := []MarketAlbum{{ID: 1, Title: "Хлеб и выпечка", Count: 2}, {ID: 2, Title: "Молочные продукты", Count: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("market.getAlbums (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, h.sb.MarketAlbums(shop)); diff != "" {
		t.Errorf("MarketAlbums (-want +got):\n%s", diff)
	}

	inBread := decodeJSON[marketGetResult](t, h.mustMarket("market.get", token, url.Values{"owner_id": {owner(shop)}, "album_id": {bread}, "extended": {"1"}}))
	if inBread.Count != 2 || !cmp.Equal(inBread.Items[1].AlbumsIDs, []int64{1, 2}) {
		t.Errorf("market.get album_id=%s = %+v, want 2 items, the first added in albums 1 and 2", bread, inBread)
	}

	h.mustMarket("market.deleteAlbum", token, url.Values{"owner_id": {owner(shop)}, "album_id": {bread}})
	if got := h.sb.MarketItems(shop)[0].AlbumIDs; !cmp.Equal(got, []int64{2}) {
		t.Errorf("albums of the first item after deleting album 1 = %v, want [2]", got)
	}
}

func TestMarketGetCategories(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.mintVKScope(testVKUser, "offline")
	categories := decodeJSON[vkList[vkMarketCategory]](t, h.mustMarket("market.getCategories", token, nil))
	if categories.Count != 10 || len(categories.Items) != 10 {
		t.Fatalf("categories = %d of %d, want 10", len(categories.Items), categories.Count)
	}
	if first := categories.Items[0]; first.ID != 1 || first.Name == "" || first.Section.Name == "" {
		t.Errorf("first category = %+v, want id 1 with a name and a section", first)
	}
}

func TestMarketPage(t *testing.T) {
	h := newHarness(t, Config{})
	token := h.sb.MintVKToken(testVKUser)
	shop := shopOf(testVKUser)
	photo := h.savePhoto(token, shop)
	h.mustMarket("market.add", token, itemParams(shop, photo, "Молоко «Простоквашино»"))
	hidden := itemParams(shop, photo, "Кефир 1%")
	hidden.Set("deleted", "1")
	h.mustMarket("market.add", token, hidden)
	h.mustMarket("market.addAlbum", token, url.Values{"owner_id": {owner(shop)}, "title": {"Молочные продукты"}})

	r := h.get("/vk/market/" + strconv.FormatInt(shop, 10))
	if r.status != http.StatusOK {
		t.Fatalf("market page: status %d", r.status)
	}
	page := string(r.body)
	for _, want := range []string{
		"Магазин Петра", "Молоко «Простоквашино»", "Кефир 1%", "89,90 ₽", "MLK-00001", "скрыт", "доступен",
		"Молочные продукты", "/vk/photos/" + strconv.FormatInt(photo, 10) + ".png", "Продукты питания",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("market page lacks %q", want)
		}
	}

	control := string(h.get("/").body)
	if !strings.Contains(control, "/vk/market/"+strconv.FormatInt(shop, 10)) {
		t.Error("control page has no link to the market page")
	}
	if r := h.get("/vk/market/12345"); r.status != http.StatusNotFound {
		t.Errorf("unknown community: status = %d, want 404", r.status)
	}
}

func TestRestartedSandboxReusesNoIDs(t *testing.T) {
	started := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	before := newVKMarket(started)
	// The earlier sandbox makes objects at the most VK's rate allows for
	// a minute, then a new one starts.
	created := int64(60 * vkCallsPerSecond * maxExecuteCalls)
	after := newVKMarket(started.Add(time.Minute))

	if after.nextItemID <= before.nextItemID+created {
		t.Errorf("first item id after the restart %d, want above %d", after.nextItemID, before.nextItemID+created)
	}
	if after.nextPhotoID <= before.nextPhotoID+created {
		t.Errorf("first photo id after the restart %d, want above %d", after.nextPhotoID, before.nextPhotoID+created)
	}
	if after.firstAlbumID <= before.firstAlbumID+created {
		t.Errorf("first album id after the restart %d, want above %d", after.firstAlbumID, before.firstAlbumID+created)
	}
}

package vk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/evosync/evosync/internal/httpx"
)

// VK Market error codes the catalog sync acts on (VK's errors.json, API
// 5.199).
const (
	ErrPermissionDenied   = 7    // the token lacks a permission
	ErrAccessDenied       = 15   // access denied
	ErrInvalidParam       = 100  // a parameter is missing or invalid
	ErrInvalidPhoto       = 129  // invalid photo
	ErrMarketAccessDenied = 205  // no access to the community's Market
	ErrMarketAlbumMissing = 1402 // album not found
	ErrMarketItemMissing  = 1403 // item not found
	ErrMarketItemInAlbum  = 1404 // item already added to the album
	ErrMarketTooManyItems = 1405 // the community has too many items
	ErrMarketAlbumFull    = 1406 // the album has too many items
	ErrMarketTooManyAlbum = 1407 // the community has too many albums
	ErrMarketBadLinks     = 1408 // the description contains forbidden links
	ErrMarketCropFormat   = 1433 // invalid photo crop format
	ErrMarketCropOverflow = 1434 // the crop is outside the photo
	ErrMarketCropTooSmall = 1435 // the crop is smaller than the minimum
	ErrMarketNotEnabled   = 1438 // Market is not enabled in the community
)

const (
	// MaxExecuteCalls is how many API calls one execute request may make.
	MaxExecuteCalls = 25
	// MaxBulkPhotos is how many images one upload URL takes when
	// market.getProductPhotoUploadServer is called with bulk=1.
	// NOTE: VK's reference does not state the number. Public clients of the
	// bulk upload send at most five, the main photo and the four extra
	// photos of one item.
	MaxBulkPhotos = 5
	// MarketPageSize is the maximum count of market.get.
	MarketPageSize = 200
	// maxUploadResponse caps the upload server's response, which is a small
	// JSON object.
	maxUploadResponse = 64 << 10
	// maxListPages stops an offset loop whose count never ends.
	maxListPages = 10_000
)

// Group is a community the token's owner administers.
type Group struct {
	ID            int64
	Name          string
	ScreenName    string
	MarketEnabled bool
}

// groupJSON is a community of groups.get with extended=1 and fields=market.
type groupJSON struct {
	ID         Int    `json:"id"`
	Name       string `json:"name"`
	ScreenName string `json:"screen_name"`
	Market     *struct {
		Enabled flag `json:"enabled"`
	} `json:"market"`
}

// flag is a VK boolean that may arrive as 0/1, "0"/"1" or false/true.
type flag bool

// UnmarshalJSON accepts booleans, numbers and numeric strings.
func (f *flag) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	switch s {
	case "true":
		*f = true
	case "false", "null", "":
		*f = false
	default:
		var n Int
		if err := n.UnmarshalJSON([]byte(s)); err != nil {
			return fmt.Errorf("invalid VK boolean %s", b)
		}
		*f = n != 0
	}
	return nil
}

// list is the {"count", "items"} object of VK's list responses.
type list[T any] struct {
	Count Int `json:"count"`
	Items []T `json:"items"`
}

// AdminGroups lists the communities the token's owner administers
// (groups.get with filter=admin), following offsets.
func (c *Client) AdminGroups(ctx context.Context, token string) ([]Group, error) {
	const pageSize = 1000
	var groups []Group
	for page := 0; page < maxListPages; page++ {
		params := url.Values{}
		params.Set("filter", "admin")
		params.Set("extended", "1")
		params.Set("fields", "market")
		params.Set("count", strconv.Itoa(pageSize))
		params.Set("offset", strconv.Itoa(len(groups)))
		var answer list[groupJSON]
		if err := c.Call(ctx, token, "groups.get", params, &answer); err != nil {
			return nil, err
		}
		for _, g := range answer.Items {
			groups = append(groups, Group{
				ID:            int64(g.ID),
				Name:          g.Name,
				ScreenName:    g.ScreenName,
				MarketEnabled: g.Market != nil && bool(g.Market.Enabled),
			})
		}
		if len(answer.Items) == 0 || len(groups) >= int(answer.Count) {
			return groups, nil
		}
	}
	return nil, fmt.Errorf("groups.get: more than %d pages", maxListPages)
}

// Category is a VK Market product category.
type Category struct {
	ID      int64
	Name    string
	Section string // the parent section's name, empty when VK sent none
}

// categoryJSON covers both shapes of market.getCategories: a flat list
// whose items name their section, and a tree whose items carry children.
type categoryJSON struct {
	ID      Int    `json:"id"`
	Name    string `json:"name"`
	Section *struct {
		Name string `json:"name"`
	} `json:"section"`
	Children []categoryJSON `json:"children"`
}

// MarketCategories lists the product categories of VK Market. Categories
// with children are flattened, and a child's Section is its parent's name.
func (c *Client) MarketCategories(ctx context.Context, token string) ([]Category, error) {
	params := url.Values{}
	params.Set("count", "1000")
	var raw json.RawMessage
	if err := c.Call(ctx, token, "market.getCategories", params, &raw); err != nil {
		return nil, err
	}
	var items []categoryJSON
	var answer list[categoryJSON]
	if err := json.Unmarshal(raw, &answer); err == nil && answer.Items != nil {
		items = answer.Items
	} else if err := json.Unmarshal(raw, &items); err != nil {
		return nil, badResponse(fmt.Errorf("market.getCategories: %w", err))
	}
	var categories []Category
	flattenCategories(items, "", &categories)
	return categories, nil
}

func flattenCategories(items []categoryJSON, parent string, out *[]Category) {
	for _, item := range items {
		section := parent
		if item.Section != nil && item.Section.Name != "" {
			section = item.Section.Name
		}
		if len(item.Children) > 0 {
			flattenCategories(item.Children, item.Name, out)
			continue
		}
		*out = append(*out, Category{ID: int64(item.ID), Name: item.Name, Section: section})
	}
}

// Album is a VK Market album (a "collection" in VK's interface).
type Album struct {
	ID    int64
	Title string
	Count int // number of items in the album
}

type albumJSON struct {
	ID    Int    `json:"id"`
	Title string `json:"title"`
	Count Int    `json:"count"`
}

// MarketAlbums lists the albums of a community's Market; ownerID is the
// negative community id.
func (c *Client) MarketAlbums(ctx context.Context, token string, ownerID int64) ([]Album, error) {
	const pageSize = 100
	var albums []Album
	for page := 0; page < maxListPages; page++ {
		params := url.Values{}
		params.Set("owner_id", strconv.FormatInt(ownerID, 10))
		params.Set("count", strconv.Itoa(pageSize))
		params.Set("offset", strconv.Itoa(len(albums)))
		var answer list[albumJSON]
		if err := c.Call(ctx, token, "market.getAlbums", params, &answer); err != nil {
			return nil, err
		}
		for _, a := range answer.Items {
			albums = append(albums, Album{ID: int64(a.ID), Title: a.Title, Count: int(a.Count)})
		}
		if len(answer.Items) == 0 || len(albums) >= int(answer.Count) {
			return albums, nil
		}
	}
	return nil, fmt.Errorf("market.getAlbums: more than %d pages", maxListPages)
}

// AddAlbum creates an album in a community's Market and returns its id.
// VK accepts titles of up to 128 characters.
func (c *Client) AddAlbum(ctx context.Context, token string, ownerID int64, title string) (int64, error) {
	params := url.Values{}
	params.Set("owner_id", strconv.FormatInt(ownerID, 10))
	params.Set("title", title)
	var raw json.RawMessage
	if err := c.Call(ctx, token, "market.addAlbum", params, &raw); err != nil {
		return 0, err
	}
	return DecodeAlbumID(raw)
}

// DecodeAlbumID reads the album id from a response of market.addAlbum:
// {"market_album_id": N, "albums_count": M}, or {"album_id": N}.
func DecodeAlbumID(raw json.RawMessage) (int64, error) {
	var answer struct {
		MarketAlbumID Int `json:"market_album_id"`
		AlbumID       Int `json:"album_id"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return 0, badResponse(fmt.Errorf("market.addAlbum response: %w", err))
	}
	id := max(answer.MarketAlbumID, answer.AlbumID)
	if id <= 0 {
		return 0, badResponse(fmt.Errorf("market.addAlbum returned no album id: %s", httpx.Snippet(raw)))
	}
	return int64(id), nil
}

// Values of Item.Availability.
const (
	AvailabilityForSale     = 0
	AvailabilityRemoved     = 1 // also an item hidden with deleted=1
	AvailabilityUnavailable = 2
)

// Item is a VK Market item as market.get returns it.
type Item struct {
	ID           int64
	OwnerID      int64
	Name         string
	Description  string
	SKU          string
	PriceKopecks int64 // price.amount, which VK sends as a string in kopecks
	// Availability is 0 for an item for sale, 1 for a removed item and 2
	// for an unavailable one.
	Availability int
	// Created is the item's creation time; zero when VK sent no date.
	Created  time.Time
	AlbumIDs []int64
}

type itemJSON struct {
	ID          Int    `json:"id"`
	OwnerID     Int    `json:"owner_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	SKU         string `json:"sku"`
	Price       struct {
		Amount Int `json:"amount"`
	} `json:"price"`
	Availability Int   `json:"availability"`
	Date         Int   `json:"date"`
	AlbumsIDs    []Int `json:"albums_ids"`
	AlbumIDs     []Int `json:"album_ids"`
}

func (raw itemJSON) item() Item {
	it := Item{
		ID:           int64(raw.ID),
		OwnerID:      int64(raw.OwnerID),
		Name:         raw.Title,
		Description:  raw.Description,
		SKU:          raw.SKU,
		PriceKopecks: int64(raw.Price.Amount),
		Availability: int(raw.Availability),
	}
	if raw.Date > 0 {
		it.Created = time.Unix(int64(raw.Date), 0).UTC()
	}
	for _, id := range append(raw.AlbumsIDs, raw.AlbumIDs...) {
		it.AlbumIDs = append(it.AlbumIDs, int64(id))
	}
	return it
}

// MarketItemCount returns how many items a community's Market has, counting
// items hidden with deleted=1 (market.get with with_disabled=1 and
// count=1). ownerID is the negative community id.
func (c *Client) MarketItemCount(ctx context.Context, token string, ownerID int64) (int, error) {
	params := url.Values{}
	params.Set("owner_id", strconv.FormatInt(ownerID, 10))
	params.Set("count", "1")
	params.Set("with_disabled", "1")
	var answer list[json.RawMessage]
	if err := c.Call(ctx, token, "market.get", params, &answer); err != nil {
		return 0, err
	}
	return int(answer.Count), nil
}

// MarketItems calls fn for every item of a community's Market, including
// items hidden with deleted=1 (with_disabled=1), reading MarketPageSize
// items per market.get call, so memory stays at one page. ownerID is the
// negative community id.
func (c *Client) MarketItems(ctx context.Context, token string, ownerID int64, fn func(Item) error) error {
	offset := 0
	for page := 0; page < maxListPages; page++ {
		params := url.Values{}
		params.Set("owner_id", strconv.FormatInt(ownerID, 10))
		params.Set("count", strconv.Itoa(MarketPageSize))
		params.Set("offset", strconv.Itoa(offset))
		params.Set("extended", "1")
		params.Set("with_disabled", "1")
		var answer list[itemJSON]
		if err := c.Call(ctx, token, "market.get", params, &answer); err != nil {
			return err
		}
		for _, raw := range answer.Items {
			if err := fn(raw.item()); err != nil {
				return err
			}
		}
		offset += len(answer.Items)
		if len(answer.Items) == 0 || offset >= int(answer.Count) {
			return nil
		}
	}
	return fmt.Errorf("market.get: more than %d pages", maxListPages)
}

// badResponse wraps what is wrong with a JSON response of the API.
func badResponse(err error) error {
	return &httpx.DecodeError{ContentType: "application/json", Err: err}
}

// UploadError is a failed upload of a file to a VK upload server.
type UploadError struct {
	Status  int    // HTTP status of the upload server's response
	Message string // the server's error text, or what was wrong with the response
}

func (e *UploadError) Error() string {
	return fmt.Sprintf("VK upload failed (HTTP %d): %s", e.Status, e.Message)
}

// UploadProductPhoto uploads a product photo to a community's Market and
// returns its photo id, for main_photo_id. groupID is the positive
// community id. It makes the three steps of API 5.199:
// market.getProductPhotoUploadServer, a multipart POST of the image as the
// field "file", and market.saveProductPhoto with the upload's JSON response.
//
// NOTE: API versions before 5.199 used photos.getMarketUploadServer and
// photos.saveMarketPhoto instead. Whether VK serves the new methods to a
// client that sends an older `v` is not confirmed.
func (c *Client) UploadProductPhoto(ctx context.Context, token string, groupID int64,
	image []byte, filename string) (int64, error) {
	uploadURL, err := c.ProductPhotoUploadServer(ctx, token, groupID)
	if err != nil {
		return 0, err
	}
	answer, err := c.PostProductPhoto(ctx, uploadURL, image, filename)
	if err != nil {
		return 0, err
	}
	return c.SaveProductPhoto(ctx, token, groupID, answer)
}

// ProductPhotoUploadServer returns the URL that accepts a product photo of
// the community (market.getProductPhotoUploadServer).
func (c *Client) ProductPhotoUploadServer(ctx context.Context, token string, groupID int64) (string, error) {
	params := url.Values{}
	params.Set("group_id", strconv.FormatInt(groupID, 10))
	var answer UploadServer
	if err := c.Call(ctx, token, "market.getProductPhotoUploadServer", params, &answer); err != nil {
		return "", err
	}
	if answer.UploadURL == "" {
		return "", badResponse(fmt.Errorf("market.getProductPhotoUploadServer returned no upload_url"))
	}
	return answer.UploadURL, nil
}

// UploadServer is the response of market.getProductPhotoUploadServer.
type UploadServer struct {
	UploadURL string `json:"upload_url"`
}

// PostProductPhoto posts an image to an upload URL as the multipart field
// "file" and returns the server's JSON response verbatim. The URL comes
// from VK, so the request carries no token. A response larger than 64 KiB,
// one that is not a JSON object and one with an "error" field are
// *UploadError.
func (c *Client) PostProductPhoto(ctx context.Context, uploadURL string,
	image []byte, filename string) (json.RawMessage, error) {
	return c.postUpload(ctx, uploadURL, []UploadFile{{Name: filename, Data: image}}, false)
}

// UploadFile is one image of an upload.
type UploadFile struct {
	Name string // file name with the extension of the format, e.g. "product.jpg"
	Data []byte
}

// PostProductPhotos posts up to MaxBulkPhotos images to an upload URL that
// market.getProductPhotoUploadServer returned for bulk=1, as the multipart
// fields file1, file2, …, and returns the server's JSON response verbatim
// for market.saveProductPhotoBulk. Errors are those of PostProductPhoto.
func (c *Client) PostProductPhotos(ctx context.Context, uploadURL string,
	files []UploadFile) (json.RawMessage, error) {
	if len(files) == 0 || len(files) > MaxBulkPhotos {
		return nil, fmt.Errorf("a bulk upload takes 1 to %d files, got %d", MaxBulkPhotos, len(files))
	}
	return c.postUpload(ctx, uploadURL, files, true)
}

// postUpload posts files to an upload URL: one as the field "file", or
// numbered as the fields file1, file2, ….
func (c *Client) postUpload(ctx context.Context, uploadURL string, files []UploadFile,
	numbered bool) (json.RawMessage, error) {
	target, err := url.Parse(uploadURL)
	if err != nil || (target.Scheme != "https" && target.Scheme != "http") || target.Host == "" {
		message := fmt.Sprintf("upload URL is not an absolute http(s) URL: %.100q", uploadURL)
		return nil, &UploadError{Message: message}
	}
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	for i, file := range files {
		field := "file"
		if numbered {
			field += strconv.Itoa(i + 1)
		}
		part, err := form.CreateFormFile(field, file.Name)
		if err != nil {
			return nil, fmt.Errorf("build photo upload form: %w", err)
		}
		part.Write(file.Data)
	}
	if err := form.Close(); err != nil {
		return nil, fmt.Errorf("build photo upload form: %w", err)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uploadURL, &body)
	if err != nil {
		return nil, fmt.Errorf("build photo upload request: %w", err)
	}
	req.Header.Set("Content-Type", form.FormDataContentType())
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("upload photo: %w", stripURL(err))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxUploadResponse+1))
	if err != nil {
		return nil, fmt.Errorf("read photo upload response: %w", err)
	}
	return checkUploadAnswer(resp.StatusCode, answer)
}

func checkUploadAnswer(status int, answer []byte) (json.RawMessage, error) {
	if len(answer) > maxUploadResponse {
		return nil, &UploadError{Status: status, Message: "response exceeds 64 KiB"}
	}
	if status != http.StatusOK {
		return nil, &UploadError{Status: status, Message: httpx.Snippet(answer)}
	}
	var fields map[string]json.RawMessage
	if !httpx.LooksLikeJSON(answer) || json.Unmarshal(answer, &fields) != nil {
		message := "response is not a JSON object: " + httpx.Snippet(answer)
		return nil, &UploadError{Status: status, Message: message}
	}
	if raw, ok := fields["error"]; ok && string(raw) != "null" && string(raw) != `""` {
		return nil, &UploadError{Status: status, Message: httpx.Snippet(raw)}
	}
	return json.RawMessage(answer), nil
}

// SaveProductPhoto registers an uploaded photo (market.saveProductPhoto)
// and returns its id. uploadResponse is the upload server's response,
// passed on verbatim.
func (c *Client) SaveProductPhoto(ctx context.Context, token string, groupID int64,
	uploadResponse json.RawMessage) (int64, error) {
	params := url.Values{}
	params.Set("group_id", strconv.FormatInt(groupID, 10))
	params.Set("upload_response", string(uploadResponse))
	var raw json.RawMessage
	if err := c.Call(ctx, token, "market.saveProductPhoto", params, &raw); err != nil {
		return 0, err
	}
	return DecodePhotoID(raw)
}

// DecodePhotoID reads the photo id from a response of
// market.saveProductPhoto: {"photo_id": N}, or the older shapes {"id": N},
// [{"id": N}] and a bare number.
func DecodePhotoID(raw json.RawMessage) (int64, error) {
	var object struct {
		PhotoID Int `json:"photo_id"`
		ID      Int `json:"id"`
	}
	var photos []struct {
		ID Int `json:"id"`
	}
	var number Int
	var id Int
	switch {
	case json.Unmarshal(raw, &object) == nil:
		id = max(object.PhotoID, object.ID)
	case json.Unmarshal(raw, &photos) == nil && len(photos) > 0:
		id = photos[0].ID
	case json.Unmarshal(raw, &number) == nil:
		id = number
	}
	if id <= 0 {
		return 0, badResponse(fmt.Errorf("market.saveProductPhoto response has no photo id: %s", httpx.Snippet(raw)))
	}
	return int64(id), nil
}

// DecodePhotoIDs reads the photo ids from a response of
// market.saveProductPhotoBulk, an array of {"photo_id": N, "photo": {…}}
// in the order of the uploaded files. want is the number of files; a
// response with another count is an error, because its ids cannot be matched
// to the files.
func DecodePhotoIDs(raw json.RawMessage, want int) ([]int64, error) {
	var entries []json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, badResponse(fmt.Errorf("market.saveProductPhotoBulk response is not an array: %s", httpx.Snippet(raw)))
	}
	if len(entries) != want {
		return nil, badResponse(fmt.Errorf("market.saveProductPhotoBulk returned %d photos for %d files", len(entries), want))
	}
	ids := make([]int64, len(entries))
	for i, entry := range entries {
		id, err := DecodePhotoID(entry)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}

// ExecCall is one API call inside an execute request.
type ExecCall struct {
	Method string // e.g. "market.add"
	// Params are written as a JSON object literal, so a value keeps its JSON
	// type. Lists such as item_ids go as comma-separated strings, which
	// every VK method accepts.
	Params map[string]any
}

// ExecResult is the outcome of one call of an execute request: the call's
// response, or the error VK reported for it.
type ExecResult struct {
	Response json.RawMessage
	Err      *APIError
}

type executeErrorJSON struct {
	Method string      `json:"method"`
	Code   json.Number `json:"error_code"`
	Msg    string      `json:"error_msg"`
}

// Execute runs up to MaxExecuteCalls calls in one execute request and
// returns one result per call, in order. A call that failed inside the
// script has Err set and the request still succeeds. An error of the
// whole request, such as error 6 or 5, is returned as *APIError.
//
// VK reports a failed call as false in the response array and lists the
// errors in execute_errors, in the order the calls failed, so the n-th
// error belongs to the n-th false slot.
func (c *Client) Execute(ctx context.Context, token string, calls []ExecCall) ([]ExecResult, error) {
	code, err := ExecuteCode(calls)
	if err != nil {
		return nil, err
	}
	params := url.Values{}
	params.Set("code", code)
	resp, body, err := c.post(ctx, token, "execute", params)
	if err != nil {
		return nil, err
	}
	var responses []json.RawMessage
	if err := decodeAPI(resp, body, &responses); err != nil {
		return nil, err
	}
	var extra struct {
		ExecuteErrors []executeErrorJSON `json:"execute_errors"`
	}
	if err := json.Unmarshal(body, &extra); err != nil {
		return nil, badResponse(fmt.Errorf("execute_errors: %w", err))
	}
	return matchExecuteResults(calls, responses, extra.ExecuteErrors)
}

// matchExecuteResults pairs the false slots of an execute response with the
// reported errors, in order. A false slot without an error gets an
// *APIError with code 0.
func matchExecuteResults(calls []ExecCall, responses []json.RawMessage,
	errs []executeErrorJSON) ([]ExecResult, error) {
	if len(responses) != len(calls) {
		return nil, badResponse(fmt.Errorf("execute returned %d results for %d calls", len(responses), len(calls)))
	}
	results := make([]ExecResult, len(calls))
	next := 0
	for i, raw := range responses {
		if strings.TrimSpace(string(raw)) != "false" {
			results[i].Response = raw
			continue
		}
		if next >= len(errs) {
			message := fmt.Sprintf("%s returned false without an error in execute_errors", calls[i].Method)
			results[i].Err = &APIError{Message: message}
			continue
		}
		e := errs[next]
		next++
		code, _ := parseInt(e.Code)
		results[i].Err = &APIError{Code: int(code), Message: e.Msg}
	}
	return results, nil
}

// ExecuteCode builds the VKScript of an execute request:
// return [API.market.add({"owner_id":-1,…}),…]; with each call's
// parameters as a JSON object literal.
//
// NOTE: VKScript's string syntax is assumed to accept JSON string
// literals. HTML characters are left unescaped, so only control characters
// become \u escapes.
func ExecuteCode(calls []ExecCall) (string, error) {
	if len(calls) == 0 || len(calls) > MaxExecuteCalls {
		return "", fmt.Errorf("execute takes 1 to %d calls, got %d", MaxExecuteCalls, len(calls))
	}
	var code strings.Builder
	code.WriteString("return [")
	for i, call := range calls {
		if !validMethodName(call.Method) {
			return "", fmt.Errorf("invalid VK method name %q", call.Method)
		}
		for key := range call.Params {
			if !validParamName(key) {
				return "", fmt.Errorf("invalid parameter name %q for %s", key, call.Method)
			}
		}
		var args bytes.Buffer
		enc := json.NewEncoder(&args)
		enc.SetEscapeHTML(false)
		params := call.Params
		if params == nil {
			params = map[string]any{}
		}
		if err := enc.Encode(params); err != nil {
			return "", fmt.Errorf("encode parameters of %s: %w", call.Method, err)
		}
		if i > 0 {
			code.WriteByte(',')
		}
		code.WriteString("API.")
		code.WriteString(call.Method)
		code.WriteByte('(')
		code.Write(bytes.TrimRight(args.Bytes(), "\n"))
		code.WriteByte(')')
	}
	code.WriteString("];")
	return code.String(), nil
}

// validMethodName accepts names such as "market.add", which keeps a caller
// from injecting script through a method name.
func validMethodName(name string) bool {
	section, method, ok := strings.Cut(name, ".")
	return ok && isIdentifier(section, false) && isIdentifier(method, false)
}

func validParamName(name string) bool { return isIdentifier(name, true) }

func isIdentifier(s string, allowUnderscore bool) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		letter := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		digit := r >= '0' && r <= '9'
		if !letter && !digit && !(allowUnderscore && r == '_') {
			return false
		}
	}
	return true
}

// post sends an API method as a form POST after the per-token rate limit,
// like Call, and returns the raw HTTP response and body for callers that
// need more of them than the `response` field.
func (c *Client) post(ctx context.Context, token, method string,
	params url.Values) (*http.Response, []byte, error) {
	if err := c.limiter.Wait(ctx, token); err != nil {
		return nil, nil, fmt.Errorf("wait for VK rate limit: %w", err)
	}
	form := url.Values{}
	for k, v := range params {
		form[k] = v
	}
	form.Set("access_token", token)
	form.Set("v", c.cfg.APIVersion)
	endpoint := strings.TrimRight(c.cfg.APIBaseURL, "/") + "/" + method
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, nil, fmt.Errorf("build VK %s request: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("call VK %s: %w", method, err)
	}
	body, err := httpx.ReadBody(resp)
	if err != nil {
		return nil, nil, fmt.Errorf("call VK %s: %w", method, err)
	}
	return resp, body, nil
}

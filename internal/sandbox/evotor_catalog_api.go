package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Evotor scopes that the catalog routes require.
const (
	scopeProductRead  = "product:read"
	scopeGroupRead    = "product-group:read"
	scopeImageRead    = "product-image:read"
	scopeQuantityRead = "product.quantity:read"
)

// Content type and file name suffix of the product images.
const (
	evotorImageType       = "image/png"
	evotorImageFileSuffix = ".png"
)

func (s *Sandbox) registerEvotorCatalogRoutes(mux *http.ServeMux) {
	mux.Handle("GET /evotor/api/stores/{store}/products", s.evotorAPI("products", (*Sandbox).listEvotorProducts))
	mux.Handle("GET /evotor/api/stores/{store}/product-groups", s.evotorAPI("product-groups", (*Sandbox).listEvotorGroups))
	mux.Handle("GET /evotor/api/stores/{store}/products/{product}/images", s.evotorAPI("images", (*Sandbox).listEvotorImages))
	mux.HandleFunc("GET /evotor/api/images/{file}", s.serveEvotorImage)
}

// hasScope reports whether the request's token has the scope.
func (req evotorRequest) hasScope(scope string) bool {
	return slices.Contains(strings.Fields(req.scope), scope)
}

// evotorProductJSON is a product as the API returns it. Optional fields
// are omitted rather than sent as null, as Evotor does.
type evotorProductJSON struct {
	ID            string      `json:"id"`
	ParentID      string      `json:"parent_id,omitempty"`
	Name          string      `json:"name"`
	Type          string      `json:"type"`
	Price         json.Number `json:"price"`
	CostPrice     json.Number `json:"cost_price"`
	Quantity      json.Number `json:"quantity,omitempty"`
	MeasureName   string      `json:"measure_name"`
	AllowToSell   bool        `json:"allow_to_sell"`
	Description   string      `json:"description,omitempty"`
	ArticleNumber string      `json:"article_number,omitempty"`
	Code          string      `json:"code,omitempty"`
	Barcodes      []string    `json:"barcodes,omitempty"`
	CreatedAt     string      `json:"created_at"`
	UpdatedAt     string      `json:"updated_at"`
}

type evotorGroupJSON struct {
	ID        string `json:"id"`
	ParentID  string `json:"parent_id,omitempty"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// evotorImageJSON is an entry of a product's image list.
// NOTE: Evotor's documentation does not show the body of the images route,
// so the fields id, url and content_type are the sandbox's guess.
type evotorImageJSON struct {
	ID          string `json:"id"`
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
}

func newEvotorProductJSON(p *evotorProduct, withQuantity bool) evotorProductJSON {
	j := evotorProductJSON{
		ID:            p.id,
		ParentID:      p.parentID,
		Name:          p.name,
		Type:          p.typ,
		Price:         json.Number(formatDecimal(p.price, 2)),
		CostPrice:     json.Number(formatDecimal(p.costPrice, 2)),
		MeasureName:   p.measureName,
		AllowToSell:   p.allowToSell,
		Description:   p.description,
		ArticleNumber: p.articleNumber,
		Code:          p.code,
		Barcodes:      p.barcodes,
		CreatedAt:     formatEvotorTime(p.createdAt),
		UpdatedAt:     formatEvotorTime(p.updatedAt),
	}
	if withQuantity {
		j.Quantity = json.Number(formatDecimal(p.quantity, 3))
	}
	return j
}

// pageQuery is the position and filter of a list request.
type pageQuery struct {
	after int64 // seq of the last item of the previous page, 0 for the first page
	since int64 // Unix milliseconds, 0 for no filter
}

// Kinds of cursor, which keep a product cursor from being used for groups.
const (
	cursorProducts = "p"
	cursorGroups   = "g"
)

// encodeCursor returns an opaque cursor. It carries the since filter, so the
// pages after the first need only the cursor.
func encodeCursor(kind string, q pageQuery) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s.%d.%d", kind, q.after, q.since))
}

func decodeCursor(kind, cursor string) (pageQuery, error) {
	invalid := fmt.Errorf("invalid cursor %q: pass paging.next_cursor of the previous page unchanged", cursor)
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return pageQuery{}, invalid
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 3 || parts[0] != kind {
		return pageQuery{}, invalid
	}
	after, err1 := strconv.ParseInt(parts[1], 10, 64)
	since, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || after < 0 {
		return pageQuery{}, invalid
	}
	return pageQuery{after: after, since: since}, nil
}

// sinceLayouts are the time formats that the since parameter accepts
// besides milliseconds since the Unix epoch.
var sinceLayouts = []string{evotorTimeFormat, "2006-01-02T15:04:05-0700", time.RFC3339Nano}

// parseSince parses the since parameter: milliseconds since the Unix epoch,
// Evotor's format such as 2018-09-11T16:18:35.397+0000, or RFC 3339. A "+"
// that the query string decoded into a space is read as "+".
func parseSince(text string) (int64, error) {
	if text == "" {
		return 0, nil
	}
	if isDigits(text) {
		ms, err := strconv.ParseInt(text, 10, 64)
		if err == nil {
			return ms, nil
		}
	}
	text = strings.ReplaceAll(text, " ", "+")
	for _, layout := range sinceLayouts {
		if t, err := time.Parse(layout, text); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("invalid since %q: expected milliseconds since the Unix epoch, "+
		"a time such as 2018-09-11T16:18:35.397+0000 or RFC 3339", text)
}

// pageQueryOf reads the cursor and since parameters. With a cursor, the
// since parameter is ignored because the cursor carries the first page's.
func pageQueryOf(r *http.Request, kind string) (pageQuery, error) {
	query := r.URL.Query()
	if cursor := query.Get("cursor"); cursor != "" {
		return decodeCursor(kind, cursor)
	}
	since, err := parseSince(query.Get("since"))
	return pageQuery{since: since}, err
}

// authorizeStore checks the scope and that the token's user owns the path's
// store. It writes the error response and returns false on failure.
func (s *Sandbox) authorizeStore(w http.ResponseWriter, r *http.Request, req evotorRequest, scope string) (string, bool) {
	if !req.hasScope(scope) {
		writeEvotorError(w, http.StatusForbidden, evotorErrorCodes[http.StatusForbidden],
			"The access token has no "+scope+" scope")
		return "", false
	}
	storeID := r.PathValue("store")
	if owner, ok := s.evotorStoreOwner(storeID); !ok || owner != req.userID {
		writeEvotorError(w, http.StatusNotFound, evotorErrorCodes[http.StatusNotFound], "Store "+storeID+" not found")
		return "", false
	}
	return storeID, true
}

func writeBadRequest(w http.ResponseWriter, err error) {
	writeEvotorError(w, http.StatusBadRequest, evotorErrorCodes[http.StatusBadRequest], err.Error())
}

// listEvotorProducts serves GET /stores/{store}/products, one page of at
// most Config.EvotorPageSize products with updated_at at or after since.
// Quantities are included only for a token with the product.quantity:read
// scope.
func (s *Sandbox) listEvotorProducts(w http.ResponseWriter, r *http.Request, req evotorRequest) {
	storeID, ok := s.authorizeStore(w, r, req, scopeProductRead)
	if !ok {
		return
	}
	q, err := pageQueryOf(r, cursorProducts)
	if err != nil {
		writeBadRequest(w, err)
		return
	}
	withQuantity := req.hasScope(scopeQuantityRead)

	page := evotorPage[evotorProductJSON]{Items: []evotorProductJSON{}}
	s.catalogMu.Lock()
	products := s.catalogLocked(storeID).products
	start := sort.Search(len(products), func(i int) bool { return products[i].seq > q.after })
	for i := start; i < len(products); i++ {
		p := products[i]
		if p.updatedAt < q.since {
			continue
		}
		if len(page.Items) == s.cfg.EvotorPageSize {
			page.Paging.NextCursor = encodeCursor(cursorProducts, pageQuery{after: products[i-1].seq, since: q.since})
			break
		}
		page.Items = append(page.Items, newEvotorProductJSON(p, withQuantity))
	}
	s.catalogMu.Unlock()
	writeJSON(w, http.StatusOK, page)
}

// listEvotorGroups serves GET /stores/{store}/product-groups with the same
// paging and since filter as the products.
func (s *Sandbox) listEvotorGroups(w http.ResponseWriter, r *http.Request, req evotorRequest) {
	storeID, ok := s.authorizeStore(w, r, req, scopeGroupRead)
	if !ok {
		return
	}
	q, err := pageQueryOf(r, cursorGroups)
	if err != nil {
		writeBadRequest(w, err)
		return
	}

	page := evotorPage[evotorGroupJSON]{Items: []evotorGroupJSON{}}
	s.catalogMu.Lock()
	groups := s.catalogLocked(storeID).groups
	start := sort.Search(len(groups), func(i int) bool { return groups[i].seq > q.after })
	for i := start; i < len(groups); i++ {
		g := groups[i]
		if g.updatedAt < q.since {
			continue
		}
		if len(page.Items) == s.cfg.EvotorPageSize {
			page.Paging.NextCursor = encodeCursor(cursorGroups, pageQuery{after: groups[i-1].seq, since: q.since})
			break
		}
		page.Items = append(page.Items, evotorGroupJSON{
			ID: g.id, ParentID: g.parentID, Name: g.name,
			CreatedAt: formatEvotorTime(g.createdAt), UpdatedAt: formatEvotorTime(g.updatedAt),
		})
	}
	s.catalogMu.Unlock()
	writeJSON(w, http.StatusOK, page)
}

// listEvotorImages serves GET /stores/{store}/products/{product}/images: one
// image or none, with an absolute URL that needs the same token.
func (s *Sandbox) listEvotorImages(w http.ResponseWriter, r *http.Request, req evotorRequest) {
	storeID, ok := s.authorizeStore(w, r, req, scopeImageRead)
	if !ok {
		return
	}
	productID := r.PathValue("product")
	s.catalogMu.Lock()
	p, found := s.catalogLocked(storeID).byID[productID]
	imageID := ""
	if found {
		imageID = p.imageID
	}
	s.catalogMu.Unlock()
	if !found {
		writeEvotorError(w, http.StatusNotFound, evotorErrorCodes[http.StatusNotFound], "Product "+productID+" not found")
		return
	}

	items := []evotorImageJSON{}
	if imageID != "" {
		items = append(items, evotorImageJSON{
			ID:          imageID,
			URL:         requestBaseURL(r) + "/evotor/api/images/" + imageID + evotorImageFileSuffix,
			ContentType: evotorImageType,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// serveEvotorImage serves GET /evotor/api/images/{id}.png with the token,
// app and scope checks of the API but any Accept header.
func (s *Sandbox) serveEvotorImage(w http.ResponseWriter, r *http.Request) {
	req, ok := s.beginEvotorRequest(w, r, "image")
	if !ok {
		return
	}
	if !req.hasScope(scopeImageRead) {
		writeEvotorError(w, http.StatusForbidden, evotorErrorCodes[http.StatusForbidden],
			"The access token has no "+scopeImageRead+" scope")
		return
	}
	imageID, _ := strings.CutSuffix(r.PathValue("file"), evotorImageFileSuffix)
	s.catalogMu.Lock()
	ref, found := s.catalogs.images[imageID]
	s.catalogMu.Unlock()
	if owner, _ := s.evotorStoreOwner(ref.storeID); !found || owner != req.userID {
		writeEvotorError(w, http.StatusNotFound, evotorErrorCodes[http.StatusNotFound], "Image "+imageID+" not found")
		return
	}
	if ref.unavailable {
		writeEvotorError(w, http.StatusServiceUnavailable, evotorErrorCodes[http.StatusServiceUnavailable],
			"Image storage is unavailable")
		return
	}
	writeProductImage(w, imageID, ref.corrupt)
}

// writeProductImage draws the image and sends it as a PNG, or only the
// first half of the PNG when corrupt is set.
func writeProductImage(w http.ResponseWriter, imageID string, corrupt bool) {
	body, err := drawProductImage(imageID)
	if err != nil {
		slog.Error("drawing a product image failed", "image_id", imageID, "error", err)
		http.Error(w, "drawing the image failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if corrupt {
		body = body[:len(body)/2]
	}
	w.Header().Set("Content-Type", evotorImageType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

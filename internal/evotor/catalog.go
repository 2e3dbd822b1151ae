package evotor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/evosync/evosync/internal/catalog"
	"github.com/evosync/evosync/internal/httpx"
)

// MaxImageBytes caps a product image download. Evotor's images are
// 300×300 PNG files of a few dozen kilobytes.
const MaxImageBytes = 10 << 20

// ProductGroups calls fn for every product group of a store, page by page.
func (c *Client) ProductGroups(ctx context.Context, token, storeID string,
	fn func(catalog.Group) error) error {
	path := "/stores/" + url.PathEscape(storeID) + "/product-groups"
	return c.List(ctx, token, path, nil, func(raw json.RawMessage) error {
		var g catalog.Group
		if err := json.Unmarshal(raw, &g); err != nil {
			return &httpx.DecodeError{ContentType: MediaType, Err: err}
		}
		return fn(g)
	})
}

// InvalidProduct is a product that Evotor sent but catalog.Product cannot
// decode, for example because of a negative price.
type InvalidProduct struct {
	ID       string // empty when the item has no readable id
	ParentID string
	Name     string
	Err      error
}

// Products calls fn for every product of a store, page by page, so memory
// stays at one page. A zero since lists every product; otherwise only
// products updated since then. A product that cannot be decoded stops the
// walk with an error; StreamProducts can skip it instead.
func (c *Client) Products(ctx context.Context, token, storeID string, since time.Time,
	fn func(catalog.Product) error) error {
	return c.StreamProducts(ctx, token, storeID, since, fn, nil)
}

// StreamProducts is Products that hands undecodable products to invalid
// instead of stopping. A nil invalid stops at the first one, as Products
// does.
func (c *Client) StreamProducts(ctx context.Context, token, storeID string, since time.Time,
	fn func(catalog.Product) error, invalid func(InvalidProduct) error) error {
	path := "/stores/" + url.PathEscape(storeID) + "/products"
	query := url.Values{}
	if !since.IsZero() {
		// NOTE: Evotor documents a since filter on updated_at but not its
		// format. Milliseconds since the epoch is an assumption.
		query.Set("since", strconv.FormatInt(since.UnixMilli(), 10))
	}
	return c.List(ctx, token, path, query, func(raw json.RawMessage) error {
		var p catalog.Product
		err := json.Unmarshal(raw, &p)
		if err == nil {
			return fn(p)
		}
		if invalid == nil {
			return &httpx.DecodeError{ContentType: MediaType, Err: err}
		}
		return invalid(describeInvalidProduct(raw, err))
	})
}

// describeInvalidProduct reads what it can of a product that failed to
// decode, so the owner can find it in Evotor.
func describeInvalidProduct(raw json.RawMessage, err error) InvalidProduct {
	var head struct {
		ID       json.RawMessage `json:"id"`
		ParentID json.RawMessage `json:"parent_id"`
		Name     string          `json:"name"`
	}
	json.Unmarshal(raw, &head)
	return InvalidProduct{ID: rawText(head.ID), ParentID: rawText(head.ParentID), Name: head.Name, Err: err}
}

// rawText returns a JSON string or number as text, and "" for null or
// anything else.
func rawText(raw json.RawMessage) string {
	var text string
	if json.Unmarshal(raw, &text) == nil {
		return text
	}
	var number json.Number
	if json.Unmarshal(raw, &number) == nil {
		return number.String()
	}
	return ""
}

// productImage is an entry of GET /stores/{store}/products/{id}/images.
type productImage struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// ProductImage downloads the image of a product, or returns nil, nil when
// the product has none. Evotor keeps at most one image per product.
//
// NOTE: the shape of the images response is not confirmed. This reads
// {"items": [{"id", "url"}]} or a bare array of such objects, and accepts
// a response that is the image itself. A relative url is resolved against
// the API base URL.
func (c *Client) ProductImage(ctx context.Context, token, storeID, productID string) ([]byte, error) {
	path := "/stores/" + url.PathEscape(storeID) + "/products/" + url.PathEscape(productID) + "/images"
	endpoint := strings.TrimRight(c.cfg.APIBaseURL, "/") + path
	accept := MediaType + ", application/json, image/*"
	body, contentType, err := c.download(ctx, token, endpoint, accept, httpx.MaxBody)
	if statusIs(err, http.StatusNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if isImage(contentType) {
		return body, nil
	}

	imageURL, err := firstImageURL(body, contentType)
	if err != nil || imageURL == "" {
		return nil, err
	}
	target, err := c.resolveImageURL(imageURL)
	if err != nil {
		return nil, err
	}

	// The token goes only to Evotor's own API host, never to a third-party
	// storage host that an image URL might name.
	imageToken := ""
	if sameOrigin(target, c.cfg.APIBaseURL) {
		imageToken = token
	}
	image, _, err := c.download(ctx, imageToken, target.String(), "image/*", MaxImageBytes)
	if statusIs(err, http.StatusNotFound) {
		return nil, nil
	}
	return image, err
}

func firstImageURL(body []byte, contentType string) (string, error) {
	if !httpx.LooksLikeJSON(body) {
		err := fmt.Errorf("images response is neither JSON nor an image")
		return "", &httpx.DecodeError{ContentType: contentType, Err: err}
	}
	var listed struct {
		Items []productImage `json:"items"`
	}
	var items []productImage
	if err := json.Unmarshal(body, &listed); err == nil {
		items = listed.Items
	} else if err := json.Unmarshal(body, &items); err != nil {
		return "", &httpx.DecodeError{ContentType: contentType, Err: err}
	}
	for _, item := range items {
		if item.URL != "" {
			return item.URL, nil
		}
	}
	return "", nil
}

func (c *Client) resolveImageURL(raw string) (*url.URL, error) {
	base, err := url.Parse(strings.TrimRight(c.cfg.APIBaseURL, "/") + "/")
	if err != nil {
		return nil, fmt.Errorf("parse Evotor API base URL: %w", err)
	}
	ref, err := url.Parse(raw)
	if err != nil {
		err = fmt.Errorf("invalid image url %.100q: %w", raw, err)
		return nil, &httpx.DecodeError{ContentType: MediaType, Err: err}
	}
	target := base.ResolveReference(ref)
	if target.Scheme != "https" && target.Scheme != "http" {
		err = fmt.Errorf("image url %.100q is not http(s)", raw)
		return nil, &httpx.DecodeError{ContentType: MediaType, Err: err}
	}
	return target, nil
}

// download sends a GET and returns the body of a 200 response of at most
// limit bytes. An empty token sends no Authorization header.
func (c *Client) download(ctx context.Context, token, endpoint, accept string,
	limit int64) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, "", fmt.Errorf("build Evotor image request: %w", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", accept)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("download Evotor image: %w", err)
	}
	defer resp.Body.Close()
	contentType := resp.Header.Get("Content-Type")
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("read Evotor image: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, "", fmt.Errorf("evotor image exceeds %d bytes", limit)
	}
	if resp.StatusCode != http.StatusOK {
		statusErr := &httpx.StatusError{Status: resp.StatusCode, ContentType: contentType, Body: httpx.Snippet(body)}
		return nil, "", statusErr
	}
	return body, contentType, nil
}

func isImage(contentType string) bool {
	mediaType, _, _ := mime.ParseMediaType(contentType)
	return strings.HasPrefix(mediaType, "image/")
}

func statusIs(err error, status int) bool {
	statusErr, ok := err.(*httpx.StatusError)
	return ok && statusErr.Status == status
}

// sameOrigin reports whether target has the scheme and host of base.
func sameOrigin(target *url.URL, base string) bool {
	b, err := url.Parse(base)
	return err == nil && strings.EqualFold(b.Scheme, target.Scheme) && strings.EqualFold(b.Host, target.Host)
}

package evotor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/evosync/evosync/internal/httpx"
)

// maxPages stops a cursor loop that never ends.
const maxPages = 10_000

// Store is one Evotor store.
type Store struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address"`
}

// Page is the paging object of a list answer.
type Page struct {
	NextCursor string `json:"next_cursor"`
}

// Get sends an authorised GET to an API path and returns the body of a 200
// answer. Other statuses come back as *httpx.StatusError.
func (c *Client) Get(ctx context.Context, token, path string, query url.Values) ([]byte, error) {
	endpoint := strings.TrimRight(c.cfg.APIBaseURL, "/") + path
	if len(query) > 0 {
		endpoint += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("build Evotor request %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", MediaType)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("call Evotor %s: %w", path, err)
	}
	body, err := httpx.ReadBody(resp)
	if err != nil {
		return nil, fmt.Errorf("call Evotor %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &httpx.StatusError{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: httpx.Snippet(body)}
	}
	if !httpx.LooksLikeJSON(body) {
		return nil, &httpx.DecodeError{ContentType: resp.Header.Get("Content-Type"), Err: fmt.Errorf("not JSON")}
	}
	return body, nil
}

// Stores lists every store of the token's owner, following cursors. It is
// also the cheapest check that a token works.
func (c *Client) Stores(ctx context.Context, token string) ([]Store, error) {
	var stores []Store
	err := c.List(ctx, token, "/stores", nil, func(raw json.RawMessage) error {
		var s Store
		if err := json.Unmarshal(raw, &s); err != nil {
			return &httpx.DecodeError{ContentType: MediaType, Err: err}
		}
		stores = append(stores, s)
		return nil
	})
	return stores, err
}

// List walks a cursor-paginated collection, calling fn for each item as its
// page arrives, so memory stays at one page.
func (c *Client) List(ctx context.Context, token, path string, query url.Values, fn func(json.RawMessage) error) error {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	for page := 0; page < maxPages; page++ {
		body, err := c.Get(ctx, token, path, q)
		if err != nil {
			return err
		}
		var list struct {
			Items  []json.RawMessage `json:"items"`
			Paging Page              `json:"paging"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return &httpx.DecodeError{ContentType: MediaType, Err: err}
		}
		for _, item := range list.Items {
			if err := fn(item); err != nil {
				return fmt.Errorf("handle item of %s: %w", path, err)
			}
		}
		if list.Paging.NextCursor == "" {
			return nil
		}
		q.Set("cursor", list.Paging.NextCursor)
	}
	return fmt.Errorf("evotor %s: more than %d pages", path, maxPages)
}

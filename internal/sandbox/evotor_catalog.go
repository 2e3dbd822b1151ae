package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Defaults of the Config fields that size the Evotor catalog.
const (
	defaultCatalogSize    = 40
	defaultEvotorPageSize = 100
)

// maxEvotorProductName is the maximum length of an Evotor product name, in
// runes.
const maxEvotorProductName = 128

// evotorTimeFormat is the format of created_at and updated_at in Evotor's
// API v2, such as 2018-09-11T16:18:35.397+0000.
const evotorTimeFormat = "2006-01-02T15:04:05.000-0700"

// evotorCatalogs contains the products and product groups of every Evotor
// store that has been used. Sandbox.catalogMu guards it.
type evotorCatalogs struct {
	stores map[string]*storeCatalog
	images map[string]imageRef // by image id
}

// imageRef identifies the product that an image belongs to.
type imageRef struct {
	storeID, productID string
	// unavailable makes the image file respond with 503, as if Evotor's image
	// storage failed for this image alone.
	unavailable bool
	// corrupt makes the image file respond with 200 and the first half of the
	// PNG, as a download cut short does.
	corrupt bool
}

func newEvotorCatalogs() evotorCatalogs {
	return evotorCatalogs{stores: make(map[string]*storeCatalog), images: make(map[string]imageRef)}
}

// storeCatalog is the catalog of one store. Both lists are sorted by seq,
// which is also the order of the API's pages.
type storeCatalog struct {
	storeID   string
	groups    []*evotorGroup
	products  []*evotorProduct
	byID      map[string]*evotorProduct
	groupByID map[string]*evotorGroup
	nextSeq   int64
}

// evotorGroup is a product group. Times are Unix milliseconds.
type evotorGroup struct {
	seq                  int64
	id, name, parentID   string
	createdAt, updatedAt int64
}

// evotorProduct is a product, held in a compact form so that a store with
// tens of thousands of products stays small. Each image is drawn on request
// from imageID, so no image bytes are stored.
type evotorProduct struct {
	seq           int64
	id, parentID  string
	name, typ     string
	measureName   string
	description   string
	articleNumber string
	code          string
	price         int64 // kopecks
	costPrice     int64 // kopecks
	quantity      int64 // thousandths of the measure unit
	allowToSell   bool
	barcodes      []string
	createdAt     int64 // Unix milliseconds
	updatedAt     int64 // Unix milliseconds
	imageID       string
}

// touch sets updatedAt to now, or 1 ms past its old value when the clock
// has not moved, so that every change is visible to a since filter.
func (p *evotorProduct) touch(now time.Time) {
	p.updatedAt = max(now.UnixMilli(), p.updatedAt+1)
}

// catalogLocked returns the store's catalog, generating it on first use.
// The caller holds s.catalogMu and has checked that the store exists.
func (s *Sandbox) catalogLocked(storeID string) *storeCatalog {
	if c, ok := s.catalogs.stores[storeID]; ok {
		return c
	}
	c := &storeCatalog{
		storeID:   storeID,
		byID:      make(map[string]*evotorProduct),
		groupByID: make(map[string]*evotorGroup),
	}
	seedCatalog(c, max(s.cfg.CatalogSize, 0), s.now())
	for _, p := range c.products {
		if p.imageID != "" {
			s.catalogs.images[p.imageID] = imageRef{storeID: storeID, productID: p.id}
		}
	}
	s.catalogs.stores[storeID] = c
	return c
}

// evotorStoreOwner returns the id of the user that owns the store.
func (s *Sandbox) evotorStoreOwner(storeID string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	owner, ok := s.evotorStoreOwners[storeID]
	return owner, ok
}

func (c *storeCatalog) addGroup(g *evotorGroup) {
	c.nextSeq++
	g.seq = c.nextSeq
	c.groups = append(c.groups, g)
	c.groupByID[g.id] = g
}

func (c *storeCatalog) addProduct(p *evotorProduct) {
	c.nextSeq++
	p.seq = c.nextSeq
	c.products = append(c.products, p)
	c.byID[p.id] = p
}

func (c *storeCatalog) removeProduct(p *evotorProduct) {
	i := sort.Search(len(c.products), func(i int) bool { return c.products[i].seq >= p.seq })
	if i < len(c.products) && c.products[i] == p {
		c.products = slices.Delete(c.products, i, i+1)
	}
	delete(c.byID, p.id)
}

// catalogID derives a lowercase UUID-shaped id from the parts, so that ids
// stay the same across restarts of the sandbox.
func catalogID(parts ...any) string {
	sum := sha256.Sum256(fmt.Append(nil, parts...))
	sum[6] = sum[6]&0x0f | 0x40
	sum[8] = sum[8]&0x3f | 0x80
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// formatEvotorTime formats Unix milliseconds in Evotor's format, in UTC.
func formatEvotorTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format(evotorTimeFormat)
}

// formatDecimal formats value/10^scale with a dot and without trailing
// zeros, such as 89.9, 120 or 0.5 for kopecks with scale 2.
func formatDecimal(value int64, scale int) string {
	sign := ""
	if value < 0 {
		sign, value = "-", -value
	}
	unit := int64(1)
	for range scale {
		unit *= 10
	}
	whole, frac := value/unit, value%unit
	if frac == 0 {
		return fmt.Sprintf("%s%d", sign, whole)
	}
	digits := strings.TrimRight(fmt.Sprintf("%0*d", scale, frac), "0")
	return fmt.Sprintf("%s%d.%s", sign, whole, digits)
}

// parseDecimal parses a non-negative decimal with a dot or a comma, such as
// "89.90" or "0,5", into units of 10^-scale. Digits beyond scale must be
// zeros.
func parseDecimal(text string, scale int) (int64, error) {
	text = strings.TrimSpace(strings.Replace(text, ",", ".", 1))
	whole, frac, _ := strings.Cut(text, ".")
	if whole == "" || !isDigits(whole) || (frac != "" && !isDigits(frac)) || strings.HasSuffix(text, ".") {
		return 0, fmt.Errorf("invalid number %q: expected digits with an optional fraction, such as 89.90", text)
	}
	if len(whole) > 12 {
		return 0, fmt.Errorf("invalid number %q: more than 12 digits before the decimal point", text)
	}
	if len(frac) > scale {
		if strings.Trim(frac[scale:], "0") != "" {
			return 0, fmt.Errorf("invalid number %q: at most %d digits after the decimal point", text, scale)
		}
		frac = frac[:scale]
	}
	var value int64
	for _, r := range whole + frac + strings.Repeat("0", scale-len(frac)) {
		value = value*10 + int64(r-'0')
	}
	return value, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// truncateRunes cuts s to at most n runes.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

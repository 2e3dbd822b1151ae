package sandbox

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// VK API error codes of the market methods and execute, with the
// descriptions of VKCOM/vk-api-schema errors.json (version 5.199). The
// sandbox appends a detail after a colon, as VK does for some errors.
const (
	vkErrCompile          = 12
	vkErrRuntime          = 13
	vkErrAccessDenied     = 15
	vkErrInvalidHash      = 121
	vkErrInvalidPhoto     = 129
	vkErrAlbumNotFound    = 1402
	vkErrItemNotFound     = 1403
	vkErrAlreadyInAlbum   = 1404
	vkErrTooManyItems     = 1405
	vkErrTooManyAlbums    = 1407
	vkErrBadLinks         = 1408
	vkErrCropSizeTooLow   = 1435
	vkErrMarketNotEnabled = 1438
)

const (
	vkMsgCompile          = "Unable to compile code"
	vkMsgRuntime          = "Runtime error occurred during code invocation"
	vkMsgAccessDenied     = "Access denied"
	vkMsgInvalidHash      = "Invalid hash"
	vkMsgInvalidPhoto     = "Invalid photo"
	vkMsgAlbumNotFound    = "Album not found"
	vkMsgItemNotFound     = "Item not found"
	vkMsgAlreadyInAlbum   = "Item already added to album"
	vkMsgTooManyItems     = "Too many items"
	vkMsgTooManyAlbums    = "Too many albums"
	vkMsgBadLinks         = "Item has bad links in description"
	vkMsgCropSizeTooLow   = "Crop size is less than the minimum"
	vkMsgMarketNotEnabled = "Market not enabled"
)

// Limits of the market methods.
const (
	defaultMarketItemLimit = 15000
	// maxMarketAlbums is the number of albums after which market.addAlbum
	// returns error 1407.
	// NOTE: VK does not document the limit. 100 is the sandbox's choice.
	maxMarketAlbums = 100
	maxItemNameLen  = 100 // runes
	minItemNameLen  = 4
	minItemDescLen  = 10
	maxItemSKULen   = 50
	maxItemURLLen   = 320
	maxItemPhotoIDs = 4
	maxAlbumTitle   = 128
	maxMarketPrice  = 999_999_999_999 // rubles
	firstItemID     = 10_000_001
	firstPhotoID    = 457_239_001
	// idsPerSecond is how far the first item, photo and album ids of a
	// sandbox move for each second it starts later than idEpoch. VK's ids
	// only grow, so a sandbox started again must not hand out an id that
	// the previous one gave to another object, which a product could still
	// have recorded. At VK's 3 requests per second with 25 calls each, no
	// sandbox makes 1,000 objects of a kind per second.
	idsPerSecond = 1_000
)

// idEpoch is the start of the sandbox's id ranges.
var idEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// idBase is how far the ids of a sandbox started at now begin past the
// first ids.
func idBase(now time.Time) int64 {
	return max(0, int64(now.Sub(idEpoch)/time.Second)) * idsPerSecond
}

func invalidParam(format string, args ...any) *vkError {
	return &vkError{code: vkErrInvalidParam, msg: vkMsgInvalidParam + ": " + fmt.Sprintf(format, args...)}
}

func accessDenied(format string, args ...any) *vkError {
	return &vkError{code: vkErrAccessDenied, msg: vkMsgAccessDenied + ": " + fmt.Sprintf(format, args...)}
}

// vkMarket contains the Market data of every community. Sandbox.marketMu
// guards it.
type vkMarket struct {
	groups         map[int64]*marketGroup
	photos         map[int64]*marketPhoto
	uploadServers  map[string]uploadServer   // by the id in the upload URL
	uploads        map[string]*uploadedPhoto // by upload_result
	uploadSecret   string                    // key of the upload responses' hash
	rejectedPhotos map[string]bool           // SHA-256 of the files RejectPhoto names
	// uploadServersIssued counts upload URLs, to sweep expired uploads
	// every uploadPruneEvery URLs.
	uploadServersIssued int
	nextItemID          int64
	nextPhotoID         int64
	firstAlbumID        int64 // of every community
}

func newVKMarket(now time.Time) vkMarket {
	base := idBase(now)
	return vkMarket{
		groups:         make(map[int64]*marketGroup),
		photos:         make(map[int64]*marketPhoto),
		uploadServers:  make(map[string]uploadServer),
		uploads:        make(map[string]*uploadedPhoto),
		uploadSecret:   randomHex(16),
		rejectedPhotos: make(map[string]bool),
		nextItemID:     firstItemID + base,
		nextPhotoID:    firstPhotoID + base,
		firstAlbumID:   1 + base,
	}
}

// marketGroup is the Market of one community. Items and albums are
// sorted by id.
type marketGroup struct {
	items       []*marketItem
	itemByID    map[int64]*marketItem
	albums      []*marketAlbum
	albumByID   map[int64]*marketAlbum
	nextAlbumID int64
	photoCount  int
}

type marketItem struct {
	id          int64
	name        string
	description string
	price       int64 // kopecks
	oldPrice    int64 // kopecks, 0 for none
	categoryID  int
	mainPhotoID int64
	photoIDs    []int64
	sku, url    string
	hidden      bool // set by deleted=1
	albumIDs    []int64
	created     int64 // Unix seconds
}

type marketAlbum struct {
	id      int64
	title   string
	count   int
	updated int64 // Unix seconds
}

// groupLocked returns the Market of a community, creating an empty one.
func (m *vkMarket) groupLocked(groupID int64) *marketGroup {
	g, ok := m.groups[groupID]
	if !ok {
		g = &marketGroup{
			itemByID:    make(map[int64]*marketItem),
			albumByID:   make(map[int64]*marketAlbum),
			nextAlbumID: m.firstAlbumID,
		}
		m.groups[groupID] = g
	}
	return g
}

func (g *marketGroup) removeItem(item *marketItem) {
	i := sort.Search(len(g.items), func(i int) bool { return g.items[i].id >= item.id })
	if i < len(g.items) && g.items[i] == item {
		g.items = slices.Delete(g.items, i, i+1)
	}
	delete(g.itemByID, item.id)
	for _, albumID := range item.albumIDs {
		if a := g.albumByID[albumID]; a != nil {
			a.count--
		}
	}
}

// MarketItem is a VK Market item as the sandbox stores it.
type MarketItem struct {
	ID              int64
	Name            string
	Description     string
	PriceKopecks    int64
	OldPriceKopecks int64 // 0 for none
	SKU             string
	URL             string
	Hidden          bool // sent as deleted=1
	CategoryID      int
	MainPhotoID     int64
	PhotoIDs        []int64
	AlbumIDs        []int64
}

// MarketAlbum is a VK Market album with the number of items in it.
type MarketAlbum struct {
	ID    int64
	Title string
	Count int
}

// MarketItems returns the community's items in the order they were added.
func (s *Sandbox) MarketItems(groupID int64) []MarketItem {
	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	g, ok := s.market.groups[groupID]
	if !ok {
		return nil
	}
	items := make([]MarketItem, len(g.items))
	for i, item := range g.items {
		items[i] = MarketItem{
			ID: item.id, Name: item.name, Description: item.description,
			PriceKopecks: item.price, OldPriceKopecks: item.oldPrice,
			SKU: item.sku, URL: item.url, Hidden: item.hidden, CategoryID: item.categoryID,
			MainPhotoID: item.mainPhotoID, PhotoIDs: slices.Clone(item.photoIDs), AlbumIDs: slices.Clone(item.albumIDs),
		}
	}
	return items
}

// MarketAlbums returns the community's albums in the order they were added.
func (s *Sandbox) MarketAlbums(groupID int64) []MarketAlbum {
	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	g, ok := s.market.groups[groupID]
	if !ok {
		return nil
	}
	albums := make([]MarketAlbum, len(g.albums))
	for i, a := range g.albums {
		albums[i] = MarketAlbum{ID: a.id, Title: a.title, Count: a.count}
	}
	return albums
}

// PhotoCount returns how many photos market.saveProductPhoto saved for the
// community.
func (s *Sandbox) PhotoCount(groupID int64) int {
	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	if g, ok := s.market.groups[groupID]; ok {
		return g.photoCount
	}
	return 0
}

// marketOwner checks the steps that every market method with owner_id
// shares, in this order: the market scope of the token, owner_id being a
// negative community id, the token's owner administering the community and
// Market being enabled. It returns the positive community id.
func (s *Sandbox) marketOwner(c *vkCall) (int64, *vkError) {
	if !c.hasScope("market") {
		return 0, accessDenied("no access to call this method, the token has no market scope")
	}
	raw := c.params.Get("owner_id")
	ownerID, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, invalidParam("owner_id is required and must be an integer, got %q", raw)
	}
	if ownerID >= 0 {
		return 0, invalidParam("owner_id must be the negative id of a community, got %d", ownerID)
	}
	return s.marketGroupOf(c, -ownerID)
}

// marketGroupOf checks that the token's owner administers the community and
// that its Market is enabled. An unknown community also gets error 15.
func (s *Sandbox) marketGroupOf(c *vkCall, groupID int64) (int64, *vkError) {
	g, adminID, ok := s.vkGroup(groupID)
	if !ok || adminID != c.user.ID {
		return 0, accessDenied("user %d is not an administrator of community %d", c.user.ID, groupID)
	}
	if !g.MarketEnabled {
		return 0, &vkError{code: vkErrMarketNotEnabled, msg: vkMsgMarketNotEnabled}
	}
	return groupID, nil
}

// positiveIDParam parses a required positive integer parameter.
func positiveIDParam(c *vkCall, name string) (int64, *vkError) {
	raw := c.params.Get(name)
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalidParam("%s is required and must be a positive integer, got %q", name, raw)
	}
	return id, nil
}

// idListParam parses a required comma-separated list of positive ids.
func idListParam(c *vkCall, name string) ([]int64, *vkError) {
	raw := c.params.Get(name)
	if strings.TrimSpace(raw) == "" {
		return nil, invalidParam("%s is required", name)
	}
	return parseIDList(name, raw)
}

func parseIDList(name, raw string) ([]int64, *vkError) {
	var ids []int64
	for field := range strings.SplitSeq(raw, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(field), 10, 64)
		if err != nil || id <= 0 {
			return nil, invalidParam("%s must be a comma-separated list of positive integers, got %q", name, raw)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// formatRublesText formats kopecks as VK's price text, such as "89,90 ₽"
// or "120 ₽".
func formatRublesText(kopecks int64) string {
	whole := strconv.FormatInt(kopecks/100, 10)
	if kopecks%100 == 0 {
		return whole + " ₽"
	}
	return fmt.Sprintf("%s,%02d ₽", whole, kopecks%100)
}

package sandbox

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

func init() {
	registerVKMethod("market.getCategories", vkMethod{handle: (*Sandbox).vkMarketGetCategories})
	registerVKMethod("market.add", vkMethod{handle: (*Sandbox).vkMarketAdd})
	registerVKMethod("market.edit", vkMethod{handle: (*Sandbox).vkMarketEdit})
	registerVKMethod("market.delete", vkMethod{handle: (*Sandbox).vkMarketDelete})
	registerVKMethod("market.get", vkMethod{handle: (*Sandbox).vkMarketGet})
}

// vkMarketCategory is a category of market.getCategories.
// NOTE: API 5.199 also describes categories as a tree with "parent". The
// sandbox sends the older flat form with "section".
type vkMarketCategory struct {
	ID      int             `json:"id"`
	Name    string          `json:"name"`
	Section vkMarketSection `json:"section"`
}

type vkMarketSection struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

var (
	sectionFood   = vkMarketSection{ID: 1, Name: "Продукты и напитки"}
	sectionHome   = vkMarketSection{ID: 2, Name: "Дом и сад"}
	sectionBeauty = vkMarketSection{ID: 3, Name: "Красота и здоровье"}
	sectionKids   = vkMarketSection{ID: 4, Name: "Детские товары"}
	sectionOther  = vkMarketSection{ID: 5, Name: "Услуги"}
)

// vkMarketCategories are the categories that market.add accepts.
var vkMarketCategories = []vkMarketCategory{
	{1, "Продукты питания", sectionFood},
	{2, "Напитки", sectionFood},
	{3, "Кондитерские изделия", sectionFood},
	{4, "Хлеб и выпечка", sectionFood},
	{5, "Бытовая химия", sectionHome},
	{6, "Посуда и кухонные принадлежности", sectionHome},
	{7, "Подарки и сувениры", sectionHome},
	{8, "Косметика и уход", sectionBeauty},
	{9, "Игрушки", sectionKids},
	{10, "Услуги", sectionOther},
}

func vkMarketCategoryByID(id int) (vkMarketCategory, bool) {
	for _, c := range vkMarketCategories {
		if c.ID == id {
			return c, true
		}
	}
	return vkMarketCategory{}, false
}

// vkMarketGetCategories implements market.getCategories with count and
// offset. It needs no scope.
func (s *Sandbox) vkMarketGetCategories(c *vkCall) (any, *vkError) {
	offset, count, vkErr := offsetCount(c, 10, 1000)
	if vkErr != nil {
		return nil, vkErr
	}
	all := vkMarketCategories
	return vkList[vkMarketCategory]{Count: len(all), Items: all[min(offset, len(all)):min(offset+count, len(all))]}, nil
}

// itemFields are the item parameters of market.add and market.edit. A nil
// field was not sent.
type itemFields struct {
	name, description *string
	categoryID        *int
	price, oldPrice   *int64 // kopecks
	mainPhotoID       *int64
	photoIDs          *[]int64
	sku, url          *string
	hidden            *bool
}

// parseItemFields reads and checks the item parameters. With forAdd, the
// parameters that market.add requires must be present. An empty old_price,
// photo_ids, sku or url clears the value on market.edit.
func parseItemFields(params url.Values, forAdd bool) (itemFields, *vkError) {
	var f itemFields
	if forAdd {
		for _, name := range []string{"name", "description", "category_id", "price"} {
			if !params.Has(name) {
				return f, invalidParam("%s is required", name)
			}
		}
		if !params.Has("main_photo_id") {
			return f, invalidParam("main_photo_id is required: upload a photo with market.getProductPhotoUploadServer " +
				"and market.saveProductPhoto first")
		}
	}
	steps := []func(url.Values, *itemFields) *vkError{
		parseItemText, parseItemCategory, parseItemPrices, parseItemPhotos, parseItemExtras,
	}
	for _, step := range steps {
		if vkErr := step(params, &f); vkErr != nil {
			return f, vkErr
		}
	}
	return f, nil
}

func parseItemText(params url.Values, f *itemFields) *vkError {
	if params.Has("name") {
		name := params.Get("name")
		if n := utf8.RuneCountInString(name); n < minItemNameLen || n > maxItemNameLen {
			return invalidParam("name must be %d to %d characters long, got %d", minItemNameLen, maxItemNameLen, n)
		}
		f.name = &name
	}
	if params.Has("description") {
		description := params.Get("description")
		if n := utf8.RuneCountInString(description); n < minItemDescLen {
			return invalidParam("description must be at least %d characters long, got %d", minItemDescLen, n)
		}
		f.description = &description
	}
	return nil
}

func parseItemCategory(params url.Values, f *itemFields) *vkError {
	if !params.Has("category_id") {
		return nil
	}
	raw := params.Get("category_id")
	id, err := strconv.Atoi(raw)
	if _, ok := vkMarketCategoryByID(id); err != nil || !ok {
		return invalidParam("category_id %q is not a category of market.getCategories", raw)
	}
	f.categoryID = &id
	return nil
}

func parseItemPrices(params url.Values, f *itemFields) *vkError {
	if params.Has("price") {
		price, vkErr := parseRublesParam("price", params.Get("price"))
		if vkErr != nil {
			return vkErr
		}
		f.price = &price
	}
	if params.Has("old_price") {
		oldPrice := int64(0)
		if raw := params.Get("old_price"); raw != "" {
			var vkErr *vkError
			if oldPrice, vkErr = parseRublesParam("old_price", raw); vkErr != nil {
				return vkErr
			}
		}
		f.oldPrice = &oldPrice
	}
	return nil
}

// parseRublesParam parses a price in rubles with a dot, such as "89.90",
// into kopecks.
func parseRublesParam(name, raw string) (int64, *vkError) {
	kopecks, err := parseDecimal(raw, 2)
	if err != nil || strings.Contains(raw, ",") || kopecks > maxMarketPrice*100 {
		return 0, invalidParam("%s must be a number of rubles from 0 to %d with at most two decimals "+
			"and a dot, such as 89.90, got %q", name, int64(maxMarketPrice), raw)
	}
	return kopecks, nil
}

func parseItemPhotos(params url.Values, f *itemFields) *vkError {
	if params.Has("main_photo_id") {
		raw := params.Get("main_photo_id")
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return invalidParam("main_photo_id must be a photo id from market.saveProductPhoto, got %q", raw)
		}
		f.mainPhotoID = &id
	}
	if params.Has("photo_ids") {
		var ids []int64
		if raw := params.Get("photo_ids"); raw != "" {
			var vkErr *vkError
			if ids, vkErr = parseIDList("photo_ids", raw); vkErr != nil {
				return vkErr
			}
		}
		if len(ids) > maxItemPhotoIDs {
			return invalidParam("photo_ids may list at most %d photos, got %d", maxItemPhotoIDs, len(ids))
		}
		f.photoIDs = &ids
	}
	return nil
}

func parseItemExtras(params url.Values, f *itemFields) *vkError {
	if params.Has("sku") {
		sku := params.Get("sku")
		if n := utf8.RuneCountInString(sku); n > maxItemSKULen {
			return invalidParam("sku must be at most %d characters long, got %d", maxItemSKULen, n)
		}
		f.sku = &sku
	}
	if params.Has("url") {
		link := params.Get("url")
		if n := utf8.RuneCountInString(link); n > maxItemURLLen {
			return invalidParam("url must be at most %d characters long, got %d", maxItemURLLen, n)
		}
		f.url = &link
	}
	if params.Has("deleted") {
		hidden, vkErr := flagParam(params, "deleted")
		if vkErr != nil {
			return vkErr
		}
		f.hidden = &hidden
	}
	return nil
}

// flagParam reads a boolean parameter: 1 or true, 0, false, empty or
// absent.
func flagParam(params url.Values, name string) (bool, *vkError) {
	switch raw := params.Get(name); raw {
	case "1", "true":
		return true, nil
	case "0", "false", "":
		return false, nil
	default:
		return false, invalidParam("%s must be 1 or 0, got %q", name, raw)
	}
}

// hasLink reports whether a description contains a link.
// NOTE: VK does not document which links error 1408 rejects. The sandbox
// rejects every text with http://, https:// or www., in any letter case.
func hasLink(text string) bool {
	lower := strings.ToLower(text)
	return strings.Contains(lower, "http://") || strings.Contains(lower, "https://") || strings.Contains(lower, "www.")
}

// checkPhotosLocked checks that the item's photos were saved for the
// community. The caller holds s.marketMu.
func (s *Sandbox) checkPhotosLocked(groupID int64, f itemFields) *vkError {
	if f.mainPhotoID != nil {
		if p := s.market.photos[*f.mainPhotoID]; p == nil || p.groupID != groupID {
			return invalidParam("main_photo_id %d is not a photo saved for community %d", *f.mainPhotoID, groupID)
		}
	}
	if f.photoIDs != nil {
		for _, id := range *f.photoIDs {
			if p := s.market.photos[id]; p == nil || p.groupID != groupID {
				return invalidParam("photo_ids: %d is not a photo saved for community %d", id, groupID)
			}
		}
	}
	return nil
}

// apply copies the sent fields to the item.
func (f itemFields) apply(item *marketItem) {
	setIf(&item.name, f.name)
	setIf(&item.description, f.description)
	setIf(&item.categoryID, f.categoryID)
	setIf(&item.price, f.price)
	setIf(&item.oldPrice, f.oldPrice)
	setIf(&item.mainPhotoID, f.mainPhotoID)
	setIf(&item.sku, f.sku)
	setIf(&item.url, f.url)
	setIf(&item.hidden, f.hidden)
	if f.photoIDs != nil {
		item.photoIDs = slices.Clone(*f.photoIDs)
	}
}

func setIf[T any](target *T, value *T) {
	if value != nil {
		*target = *value
	}
}

// vkMarketAdd implements market.add. Beyond VK's documented checks, the
// sandbox requires price and main_photo_id, so that a client that forgets
// them fails in tests. It returns {"market_item_id": N}.
func (s *Sandbox) vkMarketAdd(c *vkCall) (any, *vkError) {
	groupID, vkErr := s.marketOwner(c)
	if vkErr != nil {
		return nil, vkErr
	}
	f, vkErr := parseItemFields(c.params, true)
	if vkErr != nil {
		return nil, vkErr
	}
	if hasLink(*f.description) {
		return nil, &vkError{code: vkErrBadLinks, msg: vkMsgBadLinks}
	}

	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	if vkErr := s.checkPhotosLocked(groupID, f); vkErr != nil {
		return nil, vkErr
	}
	g := s.market.groupLocked(groupID)
	if len(g.items) >= s.cfg.MarketItemLimit {
		return nil, &vkError{code: vkErrTooManyItems, msg: vkMsgTooManyItems}
	}
	item := &marketItem{id: s.market.nextItemID, created: c.now.Unix()}
	s.market.nextItemID++
	f.apply(item)
	g.items = append(g.items, item)
	g.itemByID[item.id] = item
	return map[string]int64{"market_item_id": item.id}, nil
}

// vkMarketEdit implements market.edit. Parameters that are not sent keep
// the item's values. An item that does not exist or was deleted gets error
// 1403.
func (s *Sandbox) vkMarketEdit(c *vkCall) (any, *vkError) {
	groupID, vkErr := s.marketOwner(c)
	if vkErr != nil {
		return nil, vkErr
	}
	itemID, vkErr := positiveIDParam(c, "item_id")
	if vkErr != nil {
		return nil, vkErr
	}
	f, vkErr := parseItemFields(c.params, false)
	if vkErr != nil {
		return nil, vkErr
	}
	if f.description != nil && hasLink(*f.description) {
		return nil, &vkError{code: vkErrBadLinks, msg: vkMsgBadLinks}
	}

	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	item := s.market.groupLocked(groupID).itemByID[itemID]
	if item == nil {
		return nil, &vkError{code: vkErrItemNotFound, msg: vkMsgItemNotFound}
	}
	if vkErr := s.checkPhotosLocked(groupID, f); vkErr != nil {
		return nil, vkErr
	}
	f.apply(item)
	return 1, nil
}

// vkMarketDelete implements market.delete, which removes the item for good:
// market.get no longer lists it and market.edit gets error 1403.
func (s *Sandbox) vkMarketDelete(c *vkCall) (any, *vkError) {
	groupID, vkErr := s.marketOwner(c)
	if vkErr != nil {
		return nil, vkErr
	}
	itemID, vkErr := positiveIDParam(c, "item_id")
	if vkErr != nil {
		return nil, vkErr
	}
	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	g := s.market.groupLocked(groupID)
	item := g.itemByID[itemID]
	if item == nil {
		return nil, &vkError{code: vkErrItemNotFound, msg: vkMsgItemNotFound}
	}
	g.removeItem(item)
	return 1, nil
}

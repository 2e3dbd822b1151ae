package sandbox

import (
	"slices"
	"strconv"
)

// Values of an item's availability in market.get.
const (
	availabilityAvailable = 0
	availabilityRemoved   = 1
)

// vkMarketItemObject is an item of market.get. AlbumsIDs and Photos are
// sent only with extended=1.
type vkMarketItemObject struct {
	ID           int64            `json:"id"`
	OwnerID      int64            `json:"owner_id"`
	Title        string           `json:"title"`
	Description  string           `json:"description"`
	Price        vkMarketPrice    `json:"price"`
	Category     vkMarketCategory `json:"category"`
	Availability int              `json:"availability"`
	Date         int64            `json:"date"`
	SKU          string           `json:"sku,omitempty"`
	URL          string           `json:"url,omitempty"`
	ThumbPhoto   string           `json:"thumb_photo,omitempty"`
	AlbumsIDs    []int64          `json:"albums_ids,omitzero"`
	Photos       []vkPhotoObject  `json:"photos,omitzero"`
}

type vkMarketPrice struct {
	Amount    string           `json:"amount"` // kopecks
	Currency  vkMarketCurrency `json:"currency"`
	Text      string           `json:"text"`
	OldAmount string           `json:"old_amount,omitempty"` // kopecks
}

type vkMarketCurrency struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Title string `json:"title"`
}

var rubleCurrency = vkMarketCurrency{ID: 643, Name: "RUB", Title: "Российский рубль"}

// vkPhotoObject is a photo of an item in market.get with extended=1, with
// the sandbox's only size: the thumbnail.
type vkPhotoObject struct {
	ID      int64         `json:"id"`
	OwnerID int64         `json:"owner_id"`
	Sizes   []vkPhotoSize `json:"sizes"`
}

type vkPhotoSize struct {
	Type   string `json:"type"`
	URL    string `json:"url"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// vkMarketGet implements market.get: the community's items from the newest,
// count (at most 200, default 100) from offset, in one album when album_id
// is not 0. Items hidden with deleted=1 are listed, with availability 1,
// only when with_disabled is 1.
// NOTE: VK's support wrote in 2016 that market.get lists only items on sale
// (https://github.com/python273/vk_api/issues/37), and schema 5.199 added
// with_disabled. Whether with_disabled lists deleted=1 items is not
// confirmed, so a client that must see them needs another check too.
func (s *Sandbox) vkMarketGet(c *vkCall) (any, *vkError) {
	groupID, vkErr := s.marketOwner(c)
	if vkErr != nil {
		return nil, vkErr
	}
	offset, count, vkErr := offsetCount(c, 100, 200)
	if vkErr != nil {
		return nil, vkErr
	}
	albumID := int64(0)
	if raw := c.params.Get("album_id"); raw != "" && raw != "0" {
		if albumID, vkErr = positiveIDParam(c, "album_id"); vkErr != nil {
			return nil, vkErr
		}
	}
	withHidden := c.params.Get("with_disabled") == "1"
	extended := c.params.Get("extended") == "1"

	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	g := s.market.groupLocked(groupID)
	if albumID != 0 && g.albumByID[albumID] == nil {
		return nil, &vkError{code: vkErrAlbumNotFound, msg: vkMsgAlbumNotFound}
	}
	result := vkList[vkMarketItemObject]{Items: []vkMarketItemObject{}}
	for i := len(g.items) - 1; i >= 0; i-- {
		item := g.items[i]
		if (item.hidden && !withHidden) || (albumID != 0 && !slices.Contains(item.albumIDs, albumID)) {
			continue
		}
		if result.Count >= offset && len(result.Items) < count {
			result.Items = append(result.Items, s.itemObjectLocked(c, groupID, item, extended))
		}
		result.Count++
	}
	return result, nil
}

func (s *Sandbox) itemObjectLocked(c *vkCall, groupID int64, item *marketItem, extended bool) vkMarketItemObject {
	category, _ := vkMarketCategoryByID(item.categoryID)
	object := vkMarketItemObject{
		ID:          item.id,
		OwnerID:     -groupID,
		Title:       item.name,
		Description: item.description,
		Price: vkMarketPrice{
			Amount:   strconv.FormatInt(item.price, 10),
			Currency: rubleCurrency,
			Text:     formatRublesText(item.price),
		},
		Category:     category,
		Availability: availabilityAvailable,
		Date:         item.created,
		SKU:          item.sku,
		URL:          item.url,
	}
	if item.oldPrice > 0 {
		object.Price.OldAmount = strconv.FormatInt(item.oldPrice, 10)
	}
	if item.hidden {
		object.Availability = availabilityRemoved
	}
	if item.mainPhotoID != 0 {
		object.ThumbPhoto = photoURL(c.baseURL, item.mainPhotoID)
	}
	if extended {
		object.AlbumsIDs = append([]int64{}, item.albumIDs...)
		object.Photos = []vkPhotoObject{}
		for _, id := range append([]int64{item.mainPhotoID}, item.photoIDs...) {
			if p := s.market.photos[id]; p != nil {
				object.Photos = append(object.Photos, vkPhotoObject{
					ID: id, OwnerID: -groupID,
					Sizes: []vkPhotoSize{{Type: "m", URL: photoURL(c.baseURL, id), Width: p.thumbWidth, Height: p.thumbHeight}},
				})
			}
		}
	}
	return object
}

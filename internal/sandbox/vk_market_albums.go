package sandbox

import (
	"slices"
	"strings"
	"unicode/utf8"
)

func init() {
	registerVKMethod("market.getAlbums", vkMethod{handle: (*Sandbox).vkMarketGetAlbums})
	registerVKMethod("market.addAlbum", vkMethod{handle: (*Sandbox).vkMarketAddAlbum})
	registerVKMethod("market.editAlbum", vkMethod{handle: (*Sandbox).vkMarketEditAlbum})
	registerVKMethod("market.deleteAlbum", vkMethod{handle: (*Sandbox).vkMarketDeleteAlbum})
	registerVKMethod("market.addToAlbum", vkMethod{handle: (*Sandbox).vkMarketAddToAlbum})
	registerVKMethod("market.removeFromAlbum", vkMethod{handle: (*Sandbox).vkMarketRemoveFromAlbum})
}

// vkMarketAlbumObject is an album of market.getAlbums.
type vkMarketAlbumObject struct {
	ID          int64  `json:"id"`
	OwnerID     int64  `json:"owner_id"`
	Title       string `json:"title"`
	Count       int    `json:"count"`
	UpdatedTime int64  `json:"updated_time"`
}

// vkMarketGetAlbums implements market.getAlbums with count (at most 100,
// default 50) and offset, in the order the albums were added.
func (s *Sandbox) vkMarketGetAlbums(c *vkCall) (any, *vkError) {
	groupID, vkErr := s.marketOwner(c)
	if vkErr != nil {
		return nil, vkErr
	}
	offset, count, vkErr := offsetCount(c, 50, 100)
	if vkErr != nil {
		return nil, vkErr
	}
	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	albums := s.market.groupLocked(groupID).albums
	result := vkList[vkMarketAlbumObject]{Count: len(albums), Items: []vkMarketAlbumObject{}}
	for _, a := range albums[min(offset, len(albums)):min(offset+count, len(albums))] {
		result.Items = append(result.Items, vkMarketAlbumObject{
			ID: a.id, OwnerID: -groupID, Title: a.title, Count: a.count, UpdatedTime: a.updated,
		})
	}
	return result, nil
}

func albumTitleParam(c *vkCall) (string, *vkError) {
	title := c.params.Get("title")
	if strings.TrimSpace(title) == "" {
		return "", invalidParam("title is required")
	}
	if n := utf8.RuneCountInString(title); n > maxAlbumTitle {
		return "", invalidParam("title must be at most %d characters long, got %d", maxAlbumTitle, n)
	}
	return title, nil
}

// vkMarketAddAlbum implements market.addAlbum. It returns
// {"market_album_id": N} and error 1407 beyond maxMarketAlbums albums.
func (s *Sandbox) vkMarketAddAlbum(c *vkCall) (any, *vkError) {
	groupID, vkErr := s.marketOwner(c)
	if vkErr != nil {
		return nil, vkErr
	}
	title, vkErr := albumTitleParam(c)
	if vkErr != nil {
		return nil, vkErr
	}
	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	g := s.market.groupLocked(groupID)
	if len(g.albums) >= maxMarketAlbums {
		return nil, &vkError{code: vkErrTooManyAlbums, msg: vkMsgTooManyAlbums}
	}
	a := &marketAlbum{id: g.nextAlbumID, title: title, updated: c.now.Unix()}
	g.nextAlbumID++
	g.albums = append(g.albums, a)
	g.albumByID[a.id] = a
	return map[string]int64{"market_album_id": a.id}, nil
}

// vkMarketEditAlbum implements market.editAlbum, which sets the title.
func (s *Sandbox) vkMarketEditAlbum(c *vkCall) (any, *vkError) {
	groupID, vkErr := s.marketOwner(c)
	if vkErr != nil {
		return nil, vkErr
	}
	albumID, vkErr := positiveIDParam(c, "album_id")
	if vkErr != nil {
		return nil, vkErr
	}
	title, vkErr := albumTitleParam(c)
	if vkErr != nil {
		return nil, vkErr
	}
	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	a := s.market.groupLocked(groupID).albumByID[albumID]
	if a == nil {
		return nil, &vkError{code: vkErrAlbumNotFound, msg: vkMsgAlbumNotFound}
	}
	a.title, a.updated = title, c.now.Unix()
	return 1, nil
}

// vkMarketDeleteAlbum implements market.deleteAlbum. The album's items stay
// in the Market.
func (s *Sandbox) vkMarketDeleteAlbum(c *vkCall) (any, *vkError) {
	groupID, vkErr := s.marketOwner(c)
	if vkErr != nil {
		return nil, vkErr
	}
	albumID, vkErr := positiveIDParam(c, "album_id")
	if vkErr != nil {
		return nil, vkErr
	}
	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	g := s.market.groupLocked(groupID)
	a := g.albumByID[albumID]
	if a == nil {
		return nil, &vkError{code: vkErrAlbumNotFound, msg: vkMsgAlbumNotFound}
	}
	delete(g.albumByID, albumID)
	g.albums = slices.DeleteFunc(g.albums, func(x *marketAlbum) bool { return x == a })
	for _, item := range g.items {
		item.albumIDs = slices.DeleteFunc(item.albumIDs, func(id int64) bool { return id == albumID })
	}
	return 1, nil
}

// albumTargetsLocked returns the items and albums of an album change, or
// error 1403 or 1402 for an id that does not exist.
func albumTargetsLocked(g *marketGroup, itemIDs, albumIDs []int64) ([]*marketItem, []*marketAlbum, *vkError) {
	items := make([]*marketItem, 0, len(itemIDs))
	for _, id := range itemIDs {
		item := g.itemByID[id]
		if item == nil {
			return nil, nil, &vkError{code: vkErrItemNotFound, msg: vkMsgItemNotFound}
		}
		items = append(items, item)
	}
	albums := make([]*marketAlbum, 0, len(albumIDs))
	for _, id := range albumIDs {
		a := g.albumByID[id]
		if a == nil {
			return nil, nil, &vkError{code: vkErrAlbumNotFound, msg: vkMsgAlbumNotFound}
		}
		albums = append(albums, a)
	}
	return items, albums, nil
}

// vkMarketAddToAlbum implements market.addToAlbum with item_ids and
// album_ids. When one of the items already is in one of the albums, it
// returns error 1404 and changes nothing. VK's schema lists 1404 for this
// method, so a client that retries must treat it as done.
func (s *Sandbox) vkMarketAddToAlbum(c *vkCall) (any, *vkError) {
	groupID, vkErr := s.marketOwner(c)
	if vkErr != nil {
		return nil, vkErr
	}
	itemIDs, vkErr := idListParam(c, "item_ids")
	if vkErr != nil {
		return nil, vkErr
	}
	albumIDs, vkErr := idListParam(c, "album_ids")
	if vkErr != nil {
		return nil, vkErr
	}

	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	items, albums, vkErr := albumTargetsLocked(s.market.groupLocked(groupID), itemIDs, albumIDs)
	if vkErr != nil {
		return nil, vkErr
	}
	for _, item := range items {
		for _, a := range albums {
			if slices.Contains(item.albumIDs, a.id) {
				return nil, &vkError{code: vkErrAlreadyInAlbum, msg: vkMsgAlreadyInAlbum}
			}
		}
	}
	for _, item := range items {
		for _, a := range albums {
			if !slices.Contains(item.albumIDs, a.id) {
				item.albumIDs = append(item.albumIDs, a.id)
				a.count++
				a.updated = c.now.Unix()
			}
		}
	}
	return 1, nil
}

// vkMarketRemoveFromAlbum implements market.removeFromAlbum with item_id
// and album_ids. The sandbox also accepts a list in item_ids. Removing an
// item from an album that does not contain it does nothing.
func (s *Sandbox) vkMarketRemoveFromAlbum(c *vkCall) (any, *vkError) {
	groupID, vkErr := s.marketOwner(c)
	if vkErr != nil {
		return nil, vkErr
	}
	name := "item_id"
	if !c.params.Has(name) && c.params.Has("item_ids") {
		name = "item_ids"
	}
	itemIDs, vkErr := idListParam(c, name)
	if vkErr != nil {
		return nil, vkErr
	}
	albumIDs, vkErr := idListParam(c, "album_ids")
	if vkErr != nil {
		return nil, vkErr
	}

	s.marketMu.Lock()
	defer s.marketMu.Unlock()
	items, albums, vkErr := albumTargetsLocked(s.market.groupLocked(groupID), itemIDs, albumIDs)
	if vkErr != nil {
		return nil, vkErr
	}
	for _, item := range items {
		for _, a := range albums {
			if i := slices.Index(item.albumIDs, a.id); i >= 0 {
				item.albumIDs = slices.Delete(item.albumIDs, i, i+1)
				a.count--
				a.updated = c.now.Unix()
			}
		}
	}
	return 1, nil
}

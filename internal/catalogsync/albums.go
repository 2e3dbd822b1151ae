package catalogsync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/evosync/evosync/ent/syncalbum"
	"github.com/evosync/evosync/internal/vk"
)

// maxAlbumTitle is the maximum title length of market.addAlbum, in runes.
const maxAlbumTitle = 128

// albumCache maps the store's product groups to VK albums during a run.
// It holds one entry per group, never one per product.
type albumCache struct {
	ids map[string]int64 // Evotor group id → VK album id
	// unavailable marks groups whose album could not be made in this run.
	unavailable map[string]bool
	// existing are the community's albums, loaded when the first album is
	// needed, to adopt one with the right title instead of adding another.
	existing       []vk.Album
	existingLoaded bool
}

// load reads the albums EvoSync made for the user in the community.
func (c *albumCache) load(ctx context.Context, r *runner) error {
	rows, err := r.s.DB.SyncAlbum.Query().
		Where(syncalbum.UserID(r.run.UserID), syncalbum.VkGroupID(r.groupID())).
		All(ctx)
	if err != nil {
		return fmt.Errorf("load albums of user %d: %w", r.run.UserID, err)
	}
	c.ids = make(map[string]int64, len(rows))
	c.unavailable = map[string]bool{}
	for _, row := range rows {
		c.ids[row.EvotorGroupID] = row.VkAlbumID
	}
	return nil
}

// albumTitle is the album title for a product group name.
func albumTitle(name string) string {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "Без названия"
	}
	return truncateRunes(name, maxAlbumTitle)
}

// ensureAlbums makes sure every album the batch needs exists.
func (p *syncPass) ensureAlbums(ctx context.Context, batch []*itemOp) error {
	for _, op := range batch {
		group := op.albumGroup
		if group == "" || p.albums.ids[group] != 0 || p.albums.unavailable[group] {
			continue
		}
		if err := p.ensureAlbum(ctx, group); err != nil {
			return err
		}
	}
	return nil
}

// ensureAlbum maps a product group to an album: an existing album of the
// community with the group's title that no other group uses, or a new one.
// The mapping is recorded right after VK creates the album.
func (p *syncPass) ensureAlbum(ctx context.Context, group string) error {
	r := p.r
	title := albumTitle(p.groups.byID[group].Name)
	albumID, err := p.findAlbum(ctx, title)
	if err != nil {
		return err
	}
	if albumID == 0 {
		albumID, err = p.addAlbum(ctx, group, title)
		if err != nil || albumID == 0 {
			return err
		}
	}

	saveCtx, cancel := detach(ctx)
	defer cancel()
	err = r.s.DB.SyncAlbum.Create().
		SetUserID(r.run.UserID).
		SetVkGroupID(r.groupID()).
		SetEvotorGroupID(group).
		SetVkAlbumID(albumID).
		SetTitle(title).
		OnConflictColumns(syncalbum.FieldUserID, syncalbum.FieldVkGroupID, syncalbum.FieldEvotorGroupID).
		UpdateNewValues().
		Exec(saveCtx)
	if err != nil {
		return fmt.Errorf("record album %d of group %s: %w", albumID, group, err)
	}
	p.albums.ids[group] = albumID
	return nil
}

// findAlbum returns the id of a community album with the title that no
// group of this run maps to, or 0. Such an album is one an interrupted run
// created, or one the owner made by hand for the same group.
func (p *syncPass) findAlbum(ctx context.Context, title string) (int64, error) {
	r := p.r
	if !p.albums.existingLoaded {
		err := r.retry(ctx, "list market albums", func() error {
			var err error
			p.albums.existing, err = r.s.VK.MarketAlbums(ctx, r.vkToken, r.ownerID())
			return err
		})
		if err != nil {
			if stop := vkStop(err); stop != nil {
				return 0, stop
			}
			return 0, fromVK(err)
		}
		p.albums.existingLoaded = true
	}
	used := make(map[int64]bool, len(p.albums.ids))
	for _, id := range p.albums.ids {
		used[id] = true
	}
	for _, album := range p.albums.existing {
		if album.Title == title && !used[album.ID] {
			return album.ID, nil
		}
	}
	return 0, nil
}

// addAlbum creates an album. When VK rejects it because the community has
// too many albums, it returns 0 and the group's items are published
// without an album.
func (p *syncPass) addAlbum(ctx context.Context, group, title string) (int64, error) {
	r := p.r
	callCtx, cancel := detach(ctx)
	defer cancel()
	var albumID int64
	err := r.retry(ctx, "add market album", func() error {
		var err error
		albumID, err = r.s.VK.AddAlbum(callCtx, r.vkToken, r.ownerID(), title)
		return err
	})
	var apiErr *vk.APIError
	if errors.As(err, &apiErr) && apiErr.Code == vk.ErrMarketTooManyAlbum {
		r.log.Warn("VK rejected a new album: album limit reached", "evotor_group_id", group, "error", err)
		p.albums.unavailable[group] = true
		r.noteOnce("ВКонтакте не даёт создать больше подборок: часть товаров выгружена без подборки")
		return 0, nil
	}
	if err != nil {
		if stop := vkStop(err); stop != nil {
			return 0, stop
		}
		return 0, fromVK(err)
	}
	r.log.Info("market album created", "evotor_group_id", group, "vk_album_id", albumID)
	p.albums.existing = append(p.albums.existing, vk.Album{ID: albumID, Title: title})
	return albumID, nil
}

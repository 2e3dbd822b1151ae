package catalogsync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/syncalbum"
	"github.com/evosync/evosync/ent/syncitem"
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

// albumMove is the album change of one item.
type albumMove struct {
	op     *itemOp
	target string // the Evotor group whose album the item goes to, "" for none
	// addCall and removeCall are the indexes of the item's addToAlbum and
	// removeFromAlbum calls, -1 for none.
	addCall, removeCall int
}

// placeInAlbums moves written items into the album of their group, and out
// of the album of the group they left, then records each item's album.
// An item whose album cannot be made stays where it is.
func (p *syncPass) placeInAlbums(ctx context.Context, ops []*itemOp) error {
	r := p.r
	var calls []vk.ExecCall
	var moves []albumMove
	for _, op := range ops {
		target, current := op.albumGroup, op.currentAlbum()
		if target == current || op.row == nil {
			continue
		}
		targetID := p.albums.ids[target]
		if target != "" && targetID == 0 {
			continue
		}
		move := albumMove{op: op, target: target, addCall: -1, removeCall: -1}
		if currentID := p.albums.ids[current]; currentID != 0 {
			move.removeCall = len(calls)
			calls = append(calls, p.albumCall("market.removeFromAlbum", op.vkItemID, currentID))
		}
		if targetID != 0 {
			move.addCall = len(calls)
			calls = append(calls, p.albumCall("market.addToAlbum", op.vkItemID, targetID))
		}
		moves = append(moves, move)
	}
	if len(calls) == 0 {
		return nil
	}

	results := make([]vk.ExecResult, 0, len(calls))
	for start := 0; start < len(calls); start += r.s.batchSize() {
		end := min(start+r.s.batchSize(), len(calls))
		part, err := r.execute(ctx, "move items between albums", calls[start:end], true)
		if err != nil {
			return err
		}
		results = append(results, part...)
	}
	return p.recordAlbums(ctx, moves, results)
}

func (p *syncPass) albumCall(method string, itemID, albumID int64) vk.ExecCall {
	return vk.ExecCall{Method: method, Params: map[string]any{
		"owner_id":  p.r.ownerID(),
		"item_ids":  itemID,
		"album_ids": albumID,
	}}
}

// recordAlbums saves the album of every item VK put into it. Error 1404
// (already in the album) counts as success. Error 1402 means the owner
// deleted the album, so its mapping is dropped and the next run makes a
// new one.
func (p *syncPass) recordAlbums(ctx context.Context, moves []albumMove, results []vk.ExecResult) error {
	r := p.r
	saveCtx, cancel := detach(ctx)
	defer cancel()
	return withTx(saveCtx, r.s.DB, func(tx *ent.Tx) error {
		for _, move := range moves {
			op := move.op
			if move.removeCall >= 0 && results[move.removeCall].Err != nil {
				apiErr := results[move.removeCall].Err
				r.log.Warn("VK did not remove an item from its former album", "product_id", op.productID,
					"vk_item_id", op.vkItemID, "error_code", apiErr.Code, "error", apiErr.Message)
			}
			if move.addCall >= 0 {
				if apiErr := results[move.addCall].Err; apiErr != nil && apiErr.Code != vk.ErrMarketItemInAlbum {
					if err := p.albumRejected(saveCtx, tx, op, apiErr); err != nil {
						return err
					}
					continue
				}
			}
			err := tx.SyncItem.Update().
				Where(syncitem.ID(op.row.ID)).
				SetAlbumGroupID(move.target).
				Exec(saveCtx)
			if err != nil {
				return fmt.Errorf("record album of product %s: %w", op.productID, err)
			}
		}
		return nil
	})
}

// albumRejected records an item VK did not add to its album.
func (p *syncPass) albumRejected(ctx context.Context, tx *ent.Tx, op *itemOp, apiErr *vk.APIError) error {
	r := p.r
	r.log.Warn("VK did not add an item to its album", "product_id", op.productID, "vk_item_id", op.vkItemID,
		"evotor_group_id", op.albumGroup, "error_code", apiErr.Code, "error", apiErr.Message)
	if apiErr.Code != vk.ErrMarketAlbumMissing {
		r.recordFailure(op.productID, op.item.Name, "Товар выгружен, но не добавлен в подборку: "+lowerFirst(itemMessage(apiErr)))
		return nil
	}
	delete(p.albums.ids, op.albumGroup)
	p.albums.unavailable[op.albumGroup] = true
	_, err := tx.SyncAlbum.Delete().
		Where(
			syncalbum.UserID(r.run.UserID),
			syncalbum.VkGroupID(r.groupID()),
			syncalbum.EvotorGroupID(op.albumGroup),
		).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("drop mapping of deleted album of group %s: %w", op.albumGroup, err)
	}
	return nil
}

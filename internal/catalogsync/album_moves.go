package catalogsync

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/syncalbum"
	"github.com/evosync/evosync/ent/syncitem"
	"github.com/evosync/evosync/internal/vk"
)

// albumItemsPerCall is the maximum number of items one market.addToAlbum
// call adds.
// NOTE: the maximum length of item_ids that VK accepts is unverified. 25,
// the call limit of execute, is a guess, and the sandbox accepts any length.
const albumItemsPerCall = 25

// albumMove is the album change of one written item. It keeps only what
// the change needs, so that queued moves do not hold the items' pictures.
type albumMove struct {
	productID string
	name      string
	rowID     int
	itemID    int64
	from      string // the Evotor group whose album the item leaves, "" for none
	to        string // the Evotor group whose album the item goes to, "" for none
	// addCall and removeCall are the indexes of the item's addToAlbum and
	// removeFromAlbum calls in the request being built, -1 for none.
	addCall, removeCall int
	// shared is set when the item's addToAlbum call adds other items too.
	shared bool
}

// queueAlbumMoves queues the album changes of written items: into the
// album of their group, and out of the album of the group they left.
func (p *syncPass) queueAlbumMoves(ops []*itemOp) {
	for _, op := range ops {
		target, current := op.albumGroup, op.currentAlbum()
		if target == current || op.row == nil {
			continue
		}
		p.albumQueue = append(p.albumQueue, &albumMove{
			productID: op.productID, name: op.item.Name, rowID: op.row.ID, itemID: op.vkItemID,
			from: current, to: target,
		})
	}
}

// placeQueuedInAlbums sends the queued album changes once their calls fill
// an execute request, or all of them when force is set. Until then a
// written item is in no album yet. A run that stops before sending them
// leaves the items' rows without their album, so the next run moves them.
func (p *syncPass) placeQueuedInAlbums(ctx context.Context, force bool) error {
	if len(p.albumQueue) == 0 {
		return nil
	}
	if !force {
		calls, _ := p.albumCalls(p.albumQueue, albumItemsPerCall)
		if len(calls) < p.r.s.batchSize() {
			return nil
		}
	}
	moves := p.albumQueue
	p.albumQueue = nil
	return p.placeInAlbums(ctx, moves)
}

// placeInAlbums moves items between albums, then records each item's
// album. Items going to one album share addToAlbum calls. VK rejects such
// a call as a whole when one of its items is already in the album or is
// gone, so the items of a rejected shared call are sent again one per
// call. An album that is gone from VK is made again once per run and its
// items are sent again. An item whose album cannot be made stays where it
// is.
func (p *syncPass) placeInAlbums(ctx context.Context, moves []*albumMove) error {
	itemsPerCall := albumItemsPerCall
	for len(moves) > 0 {
		calls, sent := p.albumCalls(moves, itemsPerCall)
		if len(calls) == 0 {
			return nil
		}
		results, err := p.sendAlbumCalls(ctx, calls)
		if err != nil {
			return err
		}
		again, lost, err := p.recordAlbums(ctx, sent, results)
		if err != nil {
			return err
		}
		if err := p.remakeAlbums(ctx, lost); err != nil {
			return err
		}
		if len(again) > 0 {
			itemsPerCall = 1
		}
		moves = append(again, lost...)
	}
	return nil
}

// remakeAlbums makes the albums of the moves again, after VK reported
// that they are gone. A group whose album is gone a second time in one run
// gets none.
func (p *syncPass) remakeAlbums(ctx context.Context, lost []*albumMove) error {
	var groups []string
	for _, move := range lost {
		switch {
		case p.albums.remade[move.to]:
			p.albums.unavailable[move.to] = true
		case !slices.Contains(groups, move.to):
			groups = append(groups, move.to)
		}
	}
	if len(groups) == 0 {
		return nil
	}
	p.r.log.Warn("market albums are gone from VK, making them again", "albums", len(groups))
	for _, group := range groups {
		p.albums.remade[group] = true
	}
	// The community's albums changed since they were listed.
	p.albums.existingLoaded = false
	return p.makeAlbums(ctx, groups)
}

// albumCalls builds the calls of the moves whose target album is known
// and returns them with those moves. Each removal is a call of its own,
// and moves into one album share addToAlbum calls of up to itemsPerCall
// items.
func (p *syncPass) albumCalls(moves []*albumMove, itemsPerCall int) ([]vk.ExecCall, []*albumMove) {
	type albumCallSpec struct {
		method  string
		albumID int64
		itemIDs []int64
	}
	var specs []*albumCallSpec
	var sent []*albumMove
	// openAdd is the index of each album's last addToAlbum call.
	openAdd := map[int64]int{}
	for _, move := range moves {
		targetID := p.albums.ids[move.to]
		if move.to != "" && targetID == 0 {
			continue
		}
		move.addCall, move.removeCall = -1, -1
		if currentID := p.albums.ids[move.from]; currentID != 0 {
			move.removeCall = len(specs)
			specs = append(specs, &albumCallSpec{method: "market.removeFromAlbum", albumID: currentID, itemIDs: []int64{move.itemID}})
		}
		if targetID != 0 {
			i, ok := openAdd[targetID]
			if !ok || len(specs[i].itemIDs) >= itemsPerCall {
				i = len(specs)
				openAdd[targetID] = i
				specs = append(specs, &albumCallSpec{method: "market.addToAlbum", albumID: targetID})
			}
			specs[i].itemIDs = append(specs[i].itemIDs, move.itemID)
			move.addCall = i
		}
		sent = append(sent, move)
	}

	calls := make([]vk.ExecCall, len(specs))
	for i, spec := range specs {
		calls[i] = p.albumCall(spec.method, spec.itemIDs, spec.albumID)
	}
	for _, move := range sent {
		move.shared = move.addCall >= 0 && len(specs[move.addCall].itemIDs) > 1
	}
	return calls, sent
}

func (p *syncPass) albumCall(method string, itemIDs []int64, albumID int64) vk.ExecCall {
	ids := make([]string, len(itemIDs))
	for i, id := range itemIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return vk.ExecCall{Method: method, Params: map[string]any{
		"owner_id":  p.r.ownerID(),
		"item_ids":  strings.Join(ids, ","),
		"album_ids": albumID,
	}}
}

// sendAlbumCalls sends the calls in execute requests of up to one batch.
func (p *syncPass) sendAlbumCalls(ctx context.Context, calls []vk.ExecCall) ([]vk.ExecResult, error) {
	r := p.r
	results := make([]vk.ExecResult, 0, len(calls))
	for start := 0; start < len(calls); start += r.s.batchSize() {
		end := min(start+r.s.batchSize(), len(calls))
		part, err := r.execute(ctx, "move items between albums", calls[start:end], true)
		if err != nil {
			return nil, err
		}
		results = append(results, part...)
	}
	return results, nil
}

// recordAlbums saves the album of every item VK put into it. It returns
// the moves whose shared addToAlbum call VK rejected, to be sent again one
// item per call, and the moves whose album is gone (error 1402, the owner
// deleted it), whose mapping it drops. Error 1404 (already in the album) of
// an item's own call counts as success.
func (p *syncPass) recordAlbums(ctx context.Context, moves []*albumMove,
	results []vk.ExecResult) (again, lost []*albumMove, err error) {
	r := p.r
	saveCtx, cancel := detach(ctx)
	defer cancel()
	err = withTx(saveCtx, r.s.DB, func(tx *ent.Tx) error {
		for _, move := range moves {
			if move.removeCall >= 0 && results[move.removeCall].Err != nil {
				apiErr := results[move.removeCall].Err
				r.log.Warn("VK did not remove an item from its former album", "product_id", move.productID,
					"vk_item_id", move.itemID, "error_code", apiErr.Code, "error", apiErr.Message)
			}
			if move.addCall >= 0 {
				apiErr := results[move.addCall].Err
				switch {
				case apiErr == nil:
				case apiErr.Code == vk.ErrMarketAlbumMissing:
					if err := p.albumGone(saveCtx, tx, move); err != nil {
						return err
					}
					move.from = ""
					lost = append(lost, move)
					continue
				case move.shared:
					// The removal is done or logged, so the next attempt
					// only adds.
					move.from = ""
					again = append(again, move)
					continue
				case apiErr.Code == vk.ErrMarketItemInAlbum:
				default:
					if err := p.albumRejected(saveCtx, tx, move, apiErr); err != nil {
						return err
					}
					continue
				}
			}
			err := tx.SyncItem.Update().
				Where(syncitem.ID(move.rowID)).
				SetAlbumGroupID(move.to).
				Exec(saveCtx)
			if err != nil {
				return fmt.Errorf("record album of product %s: %w", move.productID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(again) > 0 {
		r.log.Info("VK rejected a shared addToAlbum call, adding its items one by one", "items", len(again))
	}
	return again, lost, nil
}

// albumRejected records an item VK did not add to its album.
func (p *syncPass) albumRejected(ctx context.Context, tx *ent.Tx, move *albumMove, apiErr *vk.APIError) error {
	r := p.r
	r.log.Warn("VK did not add an item to its album", "product_id", move.productID, "vk_item_id", move.itemID,
		"evotor_group_id", move.to, "error_code", apiErr.Code, "error", apiErr.Message)
	r.recordFailure(move.productID, move.name, "Товар выгружен, но не добавлен в подборку: "+lowerFirst(itemMessage(apiErr)))
	return nil
}

// albumGone drops the mapping of a group whose album VK no longer has.
func (p *syncPass) albumGone(ctx context.Context, tx *ent.Tx, move *albumMove) error {
	r := p.r
	if _, known := p.albums.ids[move.to]; !known {
		return nil
	}
	r.log.Debug("VK album of a group is gone", "evotor_group_id", move.to)
	delete(p.albums.ids, move.to)
	_, err := tx.SyncAlbum.Delete().
		Where(
			syncalbum.UserID(r.run.UserID),
			syncalbum.VkGroupID(r.groupID()),
			syncalbum.EvotorGroupID(move.to),
		).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("drop mapping of deleted album of group %s: %w", move.to, err)
	}
	return nil
}

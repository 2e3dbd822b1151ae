package catalogsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/syncitem"
	"github.com/evosync/evosync/internal/catalog"
	"github.com/evosync/evosync/internal/vk"
)

// flush sends the first batch of queued operations: it uploads missing
// photos and creates missing albums, for the batch and the operations
// queued after it (see attachPhotos and ensureAlbums), writes the items with one execute
// request and records them at once. Then it queues the items' album
// changes, which go out once they fill an execute request, and saves the
// run's progress. Operations VK rejected with a retryable error go back to
// the front of the queue.
//
// What remains of the crash window: a process killed while the execute
// request is in flight, or between its response and the database commit,
// leaves items in VK that no SyncItem row maps. The next run finds them in
// market.get and adopts them (see orphanIndex) instead of creating them a
// second time.
func (p *syncPass) flush(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.attachPhotos(ctx); err != nil {
		return err
	}
	if err := p.ensureAlbums(ctx); err != nil {
		return err
	}
	n := min(len(p.pending), p.r.s.batchSize())
	if n == 0 {
		return nil
	}
	batch := append([]*itemOp(nil), p.pending[:n]...)
	p.pending = p.pending[n:]

	if err := p.resolveAdoptions(ctx, batch); err != nil {
		return err
	}
	done, again, err := p.write(ctx, batch)
	if err != nil {
		return err
	}
	p.queueAlbumMoves(done)
	if err := p.placeQueuedInAlbums(ctx, false); err != nil {
		return err
	}
	if err := p.r.saveProgress(ctx); err != nil {
		return err
	}
	if len(again) == 0 {
		return nil
	}
	p.pending = append(again, p.pending...)
	attempts := 0
	for _, op := range again {
		attempts = max(attempts, op.attempts)
	}
	if attempts == 0 {
		// Only operations whose picture is uploaded again: nothing to wait for.
		return nil
	}
	return sleep(ctx, p.r.backoff(attempts))
}

// backoff is the wait before the attempt-th retry of rejected writes.
func (r *runner) backoff(attempt int) time.Duration {
	delay := r.s.retryDelay()
	for i := 1; i < attempt && delay < maxRetryDelay; i++ {
		delay *= 2
	}
	return min(delay, maxRetryDelay)
}

// write sends the batch's market.add and market.edit calls in one execute
// request and records the results at once. It returns the operations
// whose item is in VK now, for the album step, and those to send again.
func (p *syncPass) write(ctx context.Context, batch []*itemOp) (done, again []*itemOp, err error) {
	var writes []*itemOp
	for _, op := range batch {
		if op.writes() {
			writes = append(writes, op)
		} else {
			done = append(done, op)
		}
	}
	if len(writes) == 0 {
		return done, nil, nil
	}

	results, err := p.sendWrites(ctx, writes)
	if err != nil {
		return nil, nil, err
	}
	// The results are recorded even when ctx ends now: VK has applied them.
	saveCtx, cancel := detach(ctx)
	defer cancel()

	var saved, mapOnly, deletedInVK []*itemOp
	for i, op := range writes {
		res := results[i]
		if res.Err == nil {
			if err := op.takeItemID(res.Response); err != nil {
				p.r.log.Error("market.add response has no item id", "product_id", op.productID, "error", err)
				p.r.counts.processed++
				p.r.recordFailure(op.productID, op.item.Name, "ВКонтакте не вернул номер товара: повторим при следующей синхронизации")
				continue
			}
			saved = append(saved, op)
			continue
		}
		switch p.classifyWriteError(op, res.Err) {
		case outcomeRetry:
			again = append(again, op)
		case outcomeGone:
			deletedInVK = append(deletedInVK, op)
			again = append(again, op)
		case outcomeFailedMapped:
			mapOnly = append(mapOnly, op)
		case outcomePhotoGone:
			again = append(again, op)
		}
	}

	if err := p.saveRows(saveCtx, saved, mapOnly, deletedInVK); err != nil {
		return nil, nil, err
	}
	if err := p.dropForgottenPhotos(saveCtx); err != nil {
		return nil, nil, err
	}
	for _, op := range saved {
		p.r.counts.processed++
		p.count(op.action)
	}
	return append(done, saved...), again, nil
}

// count adds a written product to the counter of its action.
func (p *syncPass) count(action catalog.Action) {
	switch action {
	case catalog.ActionCreate:
		p.r.counts.created++
	case catalog.ActionHide:
		p.r.counts.hidden++
	default:
		p.r.counts.updated++
	}
}

// sendWrites sends the writes in one execute request. On a retryable
// failure that VK may have applied anyway (error 10, a timeout, a broken
// response) the items to create are matched against VK again before the
// next attempt, so that a retry adopts what the failed attempt created.
func (p *syncPass) sendWrites(ctx context.Context, writes []*itemOp) ([]vk.ExecResult, error) {
	r := p.r
	callCtx, cancel := detach(ctx)
	defer cancel()
	delay := r.s.retryDelay()
	for attempt := 1; ; attempt++ {
		calls := make([]vk.ExecCall, len(writes))
		for i, op := range writes {
			calls[i] = p.writeCall(op)
		}
		results, err := r.s.VK.Execute(callCtx, r.vkToken, calls)
		if err == nil {
			return results, nil
		}
		if stop := vkStop(err); stop != nil {
			return nil, stop
		}
		if !retryable(err) || attempt >= maxAttempts {
			return nil, fromVK(err)
		}
		r.log.Warn("market writes failed, retrying",
			"attempt", attempt, "delay", delay, "calls", len(calls), "error", err)
		if err := sleep(ctx, delay); err != nil {
			return nil, err
		}
		delay = min(2*delay, maxRetryDelay)
		if mayHaveApplied(err) {
			p.orphans.invalidate()
			if err := p.resolveAdoptions(ctx, writes); err != nil {
				return nil, err
			}
		}
	}
}

// mayHaveApplied reports whether VK may have run the calls of a request
// that failed: only errors 6 and 9 are known to reject a request before
// running it.
func mayHaveApplied(err error) bool {
	var apiErr *vk.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code != vk.ErrTooManyPerSecond && apiErr.Code != vk.ErrFloodControl
	}
	return true
}

// writeCall builds the market.add or market.edit call of an operation.
func (p *syncPass) writeCall(op *itemOp) vk.ExecCall {
	deleted := 0
	if op.item.Hidden {
		deleted = 1
	}
	params := map[string]any{
		"owner_id":      p.r.ownerID(),
		"name":          op.item.Name,
		"description":   op.item.Description,
		"category_id":   p.categoryID,
		"price":         json.Number(op.item.Price.Rubles()),
		"main_photo_id": op.photoID,
		"deleted":       deleted,
		"sku":           op.item.SKU,
	}
	if op.kind == opCreate {
		return vk.ExecCall{Method: "market.add", Params: params}
	}
	params["item_id"] = op.vkItemID
	return vk.ExecCall{Method: "market.edit", Params: params}
}

// takeItemID reads the new item's id from a market.add response. Edits
// keep the id they sent.
func (op *itemOp) takeItemID(response json.RawMessage) error {
	if op.kind != opCreate {
		return nil
	}
	var answer struct {
		MarketItemID vk.Int `json:"market_item_id"`
	}
	var bare vk.Int
	if json.Unmarshal(response, &answer) != nil || answer.MarketItemID <= 0 {
		if json.Unmarshal(response, &bare) != nil || bare <= 0 {
			return fmt.Errorf("unexpected market.add response %.200s", response)
		}
		answer.MarketItemID = bare
	}
	op.vkItemID = int64(answer.MarketItemID)
	return nil
}

// writeOutcome is the next step for an operation VK rejected.
type writeOutcome int

const (
	// outcomeFailed records the product as failed.
	outcomeFailed writeOutcome = iota
	// outcomeFailedMapped records the product as failed but maps the
	// adopted item, so the next run edits it instead of adopting again.
	outcomeFailedMapped
	// outcomeRetry sends the operation again.
	outcomeRetry
	// outcomeGone drops the mapping of an item deleted in VK and creates
	// the item again.
	outcomeGone
	// outcomePhotoGone uploads the picture again and sends the operation
	// again, after VK rejected a photo that an earlier run uploaded.
	outcomePhotoGone
)

// classifyWriteError decides what to do with a rejected write, records
// failures and prepares retried operations.
func (p *syncPass) classifyWriteError(op *itemOp, apiErr *vk.APIError) writeOutcome {
	r := p.r
	log := r.log.With("product_id", op.productID, "vk_item_id", op.vkItemID,
		"error_code", apiErr.Code, "error", apiErr.Message)
	switch {
	case apiErr.Code == vk.ErrMarketItemMissing && op.kind != opCreate:
		log.Info("VK item was deleted in VK, creating it again")
		if op.kind == opAdopt {
			op.noAdopt = true
		}
		op.kind, op.vkItemID = opCreate, 0
		op.action = catalog.ActionCreate
		return outcomeGone
	case apiErr.Code == vk.ErrInvalidParam && op.photoReused && !op.photoRefreshed:
		// VK has no error code for a photo it no longer has, and returns 100 for
		// an unknown main_photo_id. A photo uploaded by an earlier run may be
		// gone, so the picture is uploaded once more before the item fails.
		if p.photoGoneLogged {
			log.Debug("VK rejected an item with a photo of an earlier run, uploading the picture again")
		} else {
			log.Warn("VK rejected an item with a photo of an earlier run, uploading the picture again " +
				"(the next such items are logged at debug level)")
			p.photoGoneLogged = true
		}
		p.forgetPhoto(op.pic.key)
		op.photoID, op.photoReused, op.photoRefreshed = 0, false, true
		return outcomePhotoGone
	case retryable(apiErr) && op.attempts+1 < maxAttempts:
		op.attempts++
		if op.kind == opCreate && mayHaveApplied(apiErr) {
			p.orphans.invalidate()
		}
		log.Warn("VK rejected an item with a temporary error, retrying", "attempt", op.attempts)
		return outcomeRetry
	}
	log.Warn("VK rejected an item")
	r.counts.processed++
	hash := ""
	if rejectsContent(apiErr) {
		hash = op.hash
	}
	r.recordRejection(op.productID, op.item.Name, itemMessage(apiErr), hash)
	if op.kind == opAdopt {
		return outcomeFailedMapped
	}
	return outcomeFailed
}

// saveRows records the results of one execute request in one
// transaction. It writes the mappings of written items and of adopted
// items whose edit VK rejected, the latter with an empty hash so that the
// next run edits them. It deletes the mappings whose item is gone from VK.
func (p *syncPass) saveRows(ctx context.Context, saved, mapOnly, deletedInVK []*itemOp) error {
	if len(saved)+len(mapOnly)+len(deletedInVK) == 0 {
		return nil
	}
	return withTx(ctx, p.r.s.DB, func(tx *ent.Tx) error {
		for _, op := range deletedInVK {
			if op.row == nil {
				continue
			}
			if err := tx.SyncItem.DeleteOneID(op.row.ID).Exec(ctx); err != nil && !ent.IsNotFound(err) {
				return fmt.Errorf("delete mapping of product %s: %w", op.productID, err)
			}
			op.row = nil
		}
		for _, op := range saved {
			if err := p.saveRow(ctx, tx, op, op.hash); err != nil {
				return err
			}
		}
		for _, op := range mapOnly {
			if err := p.saveRow(ctx, tx, op, ""); err != nil {
				return err
			}
		}
		return nil
	})
}

// saveRow writes the mapping of one product. New mappings start without an
// album; recordAlbums records the album once the item is in it.
func (p *syncPass) saveRow(ctx context.Context, tx *ent.Tx, op *itemOp, hash string) error {
	r := p.r
	if op.kind == opEdit {
		err := tx.SyncItem.UpdateOneID(op.row.ID).
			SetContentHash(hash).
			SetPhotoHash(op.pic.key).
			SetHidden(op.item.Hidden).
			SetName(op.item.Name).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("update mapping of product %s: %w", op.productID, err)
		}
		return nil
	}
	id, err := tx.SyncItem.Create().
		SetUserID(r.run.UserID).
		SetVkGroupID(r.groupID()).
		SetEvotorProductID(op.productID).
		SetVkItemID(op.vkItemID).
		SetContentHash(hash).
		SetPhotoHash(op.pic.key).
		SetHidden(op.item.Hidden).
		SetName(op.item.Name).
		SetAlbumGroupID("").
		OnConflictColumns(syncitem.FieldUserID, syncitem.FieldVkGroupID, syncitem.FieldEvotorProductID).
		UpdateNewValues().
		ID(ctx)
	if err != nil {
		return fmt.Errorf("create mapping of product %s: %w", op.productID, err)
	}
	op.row = &ent.SyncItem{ID: id, VkItemID: op.vkItemID}
	return nil
}

// withTx runs fn in a transaction. Nothing else may use the database
// while fn runs, because SQLite has a single connection.
func withTx(ctx context.Context, db *ent.Client, fn func(tx *ent.Tx) error) error {
	tx, err := db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// rejectsContent reports whether VK rejected an item for what it contains,
// so the same content would fail again: an invalid parameter, links in
// the description, or a photo VK cannot use.
func rejectsContent(err *vk.APIError) bool {
	switch err.Code {
	case 100, vk.ErrMarketBadLinks, vk.ErrMarketCropFormat, vk.ErrMarketCropOverflow, vk.ErrMarketCropTooSmall:
		return true
	}
	return false
}

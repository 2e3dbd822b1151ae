package catalogsync

import (
	"context"
	"fmt"
	"time"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/predicate"
	"github.com/evosync/evosync/ent/syncitem"
	"github.com/evosync/evosync/internal/vk"
)

// cleanup deletes from VK every item EvoSync created in the community and
// drops their mappings. Items EvoSync did not create have no SyncItem row
// and are never touched. Albums and uploaded photos are kept.
func (r *runner) cleanup(ctx context.Context) error {
	if err := r.prepare(ctx, false); err != nil {
		return err
	}
	r.log.Info("catalog cleanup started", "vk_group_id", r.groupID())
	return r.removeItems(ctx)
}

// sweep removes the VK items of products a full pass did not read: rows
// whose updated_at is still before mark. When the pass read no product at
// all it removes nothing, because an empty catalog more likely means a
// wrong store or group choice than a shop that sold out of everything.
func (p *syncPass) sweep(ctx context.Context, mark time.Time) error {
	r := p.r
	if p.seen == 0 {
		n, err := r.s.DB.SyncItem.Query().Where(r.itemsOfCommunity()...).Count(ctx)
		if err != nil {
			return fmt.Errorf("count sync items: %w", err)
		}
		if n > 0 {
			r.log.Warn("Evotor listed no products, removal skipped", "mapped_items", n)
			r.noteOnce("Эвотор не вернул ни одного товара из выбранных групп, поэтому товары во ВКонтакте не удалялись")
		}
		return nil
	}
	return r.removeItems(ctx, syncitem.UpdatedAtLT(mark))
}

// itemsOfCommunity selects the user's SyncItem rows of the community.
func (r *runner) itemsOfCommunity() []predicate.SyncItem {
	return []predicate.SyncItem{syncitem.UserID(r.run.UserID), syncitem.VkGroupID(r.groupID())}
}

// removeItems deletes the VK items of the selected rows of the community
// with market.delete, one batch per execute request, and deletes each
// batch's rows right after the request returns.
func (r *runner) removeItems(ctx context.Context, filter ...predicate.SyncItem) error {
	where := append(r.itemsOfCommunity(), filter...)
	n, err := r.s.DB.SyncItem.Query().Where(where...).Count(ctx)
	if err != nil {
		return fmt.Errorf("count sync items to remove: %w", err)
	}
	if n == 0 {
		return nil
	}
	r.counts.total += n
	if err := r.saveProgress(ctx); err != nil {
		return err
	}

	lastID := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rows, err := r.s.DB.SyncItem.Query().
			Where(append(where, syncitem.IDGT(lastID))...).
			Order(ent.Asc(syncitem.FieldID)).
			Limit(r.s.batchSize()).
			All(ctx)
		if err != nil {
			return fmt.Errorf("load sync items to remove: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		lastID = rows[len(rows)-1].ID
		if err := r.deleteBatch(ctx, rows); err != nil {
			return err
		}
		if err := r.saveProgress(ctx); err != nil {
			return err
		}
	}
}

// deleteBatch deletes one batch of items from VK and the rows of those VK
// no longer has. Error 1403 (item not found) means the owner deleted the
// item already.
func (r *runner) deleteBatch(ctx context.Context, rows []*ent.SyncItem) error {
	calls := make([]vk.ExecCall, len(rows))
	for i, row := range rows {
		calls[i] = vk.ExecCall{Method: "market.delete", Params: map[string]any{
			"owner_id": r.ownerID(),
			"item_id":  row.VkItemID,
		}}
	}
	results, err := r.execute(ctx, "delete market items", calls, true)
	if err != nil {
		return err
	}

	var removed []int
	for i, res := range results {
		row := rows[i]
		r.counts.processed++
		if res.Err != nil && res.Err.Code != vk.ErrMarketItemMissing {
			r.log.Warn("VK rejected the deletion of an item", "product_id", row.EvotorProductID, "vk_item_id", row.VkItemID,
				"error_code", res.Err.Code, "error", res.Err.Message)
			r.recordFailure(row.EvotorProductID, row.Name, "Не удалось удалить товар из ВКонтакте: "+lowerFirst(itemMessage(res.Err)))
			continue
		}
		removed = append(removed, row.ID)
		r.counts.removed++
	}
	if len(removed) == 0 {
		return nil
	}
	saveCtx, cancel := detach(ctx)
	defer cancel()
	if _, err := r.s.DB.SyncItem.Delete().Where(syncitem.IDIn(removed...)).Exec(saveCtx); err != nil {
		return fmt.Errorf("delete %d mappings: %w", len(removed), err)
	}
	return nil
}

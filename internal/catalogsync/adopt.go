package catalogsync

import (
	"context"
	"fmt"
	"time"

	"github.com/evosync/evosync/ent/syncitem"
	"github.com/evosync/evosync/ent/syncrun"
	"github.com/evosync/evosync/internal/vk"
)

// adoptMargin widens the adoption window for clock skew between EvoSync
// and VK.
const adoptMargin = 10 * time.Minute

// orphanIndex holds the community's VK items that no SyncItem row maps
// and that were created since the user's last successful run began: the
// items an interrupted run may have created without recording them. A
// product about to be created adopts such an item when it has the same
// SKU, or the same name when neither has an SKU.
//
// A run reads the community's items only when an interrupted attempt may
// have left such items (see startOrphans) or after a write of its own that
// may have created items without returning their ids.
//
// NOTE: an item the owner added by hand in that window, with the SKU or
// name of an Evotor product, is adopted too when the run reads the items.
// EvoSync edits it from then on, and a cleanup run deletes it.
type orphanIndex struct {
	built  bool
	bySKU  map[string][]vk.Item
	byName map[string][]vk.Item
}

// invalidate makes the next lookup read VK again, after a write that may
// have created items without returning their ids.
func (x *orphanIndex) invalidate() { x.built = false }

// take removes and returns an orphan matching the SKU, or the name when
// sku is empty.
func (x *orphanIndex) take(sku, name string) (vk.Item, bool) {
	index, key := x.bySKU, sku
	if sku == "" {
		index, key = x.byName, name
	}
	candidates := index[key]
	if len(candidates) == 0 {
		return vk.Item{}, false
	}
	item := candidates[0]
	index[key] = candidates[1:]
	return item, true
}

// startOrphans marks the orphan index as built and empty when no earlier
// attempt can have left unrecorded items: this is the first attempt of the
// run, and no other sync run of the user started since the last
// successful one. A later invalidate still makes the pass read VK.
func (p *syncPass) startOrphans(ctx context.Context) error {
	r := p.r
	if r.resumed {
		return nil
	}
	lastID := 0
	last, err := r.lastSuccess(ctx)
	if err != nil {
		return err
	}
	if last != nil {
		lastID = last.ID
	}
	others, err := r.s.DB.SyncRun.Query().
		Where(
			syncrun.UserID(r.run.UserID),
			syncrun.KindEQ(syncrun.KindSync),
			syncrun.IDGT(lastID),
			syncrun.IDNEQ(r.run.ID),
			syncrun.StartedAtNotNil(),
		).
		Exist(ctx)
	if err != nil {
		return fmt.Errorf("check for unfinished runs of user %d: %w", r.run.UserID, err)
	}
	if !others {
		p.orphans = orphanIndex{built: true, bySKU: map[string][]vk.Item{}, byName: map[string][]vk.Item{}}
	}
	return nil
}

// resolveAdoptions turns the batch's creations that match an orphan into
// adoptions. It reads the community's items only when the batch creates
// something and the index is not built.
func (p *syncPass) resolveAdoptions(ctx context.Context, batch []*itemOp) error {
	var creates []*itemOp
	for _, op := range batch {
		if op.kind == opCreate && !op.noAdopt {
			creates = append(creates, op)
		}
	}
	if len(creates) == 0 {
		return nil
	}
	if !p.orphans.built {
		if err := p.buildOrphans(ctx); err != nil {
			return err
		}
	}
	for _, op := range creates {
		item, ok := p.orphans.take(op.item.SKU, op.item.Name)
		if !ok {
			continue
		}
		p.r.log.Info("adopting a VK item created by an interrupted run", "product_id", op.productID, "vk_item_id", item.ID)
		op.kind, op.vkItemID = opAdopt, item.ID
	}
	return nil
}

// buildOrphans reads the community's items page by page and keeps the
// unmapped ones created inside the adoption window.
func (p *syncPass) buildOrphans(ctx context.Context) error {
	r := p.r
	since, err := p.adoptSince(ctx)
	if err != nil {
		return err
	}
	p.orphans = orphanIndex{bySKU: map[string][]vk.Item{}, byName: map[string][]vk.Item{}}
	page := make([]vk.Item, 0, vk.MarketPageSize)
	keep := func() error {
		err := p.keepOrphans(ctx, page, since)
		page = page[:0]
		return err
	}
	err = r.retry(ctx, "list market items", func() error {
		p.orphans.bySKU, p.orphans.byName = map[string][]vk.Item{}, map[string][]vk.Item{}
		page = page[:0]
		return r.s.VK.MarketItems(ctx, r.vkToken, r.ownerID(), func(item vk.Item) error {
			page = append(page, item)
			if len(page) < vk.MarketPageSize {
				return nil
			}
			return keep()
		})
	})
	if err == nil {
		err = keep()
	}
	if err != nil {
		if stop := vkStop(err); stop != nil {
			return stop
		}
		return fromVK(err)
	}
	p.orphans.built = true
	return nil
}

// keepOrphans adds the items of one page that no SyncItem row of the
// community maps, for any user, and that VK created after since. An item
// without a creation date is kept.
func (p *syncPass) keepOrphans(ctx context.Context, items []vk.Item, since time.Time) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]int64, len(items))
	for i, item := range items {
		ids[i] = item.ID
	}
	mapped, err := p.r.s.DB.SyncItem.Query().
		Where(syncitem.VkGroupID(p.r.groupID()), syncitem.VkItemIDIn(ids...)).
		All(ctx)
	if err != nil {
		return fmt.Errorf("check mappings of %d VK items: %w", len(ids), err)
	}
	isMapped := make(map[int64]bool, len(mapped))
	for _, row := range mapped {
		isMapped[row.VkItemID] = true
	}
	for _, item := range items {
		if isMapped[item.ID] || (!item.Created.IsZero() && item.Created.Before(since)) {
			continue
		}
		if item.SKU != "" {
			p.orphans.bySKU[item.SKU] = append(p.orphans.bySKU[item.SKU], item)
		} else {
			p.orphans.byName[item.Name] = append(p.orphans.byName[item.Name], item)
		}
	}
	return nil
}

// adoptSince is the start of the adoption window: the start of the
// earliest sync run of the user after the last successful one, which is
// this run when the one before it succeeded.
func (p *syncPass) adoptSince(ctx context.Context) (time.Time, error) {
	r := p.r
	lastID := 0
	last, err := r.lastSuccess(ctx)
	if err != nil {
		return time.Time{}, err
	}
	if last != nil {
		lastID = last.ID
	}
	first, err := r.s.DB.SyncRun.Query().
		Where(
			syncrun.UserID(r.run.UserID),
			syncrun.KindEQ(syncrun.KindSync),
			syncrun.IDGT(lastID),
			syncrun.StartedAtNotNil(),
		).
		Order(syncrun.ByStartedAt()).
		First(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("load first unfinished run of user %d: %w", r.run.UserID, err)
	}
	return first.StartedAt.Add(-adoptMargin), nil
}

package catalogsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/ent/syncitem"
	"github.com/evosync/evosync/ent/syncrun"
	"github.com/evosync/evosync/internal/catalog"
	"github.com/evosync/evosync/internal/evotor"
)

const (
	// chunkSize is how many products are read from Evotor before their
	// SyncItem rows are looked up with one query.
	chunkSize = 100
	// sinceMargin moves the start of an incremental run's window back from
	// the last successful run's start, to cover clock skew with Evotor and
	// products saved while that run was reading the catalog.
	sinceMargin = 10 * time.Minute
)

// syncPass is the state of one sync run's walk over the catalog.
type syncPass struct {
	r          *runner
	groups     groupIndex
	categoryID int
	// full is true when the pass reads the whole catalog, which is the only
	// case in which products missing from it are removed from VK.
	full bool
	// seen counts the products of the selected groups the pass has read.
	seen int

	// pending are the operations not written yet, in catalog order.
	pending []*itemOp
	// round is the photo round in flight, nil for none.
	round *photoRound
	// draining is set once the catalog has been read, so that the queue is
	// sent without waiting for full rounds.
	draining bool
	albums   albumCache
	// present are the ids of the community's items when findVanished read
	// them, nil otherwise.
	present map[int64]bool
	// hiddenListed is set when present covers hidden items too.
	hiddenListed bool
	// forgotten are the picture keys whose reused photo VK rejected, until
	// their SyncPhoto rows are deleted.
	forgotten []string
	// photoGoneLogged is set once a rejected reused photo was logged at
	// warning level.
	photoGoneLogged bool
	// albumQueue are the album changes of written items not sent yet.
	albumQueue []*albumMove
	orphans    orphanIndex
}

// prepare loads the settings and opens the tokens a run needs. A missing
// or offline connection and incomplete settings skip the run.
func (r *runner) prepare(ctx context.Context, needCatalog bool) error {
	settings, err := r.s.settings(ctx, r.run.UserID)
	if err != nil {
		return err
	}
	r.settings = settings
	if err := r.loadRejected(ctx); err != nil {
		return err
	}

	var connErr *ConnectionError
	r.vkToken, err = r.s.token(ctx, r.run.UserID, connection.ProviderVk, true)
	if errors.As(err, &connErr) {
		return skip(connErr.Message, err)
	}
	if err != nil {
		return err
	}
	if needCatalog {
		r.evotorToken, err = r.s.token(ctx, r.run.UserID, connection.ProviderEvotor, true)
		if errors.As(err, &connErr) {
			return skip(connErr.Message, err)
		}
		if err != nil {
			return err
		}
	}

	var settingsErr *SettingsError
	if err := checkSettings(settings, needCatalog); errors.As(err, &settingsErr) {
		return skip(settingsErr.Message, err)
	}
	return nil
}

// sync publishes the catalog: it counts the products to process, writes
// new and changed ones page by page, and on a full pass removes the VK
// items of products that are gone.
func (r *runner) sync(ctx context.Context) error {
	if err := r.prepare(ctx, true); err != nil {
		return err
	}
	since, err := r.window(ctx)
	if err != nil {
		return err
	}
	groups, err := r.loadGroups(ctx)
	if err != nil {
		return err
	}
	pass := &syncPass{r: r, groups: groups, categoryID: r.settings.VkCategoryID, full: since.IsZero()}
	r.incremental = !pass.full
	if err := pass.albums.load(ctx, r); err != nil {
		return err
	}
	if err := pass.startOrphans(ctx); err != nil {
		return err
	}
	if pass.full {
		if err := pass.findVanished(ctx); err != nil {
			return err
		}
	}
	r.log.Info("catalog sync pass started", "full", pass.full, "since", since,
		"store_id", r.settings.EvotorStoreID, "vk_group_id", r.groupID())

	countCtx, stopCount := context.WithCancel(ctx)
	defer stopCount()
	r.countInBackground(countCtx, since, groups)

	// Rows of products read in this pass get an updated_at after mark, so
	// the rows left before mark belong to products that are gone. The wall
	// clock is used because ent sets updated_at from it.
	mark := time.Now()
	defer pass.waitRound()
	if err := pass.walk(ctx, since); err != nil {
		return err
	}
	pass.draining = true
	for len(pass.pending) > 0 {
		if err := pass.flush(ctx); err != nil {
			return err
		}
	}
	if err := pass.placeQueuedInAlbums(ctx, true); err != nil {
		return err
	}
	if pass.full {
		return pass.sweep(ctx, mark)
	}
	return nil
}

// window returns the start of an incremental run's window, or the zero
// time for a full run. Manual runs are full. A scheduled run is
// incremental when the last successful sync started on the same UTC day
// and the settings have not changed since, so every day's first
// successful scheduled run is full and removes products deleted in
// Evotor.
//
// NOTE: Evotor does not document whether a stock change moves a product's
// updated_at. If it does not, an item that ran out of stock is hidden only
// by the next full run.
func (r *runner) window(ctx context.Context) (time.Time, error) {
	if r.run.Trigger != syncrun.TriggerScheduled {
		return time.Time{}, nil
	}
	last, err := r.lastSuccess(ctx)
	if err != nil || last == nil {
		return time.Time{}, err
	}
	started := *last.StartedAt
	now := r.s.Now()
	if r.settings.UpdatedAt.After(started) || !sameUTCDay(started, now) {
		return time.Time{}, nil
	}
	return started.Add(-sinceMargin), nil
}

// lastSuccess returns the user's latest successful sync run before this
// one, or nil.
func (r *runner) lastSuccess(ctx context.Context) (*ent.SyncRun, error) {
	last, err := r.s.DB.SyncRun.Query().
		Where(
			syncrun.UserID(r.run.UserID),
			syncrun.KindEQ(syncrun.KindSync),
			syncrun.StatusEQ(syncrun.StatusSucceeded),
			syncrun.StartedAtNotNil(),
			syncrun.IDNEQ(r.run.ID),
		).
		Order(ent.Desc(syncrun.FieldStartedAt)).
		First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load last successful run of user %d: %w", r.run.UserID, err)
	}
	return last, nil
}

func sameUTCDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}

// evotorError turns a failed Evotor call into a stopError when no retry
// helps, and marks it as Evotor's otherwise.
func evotorError(err error) error {
	if stop := evotorStop(err); stop != nil {
		return stop
	}
	return fromEvotor(err)
}

// countInBackground counts the products of the pass for the progress bar
// while the pass reads and writes them, so that the count adds no time to
// the run. progressUpdate takes the total once it is known. A count that
// fails leaves the total unknown, and the walk meets the same failure.
func (r *runner) countInBackground(ctx context.Context, since time.Time, groups groupIndex) {
	totals := make(chan int, 1)
	r.totals = totals
	go func() {
		defer close(totals)
		total, err := r.countProducts(ctx, since, groups)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("counting Evotor products failed, the progress bar shows no total", "error", err)
			}
			return
		}
		totals <- total
	}()
}

// takeTotal sets the total of the progress bar once the count has
// finished, without waiting for it.
func (r *runner) takeTotal() {
	if r.totals == nil {
		return
	}
	select {
	case total, ok := <-r.totals:
		if ok {
			r.counts.total = total
		}
		r.totals = nil
	default:
	}
}

// countProducts counts the products of the selected groups that the pass
// will read, for the progress bar.
func (r *runner) countProducts(ctx context.Context, since time.Time, groups groupIndex) (int, error) {
	var total int
	err := r.retry(ctx, "count Evotor products", func() error {
		total = 0
		return r.s.Evotor.StreamProducts(ctx, r.evotorToken, r.settings.EvotorStoreID, since,
			func(p catalog.Product) error {
				if groups.includes(p.ParentID) {
					total++
				}
				return nil
			},
			func(p evotor.InvalidProduct) error {
				if groups.includes(p.ParentID) {
					total++
				}
				return nil
			})
	})
	if err != nil {
		return 0, evotorError(err)
	}
	return total, nil
}

// walk streams the products and processes them a chunk at a time, while
// prefetch reads and prepares the products that follow.
func (p *syncPass) walk(ctx context.Context, since time.Time) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	products, wait := p.prefetch(ctx, since)
	err := p.consume(ctx, products)
	cancel()
	readErr := wait()
	if err != nil {
		return err
	}
	if readErr != nil {
		return evotorError(readErr)
	}
	return nil
}

// consume takes the prefetched products in catalog order and processes
// them a chunk at a time.
func (p *syncPass) consume(ctx context.Context, products <-chan *prepared) error {
	chunk := make([]*prepared, 0, chunkSize)
	for product := range products {
		select {
		case <-product.ready:
		case <-ctx.Done():
			return ctx.Err()
		}
		if product.invalid != nil {
			if err := p.skipInvalid(ctx, *product.invalid); err != nil {
				return err
			}
			continue
		}
		chunk = append(chunk, product)
		if len(chunk) < chunkSize {
			continue
		}
		if err := p.processChunk(ctx, chunk); err != nil {
			return err
		}
		clear(chunk)
		chunk = chunk[:0]
	}
	if len(chunk) > 0 {
		return p.processChunk(ctx, chunk)
	}
	return nil
}

// processChunk plans the products of a chunk against their SyncItem rows,
// loaded with one query, and queues the writes, flushing whenever the
// queue is ready (see readyToFlush).
func (p *syncPass) processChunk(ctx context.Context, products []*prepared) error {
	r := p.r
	ids := make([]string, len(products))
	for i, product := range products {
		ids[i] = product.product.ID
	}
	rows, err := p.loadRows(ctx, ids)
	if err != nil {
		return err
	}
	if err := p.touch(ctx, rows); err != nil {
		return err
	}
	for _, product := range products {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.seen++
		op, err := p.plan(product, rows[product.product.ID])
		if err != nil {
			return err
		}
		if op == nil {
			continue
		}
		p.pending = append(p.pending, op)
		for p.readyToFlush() {
			if err := p.flush(ctx); err != nil {
				return err
			}
		}
	}
	return r.saveProgress(ctx)
}

// loadRows returns the SyncItem rows of the products with ids, by product
// id.
func (p *syncPass) loadRows(ctx context.Context, ids []string) (map[string]*ent.SyncItem, error) {
	rows, err := p.r.s.DB.SyncItem.Query().
		Where(
			syncitem.UserID(p.r.run.UserID),
			syncitem.VkGroupID(p.r.groupID()),
			syncitem.EvotorProductIDIn(ids...),
		).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load sync items of %d products: %w", len(ids), err)
	}
	byProduct := make(map[string]*ent.SyncItem, len(rows))
	for _, row := range rows {
		byProduct[row.EvotorProductID] = row
	}
	return byProduct, nil
}

// touch marks the rows of products read by a full pass as seen, by moving
// their updated_at past the pass's mark.
func (p *syncPass) touch(ctx context.Context, rows map[string]*ent.SyncItem) error {
	if !p.full || len(rows) == 0 {
		return nil
	}
	ids := make([]int, 0, len(rows))
	for _, row := range rows {
		ids = append(ids, row.ID)
	}
	err := p.r.s.DB.SyncItem.Update().
		Where(syncitem.IDIn(ids...)).
		SetUpdatedAt(time.Now()).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark %d sync items as seen: %w", len(ids), err)
	}
	return nil
}

// skipInvalid records a product Evotor sent in a form that cannot be read.
// Its VK item, if any, is kept: the row is marked as seen.
func (p *syncPass) skipInvalid(ctx context.Context, bad evotor.InvalidProduct) error {
	r := p.r
	p.seen++
	r.counts.processed++
	r.recordFailure(bad.ID, bad.Name, msgBadProduct)
	r.log.Warn("Evotor product cannot be decoded", "product_id", bad.ID, "error", bad.Err)
	if !p.full || bad.ID == "" {
		return nil
	}
	err := r.s.DB.SyncItem.Update().
		Where(
			syncitem.UserID(r.run.UserID),
			syncitem.VkGroupID(r.groupID()),
			syncitem.EvotorProductID(bad.ID),
		).
		SetUpdatedAt(time.Now()).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("mark sync item of product %s as seen: %w", bad.ID, err)
	}
	return nil
}

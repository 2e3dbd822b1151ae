package catalogsync

import (
	"context"
	"fmt"
	"time"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/ent/syncitem"
	"github.com/evosync/evosync/internal/catalog"
)

// MaxPreviewEntries caps Plan.Entries. The counts cover every product.
const MaxPreviewEntries = 2000

// Plan is the list of changes a manual run would make now.
type Plan struct {
	// Entries lists the products that would be created, updated, hidden or
	// removed first, then unchanged ones, up to MaxPreviewEntries.
	Entries []PlanEntry
	Counts  map[catalog.Action]int
	// Truncated reports that Entries left some products out.
	Truncated bool
}

// PlanEntry is one product of a Plan.
type PlanEntry struct {
	ProductID string
	Name      string
	Action    catalog.Action
	Reason    string // Russian, for the owner
}

// Preview reports what a manual run would do, with the reason for each
// product, without calling VK. It reads the whole catalog from Evotor and
// the mappings from the database.
//
// NOTE: Preview does not download product images, so a product whose only
// change is its picture shows as unchanged, and the run updates it.
func (s *Service) Preview(ctx context.Context, userID int) (Plan, error) {
	settings, err := s.settings(ctx, userID)
	if err != nil {
		return Plan{}, err
	}
	token, err := s.token(ctx, userID, connection.ProviderEvotor, false)
	if err != nil {
		return Plan{}, err
	}
	if err := checkSettings(settings, true); err != nil {
		return Plan{}, err
	}
	r := &runner{s: s, run: &ent.SyncRun{UserID: userID}, log: s.Log.With("user_id", userID),
		settings: settings, evotorToken: token}
	groups, err := r.loadGroups(ctx)
	if err != nil {
		return Plan{}, err
	}

	builder := planBuilder{r: r, groups: groups, categoryID: settings.VkCategoryID,
		seen: map[string]bool{}, plan: Plan{Counts: map[catalog.Action]int{}}}
	if err := builder.readCatalog(ctx); err != nil {
		return Plan{}, err
	}
	if err := builder.addRemovals(ctx); err != nil {
		return Plan{}, err
	}
	return builder.result(), nil
}

// planBuilder collects a Plan.
type planBuilder struct {
	r          *runner
	groups     groupIndex
	categoryID int
	seen       map[string]bool
	plan       Plan
	unchanged  []PlanEntry
}

// readCatalog plans every product of the selected groups, a chunk at a
// time.
func (b *planBuilder) readCatalog(ctx context.Context) error {
	r := b.r
	var chunk []catalog.Product
	var handlerErr error
	flush := func() error {
		handlerErr = b.planChunk(ctx, chunk)
		chunk = chunk[:0]
		return handlerErr
	}
	add := func(p catalog.Product) error {
		if !b.groups.includes(p.ParentID) {
			return nil
		}
		chunk = append(chunk, p)
		if len(chunk) < chunkSize {
			return nil
		}
		return flush()
	}
	err := r.s.Evotor.Products(ctx, r.evotorToken, r.settings.EvotorStoreID, time.Time{}, add)
	if handlerErr != nil {
		return handlerErr
	}
	if err != nil {
		return evotorError(err)
	}
	return flush()
}

// planChunk plans a chunk of products against their rows. A mapped
// product's content hash is computed with the stored photo key.
func (b *planBuilder) planChunk(ctx context.Context, products []catalog.Product) error {
	if len(products) == 0 {
		return nil
	}
	ids := make([]string, len(products))
	for i, p := range products {
		ids[i] = p.ID
	}
	pass := &syncPass{r: b.r}
	rows, err := pass.loadRows(ctx, ids)
	if err != nil {
		return err
	}
	for _, p := range products {
		b.seen[p.ID] = true
		item := catalog.MapProduct(p)
		row := rows[p.ID]
		photoKey := ""
		if row != nil {
			photoKey = row.PhotoHash
		}
		action := decide(row, item.ContentHash(b.categoryID, photoKey), item.Hidden)
		reason := planReason(action, item, row)
		b.add(PlanEntry{ProductID: p.ID, Name: item.Name, Action: action, Reason: reason})
	}
	return nil
}

// addRemovals plans the removal of mapped products the catalog no longer
// has, reading the rows in pages.
func (b *planBuilder) addRemovals(ctx context.Context) error {
	r := b.r
	if len(b.seen) == 0 {
		return nil
	}
	lastID := 0
	for {
		rows, err := r.s.DB.SyncItem.Query().
			Where(append(r.itemsOfCommunity(), syncitem.IDGT(lastID))...).
			Order(ent.Asc(syncitem.FieldID)).
			Limit(500).
			All(ctx)
		if err != nil {
			return fmt.Errorf("load sync items of user %d: %w", r.run.UserID, err)
		}
		if len(rows) == 0 {
			return nil
		}
		lastID = rows[len(rows)-1].ID
		for _, row := range rows {
			if b.seen[row.EvotorProductID] {
				continue
			}
			b.add(PlanEntry{ProductID: row.EvotorProductID, Name: row.Name, Action: catalog.ActionRemove,
				Reason: "Товара нет в Эвоторе или в выбранных группах: будет удалён из ВКонтакте"})
		}
	}
}

// add counts an entry and keeps it, unchanged entries apart so that
// changes come first.
func (b *planBuilder) add(entry PlanEntry) {
	b.plan.Counts[entry.Action]++
	if entry.Action == catalog.ActionUnchanged {
		if len(b.unchanged) < MaxPreviewEntries {
			b.unchanged = append(b.unchanged, entry)
		}
		return
	}
	if len(b.plan.Entries) < MaxPreviewEntries {
		b.plan.Entries = append(b.plan.Entries, entry)
	}
}

func (b *planBuilder) result() Plan {
	plan := b.plan
	room := MaxPreviewEntries - len(plan.Entries)
	plan.Entries = append(plan.Entries, b.unchanged[:min(room, len(b.unchanged))]...)
	total := 0
	for _, n := range plan.Counts {
		total += n
	}
	plan.Truncated = len(plan.Entries) < total
	return plan
}

// planReason explains an action to the owner in Russian.
func planReason(action catalog.Action, item catalog.Item, row *ent.SyncItem) string {
	switch action {
	case catalog.ActionCreate:
		if item.Hidden {
			return "Новый товар: будет добавлен скрытым, потому что " + item.HiddenReason
		}
		return "Новый товар: будет добавлен во ВКонтакте"
	case catalog.ActionHide:
		return "Будет скрыт: " + item.HiddenReason
	case catalog.ActionUnchanged:
		return "Без изменений"
	}
	switch {
	case row.Hidden && !item.Hidden:
		return "Снова в продаже: товар будет показан во ВКонтакте"
	case row.Name != "" && row.Name != item.Name:
		return "Изменилось название: «" + row.Name + "» → «" + item.Name + "»"
	default:
		return "Изменились данные товара в Эвоторе: цена, описание, артикул или группа"
	}
}

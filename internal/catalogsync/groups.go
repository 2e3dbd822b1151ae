package catalogsync

import (
	"context"

	"github.com/evosync/evosync/internal/catalog"
)

// maxGroupDepth stops the walk up a group tree whose parents form a cycle.
const maxGroupDepth = 64

// groupIndex is the store's product groups and the owner's choice of them.
type groupIndex struct {
	byID map[string]catalog.Group
	// selected holds the chosen groups and all groups nested in them; nil
	// selects every product, including those outside any group.
	selected map[string]bool
}

// includes reports whether a product in the group is published.
func (g groupIndex) includes(groupID string) bool {
	return g.selected == nil || g.selected[groupID]
}

// albumGroup returns the group whose album a product in groupID goes to:
// the group itself when the store has it, else "" for no album.
func (g groupIndex) albumGroup(groupID string) string {
	if _, ok := g.byID[groupID]; ok {
		return groupID
	}
	return ""
}

// loadGroups reads the store's product groups.
func (r *runner) loadGroups(ctx context.Context) (groupIndex, error) {
	var byID map[string]catalog.Group
	err := r.retry(ctx, "list Evotor product groups", func() error {
		byID = map[string]catalog.Group{}
		add := func(g catalog.Group) error {
			byID[g.ID] = g
			return nil
		}
		return r.s.Evotor.ProductGroups(ctx, r.evotorToken, r.settings.EvotorStoreID, add)
	})
	if err != nil {
		return groupIndex{}, evotorError(err)
	}
	return newGroupIndex(byID, r.settings.ProductGroupIds), nil
}

// newGroupIndex selects the chosen groups and every group below them. An
// empty choice selects everything.
func newGroupIndex(byID map[string]catalog.Group, chosen []string) groupIndex {
	index := groupIndex{byID: byID}
	if len(chosen) == 0 {
		return index
	}
	index.selected = make(map[string]bool, len(chosen))
	for _, id := range chosen {
		index.selected[id] = true
	}
	for id := range byID {
		if underChosen(byID, id, index.selected) {
			index.selected[id] = true
		}
	}
	return index
}

// underChosen reports whether a group or one of its ancestors is chosen.
func underChosen(byID map[string]catalog.Group, id string, chosen map[string]bool) bool {
	for depth := 0; id != "" && depth < maxGroupDepth; depth++ {
		if chosen[id] {
			return true
		}
		id = byID[id].ParentID
	}
	return false
}

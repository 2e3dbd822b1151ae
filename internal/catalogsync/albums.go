package catalogsync

import (
	"context"
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
	// attempts counts the temporary failures of making a group's album.
	attempts map[string]int
	// remade marks groups whose album was gone from VK and was made again
	// in this run.
	remade map[string]bool
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
	c.attempts = map[string]int{}
	c.remade = map[string]bool{}
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

// ensureAlbums makes sure every album that the queued operations need
// exists. It maps each missing group to an album of the community with the
// group's title that no other group uses, or creates the albums, up to a
// batch of them with one execute request. A mapping is recorded right after
// VK creates the album.
func (p *syncPass) ensureAlbums(ctx context.Context) error {
	return p.makeAlbums(ctx, p.missingAlbums())
}

// makeAlbums maps each group to an album, found or created as
// ensureAlbums describes.
func (p *syncPass) makeAlbums(ctx context.Context, groups []string) error {
	var toAdd []string
	for _, group := range groups {
		albumID, err := p.findAlbum(ctx, p.albumTitleOf(group))
		if err != nil {
			return err
		}
		if albumID == 0 {
			toAdd = append(toAdd, group)
			continue
		}
		if err := p.recordAlbum(ctx, group, albumID); err != nil {
			return err
		}
	}
	for start := 0; start < len(toAdd); start += p.r.s.batchSize() {
		if err := p.addAlbums(ctx, toAdd[start:min(start+p.r.s.batchSize(), len(toAdd))]); err != nil {
			return err
		}
	}
	return nil
}

// missingAlbums returns the groups, in queue order and each once, whose
// album a queued operation needs and this run has not mapped yet.
func (p *syncPass) missingAlbums() []string {
	var groups []string
	seen := map[string]bool{}
	for _, op := range p.pending {
		group := op.albumGroup
		if group == "" || seen[group] || p.albums.ids[group] != 0 || p.albums.unavailable[group] {
			continue
		}
		seen[group] = true
		groups = append(groups, group)
	}
	return groups
}

func (p *syncPass) albumTitleOf(group string) string {
	return albumTitle(p.groups.byID[group].Name)
}

// recordAlbum records the album of a group.
func (p *syncPass) recordAlbum(ctx context.Context, group string, albumID int64) error {
	r := p.r
	saveCtx, cancel := detach(ctx)
	defer cancel()
	err := r.s.DB.SyncAlbum.Create().
		SetUserID(r.run.UserID).
		SetVkGroupID(r.groupID()).
		SetEvotorGroupID(group).
		SetVkAlbumID(albumID).
		SetTitle(p.albumTitleOf(group)).
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
			return 0, vkError(err)
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

// addAlbums creates the albums of groups with one execute request and
// records each. When VK rejects an album because the community has too
// many, or keeps failing to make it, the group's items are published
// without an album. An album that failed with a temporary error is made by
// a later batch, after the community's albums are listed again in case VK
// made it anyway.
func (p *syncPass) addAlbums(ctx context.Context, groups []string) error {
	r := p.r
	calls := make([]vk.ExecCall, len(groups))
	for i, group := range groups {
		calls[i] = vk.ExecCall{Method: "market.addAlbum", Params: map[string]any{
			"owner_id": r.ownerID(),
			"title":    p.albumTitleOf(group),
		}}
	}
	results, err := r.execute(ctx, "add market albums", calls, true)
	if err != nil {
		return err
	}

	for i, res := range results {
		group := groups[i]
		log := r.log.With("evotor_group_id", group)
		if res.Err == nil {
			albumID, err := vk.DecodeAlbumID(res.Response)
			if err != nil {
				return fromVK(err)
			}
			log.Info("market album created", "vk_album_id", albumID)
			album := vk.Album{ID: albumID, Title: p.albumTitleOf(group)}
			p.albums.existing = append(p.albums.existing, album)
			if err := p.recordAlbum(ctx, group, albumID); err != nil {
				return err
			}
			continue
		}
		log = log.With("error_code", res.Err.Code, "error", res.Err.Message)
		switch {
		case res.Err.Code == vk.ErrMarketTooManyAlbum:
			log.Warn("VK rejected a new album: album limit reached")
			p.albums.unavailable[group] = true
			r.noteOnce("ВКонтакте не даёт создать больше подборок: часть товаров выгружена без подборки")
		case retryable(res.Err) && p.albums.attempts[group]+1 < maxAttempts:
			p.albums.attempts[group]++
			p.albums.existingLoaded = false
			log.Warn("VK failed to create an album, retrying with the next batch")
		case retryable(res.Err):
			log.Warn("VK keeps failing to create an album, publishing its items without one")
			p.albums.unavailable[group] = true
		default:
			return vkError(res.Err)
		}
	}
	return nil
}

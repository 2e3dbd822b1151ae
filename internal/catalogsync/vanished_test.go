package catalogsync_test

import (
	"context"
	"net/url"
	"strconv"
	"testing"

	"github.com/evosync/evosync/ent/syncrun"
)

// deleteInVK deletes the community's visible items in VK, as the owner
// would by hand, up to n of them, and returns how many it deleted.
func (f *fixture) deleteInVK(n int) int {
	f.t.Helper()
	deleted := 0
	for _, item := range f.e.Sandbox.MarketItems(f.groupID) {
		if item.Hidden || deleted == n {
			continue
		}
		f.deleteItemInVK(item.ID)
		deleted++
	}
	return deleted
}

// deleteItemInVK deletes one item of the community in VK.
func (f *fixture) deleteItemInVK(itemID int64) {
	f.t.Helper()
	params := url.Values{}
	params.Set("owner_id", strconv.FormatInt(-f.groupID, 10))
	params.Set("item_id", strconv.FormatInt(itemID, 10))
	if err := f.e.App.VK.Call(context.Background(), f.vkToken, "market.delete", params, nil); err != nil {
		f.t.Fatalf("delete item %d in VK: %v", itemID, err)
	}
}

// hiddenInVK counts the community's items hidden with deleted=1.
func (f *fixture) hiddenInVK() int {
	hidden := 0
	for _, item := range f.e.Sandbox.MarketItems(f.groupID) {
		if item.Hidden {
			hidden++
		}
	}
	return hidden
}

// checkPublished checks that the community has want items, each with a
// saved photo and in one album.
func (f *fixture) checkPublished(want int) {
	f.t.Helper()
	items := f.e.Sandbox.MarketItems(f.groupID)
	if len(items) != want {
		f.t.Errorf("VK items = %d, want %d", len(items), want)
	}
	for _, item := range items {
		if item.MainPhotoID == 0 {
			f.t.Errorf("item %q has no photo", item.Name)
		}
		if len(item.AlbumIDs) != 1 {
			f.t.Errorf("item %q is in albums %v, want one", item.Name, item.AlbumIDs)
		}
	}
}

func TestItemsDeletedInVKAreCreatedAgain(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	f.sync()
	f.deleteInVK(3)
	reads := f.e.Sandbox.CallCount("vk", "market.get")

	run := f.sync()

	if run.Status != syncrun.StatusSucceeded || run.Created != 3 || run.Unchanged != 7 || run.Failed != 0 {
		t.Errorf("status %s, created %d, unchanged %d, failed %d; want succeeded, 3, 7, 0",
			run.Status, run.Created, run.Unchanged, run.Failed)
	}
	f.checkPublished(10)
	// One market.get counts the items and one reads the 7 that are left.
	if n := f.e.Sandbox.CallCount("vk", "market.get") - reads; n != 2 {
		t.Errorf("market.get calls = %d, want 2", n)
	}
	if n := f.e.App.Ent.SyncItem.Query().CountX(context.Background()); n != 10 {
		t.Errorf("sync items = %d, want 10", n)
	}
}

func TestRepeatSyncCountsItemsOnce(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	f.sync()
	reads := f.e.Sandbox.CallCount("vk", "market.get")

	run := f.sync()

	if run.Unchanged != 10 {
		t.Errorf("unchanged = %d, want 10", run.Unchanged)
	}
	if n := f.e.Sandbox.CallCount("vk", "market.get") - reads; n != 1 {
		t.Errorf("market.get calls = %d, want 1 that counts the items", n)
	}
}

func TestLostPhotosAreUploadedAgain(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	f.sync()
	ctx := context.Background()
	// VK lost the items and the photos, as the sandbox does on a restart.
	deleted := f.deleteInVK(10)
	f.e.App.Ent.SyncPhoto.Update().SetVkPhotoID(1).ExecX(ctx)
	saves := f.e.Sandbox.CallCount("vk", "market.saveProductPhotoBulk")

	run := f.sync()

	if run.Status != syncrun.StatusSucceeded || run.Created != deleted || run.Failed != 0 {
		t.Errorf("status %s, created %d, failed %d, failures %+v; want succeeded, %d, 0",
			run.Status, run.Created, run.Failed, run.Failures, deleted)
	}
	f.checkPublished(10)
	// The 9 visible products' pictures go up again in two bulk uploads.
	if n := f.e.Sandbox.CallCount("vk", "market.saveProductPhotoBulk") - saves; n != 2 {
		t.Errorf("saveProductPhotoBulk calls = %d, want 2", n)
	}
	if n := f.e.App.Ent.SyncPhoto.Query().CountX(ctx); n != 10 {
		t.Errorf("recorded photos = %d, want 10", n)
	}
}

func TestHiddenItemIsNotCreatedAgain(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	f.sync()
	f.deleteInVK(9)

	run := f.sync()

	// The hidden item is in VK still, and the 9 deleted ones come back.
	if run.Created != 9 || run.Unchanged != 1 {
		t.Errorf("created %d, unchanged %d; want 9, 1", run.Created, run.Unchanged)
	}
	if n := f.hiddenInVK(); n != 1 {
		t.Errorf("hidden VK items = %d, want 1", n)
	}
}

func TestEmptiedMarketGetsHiddenItemBack(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	f.sync()
	// Delete every item, the hidden one too, as a reset of VK would.
	for _, item := range f.e.Sandbox.MarketItems(f.groupID) {
		f.deleteItemInVK(item.ID)
	}

	run := f.sync()

	if run.Created != 10 || run.Unchanged != 0 {
		t.Errorf("created %d, unchanged %d; want 10, 0", run.Created, run.Unchanged)
	}
	if n := f.hiddenInVK(); n != 1 {
		t.Errorf("hidden VK items = %d, want 1", n)
	}
}

func TestAlbumsGoneFromVKAreMadeAgain(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	f.sync()
	ctx := context.Background()
	// VK lost the items and the albums, as the sandbox does on a restart.
	f.deleteInVK(10)
	for _, album := range f.e.Sandbox.MarketAlbums(f.groupID) {
		params := url.Values{}
		params.Set("owner_id", strconv.FormatInt(-f.groupID, 10))
		params.Set("album_id", strconv.FormatInt(album.ID, 10))
		if err := f.e.App.VK.Call(ctx, f.vkToken, "market.deleteAlbum", params, nil); err != nil {
			t.Fatalf("delete album %d in VK: %v", album.ID, err)
		}
	}

	run := f.sync()

	if run.Created != 9 || run.Failed != 0 {
		t.Errorf("created %d, failed %d, failures %+v; want 9, 0", run.Created, run.Failed, run.Failures)
	}
	if n := len(f.e.Sandbox.MarketAlbums(f.groupID)); n != 2 {
		t.Errorf("VK albums = %d, want 2", n)
	}
	for _, item := range f.e.Sandbox.MarketItems(f.groupID) {
		if !item.Hidden && len(item.AlbumIDs) != 1 {
			t.Errorf("item %q is in albums %v, want one", item.Name, item.AlbumIDs)
		}
	}
}

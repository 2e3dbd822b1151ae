package catalogsync_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/evosync/evosync/ent/syncrun"
	"github.com/evosync/evosync/internal/catalog/photo"
)

// photoCalls counts the sandbox's photo upload calls so far.
func (f *fixture) photoCalls() map[string]int {
	counts := map[string]int{}
	for _, method := range []string{"market.getProductPhotoUploadServer", "upload",
		"market.saveProductPhotoBulk", "market.saveProductPhoto"} {
		counts[method] = f.e.Sandbox.CallCount("vk", method)
	}
	return counts
}

func TestPhotosGoToVKFiveAtATime(t *testing.T) {
	// With 2 calls per execute request, a photo round takes 10 pictures:
	// two upload URLs of five pictures each, and two saves.
	for _, batchSize := range []int{0, 2} {
		t.Run(fmt.Sprintf("batch size %d", batchSize), func(t *testing.T) {
			f := newFixture(t, fixtureOptions{catalogSize: 12, batchSize: batchSize})

			run := f.sync()

			if run.Status != syncrun.StatusSucceeded || run.Created != 12 {
				t.Fatalf("status %s, created %d; want succeeded, 12", run.Status, run.Created)
			}
			want := map[string]int{
				"market.getProductPhotoUploadServer": 3, "upload": 3,
				"market.saveProductPhotoBulk": 3, "market.saveProductPhoto": 0,
			}
			for method, n := range f.photoCalls() {
				if n != want[method] {
					t.Errorf("%s calls = %d, want %d", method, n, want[method])
				}
			}
			if n := f.e.Sandbox.PhotoCount(f.groupID); n != 12 {
				t.Errorf("photos saved = %d, want 12", n)
			}
			photos := map[int64]bool{}
			for _, item := range f.e.Sandbox.MarketItems(f.groupID) {
				if photos[item.MainPhotoID] {
					t.Errorf("item %q shares photo %d with another item", item.Name, item.MainPhotoID)
				}
				photos[item.MainPhotoID] = true
			}
		})
	}
}

func TestRejectedPhotoFailsOnlyItsProduct(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	// The 11th to 15th products share the third upload; VK rejects the
	// picture of the 11th.
	rejected := "Товар с отклонённым фото"
	for i := range 5 {
		name := rejected
		if i > 0 {
			name = fmt.Sprintf("Товар номер %d", i)
		}
		if _, err := f.e.Sandbox.AddProduct(f.storeID, map[string]any{"name": name, "price": "100"}); err != nil {
			t.Fatal(err)
		}
	}
	picture, err := photo.Placeholder(rejected)
	if err != nil {
		t.Fatal(err)
	}
	f.e.Sandbox.RejectPhoto(picture)

	run := f.sync()

	if run.Status != syncrun.StatusSucceeded || run.Created != 14 || run.Failed != 1 {
		t.Fatalf("status %s, created %d, failed %d; want succeeded, 14, 1", run.Status, run.Created, run.Failed)
	}
	if got := run.Failures[0]; got.Name != rejected || got.Message != "ВКонтакте не принял фотографию" {
		t.Errorf("failure = %+v", got)
	}
	// Three bulk uploads, then the five pictures of the rejected one alone.
	if n := f.photoCalls()["upload"]; n != 3+5 {
		t.Errorf("uploads = %d, want 8", n)
	}
	for _, item := range f.e.Sandbox.MarketItems(f.groupID) {
		if item.Name == rejected {
			t.Errorf("the product whose photo VK rejected is in VK")
		}
		if item.MainPhotoID == 0 {
			t.Errorf("item %q has no photo", item.Name)
		}
	}
}

func TestUnavailableImageFailsOnlyItsProduct(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	product, err := f.e.Sandbox.AddProduct(f.storeID, map[string]any{
		"name": "Товар без доступного фото", "price": "100", "image": true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.e.Sandbox.FailProductImage(f.storeID, product); err != nil {
		t.Fatal(err)
	}

	run := f.sync()

	if run.Status != syncrun.StatusSucceeded || run.Created != 10 || run.Failed != 1 || run.Processed != 11 {
		t.Fatalf("status %s, created %d, failed %d, processed %d; want succeeded, 10, 1, 11",
			run.Status, run.Created, run.Failed, run.Processed)
	}
	want := "Не удалось загрузить фотографию товара из Эвотора: повторим при следующей синхронизации"
	if got := run.Failures[0]; got.ProductID != product || got.Message != want {
		t.Errorf("failure = %+v", got)
	}
	if n := f.e.App.Ent.SyncItem.Query().CountX(context.Background()); n != 10 {
		t.Errorf("sync items = %d, want 10", n)
	}
}

func TestUnreadableImageKeepsPublishedPhoto(t *testing.T) {
	f := newFixture(t, fixtureOptions{catalogSize: 10})
	product, err := f.e.Sandbox.AddProduct(f.storeID, map[string]any{
		"name": "Товар с фото", "price": "100", "image": true,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.sync()
	before := publishedPhoto(t, f, "Товар с фото")
	if err := f.e.Sandbox.CorruptProductImage(f.storeID, product); err != nil {
		t.Fatal(err)
	}
	if err := f.e.Sandbox.SetProductPrice(f.storeID, product, "150"); err != nil {
		t.Fatal(err)
	}

	run := f.sync()

	if run.Updated != 1 || run.Failed != 0 {
		t.Errorf("updated %d, failed %d; want 1, 0", run.Updated, run.Failed)
	}
	if got := publishedPhoto(t, f, "Товар с фото"); got != before {
		t.Errorf("main photo = %d after the price change, want %d as before", got, before)
	}
}

func TestUnreadableImageOfNewProductGetsPlaceholder(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	product, err := f.e.Sandbox.AddProduct(f.storeID, map[string]any{
		"name": "Новый товар с фото", "price": "100", "image": true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.e.Sandbox.CorruptProductImage(f.storeID, product); err != nil {
		t.Fatal(err)
	}

	run := f.sync()

	if run.Created != 7 || run.Failed != 0 {
		t.Errorf("created %d, failed %d; want 7, 0", run.Created, run.Failed)
	}
	if publishedPhoto(t, f, "Новый товар с фото") == 0 {
		t.Error("the new product has no photo")
	}
}

// publishedPhoto returns the main photo of the VK item with the name.
func publishedPhoto(t *testing.T, f *fixture, name string) int64 {
	t.Helper()
	for _, item := range f.e.Sandbox.MarketItems(f.groupID) {
		if item.Name == name {
			return item.MainPhotoID
		}
	}
	t.Fatalf("no VK item named %q", name)
	return 0
}

package catalog_test

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/evosync/evosync/internal/catalog"
)

var sampleItem = catalog.Item{
	Name:         "Молоко 3,2% 1 л",
	Description:  "Пастеризованное молоко.",
	Price:        8990,
	SKU:          "MLK-32",
	Hidden:       false,
	HiddenReason: "",
	GroupID:      "g1",
}

const (
	sampleCategoryID = 40001
	samplePhotoKey   = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)

func TestContentHashFormat(t *testing.T) {
	got := sampleItem.ContentHash(sampleCategoryID, samplePhotoKey)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(got) {
		t.Errorf("ContentHash = %q, want 64 lowercase hex digits", got)
	}
}

func TestContentHashStable(t *testing.T) {
	first := sampleItem.ContentHash(sampleCategoryID, samplePhotoKey)
	copied := sampleItem
	second := copied.ContentHash(sampleCategoryID, samplePhotoKey)
	if first != second {
		t.Errorf("ContentHash differs for equal items: %s and %s", first, second)
	}

	// Stored hashes are compared with new ones in later runs, so the encoding
	// must not change by accident. An intentional change bumps
	// contentHashVersion and this value.
	const want = "4ea6e977b45dd14cc91cadfc853fdd86f0becc8e13f841b53a0da502ae79b4bf"
	if first != want {
		t.Errorf("ContentHash = %s, want %s", first, want)
	}
}

// TestContentHashCoversEveryField changes each Item field in turn. A field
// added to Item without a case here fails the test, so that it cannot be left
// out of the hash unnoticed.
func TestContentHashCoversEveryField(t *testing.T) {
	base := sampleItem.ContentHash(sampleCategoryID, samplePhotoKey)
	itemType := reflect.TypeFor[catalog.Item]()
	for i := range itemType.NumField() {
		field := itemType.Field(i)
		t.Run(field.Name, func(t *testing.T) {
			changed := sampleItem
			value := reflect.ValueOf(&changed).Elem().Field(i)
			switch value.Kind() {
			case reflect.String:
				value.SetString(value.String() + "x")
			case reflect.Int64:
				value.SetInt(value.Int() + 1)
			case reflect.Bool:
				value.SetBool(!value.Bool())
			default:
				t.Fatalf("field %s has kind %s, which this test cannot change", field.Name, value.Kind())
			}

			got := changed.ContentHash(sampleCategoryID, samplePhotoKey)
			if field.Name == "HiddenReason" {
				if got != base {
					t.Errorf("changing HiddenReason changed the hash, but it is not written to VK")
				}
				return
			}
			if got == base {
				t.Errorf("changing %s did not change the hash", field.Name)
			}
		})
	}
}

func TestContentHashCoversCategoryAndPhoto(t *testing.T) {
	base := sampleItem.ContentHash(sampleCategoryID, samplePhotoKey)
	if got := sampleItem.ContentHash(sampleCategoryID+1, samplePhotoKey); got == base {
		t.Error("changing the category id did not change the hash")
	}
	if got := sampleItem.ContentHash(sampleCategoryID, samplePhotoKey+"0"); got == base {
		t.Error("changing the photo key did not change the hash")
	}
	if got := sampleItem.ContentHash(sampleCategoryID, ""); got == base {
		t.Error("dropping the photo key did not change the hash")
	}
}

func TestContentHashSeparatesFields(t *testing.T) {
	a := catalog.Item{Name: "Хлеб ржаной", Description: "свежий"}
	b := catalog.Item{Name: "Хлеб", Description: " ржаной свежий"}
	c := catalog.Item{Name: "Хлеб ржаной свежий"}
	hashes := map[string]string{
		"a": a.ContentHash(0, ""),
		"b": b.ContentHash(0, ""),
		"c": c.ContentHash(0, ""),
	}
	seen := map[string]string{}
	for name, hash := range hashes {
		if other, ok := seen[hash]; ok {
			t.Errorf("items %s and %s have the same hash", other, name)
		}
		seen[hash] = name
	}

	visible := catalog.Item{SKU: "1"}
	if visible.ContentHash(0, "") == (catalog.Item{SKU: "1", Hidden: true}).ContentHash(0, "") {
		t.Error("hidden and visible items have the same hash")
	}
	if (catalog.Item{SKU: "12"}).ContentHash(3, "") == (catalog.Item{SKU: "1"}).ContentHash(23, "") {
		t.Error("moving a digit from the SKU to the category id kept the hash")
	}
}

func TestContentHashOfMappedProductStable(t *testing.T) {
	product := catalog.Product{
		ID:          "p1",
		Name:        "Молоко",
		Price:       8990,
		Quantity:    decimalPointer(t, "2.5"),
		AllowToSell: boolPointer(true),
		Barcodes:    []string{"4601234567890"},
	}
	first := catalog.MapProduct(product).ContentHash(1, "key")
	second := catalog.MapProduct(product).ContentHash(1, "key")
	if first != second {
		t.Errorf("hash of the same product differs between mappings: %s and %s", first, second)
	}

	product.Quantity = decimalPointer(t, "7")
	if got := catalog.MapProduct(product).ContentHash(1, "key"); got != first {
		t.Errorf("a stock change that keeps the item visible changed the hash")
	}

	product.Quantity = decimalPointer(t, "0")
	if got := catalog.MapProduct(product).ContentHash(1, "key"); got == first {
		t.Errorf("running out of stock did not change the hash")
	}
}

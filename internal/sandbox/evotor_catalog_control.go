package sandbox

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// StoreIDs returns the ids of the user's Evotor stores, or nil for a user
// that has no token yet.
func (s *Sandbox) StoreIDs(userID string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.evotorUsers[userID]
	if !ok {
		return nil
	}
	ids := make([]string, len(u.stores))
	for i, store := range u.stores {
		ids[i] = store.ID
	}
	return ids
}

// ProductIDs returns the ids of the store's products in the order of the
// API's pages. It generates the catalog on first use and returns nil for an
// unknown store.
func (s *Sandbox) ProductIDs(storeID string) []string {
	if _, ok := s.evotorStoreOwner(storeID); !ok {
		return nil
	}
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	c := s.catalogLocked(storeID)
	ids := make([]string, len(c.products))
	for i, p := range c.products {
		ids[i] = p.id
	}
	return ids
}

// SetProductPrice sets a product's price in rubles, such as "89.90" or
// "120", and updates its updated_at.
func (s *Sandbox) SetProductPrice(storeID, productID, rubles string) error {
	price, err := parseDecimal(rubles, 2)
	if err != nil {
		return &controlError{"invalid price: " + err.Error(), "Цена «" + rubles + "» должна быть неотрицательным числом с не более чем двумя знаками после запятой."}
	}
	return s.updateProduct(storeID, productID, func(p *evotorProduct) { p.price = price })
}

// SetProductAllowToSell sets a product's allow_to_sell and updates its
// updated_at.
func (s *Sandbox) SetProductAllowToSell(storeID, productID string, allow bool) error {
	return s.updateProduct(storeID, productID, func(p *evotorProduct) { p.allowToSell = allow })
}

// SetProductQuantity sets a product's stock, such as "12" or "0.250", and
// updates its updated_at.
func (s *Sandbox) SetProductQuantity(storeID, productID, qty string) error {
	quantity, err := parseDecimal(qty, 3)
	if err != nil {
		return &controlError{"invalid quantity: " + err.Error(), "Остаток «" + qty + "» должен быть неотрицательным числом с не более чем тремя знаками после запятой."}
	}
	return s.updateProduct(storeID, productID, func(p *evotorProduct) { p.quantity = quantity })
}

// FailProductImage makes the image file of a product respond with 503 from now
// on, while the product and its image list stay readable. It returns an
// error for a product without an image.
func (s *Sandbox) FailProductImage(storeID, productID string) error {
	return s.breakProductImage(storeID, productID, func(ref *imageRef) { ref.unavailable = true })
}

// CorruptProductImage makes the image file of a product respond with 200 and
// only the first half of its PNG from now on. It returns an error for a
// product without an image.
func (s *Sandbox) CorruptProductImage(storeID, productID string) error {
	return s.breakProductImage(storeID, productID, func(ref *imageRef) { ref.corrupt = true })
}

// breakProductImage applies change to the image of a product.
func (s *Sandbox) breakProductImage(storeID, productID string, change func(ref *imageRef)) error {
	if _, ok := s.evotorStoreOwner(storeID); !ok {
		return storeNotFound(storeID)
	}
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	p, ok := s.catalogLocked(storeID).byID[productID]
	if !ok {
		return productNotFound(storeID, productID)
	}
	ref, ok := s.catalogs.images[p.imageID]
	if p.imageID == "" || !ok {
		return fmt.Errorf("product %q of store %s has no image", productID, storeID)
	}
	change(&ref)
	s.catalogs.images[p.imageID] = ref
	return nil
}

// RenameProduct sets a product's name and updates its updated_at. The name
// must have 1 to 128 runes, as in Evotor.
func (s *Sandbox) RenameProduct(storeID, productID, name string) error {
	if err := validateProductName(name); err != nil {
		return err
	}
	return s.updateProduct(storeID, productID, func(p *evotorProduct) { p.name = name })
}

// RemoveProduct deletes a product, so that the API no longer lists it.
func (s *Sandbox) RemoveProduct(storeID, productID string) error {
	if _, ok := s.evotorStoreOwner(storeID); !ok {
		return storeNotFound(storeID)
	}
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	c := s.catalogLocked(storeID)
	p, ok := c.byID[productID]
	if !ok {
		return productNotFound(storeID, productID)
	}
	c.removeProduct(p)
	delete(s.catalogs.images, p.imageID)
	return nil
}

// addProductKeys are the keys that AddProduct accepts.
var addProductKeys = []string{
	"name", "price", "cost_price", "quantity", "measure_name", "type", "parent_id", "description",
	"article_number", "code", "barcodes", "allow_to_sell", "image",
}

// AddProduct adds a product to the store and returns its id. The keys of
// fields are Evotor's product fields:
//
//   - "name", required
//   - "price", "cost_price" and "quantity" as numbers or decimal strings
//   - "measure_name" (default "шт") and "type" (default "NORMAL")
//   - "parent_id", a product group of the store
//   - "description", "article_number" and "code"
//   - "barcodes", a list of strings
//   - "allow_to_sell", default true
//
// The extra key "image" set to true gives the product a generated image.
// Other keys are an error.
func (s *Sandbox) AddProduct(storeID string, fields map[string]any) (string, error) {
	for _, key := range slices.Sorted(maps.Keys(fields)) {
		if !slices.Contains(addProductKeys, key) {
			return "", fmt.Errorf("unknown product field %q: expected one of %v", key, addProductKeys)
		}
	}
	p := &evotorProduct{typ: "NORMAL", measureName: "шт", allowToSell: true}
	if err := fillProduct(p, fields); err != nil {
		return "", err
	}
	if _, ok := s.evotorStoreOwner(storeID); !ok {
		return "", storeNotFound(storeID)
	}

	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	c := s.catalogLocked(storeID)
	if p.parentID != "" && c.groupByID[p.parentID] == nil {
		return "", fmt.Errorf("parent_id %q is not a product group of store %s", p.parentID, storeID)
	}
	now := s.now().UnixMilli()
	p.id = catalogID("added/", storeID, "/", c.nextSeq+1)
	if image, _ := fields["image"].(bool); image {
		p.imageID = catalogID("added-image/", p.id)
		s.catalogs.images[p.imageID] = imageRef{storeID: storeID, productID: p.id}
	}
	p.createdAt, p.updatedAt = now, now
	c.addProduct(p)
	return p.id, nil
}

// fillProduct sets the fields of p from AddProduct's map.
func fillProduct(p *evotorProduct, fields map[string]any) error {
	name, _ := fields["name"].(string)
	if err := validateProductName(name); err != nil {
		return err
	}
	p.name = name

	textFields := map[string]*string{
		"measure_name": &p.measureName, "type": &p.typ, "parent_id": &p.parentID,
		"description": &p.description, "article_number": &p.articleNumber, "code": &p.code,
	}
	for key, target := range textFields {
		if v, ok := fields[key]; ok {
			text, isString := v.(string)
			if !isString {
				return fmt.Errorf("invalid %s %v: expected a string", key, v)
			}
			*target = text
		}
	}

	decimals := []struct {
		key    string
		scale  int
		target *int64
	}{{"price", 2, &p.price}, {"cost_price", 2, &p.costPrice}, {"quantity", 3, &p.quantity}}
	for _, d := range decimals {
		v, ok := fields[d.key]
		if !ok {
			continue
		}
		value, err := parseDecimal(decimalText(v), d.scale)
		if err != nil {
			return fmt.Errorf("invalid %s: %w", d.key, err)
		}
		*d.target = value
	}

	if v, ok := fields["allow_to_sell"]; ok {
		allow, isBool := v.(bool)
		if !isBool {
			return fmt.Errorf("invalid allow_to_sell %v: expected true or false", v)
		}
		p.allowToSell = allow
	}
	if v, ok := fields["image"]; ok {
		if _, isBool := v.(bool); !isBool {
			return fmt.Errorf("invalid image %v: expected true or false", v)
		}
	}
	return fillBarcodes(p, fields["barcodes"])
}

func fillBarcodes(p *evotorProduct, v any) error {
	switch list := v.(type) {
	case nil:
	case []string:
		p.barcodes = slices.Clone(list)
	case []any:
		for _, item := range list {
			text, ok := item.(string)
			if !ok {
				return fmt.Errorf("invalid barcode %v: expected a string", item)
			}
			p.barcodes = append(p.barcodes, text)
		}
	default:
		return fmt.Errorf("invalid barcodes %v: expected a list of strings", v)
	}
	return nil
}

// decimalText returns the text of a number given as a string, an integer or
// a float, as AddProduct's callers and decoded JSON send them.
func decimalText(v any) string {
	switch n := v.(type) {
	case string:
		return n
	case json.Number:
		return n.String()
	case float64:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", n), "0"), ".")
	default:
		return fmt.Sprint(n)
	}
}

func validateProductName(name string) error {
	if n := utf8.RuneCountInString(name); n < 1 || n > maxEvotorProductName {
		return &controlError{
			fmt.Sprintf("invalid product name %q: expected 1 to %d characters", name, maxEvotorProductName),
			fmt.Sprintf("Название товара должно содержать от 1 до %d символов.", maxEvotorProductName),
		}
	}
	return nil
}

// updateProduct runs change on a product under s.catalogMu and updates the
// product's updated_at.
func (s *Sandbox) updateProduct(storeID, productID string, change func(p *evotorProduct)) error {
	if _, ok := s.evotorStoreOwner(storeID); !ok {
		return storeNotFound(storeID)
	}
	now := s.now()
	s.catalogMu.Lock()
	defer s.catalogMu.Unlock()
	p, ok := s.catalogLocked(storeID).byID[productID]
	if !ok {
		return productNotFound(storeID, productID)
	}
	change(p)
	p.touch(now)
	return nil
}

func storeNotFound(storeID string) error {
	return &controlError{
		fmt.Sprintf("store %q not found", storeID),
		"Магазин «" + storeID + "» не найден.",
	}
}

func productNotFound(storeID, productID string) error {
	return &controlError{
		fmt.Sprintf("product %q not found in store %s", productID, storeID),
		"Товар «" + productID + "» не найден в магазине.",
	}
}

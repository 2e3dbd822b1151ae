// Package catalog maps Evotor products to VK Market items. It decodes the
// products and product groups of Evotor's API v2 and builds the name,
// description, price and visibility that EvoSync writes to VK. A content hash
// of those values detects changes between sync runs.
package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// TypeService is the Evotor product type of a service. Services have no stock,
// so their quantity never hides them.
const TypeService = "SERVICE"

// Product is one Evotor product as GET /stores/{store}/products returns it
// (API v2). Evotor omits optional fields rather than sending null.
// UnmarshalJSON ignores unknown fields and also treats null as absent.
type Product struct {
	ID       string
	ParentID string // product group id, empty at the top level
	Name     string
	// Type is the Evotor product type, for example "NORMAL", "SERVICE",
	// "ALCOHOL_MARKED" or "TOBACCO_MARKED". MapProduct publishes every type,
	// and only TypeService changes how an item is mapped.
	Type          string
	MeasureName   string // unit of measure, such as "шт" or "кг"
	Description   string
	ArticleNumber string
	Code          string
	Price         Kopecks
	CostPrice     Kopecks
	// Quantity is the stock level. It is nil when Evotor sent no quantity,
	// which happens when the token lacks the product.quantity:read scope.
	Quantity    *Decimal
	AllowToSell *bool // nil when absent
	Barcodes    []string
	UpdatedAt   time.Time // zero when absent
}

// productJSON is the wire form of Product.
type productJSON struct {
	ID            flexibleString  `json:"id"`
	ParentID      flexibleString  `json:"parent_id"`
	Name          string          `json:"name"`
	Type          string          `json:"type"`
	MeasureName   string          `json:"measure_name"`
	Description   string          `json:"description"`
	ArticleNumber flexibleString  `json:"article_number"`
	Code          flexibleString  `json:"code"`
	Price         json.RawMessage `json:"price"`
	CostPrice     json.RawMessage `json:"cost_price"`
	Quantity      json.RawMessage `json:"quantity"`
	AllowToSell   *bool           `json:"allow_to_sell"`
	Barcodes      flexibleStrings `json:"barcodes"`
	UpdatedAt     flexibleString  `json:"updated_at"`
}

// UnmarshalJSON decodes a product. Beyond the documented format it accepts
// ids, codes and article numbers sent as JSON numbers, prices and quantities
// sent as strings, and a single barcode sent as a string. Prices are parsed
// with ParseRubles, so a negative or too large price is an error.
func (p *Product) UnmarshalJSON(b []byte) error {
	var wire productJSON
	if err := json.Unmarshal(b, &wire); err != nil {
		return fmt.Errorf("invalid Evotor product: %w", err)
	}

	price, err := decodeRubles(wire.Price)
	if err != nil {
		return fmt.Errorf("invalid Evotor product %q: price: %w", wire.ID, err)
	}
	costPrice, err := decodeRubles(wire.CostPrice)
	if err != nil {
		return fmt.Errorf("invalid Evotor product %q: cost_price: %w", wire.ID, err)
	}
	quantity, err := decodeQuantity(wire.Quantity)
	if err != nil {
		return fmt.Errorf("invalid Evotor product %q: quantity: %w", wire.ID, err)
	}
	var updatedAt time.Time
	if wire.UpdatedAt != "" {
		updatedAt, err = ParseEvotorTime(string(wire.UpdatedAt))
		if err != nil {
			return fmt.Errorf("invalid Evotor product %q: updated_at: %w", wire.ID, err)
		}
	}

	*p = Product{
		ID:            string(wire.ID),
		ParentID:      string(wire.ParentID),
		Name:          wire.Name,
		Type:          wire.Type,
		MeasureName:   wire.MeasureName,
		Description:   wire.Description,
		ArticleNumber: string(wire.ArticleNumber),
		Code:          string(wire.Code),
		Price:         price,
		CostPrice:     costPrice,
		Quantity:      quantity,
		AllowToSell:   wire.AllowToSell,
		Barcodes:      []string(wire.Barcodes),
		UpdatedAt:     updatedAt,
	}
	return nil
}

// Group is an Evotor product group, which EvoSync publishes as a VK Market
// album. Decoding is as tolerant as for Product.
type Group struct {
	ID       string
	ParentID string // parent group id, empty at the top level
	Name     string
}

type groupJSON struct {
	ID       flexibleString `json:"id"`
	ParentID flexibleString `json:"parent_id"`
	Name     string         `json:"name"`
}

// UnmarshalJSON decodes a product group, ignoring unknown fields.
func (g *Group) UnmarshalJSON(b []byte) error {
	var wire groupJSON
	if err := json.Unmarshal(b, &wire); err != nil {
		return fmt.Errorf("invalid Evotor product group: %w", err)
	}
	*g = Group{ID: string(wire.ID), ParentID: string(wire.ParentID), Name: wire.Name}
	return nil
}

// evotorTimeLayout is the timestamp format of Evotor's API v2, for example
// "2018-09-11T16:18:35.397+0000". Go accepts the fractional seconds when
// parsing even though the layout has none, and "Z0700" also accepts "Z".
const evotorTimeLayout = "2006-01-02T15:04:05Z0700"

// ParseEvotorTime parses a timestamp in Evotor's format
// ("2018-09-11T16:18:35.397+0000") or in RFC 3339.
func ParseEvotorTime(s string) (time.Time, error) {
	if t, err := time.Parse(evotorTimeLayout, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid timestamp %q: expected a form like 2018-09-11T16:18:35.397+0000 or RFC 3339", s)
	}
	return t, nil
}

// decodeRubles converts a JSON price in rubles to kopecks. An absent or null
// price is zero.
func decodeRubles(raw json.RawMessage) (Kopecks, error) {
	if len(raw) == 0 {
		return 0, nil
	}
	text, isNull, err := jsonNumberText(raw)
	if err != nil {
		return 0, err
	}
	if isNull {
		return 0, nil
	}
	return ParseRubles(text)
}

// decodeQuantity converts a JSON quantity to a Decimal. An absent or null
// quantity is nil.
func decodeQuantity(raw json.RawMessage) (*Decimal, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	text, isNull, err := jsonNumberText(raw)
	if err != nil {
		return nil, err
	}
	if isNull {
		return nil, nil
	}
	quantity, err := ParseDecimal(text)
	if err != nil {
		return nil, err
	}
	return &quantity, nil
}

// flexibleString decodes a JSON string, or a JSON number as its literal text.
// Null decodes as "".
type flexibleString string

func (s *flexibleString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return nil
	case len(b) > 0 && b[0] == '"':
		var text string
		if err := json.Unmarshal(b, &text); err != nil {
			return err
		}
		*s = flexibleString(text)
		return nil
	default:
		var number json.Number
		if err := json.Unmarshal(b, &number); err != nil {
			return fmt.Errorf("expected a string or a number, got %.40s", b)
		}
		*s = flexibleString(number.String())
		return nil
	}
}

// flexibleStrings decodes a JSON array of strings or numbers, or a single
// string or number as a one-element list. Null decodes as nil.
type flexibleStrings []string

func (list *flexibleStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '[' {
		var single flexibleString
		if err := single.UnmarshalJSON(b); err != nil {
			return err
		}
		if single != "" {
			*list = flexibleStrings{string(single)}
		}
		return nil
	}
	var elements []flexibleString
	if err := json.Unmarshal(b, &elements); err != nil {
		return err
	}
	result := make(flexibleStrings, 0, len(elements))
	for _, element := range elements {
		result = append(result, string(element))
	}
	*list = result
	return nil
}

package catalog_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/evosync/evosync/internal/catalog"
	"github.com/google/go-cmp/cmp"
)

// exactDecimal compares Decimals by their text, so that "2.5" and "2.500"
// differ. Without it cmp uses Decimal.Equal, which ignores trailing zeros.
var exactDecimal = cmp.Comparer(func(a, b catalog.Decimal) bool { return a.String() == b.String() })

func TestProductUnmarshalJSON(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  catalog.Product
	}{
		{
			name: "all fields",
			input: `{
				"id": "01ba6d5c-27b5-4d7c-b5e1-1c2b9e1c9d6a",
				"parent_id": "8b5a2ef0-1a72-4b4b-9d4b-0e6d0e8d3c11",
				"name": "Молоко 3,2% 1 л",
				"type": "NORMAL",
				"price": 89.9,
				"cost_price": 61.25,
				"quantity": 2.500,
				"measure_name": "шт",
				"allow_to_sell": true,
				"description": "Пастеризованное",
				"article_number": "MLK-32",
				"code": "17",
				"barcodes": ["4601234567890", "4601234567891"],
				"created_at": "2018-09-10T10:00:00.000+0000",
				"updated_at": "2018-09-11T16:18:35.397+0000"
			}`,
			want: catalog.Product{
				ID:            "01ba6d5c-27b5-4d7c-b5e1-1c2b9e1c9d6a",
				ParentID:      "8b5a2ef0-1a72-4b4b-9d4b-0e6d0e8d3c11",
				Name:          "Молоко 3,2% 1 л",
				Type:          "NORMAL",
				Price:         8990,
				CostPrice:     6125,
				Quantity:      decimalPointer(t, "2.500"),
				MeasureName:   "шт",
				AllowToSell:   boolPointer(true),
				Description:   "Пастеризованное",
				ArticleNumber: "MLK-32",
				Code:          "17",
				Barcodes:      []string{"4601234567890", "4601234567891"},
				UpdatedAt:     time.Date(2018, 9, 11, 16, 18, 35, 397_000_000, time.UTC),
			},
		},
		{
			name:  "omitted fields",
			input: `{"id": "p1", "name": "Хлеб"}`,
			want:  catalog.Product{ID: "p1", Name: "Хлеб"},
		},
		{
			name:  "null fields",
			input: `{"id": "p1", "name": "Хлеб", "price": null, "quantity": null, "allow_to_sell": null, "barcodes": null, "parent_id": null, "updated_at": null}`,
			want:  catalog.Product{ID: "p1", Name: "Хлеб"},
		},
		{
			name: "unknown fields",
			input: `{"id": "p1", "name": "Хлеб", "tax": "VAT_10", "attributes": [{"id": "a", "choices": []}],
				"alcohol_by_volume": 0, "nested": {"deep": {"deeper": [1, 2, 3]}}, "is_excisable": false}`,
			want: catalog.Product{ID: "p1", Name: "Хлеб"},
		},
		{
			name:  "integer numbers",
			input: `{"id": "p1", "price": 150, "cost_price": 0, "quantity": 3}`,
			want:  catalog.Product{ID: "p1", Price: 15000, Quantity: decimalPointer(t, "3")},
		},
		{
			name:  "exponent numbers",
			input: `{"id": "p1", "price": 1.5e2, "cost_price": 1E1, "quantity": 2.5e-1}`,
			want:  catalog.Product{ID: "p1", Price: 15000, CostPrice: 1000, Quantity: decimalPointer(t, "0.25")},
		},
		{
			name:  "price rounded half up",
			input: `{"id": "p1", "price": 99.999, "cost_price": 0.005}`,
			want:  catalog.Product{ID: "p1", Price: 10000, CostPrice: 1},
		},
		{
			name:  "numbers as strings",
			input: `{"id": "p1", "price": "199.9", "quantity": "0.001"}`,
			want:  catalog.Product{ID: "p1", Price: 19990, Quantity: decimalPointer(t, "0.001")},
		},
		{
			name:  "ids and codes as numbers",
			input: `{"id": 42, "parent_id": 7, "code": 17, "article_number": 12345, "barcodes": [4601234567890]}`,
			want: catalog.Product{
				ID:            "42",
				ParentID:      "7",
				Code:          "17",
				ArticleNumber: "12345",
				Barcodes:      []string{"4601234567890"},
			},
		},
		{
			name:  "single barcode as string",
			input: `{"id": "p1", "barcodes": "4601234567890"}`,
			want:  catalog.Product{ID: "p1", Barcodes: []string{"4601234567890"}},
		},
		{
			name:  "quantity zero",
			input: `{"id": "p1", "quantity": 0}`,
			want:  catalog.Product{ID: "p1", Quantity: decimalPointer(t, "0")},
		},
		{
			name:  "quantity negative",
			input: `{"id": "p1", "quantity": -1}`,
			want:  catalog.Product{ID: "p1", Quantity: decimalPointer(t, "-1")},
		},
		{
			name:  "allow_to_sell false",
			input: `{"id": "p1", "allow_to_sell": false}`,
			want:  catalog.Product{ID: "p1", AllowToSell: boolPointer(false)},
		},
		{
			name:  "updated_at RFC 3339",
			input: `{"id": "p1", "updated_at": "2018-09-11T19:18:35.397+03:00"}`,
			want:  catalog.Product{ID: "p1", UpdatedAt: time.Date(2018, 9, 11, 16, 18, 35, 397_000_000, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got catalog.Product
			if err := json.Unmarshal([]byte(tt.input), &got); err != nil {
				t.Fatalf("Unmarshal returned error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, exactDecimal); diff != "" {
				t.Errorf("Unmarshal mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProductUnmarshalJSONReplacesOldValue(t *testing.T) {
	got := catalog.Product{Name: "старое", Quantity: decimalPointer(t, "5"), AllowToSell: boolPointer(false)}
	if err := json.Unmarshal([]byte(`{"id": "p1"}`), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(catalog.Product{ID: "p1"}, got, exactDecimal); diff != "" {
		t.Errorf("Unmarshal mismatch (-want +got):\n%s", diff)
	}
}

func TestProductUnmarshalJSONRejects(t *testing.T) {
	tests := []struct {
		name  string
		input string
	}{
		{"not an object", `[]`},
		{"negative price", `{"id": "p1", "price": -5}`},
		{"negative cost price", `{"id": "p1", "cost_price": -0.01}`},
		{"price too large", `{"id": "p1", "price": 1e13}`},
		{"price not a number", `{"id": "p1", "price": "abc"}`},
		{"price boolean", `{"id": "p1", "price": true}`},
		{"quantity not a number", `{"id": "p1", "quantity": "много"}`},
		{"quantity object", `{"id": "p1", "quantity": {}}`},
		{"updated_at invalid", `{"id": "p1", "updated_at": "вчера"}`},
		{"name not a string", `{"id": "p1", "name": ["Хлеб"]}`},
		{"allow_to_sell string", `{"id": "p1", "allow_to_sell": "no"}`},
		{"id object", `{"id": {"value": 1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got catalog.Product
			if err := json.Unmarshal([]byte(tt.input), &got); err == nil {
				t.Errorf("Unmarshal(%s) = %+v, want an error", tt.input, got)
			}
		})
	}
}

func TestProductListUnmarshalJSON(t *testing.T) {
	input := `{
		"items": [
			{"id": "p1", "name": "Хлеб", "price": 45},
			{"id": "p2", "name": "Соль", "price": 19.9, "quantity": 0}
		],
		"paging": {}
	}`
	var page struct {
		Items []catalog.Product `json:"items"`
	}
	if err := json.Unmarshal([]byte(input), &page); err != nil {
		t.Fatalf("Unmarshal returned error: %v", err)
	}
	want := []catalog.Product{
		{ID: "p1", Name: "Хлеб", Price: 4500},
		{ID: "p2", Name: "Соль", Price: 1990, Quantity: decimalPointer(t, "0")},
	}
	if diff := cmp.Diff(want, page.Items, exactDecimal); diff != "" {
		t.Errorf("Unmarshal mismatch (-want +got):\n%s", diff)
	}
}

func TestGroupUnmarshalJSON(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  catalog.Group
	}{
		{
			name:  "all fields",
			input: `{"id": "g1", "parent_id": "g0", "name": "Молочные продукты", "barcodes": [], "attributes": []}`,
			want:  catalog.Group{ID: "g1", ParentID: "g0", Name: "Молочные продукты"},
		},
		{
			name:  "top level",
			input: `{"id": "g1", "name": "Хлеб"}`,
			want:  catalog.Group{ID: "g1", Name: "Хлеб"},
		},
		{
			name:  "numeric ids",
			input: `{"id": 2, "parent_id": 1, "name": "Хлеб"}`,
			want:  catalog.Group{ID: "2", ParentID: "1", Name: "Хлеб"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got catalog.Group
			if err := json.Unmarshal([]byte(tt.input), &got); err != nil {
				t.Fatalf("Unmarshal returned error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Unmarshal mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGroupUnmarshalJSONRejects(t *testing.T) {
	var got catalog.Group
	if err := json.Unmarshal([]byte(`{"id": "g1", "name": 5}`), &got); err == nil {
		t.Errorf("Unmarshal = %+v, want an error", got)
	}
}

func TestParseEvotorTime(t *testing.T) {
	moscow := time.FixedZone("", 3*60*60)
	tests := []struct {
		input string
		want  time.Time
	}{
		{"2018-09-11T16:18:35.397+0000", time.Date(2018, 9, 11, 16, 18, 35, 397_000_000, time.UTC)},
		{"2018-09-11T16:18:35+0000", time.Date(2018, 9, 11, 16, 18, 35, 0, time.UTC)},
		{"2018-09-11T19:18:35.397+0300", time.Date(2018, 9, 11, 19, 18, 35, 397_000_000, moscow)},
		{"2018-09-11T16:18:35.397Z", time.Date(2018, 9, 11, 16, 18, 35, 397_000_000, time.UTC)},
		{"2018-09-11T19:18:35+03:00", time.Date(2018, 9, 11, 19, 18, 35, 0, moscow)},
		{"2018-09-11T16:18:35.123456789Z", time.Date(2018, 9, 11, 16, 18, 35, 123456789, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			got, err := catalog.ParseEvotorTime(tt.input)
			if err != nil {
				t.Fatalf("ParseEvotorTime(%q) returned error: %v", tt.input, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseEvotorTime(%q) = %v, want %v", tt.input, got, tt.want)
			}
		})
	}
}

func TestParseEvotorTimeRejects(t *testing.T) {
	for _, input := range []string{"", "2018-09-11", "11.09.2018 16:18", "2018-09-11T16:18:35", "вчера"} {
		t.Run(input, func(t *testing.T) {
			if got, err := catalog.ParseEvotorTime(input); err == nil {
				t.Errorf("ParseEvotorTime(%q) = %v, want an error", input, got)
			}
		})
	}
}

func decimalPointer(t *testing.T, s string) *catalog.Decimal {
	t.Helper()
	d := mustDecimal(t, s)
	return &d
}

func boolPointer(b bool) *bool { return &b }

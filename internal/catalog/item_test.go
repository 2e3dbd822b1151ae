package catalog_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/evosync/evosync/internal/catalog"
	"github.com/google/go-cmp/cmp"
)

func TestMapProduct(t *testing.T) {
	tests := []struct {
		name    string
		product catalog.Product
		want    catalog.Item
	}{
		{
			name: "complete product",
			product: catalog.Product{
				ID:            "p1",
				ParentID:      "g1",
				Name:          "Молоко 3,2% 1 л",
				Type:          "NORMAL",
				MeasureName:   "шт",
				Description:   "Пастеризованное молоко из Вологды.",
				ArticleNumber: "MLK-32",
				Code:          "17",
				Price:         8990,
				Quantity:      decimalPointer(t, "12"),
				AllowToSell:   boolPointer(true),
				Barcodes:      []string{"4601234567890"},
			},
			want: catalog.Item{
				Name:        "Молоко 3,2% 1 л",
				Description: "Пастеризованное молоко из Вологды.",
				Price:       8990,
				SKU:         "MLK-32",
				GroupID:     "g1",
			},
		},
		{
			name: "built description",
			product: catalog.Product{
				Name:          "Сыр «Российский» 45%",
				MeasureName:   "кг",
				ArticleNumber: "SYR-45",
				Code:          "301",
				Price:         79900,
				Barcodes:      []string{"2000000000015", "", "2000000000022", "2000000000015"},
			},
			want: catalog.Item{
				Name: "Сыр «Российский» 45%",
				Description: "Сыр «Российский» 45%\n" +
					"Артикул: SYR-45\n" +
					"Единица измерения: кг\n" +
					"Штрихкоды: 2000000000015, 2000000000022",
				Price: 79900,
				SKU:   "SYR-45",
			},
		},
		{
			name: "short name without measure",
			product: catalog.Product{
				Name:  "Чай",
				Code:  "5",
				Price: 100,
			},
			want: catalog.Item{
				Name:        "Товар «Чай»",
				Description: "Чай\nПодробности уточняйте у продавца.",
				Price:       100,
				SKU:         "5",
			},
		},
		{
			name:    "empty product",
			product: catalog.Product{},
			want: catalog.Item{
				Name:        "Товар без названия",
				Description: "Товар без названия",
			},
		},
		{
			name: "hidden service",
			product: catalog.Product{
				Name:        "Доставка",
				Type:        catalog.TypeService,
				Quantity:    decimalPointer(t, "0"),
				AllowToSell: boolPointer(false),
				Price:       30000,
			},
			want: catalog.Item{
				Name:         "Доставка",
				Description:  "Доставка\nПодробности уточняйте у продавца.",
				Price:        30000,
				Hidden:       true,
				HiddenReason: "продажа запрещена в Эвоторе",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := catalog.MapProduct(tt.product)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("MapProduct mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMapProductName(t *testing.T) {
	cyrillic99 := strings.Repeat("Ж", 99)
	a98 := strings.Repeat("а", 98)
	tests := []struct {
		name    string
		product catalog.Product
		want    string
	}{
		{"plain", catalog.Product{Name: "Молоко 3,2% 1 л"}, "Молоко 3,2% 1 л"},
		{"white space collapsed", catalog.Product{Name: "  Молоко\n\t3,2%\u00a0 1 л  "}, "Молоко 3,2% 1 л"},
		{"control characters dropped", catalog.Product{Name: "Сыр\x00 \ufffdГауда\x07"}, "Сыр Гауда"},
		{"invalid UTF-8 dropped", catalog.Product{Name: "Кефир\xff\xfe"}, "Кефир"},
		{"exactly 100 runes kept", catalog.Product{Name: strings.Repeat("Ж", 100)}, strings.Repeat("Ж", 100)},
		{"101 runes cut", catalog.Product{Name: strings.Repeat("Ж", 101)}, cyrillic99 + "…"},
		{"128 runes cut", catalog.Product{Name: strings.Repeat("Ж", 128)}, cyrillic99 + "…"},
		{"emoji before cut kept", catalog.Product{Name: strings.Repeat("а", 97) + "🍎🍎🍎🍎"}, strings.Repeat("а", 97) + "🍎🍎…"},
		{"emoji modifier not split", catalog.Product{Name: a98 + "👍🏽 хорошо"}, a98 + "…"},
		{"flag not split", catalog.Product{Name: a98 + "🇷🇺 сыр"}, a98 + "…"},
		{"whole flag kept", catalog.Product{Name: strings.Repeat("а", 97) + "🇷🇺🇷🇺 сыр"}, strings.Repeat("а", 97) + "🇷🇺…"},
		{"combining mark not split", catalog.Product{Name: a98 + "и\u0306огурт"}, a98 + "…"},
		{"joined emoji not split", catalog.Product{Name: strings.Repeat("а", 96) + "👨\u200d👩\u200d👧 набор"}, strings.Repeat("а", 96) + "…"},
		{"space before cut trimmed", catalog.Product{Name: a98 + " бббб"}, a98 + "…"},
		{"comma before cut trimmed", catalog.Product{Name: strings.Repeat("а", 97) + ", бббб"}, strings.Repeat("а", 97) + "…"},
		{"punctuation only", catalog.Product{Name: strings.Repeat(",", 150)}, strings.Repeat(",", 99) + "…"},
		{"short after cut padded", catalog.Product{Name: "аб" + strings.Repeat(",", 150), MeasureName: "шт"}, "аб…, шт"},
		{"short after cut wrapped", catalog.Product{Name: "аб" + strings.Repeat(";", 150)}, "Товар «аб…»"},
		{"long measure cut", catalog.Product{Name: "Чай", MeasureName: strings.Repeat("м", 120)}, "Чай, " + strings.Repeat("м", 94) + "…"},
		{"three runes with measure", catalog.Product{Name: "Чай", MeasureName: "шт"}, "Чай, шт"},
		{"three runes without measure", catalog.Product{Name: "Чай"}, "Товар «Чай»"},
		{"one rune with measure", catalog.Product{Name: "Ё", MeasureName: "л"}, "Ё, л"},
		{"short after trimming", catalog.Product{Name: "  Рис \n", MeasureName: " кг "}, "Рис, кг"},
		{"four runes kept", catalog.Product{Name: "Хлеб", MeasureName: "шт"}, "Хлеб"},
		{"white space only with article", catalog.Product{Name: " \n\t ", ArticleNumber: "A-1", Code: "17"}, "Товар без названия (арт. A-1)"},
		{"white space only with code", catalog.Product{Name: "   ", Code: "17"}, "Товар без названия (код 17)"},
		{"white space only", catalog.Product{Name: "\u00a0\u2003"}, "Товар без названия"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := catalog.MapProduct(tt.product).Name
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("name mismatch (-want +got):\n%s", diff)
			}
			if n := utf8.RuneCountInString(got); n < catalog.MinNameLength || n > catalog.MaxNameLength {
				t.Errorf("name %q has %d runes, want %d to %d", got, n, catalog.MinNameLength, catalog.MaxNameLength)
			}
		})
	}
}

func TestMapProductNameCutAt100Runes(t *testing.T) {
	names := []string{
		strings.Repeat("Ж", 150),
		strings.Repeat("Молоко ", 30),
		strings.Repeat("🍎", 150),
		strings.Repeat("Сыр🧀", 50),
	}
	for _, name := range names {
		got := catalog.MapProduct(catalog.Product{Name: name}).Name
		if n := utf8.RuneCountInString(got); n != catalog.MaxNameLength {
			t.Errorf("name of %d runes cut to %d runes, want %d: %q", utf8.RuneCountInString(name), n, catalog.MaxNameLength, got)
		}
		if !utf8.ValidString(got) {
			t.Errorf("cut name is not valid UTF-8: %q", got)
		}
		if !strings.HasSuffix(got, "…") {
			t.Errorf("cut name %q does not end with an ellipsis", got)
		}
	}
}

func TestMapProductDescription(t *testing.T) {
	long := strings.Repeat("Описание ", 600)
	tests := []struct {
		name    string
		product catalog.Product
		want    string
	}{
		{
			name:    "Evotor description trimmed",
			product: catalog.Product{Name: "Хлеб", Description: "  Свежий хлеб\r\n\r\n\r\n  из печи  \n"},
			want:    "Свежий хлеб\n\nиз печи",
		},
		{
			name:    "exactly ten runes kept",
			product: catalog.Product{Name: "Хлеб", Description: "Ржаной хлб"},
			want:    "Ржаной хлб",
		},
		{
			name:    "long description cut",
			product: catalog.Product{Name: "Хлеб", Description: long},
			want:    string([]rune(long)[:catalog.MaxDescriptionLength-1]) + "…",
		},
		{
			name:    "short description extended",
			product: catalog.Product{Name: "Хлеб", Description: "Вкусный", MeasureName: "шт"},
			want:    "Хлеб\nВкусный\nЕдиница измерения: шт",
		},
		{
			name:    "one barcode",
			product: catalog.Product{Name: "Хлеб", Barcodes: []string{" 4601234567890 "}},
			want:    "Хлеб\nШтрихкод: 4601234567890",
		},
		{
			name:    "only empty barcodes",
			product: catalog.Product{Name: "Хлеб", Barcodes: []string{"", " "}},
			want:    "Хлеб\nПодробности уточняйте у продавца.",
		},
		{
			name:    "code left out",
			product: catalog.Product{Name: "Булочка с маком", Code: "17"},
			want:    "Булочка с маком",
		},
		{
			name:    "full name kept when item name is cut",
			product: catalog.Product{Name: strings.Repeat("Ж", 120)},
			want:    strings.Repeat("Ж", 120),
		},
		{
			name:    "short after cut",
			product: catalog.Product{Name: "Хлеб", Description: "Свежий" + strings.Repeat(",", 4000)},
			want:    "Хлеб\nСвежий…",
		},
		{
			name:    "white space only",
			product: catalog.Product{Name: "Хлеб", Description: " \n\t\r\n "},
			want:    "Хлеб\nПодробности уточняйте у продавца.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := catalog.MapProduct(tt.product).Description
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("description mismatch (-want +got):\n%s", diff)
			}
			if n := utf8.RuneCountInString(got); n < catalog.MinDescriptionLength || n > catalog.MaxDescriptionLength {
				t.Errorf("description has %d runes, want %d to %d", n, catalog.MinDescriptionLength, catalog.MaxDescriptionLength)
			}
		})
	}
}

func TestMapProductDescriptionMinimumLength(t *testing.T) {
	products := []catalog.Product{
		{},
		{Name: "Ё"},
		{Name: "Чай"},
		{Name: "   "},
		{Name: "Чай", Description: "ок"},
		{Name: "🍎"},
	}
	for _, product := range products {
		got := catalog.MapProduct(product).Description
		if n := utf8.RuneCountInString(got); n < catalog.MinDescriptionLength {
			t.Errorf("description for %+v has %d runes, want at least %d: %q", product, n, catalog.MinDescriptionLength, got)
		}
	}
}

func TestMapProductSKU(t *testing.T) {
	article60 := strings.Repeat("A", 60)
	tests := []struct {
		name    string
		product catalog.Product
		want    string
	}{
		{"article number", catalog.Product{ArticleNumber: "A-1", Code: "17"}, "A-1"},
		{"code", catalog.Product{Code: "17"}, "17"},
		{"neither", catalog.Product{}, ""},
		{"white space article", catalog.Product{ArticleNumber: "  ", Code: "17"}, "17"},
		{"article trimmed", catalog.Product{ArticleNumber: " A-1\n"}, "A-1"},
		{"long article falls back to code", catalog.Product{ArticleNumber: article60, Code: "17"}, "17"},
		{"long article cut", catalog.Product{ArticleNumber: article60}, strings.Repeat("A", 50)},
		{"50 runes kept", catalog.Product{ArticleNumber: strings.Repeat("Ж", 50)}, strings.Repeat("Ж", 50)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := catalog.MapProduct(tt.product).SKU
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SKU mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMapProductHidden(t *testing.T) {
	tests := []struct {
		name       string
		product    catalog.Product
		wantHidden bool
		wantReason string
	}{
		{"quantity absent", catalog.Product{}, false, ""},
		{"allowed, quantity absent", catalog.Product{AllowToSell: boolPointer(true)}, false, ""},
		{"allow_to_sell false", catalog.Product{AllowToSell: boolPointer(false), Quantity: decimalPointer(t, "5")}, true, "продажа запрещена в Эвоторе"},
		{"quantity 0", catalog.Product{Quantity: decimalPointer(t, "0"), MeasureName: "шт"}, true, "нет в наличии (остаток 0 шт)"},
		{"quantity 0 without measure", catalog.Product{Quantity: decimalPointer(t, "0")}, true, "нет в наличии (остаток 0)"},
		{"quantity -1", catalog.Product{Quantity: decimalPointer(t, "-1"), MeasureName: "шт"}, true, "нет в наличии (остаток -1 шт)"},
		{"quantity -0.5", catalog.Product{Quantity: decimalPointer(t, "-0.5"), MeasureName: "кг"}, true, "нет в наличии (остаток -0,5 кг)"},
		{"quantity 0.000", catalog.Product{Quantity: decimalPointer(t, "0.000"), MeasureName: "кг"}, true, "нет в наличии (остаток 0,000 кг)"},
		{"quantity 0.001", catalog.Product{Quantity: decimalPointer(t, "0.001"), MeasureName: "кг"}, false, ""},
		{"quantity 1", catalog.Product{Quantity: decimalPointer(t, "1")}, false, ""},
		{
			"both reasons",
			catalog.Product{AllowToSell: boolPointer(false), Quantity: decimalPointer(t, "0"), MeasureName: "шт"},
			true,
			"продажа запрещена в Эвоторе; нет в наличии (остаток 0 шт)",
		},
		{"service with quantity 0", catalog.Product{Type: catalog.TypeService, Quantity: decimalPointer(t, "0")}, false, ""},
		{"service not allowed", catalog.Product{Type: catalog.TypeService, AllowToSell: boolPointer(false)}, true, "продажа запрещена в Эвоторе"},
		{"alcohol in stock", catalog.Product{Type: "ALCOHOL_MARKED", Quantity: decimalPointer(t, "3")}, false, ""},
		{"tobacco out of stock", catalog.Product{Type: "TOBACCO_MARKED", Quantity: decimalPointer(t, "0")}, true, "нет в наличии (остаток 0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := catalog.MapProduct(tt.product)
			if got.Hidden != tt.wantHidden {
				t.Errorf("Hidden = %v, want %v", got.Hidden, tt.wantHidden)
			}
			if diff := cmp.Diff(tt.wantReason, got.HiddenReason); diff != "" {
				t.Errorf("HiddenReason mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMapProductCopiesPriceAndGroup(t *testing.T) {
	got := catalog.MapProduct(catalog.Product{Name: "Хлеб", Price: 4550, CostPrice: 3000, ParentID: "g7"})
	if got.Price != 4550 {
		t.Errorf("Price = %d, want 4550", got.Price)
	}
	if got.GroupID != "g7" {
		t.Errorf("GroupID = %q, want %q", got.GroupID, "g7")
	}
}

// FuzzMapProduct checks the limits VK sets on every item, whatever the
// product contains.
func FuzzMapProduct(f *testing.F) {
	f.Add("Молоко 3,2% 1 л", "", "шт", "MLK-32", "17", "0")
	f.Add("Чай", "ок", "", "", "", "-1")
	f.Add("", " \n ", "", "", "", "0.001")
	f.Add(strings.Repeat("Ж🍎", 80), strings.Repeat(",", 4000), strings.Repeat("м", 200), strings.Repeat("A", 60), "", "5")
	f.Add("a\u0301\u0301\u0301", "\x00\xff", "\u200d", "\ufffd", " ", "1e2")
	f.Fuzz(func(t *testing.T, name, description, measure, article, code, quantity string) {
		product := catalog.Product{
			Name:          name,
			Description:   description,
			MeasureName:   measure,
			ArticleNumber: article,
			Code:          code,
		}
		if q, err := catalog.ParseDecimal(quantity); err == nil {
			product.Quantity = &q
		}
		item := catalog.MapProduct(product)

		if n := utf8.RuneCountInString(item.Name); n < catalog.MinNameLength || n > catalog.MaxNameLength {
			t.Errorf("name %q has %d runes", item.Name, n)
		}
		if n := utf8.RuneCountInString(item.Description); n < catalog.MinDescriptionLength || n > catalog.MaxDescriptionLength {
			t.Errorf("description %q has %d runes", item.Description, n)
		}
		if n := utf8.RuneCountInString(item.SKU); n > catalog.MaxSKULength {
			t.Errorf("SKU %q has %d runes", item.SKU, n)
		}
		for field, value := range map[string]string{"name": item.Name, "description": item.Description, "SKU": item.SKU} {
			if !utf8.ValidString(value) {
				t.Errorf("%s %q is not valid UTF-8", field, value)
			}
			if strings.ContainsRune(value, utf8.RuneError) {
				t.Errorf("%s %q contains U+FFFD", field, value)
			}
		}
		if strings.ContainsAny(item.Name, "\n\r\t") {
			t.Errorf("name %q contains a line break or tab", item.Name)
		}
		if item.Hidden != (item.HiddenReason != "") {
			t.Errorf("Hidden = %v with reason %q", item.Hidden, item.HiddenReason)
		}
	})
}

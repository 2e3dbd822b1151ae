package catalog_test

import (
	"math"
	"math/big"
	"testing"

	"github.com/evosync/evosync/internal/catalog"
	"github.com/google/go-cmp/cmp"
)

func TestParseRubles(t *testing.T) {
	tests := []struct {
		input string
		want  catalog.Kopecks
	}{
		{"199.9", 19990},
		{"199.90", 19990},
		{"150", 15000},
		{"0", 0},
		{"-0", 0},
		{"-0.00", 0},
		{"0.1", 10},
		{"0.2", 20},
		{"0.3", 30},
		{"0.01", 1},
		{"0.005", 1},
		{"0.0049", 0},
		{"0.0000000001", 0},
		{"99.994", 9999},
		{"99.995", 10000},
		{"99.999", 10000},
		{"1e2", 10000},
		{"1E2", 10000},
		{"2.5E+1", 2500},
		{"1.5e-2", 2},
		{"1.4e-2", 1},
		{"12345e-2", 12345},
		{"1e-400", 0},
		{"0e99999", 0},
		{"007.50", 750},
		{"+5", 500},
		{".5", 50},
		{"5.", 500},
		{"999999999999", catalog.MaxKopecks},
		{"999999999999.00", catalog.MaxKopecks},
		{"999999999999.004", catalog.MaxKopecks},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			got, err := catalog.ParseRubles(tt.input)
			if err != nil {
				t.Fatalf("ParseRubles(%q) returned error: %v", tt.input, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseRubles(%q) mismatch (-want +got):\n%s", tt.input, diff)
			}
		})
	}
}

func TestParseRublesRejects(t *testing.T) {
	inputs := []string{
		"",
		" 5",
		"5 ",
		"abc",
		"1,5",
		"1.2.3",
		".",
		"-",
		"e5",
		"1e",
		"1e+",
		"0x10",
		"NaN",
		"Inf",
		"-5",
		"-0.01",
		"-1e2",
		"1e12",
		"1000000000000",
		"999999999999.01",
		"999999999999.995",
		"99999999999999999999999999",
		"1e99999999999",
		"1e-99999999999",
	}
	for _, input := range inputs {
		t.Run(input, func(t *testing.T) {
			got, err := catalog.ParseRubles(input)
			if err == nil {
				t.Errorf("ParseRubles(%q) = %d, want an error", input, got)
			}
		})
	}
}

func TestParseRublesSumIsExact(t *testing.T) {
	a, err := catalog.ParseRubles("0.1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := catalog.ParseRubles("0.2")
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.ParseRubles("0.3")
	if err != nil {
		t.Fatal(err)
	}
	if a+b != c {
		t.Errorf("0.1 + 0.2 = %d kopecks, want %d", a+b, c)
	}
	if c != 30 {
		t.Errorf("0.3 = %d kopecks, want 30", c)
	}
}

func TestKopecksRubles(t *testing.T) {
	tests := []struct {
		kopecks catalog.Kopecks
		want    string
	}{
		{19990, "199.90"},
		{0, "0.00"},
		{5, "0.05"},
		{10, "0.10"},
		{100, "1.00"},
		{10000, "100.00"},
		{-150, "-1.50"},
		{-5, "-0.05"},
		{catalog.MaxKopecks, "999999999999.00"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.kopecks.Rubles()); diff != "" {
				t.Errorf("Kopecks(%d).Rubles() mismatch (-want +got):\n%s", int64(tt.kopecks), diff)
			}
		})
	}
}

func TestKopecksRublesRoundTrip(t *testing.T) {
	for _, kopecks := range []catalog.Kopecks{0, 1, 9, 10, 99, 100, 19990, 123456789, catalog.MaxKopecks} {
		text := kopecks.Rubles()
		got, err := catalog.ParseRubles(text)
		if err != nil {
			t.Errorf("ParseRubles(%q) returned error: %v", text, err)
			continue
		}
		if got != kopecks {
			t.Errorf("ParseRubles(%q) = %d, want %d", text, got, kopecks)
		}
	}
}

// FuzzParseRubles compares ParseRubles with a math/big reference.
func FuzzParseRubles(f *testing.F) {
	for _, seed := range []string{"199.9", "0.005", "99.999", "1e2", "-5", "1.5e-2", "999999999999.995", "abc", "0e99999"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		got, err := catalog.ParseRubles(input)
		if err != nil {
			return
		}
		// big.Rat accepts every form ParseRubles does, and more.
		rubles, ok := new(big.Rat).SetString(input)
		if !ok {
			t.Fatalf("ParseRubles(%q) = %d, but big.Rat rejects the input", input, got)
		}
		// Half-up rounding: floor(rubles × 100 + 1/2).
		kopecks := new(big.Rat).Mul(rubles, big.NewRat(100, 1))
		kopecks.Add(kopecks, big.NewRat(1, 2))
		want := new(big.Int).Quo(kopecks.Num(), kopecks.Denom())
		if kopecks.Sign() < 0 {
			t.Fatalf("ParseRubles(%q) = %d, want an error for a negative amount", input, got)
		}
		if want.Cmp(big.NewInt(int64(got))) != 0 {
			t.Errorf("ParseRubles(%q) = %d, want %s", input, got, want)
		}
	})
}

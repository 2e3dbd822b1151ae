package catalog_test

import (
	"encoding/json"
	"math/big"
	"testing"

	"github.com/evosync/evosync/internal/catalog"
	"github.com/google/go-cmp/cmp"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		input    string
		wantText string
		wantSign int
	}{
		{"2.500", "2.500", 1},
		{"0", "0", 0},
		{"-0", "0", 0},
		{"-0.0", "0.0", 0},
		{"0.000", "0.000", 0},
		{"-1", "-1", -1},
		{"0.001", "0.001", 1},
		{"-0.001", "-0.001", -1},
		{"1e2", "100", 1},
		{"2.50e1", "25.0", 1},
		{"1.5e-3", "0.0015", 1},
		{"-25E-1", "-2.5", -1},
		{"0e5", "0", 0},
		{"007", "7", 1},
		{"+3", "3", 1},
		{"100", "100", 1},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			got, err := catalog.ParseDecimal(tt.input)
			if err != nil {
				t.Fatalf("ParseDecimal(%q) returned error: %v", tt.input, err)
			}
			if diff := cmp.Diff(tt.wantText, got.String()); diff != "" {
				t.Errorf("String() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSign, got.Sign()); diff != "" {
				t.Errorf("Sign() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDecimalRejects(t *testing.T) {
	for _, input := range []string{"", "abc", "--1", "1.2.3", "1e", "1e41", "1e-50", "0x1"} {
		t.Run(input, func(t *testing.T) {
			got, err := catalog.ParseDecimal(input)
			if err == nil {
				t.Errorf("ParseDecimal(%q) = %s, want an error", input, got)
			}
		})
	}
}

func TestDecimalZeroValue(t *testing.T) {
	var d catalog.Decimal
	if got := d.String(); got != "0" {
		t.Errorf("String() = %q, want %q", got, "0")
	}
	if got := d.Sign(); got != 0 {
		t.Errorf("Sign() = %d, want 0", got)
	}
}

func TestDecimalEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"2.5", "2.500", true},
		{"0", "0.000", true},
		{"10", "10.0", true},
		{"2.5", "2.4", false},
		{"10", "1", false},
		{"-1", "1", false},
		{"0.10", "0.1", true},
	}
	for _, tt := range tests {
		t.Run(tt.a+"="+tt.b, func(t *testing.T) {
			a := mustDecimal(t, tt.a)
			b := mustDecimal(t, tt.b)
			if got := a.Equal(b); got != tt.want {
				t.Errorf("%s.Equal(%s) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := b.Equal(a); got != tt.want {
				t.Errorf("%s.Equal(%s) = %v, want %v", tt.b, tt.a, got, tt.want)
			}
		})
	}

	if !(catalog.Decimal{}).Equal(mustDecimal(t, "0")) {
		t.Error("zero value does not equal 0")
	}
}

func TestDecimalUnmarshalJSON(t *testing.T) {
	tests := []struct {
		input string
		want  string
	}{
		{`2.500`, "2.500"},
		{`"2.500"`, "2.500"},
		{`" 3 "`, "3"},
		{`-1`, "-1"},
		{`1e2`, "100"},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			var d catalog.Decimal
			if err := json.Unmarshal([]byte(tt.input), &d); err != nil {
				t.Fatalf("Unmarshal(%s) returned error: %v", tt.input, err)
			}
			if diff := cmp.Diff(tt.want, d.String()); diff != "" {
				t.Errorf("Unmarshal(%s) mismatch (-want +got):\n%s", tt.input, diff)
			}
		})
	}
}

func TestDecimalUnmarshalJSONNullKeepsValue(t *testing.T) {
	d := mustDecimal(t, "7")
	if err := json.Unmarshal([]byte(`null`), &d); err != nil {
		t.Fatalf("Unmarshal(null) returned error: %v", err)
	}
	if got := d.String(); got != "7" {
		t.Errorf("after Unmarshal(null) String() = %q, want %q", got, "7")
	}
}

func TestDecimalUnmarshalJSONRejects(t *testing.T) {
	for _, input := range []string{`true`, `{}`, `[]`, `"abc"`, `""`} {
		t.Run(input, func(t *testing.T) {
			var d catalog.Decimal
			if err := json.Unmarshal([]byte(input), &d); err == nil {
				t.Errorf("Unmarshal(%s) = %s, want an error", input, d)
			}
		})
	}
}

func TestDecimalMarshalJSON(t *testing.T) {
	value := struct {
		Quantity catalog.Decimal `json:"quantity"`
	}{mustDecimal(t, "2.500")}
	got, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(`{"quantity":2.500}`, string(got)); diff != "" {
		t.Errorf("Marshal mismatch (-want +got):\n%s", diff)
	}
}

func mustDecimal(t *testing.T, s string) catalog.Decimal {
	t.Helper()
	d, err := catalog.ParseDecimal(s)
	if err != nil {
		t.Fatalf("ParseDecimal(%q): %v", s, err)
	}
	return d
}

// FuzzParseDecimal checks that the plain notation has the parsed value and
// that Sign agrees with it.
func FuzzParseDecimal(f *testing.F) {
	for _, seed := range []string{"2.500", "-0", "1e2", "2.50e1", "-25E-1", "0e5", "007", "abc"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		d, err := catalog.ParseDecimal(input)
		if err != nil {
			return
		}
		want, ok := new(big.Rat).SetString(input)
		if !ok {
			t.Fatalf("ParseDecimal(%q) = %s, but big.Rat rejects the input", input, d)
		}
		got, ok := new(big.Rat).SetString(d.String())
		if !ok {
			t.Fatalf("String() = %q is not a number", d.String())
		}
		if got.Cmp(want) != 0 {
			t.Errorf("ParseDecimal(%q) = %s, want the value %s", input, d, want.RatString())
		}
		if d.Sign() != want.Sign() {
			t.Errorf("ParseDecimal(%q).Sign() = %d, want %d", input, d.Sign(), want.Sign())
		}
		again, err := catalog.ParseDecimal(d.String())
		if err != nil || again.String() != d.String() {
			t.Errorf("ParseDecimal(%q) = %s, %v, want %s unchanged", d.String(), again, err, d)
		}
	})
}

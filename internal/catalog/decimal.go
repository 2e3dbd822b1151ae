package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Decimal is an exact decimal number, such as a stock quantity of "2.500"
// kilograms. It keeps the digits it was parsed from, including trailing zeros
// after the decimal point. The zero value is 0.
type Decimal struct {
	// text is the number in plain notation, without exponent, redundant
	// leading zeros or a '+' sign. It is empty for the zero value.
	text string
}

// maxDecimalDigits bounds the number of digits in plain notation, so that an
// input such as "1e1000000" is rejected instead of expanded to a megabyte.
const maxDecimalDigits = 40

// ParseDecimal parses a decimal number in JSON number syntax, also accepting
// a leading '+' and leading zeros. Exponents are expanded: "2.50e1" becomes
// "25.0". Numbers with more than 40 digits in plain notation are rejected.
func ParseDecimal(s string) (Decimal, error) {
	n, err := parseDecimalNumber(s)
	if err != nil {
		return Decimal{}, fmt.Errorf("invalid decimal %q: %w", s, err)
	}

	var scale int64 // digits after the decimal point
	if n.exponent < 0 {
		scale = -n.exponent
	}
	length := max(int64(len(n.digits))+n.exponent, 0) + scale
	if length > maxDecimalDigits {
		return Decimal{}, fmt.Errorf("invalid decimal %q: more than %d digits", s, maxDecimalDigits)
	}

	digits := n.digits
	if digits != "" && n.exponent > 0 {
		digits += strings.Repeat("0", int(n.exponent))
	}
	// Pad with zeros so that at least one digit precedes the decimal point.
	if int64(len(digits)) <= scale {
		digits = strings.Repeat("0", int(scale)+1-len(digits)) + digits
	}
	text := digits
	if scale > 0 {
		point := len(digits) - int(scale)
		text = digits[:point] + "." + digits[point:]
	}
	if n.negative {
		text = "-" + text
	}
	return Decimal{text: text}, nil
}

// String returns the number in plain notation, for example "2.500" or "-1".
func (d Decimal) String() string {
	if d.text == "" {
		return "0"
	}
	return d.text
}

// Sign returns -1, 0 or +1 for a negative, zero or positive number.
func (d Decimal) Sign() int {
	if strings.HasPrefix(d.text, "-") {
		return -1
	}
	if strings.Trim(d.text, "0.") == "" {
		return 0
	}
	return 1
}

// Equal reports whether d and other are the same number, ignoring trailing
// zeros after the decimal point: "2.5" equals "2.500".
func (d Decimal) Equal(other Decimal) bool {
	return d.canonical() == other.canonical()
}

// canonical returns the text without trailing fractional zeros.
func (d Decimal) canonical() string {
	text := d.String()
	if strings.Contains(text, ".") {
		text = strings.TrimRight(text, "0")
		text = strings.TrimSuffix(text, ".")
	}
	return text
}

// UnmarshalJSON accepts a JSON number or a string that contains one, such as
// 2.5 or "2.5". JSON null leaves d unchanged, as encoding/json does for other
// types.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	text, isNull, err := jsonNumberText(b)
	if err != nil {
		return fmt.Errorf("invalid decimal: %w", err)
	}
	if isNull {
		return nil
	}
	parsed, err := ParseDecimal(text)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// MarshalJSON writes the number as a JSON number with all its digits.
func (d Decimal) MarshalJSON() ([]byte, error) {
	return []byte(d.String()), nil
}

// jsonNumberText returns the text of a JSON number, or of a JSON string that
// should contain one, with surrounding spaces removed from the string.
// isNull reports a JSON null.
func jsonNumberText(b []byte) (text string, isNull bool, err error) {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return "", true, nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", false, err
		}
		return strings.TrimSpace(s), false, nil
	default:
		var number json.Number
		if err := json.Unmarshal(b, &number); err != nil {
			return "", false, fmt.Errorf("expected a number, got %.40s", b)
		}
		return number.String(), false, nil
	}
}

package catalog

import (
	"errors"
	"strconv"
	"strings"
)

// decimalNumber is a parsed decimal literal: the value is (-1 if negative)
// × digits × 10^exponent. Leading zeros are stripped from digits, so digits is
// empty when the value is zero.
type decimalNumber struct {
	negative bool
	digits   string
	exponent int64
}

var errNotNumber = errors.New("not a decimal number")

// parseDecimalNumber parses a number in JSON number syntax, for example
// "199.9", "-0.5", "1e2" or "2.5E-3". Because quoted numbers may be written
// more loosely, it also accepts a leading '+', leading zeros ("007") and a
// missing integer or fraction part (".5", "5.").
func parseDecimalNumber(s string) (decimalNumber, error) {
	var n decimalNumber
	rest := s
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		n.negative = rest[0] == '-'
		rest = rest[1:]
	}

	integerPart, rest := leadingDigits(rest)
	var fractionPart string
	if rest != "" && rest[0] == '.' {
		fractionPart, rest = leadingDigits(rest[1:])
	}
	if integerPart == "" && fractionPart == "" {
		return decimalNumber{}, errNotNumber
	}

	var exponent int64
	if rest != "" && (rest[0] == 'e' || rest[0] == 'E') {
		text := rest[1:]
		sign := ""
		if text != "" && (text[0] == '-' || text[0] == '+') {
			sign, text = text[:1], text[1:]
		}
		exponentDigits, tail := leadingDigits(text)
		if exponentDigits == "" {
			return decimalNumber{}, errNotNumber
		}
		// A 32-bit exponent is far beyond any price or quantity, and keeping
		// it that small means the arithmetic below cannot overflow int64.
		value, err := strconv.ParseInt(sign+exponentDigits, 10, 32)
		if err != nil {
			return decimalNumber{}, errors.New("exponent out of range")
		}
		exponent, rest = value, tail
	}
	if rest != "" {
		return decimalNumber{}, errNotNumber
	}

	n.digits = strings.TrimLeft(integerPart+fractionPart, "0")
	n.exponent = exponent - int64(len(fractionPart))
	if n.digits == "" {
		n.negative = false
	}
	return n, nil
}

// leadingDigits splits s after its leading ASCII digits.
func leadingDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

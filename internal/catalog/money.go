package catalog

import (
	"fmt"
	"strconv"
)

// Kopecks is an amount of money in kopecks (1/100 of a ruble).
type Kopecks int64

// MaxKopecks is the largest amount ParseRubles accepts: 999 999 999 999 rubles,
// the maximum of the price parameter of VK's market.add and market.edit
// (VKCOM/vk-api-schema, market/methods.json, API 5.199).
const MaxKopecks Kopecks = 999_999_999_999_00

// maxKopecksDigits is the number of digits in MaxKopecks.
const maxKopecksDigits = 14

// ParseRubles converts a decimal ruble amount such as "199.9", "150" or "1e2"
// to kopecks without going through float64, so "0.3" is exactly 30.
// Digits after the second decimal place are rounded half up: "0.005" is 1 and
// "99.999" is 10000. Negative amounts and amounts above MaxKopecks are
// rejected because VK accepts neither as a price. "-0" is zero.
func ParseRubles(s string) (Kopecks, error) {
	n, err := parseDecimalNumber(s)
	if err != nil {
		return 0, fmt.Errorf("invalid ruble amount %q: %w", s, err)
	}
	if n.digits == "" {
		return 0, nil
	}
	if n.negative {
		return 0, fmt.Errorf("invalid ruble amount %q: negative amounts are not allowed", s)
	}

	// The amount in kopecks is digits × 10^shift.
	shift := n.exponent + 2
	tooLarge := fmt.Errorf("invalid ruble amount %q: exceeds the maximum of %s rubles", s, MaxKopecks.Rubles())
	if int64(len(n.digits))+shift > maxKopecksDigits {
		return 0, tooLarge
	}

	var kopecks int64
	if shift >= 0 {
		kopecks = digitsValue(n.digits)
		for range shift {
			kopecks *= 10
		}
	} else {
		// keep is how many leading digits are whole kopecks; it is negative
		// when the amount is below a tenth of a kopeck.
		keep := int64(len(n.digits)) + shift
		if keep > 0 {
			kopecks = digitsValue(n.digits[:keep])
		}
		if keep >= 0 && n.digits[keep] >= '5' {
			kopecks++
		}
	}

	if Kopecks(kopecks) > MaxKopecks {
		return 0, tooLarge
	}
	return Kopecks(kopecks), nil
}

// digitsValue returns the value of a string of at most maxKopecksDigits ASCII
// digits.
func digitsValue(digits string) int64 {
	var value int64
	for _, c := range []byte(digits) {
		value = value*10 + int64(c-'0')
	}
	return value
}

// Rubles formats the amount in rubles with exactly two decimal places, for
// example 19990 as "199.90". This is the form the price parameter of VK's
// market.add and market.edit takes. Negative amounts get a leading '-'.
func (k Kopecks) Rubles() string {
	sign := ""
	magnitude := uint64(k)
	if k < 0 {
		sign = "-"
		magnitude = -uint64(k)
	}
	return sign + strconv.FormatUint(magnitude/100, 10) + "." + fmt.Sprintf("%02d", magnitude%100)
}

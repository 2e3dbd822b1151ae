package catalog

import (
	"strings"
	"unicode/utf8"
)

// Limits of VK's market.add and market.edit parameters, in runes.
// NOTE: VK states these limits in "characters" and does not say whether it
// counts code points or UTF-16 code units. An emoji outside the Basic
// Multilingual Plane is one rune here but two UTF-16 code units.
const (
	MinNameLength        = 4   // name: minimum length
	MaxNameLength        = 100 // name: maximum length
	MinDescriptionLength = 10  // description: minimum length
	MaxSKULength         = 50  // sku: maximum length
	// MaxDescriptionLength caps descriptions.
	// NOTE: VK's API schema (vk-api-schema 5.199) sets only a minimum
	// description length. 3000 is an assumed safe maximum, not a documented
	// one.
	MaxDescriptionLength = 3000
)

// Item is the data EvoSync writes to VK Market for one Evotor product.
type Item struct {
	Name        string  // MinNameLength to MaxNameLength runes
	Description string  // MinDescriptionLength to MaxDescriptionLength runes
	Price       Kopecks // sent as the price parameter in rubles, see Kopecks.Rubles
	SKU         string  // at most MaxSKULength runes, empty when the product has no article number or code
	Hidden      bool    // sent as deleted=1, so that the item is not for sale in VK
	// HiddenReason explains Hidden to the shop owner in Russian, for example
	// "нет в наличии (остаток 0 шт)". It is empty when Hidden is false and is
	// never sent to VK.
	HiddenReason string
	GroupID      string // Evotor product group id, which selects the VK Market album
}

// Russian texts shown to the shop owner or to buyers.
const (
	reasonSaleForbidden = "продажа запрещена в Эвоторе"
	reasonOutOfStock    = "нет в наличии"
	unnamedProduct      = "Товар без названия"
	contactSeller       = "Подробности уточняйте у продавца."
)

// MapProduct builds the VK Market item for an Evotor product.
//
// The name is the product name on one line, cut to MaxNameLength runes with
// "…" when longer. A name shorter than MinNameLength runes gets its measure
// name appended, as on a Russian price tag ("Чай, шт"), or becomes
// "Товар «Чай»" when the product has no measure name. An empty name becomes
// "Товар без названия", followed by the article number or code if there is
// one.
//
// The description is Evotor's description when it has at least
// MinDescriptionLength runes. Otherwise it is built in Russian from the name,
// the short description, the article number, the measure name and the
// barcodes. Either form is cut to MaxDescriptionLength runes, and one that is
// still too short ends with "Подробности уточняйте у продавца.".
//
// The item is hidden when Evotor forbids selling the product, or when the
// stock quantity is known and not positive. Services (TypeService) are never
// hidden for their quantity, because Evotor keeps no stock for them.
func MapProduct(p Product) Item {
	name := itemName(p)
	hidden, reason := hiddenState(p)
	return Item{
		Name:         name,
		Description:  itemDescription(p, name),
		Price:        p.Price,
		SKU:          itemSKU(p),
		Hidden:       hidden,
		HiddenReason: reason,
		GroupID:      p.ParentID,
	}
}

func itemName(p Product) string {
	name := singleLine(p.Name)
	if name == "" {
		name = unnamedProduct
		if code := productCodeLabel(p); code != "" {
			name += " (" + code + ")"
		}
	}
	// Cutting comes first because it can shorten a name below the minimum,
	// for example "аб,,,…" to "аб…". A long measure name can make the padded
	// name too long again.
	name = truncateRunes(name, MaxNameLength)
	if utf8.RuneCountInString(name) < MinNameLength {
		if measure := singleLine(p.MeasureName); measure != "" {
			name += ", " + measure
		} else {
			name = "Товар «" + name + "»"
		}
	}
	return truncateRunes(name, MaxNameLength)
}

// productCodeLabel returns "арт. <article number>" or "код <code>", or "" when
// the product has neither.
func productCodeLabel(p Product) string {
	if article := singleLine(p.ArticleNumber); article != "" {
		return "арт. " + article
	}
	if code := singleLine(p.Code); code != "" {
		return "код " + code
	}
	return ""
}

func itemDescription(p Product, name string) string {
	description := truncateRunes(multiLine(p.Description), MaxDescriptionLength)
	if utf8.RuneCountInString(description) < MinDescriptionLength {
		description = buildDescription(p, name, description)
	}
	// Both forms can still be too short, for example a bare name of three
	// runes. The sentence keeps the result far below MaxDescriptionLength.
	if utf8.RuneCountInString(description) < MinDescriptionLength {
		description += "\n" + contactSeller
	}
	return description
}

// buildDescription returns a Russian description made of the product's
// fields, one per line, beginning with the name and the short description.
func buildDescription(p Product, name, shortDescription string) string {
	// Prefer the full product name over the item name, which may be cut.
	title := singleLine(p.Name)
	if title == "" {
		title = name
	}
	lines := []string{title}
	if shortDescription != "" {
		lines = append(lines, shortDescription)
	}
	if article := singleLine(p.ArticleNumber); article != "" {
		lines = append(lines, "Артикул: "+article)
	}
	if measure := singleLine(p.MeasureName); measure != "" {
		lines = append(lines, "Единица измерения: "+measure)
	}
	if barcodes := cleanBarcodes(p.Barcodes); len(barcodes) == 1 {
		lines = append(lines, "Штрихкод: "+barcodes[0])
	} else if len(barcodes) > 1 {
		lines = append(lines, "Штрихкоды: "+strings.Join(barcodes, ", "))
	}
	return truncateRunes(strings.Join(lines, "\n"), MaxDescriptionLength)
}

// cleanBarcodes returns the non-empty barcodes without duplicates, in order.
func cleanBarcodes(barcodes []string) []string {
	var result []string
	seen := make(map[string]bool, len(barcodes))
	for _, barcode := range barcodes {
		barcode = singleLine(barcode)
		if barcode == "" || seen[barcode] {
			continue
		}
		seen[barcode] = true
		result = append(result, barcode)
	}
	return result
}

// itemSKU returns the article number, or the code when there is no article
// number. A value longer than MaxSKULength is passed over for one that fits,
// because a cut identifier no longer matches anything. When neither fits, the
// first of them is cut.
func itemSKU(p Product) string {
	var candidates []string
	for _, value := range []string{p.ArticleNumber, p.Code} {
		if value = singleLine(value); value != "" {
			candidates = append(candidates, value)
		}
	}
	for _, candidate := range candidates {
		if utf8.RuneCountInString(candidate) <= MaxSKULength {
			return candidate
		}
	}
	if len(candidates) == 0 {
		return ""
	}
	return truncateRunesHard(candidates[0], MaxSKULength)
}

// hiddenState returns whether the item is hidden and the reasons in Russian,
// joined with "; ".
func hiddenState(p Product) (bool, string) {
	var reasons []string
	if p.AllowToSell != nil && !*p.AllowToSell {
		reasons = append(reasons, reasonSaleForbidden)
	}
	if p.Type != TypeService && p.Quantity != nil && p.Quantity.Sign() <= 0 {
		stock := strings.Replace(p.Quantity.String(), ".", ",", 1)
		if measure := singleLine(p.MeasureName); measure != "" {
			stock += " " + measure
		}
		reasons = append(reasons, reasonOutOfStock+" (остаток "+stock+")")
	}
	return len(reasons) > 0, strings.Join(reasons, "; ")
}

package catalog

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// singleLine returns s with every run of white space, line breaks included,
// replaced by one space and trimmed at both ends. Control characters and
// U+FFFD, which stands for invalid UTF-8 or a broken UTF-16 surrogate in the
// source, are dropped.
func singleLine(s string) string {
	var b strings.Builder
	pendingSpace := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			pendingSpace = b.Len() > 0
		case isDropped(r):
		default:
			if pendingSpace {
				b.WriteByte(' ')
				pendingSpace = false
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// multiLine normalizes line breaks in s to "\n" and cleans each line as
// singleLine does. It keeps at most one empty line in a row and removes empty
// lines at the start and end.
func multiLine(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")

	var lines []string
	emptyLines := 0
	for line := range strings.SplitSeq(s, "\n") {
		line = singleLine(line)
		if line == "" {
			emptyLines++
			continue
		}
		if emptyLines > 0 && len(lines) > 0 {
			lines = append(lines, "")
		}
		emptyLines = 0
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// isDropped reports whether r is removed from text sent to VK.
func isDropped(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r)
}

// truncateRunes returns s if it has at most limit runes. Otherwise it cuts s
// to at most limit-1 runes, trims trailing white space and separating
// punctuation (",;:") unless nothing would remain, and appends "…".
// The cut moves back so that it does not split a flag or separate a character
// from the combining marks, variation selectors, emoji modifiers or joiners
// that follow it. If no such position exists, the cut stays at limit-1.
func truncateRunes(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	runes := []rune(s)
	cut := limit - 1
	for cut > 0 && !isClusterBoundary(runes, cut) {
		cut--
	}
	if cut == 0 {
		cut = limit - 1
	}
	trimmed := strings.TrimRightFunc(string(runes[:cut]), func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",;:", r)
	})
	if trimmed == "" {
		trimmed = string(runes[:cut])
	}
	return trimmed + "…"
}

// truncateRunesHard returns the first limit runes of s. Identifiers such as
// an article number get no ellipsis, because it would become part of them.
func truncateRunesHard(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return string([]rune(s)[:limit])
}

const zeroWidthJoiner = '\u200d'

// isClusterBoundary reports whether a cut between runes[i-1] and runes[i]
// keeps user-perceived characters whole. It covers the cases product names
// contain in practice (accents, emoji sequences, flags) and is not a full
// implementation of the Unicode grapheme cluster rules (UAX #29).
func isClusterBoundary(runes []rune, i int) bool {
	if i <= 0 || i >= len(runes) {
		return true
	}
	previous, next := runes[i-1], runes[i]
	switch {
	case unicode.In(next, unicode.Mn, unicode.Me, unicode.Mc):
		return false
	case next == zeroWidthJoiner || previous == zeroWidthJoiner:
		return false
	case isVariationSelector(next), isEmojiModifier(next), isTagCharacter(next):
		return false
	case isRegionalIndicator(previous) && isRegionalIndicator(next):
		// Flags are pairs of regional indicators: a cut is allowed only after
		// an even number of them.
		count := 0
		for j := i - 1; j >= 0 && isRegionalIndicator(runes[j]); j-- {
			count++
		}
		return count%2 == 0
	}
	return true
}

func isVariationSelector(r rune) bool {
	return (r >= 0xFE00 && r <= 0xFE0F) || (r >= 0xE0100 && r <= 0xE01EF)
}

func isEmojiModifier(r rune) bool { return r >= 0x1F3FB && r <= 0x1F3FF }

func isTagCharacter(r rune) bool { return r >= 0xE0020 && r <= 0xE007F }

func isRegionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

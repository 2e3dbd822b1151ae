package catalogsync

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/evosync/evosync/ent/syncrun"
)

// summary returns the Russian message of a finished run.
func (r *runner) summary() string {
	c := r.reported()
	var text string
	switch {
	case r.run.Kind == syncrun.KindCleanup:
		text = fmt.Sprintf("Удалено товаров из ВКонтакте: %d", c.removed)
		if c.failed > 0 {
			text += fmt.Sprintf(". Не удалось удалить: %d — подробности в списке ошибок", c.failed)
		}
	case c.processed == 0 && c.removed == 0 && r.incremental:
		text = "Готово: в Эвоторе нет изменённых товаров"
	case c.processed == 0 && c.removed == 0:
		text = "Готово: в Эвоторе не найдено товаров для выгрузки"
	default:
		text = "Готово: " + r.countsText()
		if c.failed > 0 {
			text += fmt.Sprintf(". Не удалось выгрузить: %d — подробности в списке ошибок", c.failed)
		}
	}
	if r.droppedFailures > 0 {
		text += fmt.Sprintf(" (в списке показаны первые %d)", maxStoredFailures)
	}
	for _, note := range r.notes {
		text += ". " + note
	}
	return text
}

// countsText lists what a sync run did so far, in Russian.
func (r *runner) countsText() string {
	c := r.reported()
	return fmt.Sprintf("добавлено %d, обновлено %d, скрыто %d, удалено %d, без изменений %d",
		c.created, c.updated, c.hidden, c.removed, c.unchanged)
}

// lowerFirst lower-cases the first letter, to continue a sentence. A word
// whose second letter is a capital, such as "ВКонтакте", keeps its case.
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[size:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}

// truncateRunes cuts s to at most limit runes, ending with "…" when cut.
func truncateRunes(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	runes := []rune(s)
	return strings.TrimSpace(string(runes[:limit-1])) + "…"
}

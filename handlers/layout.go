package handlers

import (
	"html/template"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	_ "time/tzdata" // Moscow time must render on hosts without zoneinfo

	"github.com/evosync/evosync/internal/connstatus"
)

// displayZone is the time zone of displayed times. Most Evotor shops work
// on Moscow time, and every displayed time carries the "МСК" label.
var displayZone = mustZone("Europe/Moscow")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Layout is the data every page's layout uses.
type Layout struct {
	Title string
	Email string // empty for an anonymous request
	CSRF  string
	Nav   string // the active navbar item
}

func (h *Handler) layout(c *gin.Context, title string) Layout {
	l := Layout{Title: title}
	if _, ok := c.Get(sessions.DefaultKey); ok {
		l.CSRF = h.csrfToken(c)
	}
	if u := h.currentUser(c); u != nil {
		l.Email = u.Email
	}
	return l
}

var monthsGenitive = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня",
	"июля", "августа", "сентября", "октября", "ноября", "декабря"}

// formatTime renders a time as "4 декабря 2026, 15:04 МСК".
func formatTime(t time.Time) string {
	m := t.In(displayZone)
	return m.Format("2") + " " + monthsGenitive[m.Month()-1] + " " + m.Format("2006, 15:04:05") + " МСК"
}

func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":          h.assets.URL,
		"formatTime":     formatTime,
		"isoTime":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"reasonText":     connstatus.ReasonText,
		"errorText":      connstatus.ErrorText,
		"needsAttention": connstatus.NeedsAttention,
		"actionText":     actionText,
		"productsWord":   productsWord,
	}
}

// productsWord is the form of "товар" that follows the number n in
// Russian: 1 товар, 2 товара, 5 товаров, 11 товаров, 21 товар.
func productsWord(n int) string {
	switch tens, ones := n%100, n%10; {
	case tens >= 11 && tens <= 14:
		return "товаров"
	case ones == 1:
		return "товар"
	case ones >= 2 && ones <= 4:
		return "товара"
	}
	return "товаров"
}

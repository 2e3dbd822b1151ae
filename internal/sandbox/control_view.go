package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxPageRows is the maximum number of rows per table on the control page,
// which stays readable when benchmarks mint many tokens.
const maxPageRows = 200

// pageTimeFormat is the format of times on the control page.
const pageTimeFormat = "2006-01-02 15:04:05"

// controlView is the data of the "control" template.
type controlView struct {
	Outages       []outageView
	OutageOptions []outageOption
	LatencyMS     int64
	MaxRows       int

	VKTokens         []tokenRow
	VKTokenTotal     int
	VKUsers          []vkUserRow
	VKUserTotal      int
	EvotorTokens     []tokenRow
	EvotorTokenTotal int
	EvotorUsers      []evotorUserRow
	EvotorUserTotal  int

	Calls []callCount
}

type outageView struct {
	Provider, Label, Current string
}

type outageOption struct {
	Name, Label string
}

// outageLabels are the control page descriptions of Outage values.
var outageLabels = [...]string{
	OutageNone:        "нет сбоя",
	OutageHTML502:     "502 с HTML-страницей",
	OutageHTML200:     "200 с HTML-страницей",
	OutageBrokenJSON:  "оборванный JSON",
	OutageTimeout:     "зависание до тайм-аута клиента",
	OutageRateLimit:   "превышен лимит запросов",
	OutageServerError: "внутренняя ошибка сервера",
}

// tokenRow is an issued token on the control page.
type tokenRow struct {
	Token      string // full value, posted by the revoke button
	Short      string
	UserID     string
	UserName   string
	Scope      string
	Issued     string
	Expires    string
	StateLabel string
	StateClass string
	Active     bool
	RevokeURL  string // control endpoint of the revoke button
}

type vkUserRow struct {
	ID           int64
	Name         string
	Deactivated  string
	ActiveTokens int
	Groups       []VKGroup // linked to their Market pages
}

type evotorUserRow struct {
	ID           string
	Stores       []evotorStore // linked to their catalog pages
	AppRemoved   bool
	ActiveTokens int
}

// callCount is a CallCount counter on the control page and in /control/state.
type callCount struct {
	Provider string `json:"provider"`
	Method   string `json:"method"`
	Count    int    `json:"count"`
}

var tokenStateLabels = [...]string{tokenActive: "действует", tokenRevoked: "отозван", tokenExpired: "истёк"}
var tokenStateClasses = [...]string{tokenActive: "state-active", tokenRevoked: "state-revoked", tokenExpired: "state-expired"}

func (s *Sandbox) showControlPage(w http.ResponseWriter, _ *http.Request) {
	renderPage(w, http.StatusOK, "control", s.buildControlView())
}

func (s *Sandbox) buildControlView() controlView {
	v := controlView{LatencyMS: time.Duration(s.latency.Load()).Milliseconds(), MaxRows: maxPageRows}
	for o, name := range outageNames {
		v.OutageOptions = append(v.OutageOptions, outageOption{Name: name, Label: outageLabels[o]})
	}
	v.Outages = []outageView{
		{Provider: ProviderVK, Label: "ВКонтакте", Current: s.outage(ProviderVK).String()},
		{Provider: ProviderEvotor, Label: "Эвотор", Current: s.outage(ProviderEvotor).String()},
	}
	v.Calls = s.callCounts()

	now := s.now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	v.VKTokens, v.VKTokenTotal, v.VKUsers, v.VKUserTotal = s.vkRowsLocked(now)
	v.EvotorTokens, v.EvotorTokenTotal, v.EvotorUsers, v.EvotorUserTotal = s.evotorRowsLocked(now)
	return v
}

func (s *Sandbox) vkRowsLocked(now time.Time) ([]tokenRow, int, []vkUserRow, int) {
	refs := make([]tokenRef, 0, len(s.vkTokens))
	active := make(map[int64]int)
	for value, t := range s.vkTokens {
		refs = append(refs, tokenRef{value: value, issued: t.issued})
		if t.state(now) == tokenActive {
			active[t.userID]++
		}
	}
	tokens := make([]tokenRow, 0, min(len(refs), maxPageRows))
	for _, ref := range newestTokens(refs) {
		t := s.vkTokens[ref.value]
		u := s.vkUsers[t.userID]
		tokens = append(tokens, newTokenRow(ref.value, t.state(now), t.issued, t.expires, tokenRow{
			UserID:    strconv.FormatInt(t.userID, 10),
			UserName:  strings.TrimSpace(u.FirstName + " " + u.LastName),
			Scope:     t.scope,
			RevokeURL: "/control/vk/tokens/revoke",
		}))
	}

	users := make([]vkUserRow, 0, len(s.vkUsers))
	for _, u := range s.vkUsers {
		users = append(users, vkUserRow{
			ID:           u.ID,
			Name:         strings.TrimSpace(u.FirstName + " " + u.LastName),
			Deactivated:  u.Deactivated,
			ActiveTokens: active[u.ID],
		})
	}
	slices.SortFunc(users, func(a, b vkUserRow) int { return cmp.Compare(a.ID, b.ID) })
	shown := firstRows(users)
	for i := range shown {
		shown[i].Groups = vkGroupsOf(s.vkUsers[shown[i].ID])
	}
	return tokens, len(refs), shown, len(users)
}

func (s *Sandbox) evotorRowsLocked(now time.Time) ([]tokenRow, int, []evotorUserRow, int) {
	refs := make([]tokenRef, 0, len(s.evotorAccess))
	active := make(map[string]int)
	for value, g := range s.evotorAccess {
		refs = append(refs, tokenRef{value: value, issued: g.issued})
		if g.accessState(now) == tokenActive {
			active[g.userID]++
		}
	}
	tokens := make([]tokenRow, 0, min(len(refs), maxPageRows))
	for _, ref := range newestTokens(refs) {
		g := s.evotorAccess[ref.value]
		tokens = append(tokens, newTokenRow(ref.value, g.accessState(now), g.issued, g.accessExpires, tokenRow{
			UserID:    g.userID,
			Scope:     g.scope,
			RevokeURL: "/control/evotor/tokens/revoke",
		}))
	}

	users := make([]evotorUserRow, 0, len(s.evotorUsers))
	for _, u := range s.evotorUsers {
		users = append(users, evotorUserRow{
			ID:           u.id,
			Stores:       u.stores,
			AppRemoved:   u.appRemoved,
			ActiveTokens: active[u.id],
		})
	}
	slices.SortFunc(users, func(a, b evotorUserRow) int { return strings.Compare(a.ID, b.ID) })
	return tokens, len(refs), firstRows(users), len(users)
}

// tokenRef is a token's sort key for the control page. Rows are built only
// for the tokens shown, so a page view with many tokens stays cheap.
type tokenRef struct {
	value  string
	issued time.Time
}

// newTokenRow fills the token, time and state columns of row.
func newTokenRow(value string, state tokenState, issued, expires time.Time, row tokenRow) tokenRow {
	row.Token = value
	row.Short = value[:min(6, len(value))] + "…"
	row.Issued = issued.Format(pageTimeFormat)
	row.Expires = "никогда"
	if !expires.IsZero() {
		row.Expires = expires.Format(pageTimeFormat)
	}
	row.StateLabel = tokenStateLabels[state]
	row.StateClass = tokenStateClasses[state]
	row.Active = state == tokenActive
	return row
}

// newestTokens sorts refs from the newest token and keeps the first
// maxPageRows.
func newestTokens(refs []tokenRef) []tokenRef {
	slices.SortFunc(refs, func(a, b tokenRef) int {
		if c := b.issued.Compare(a.issued); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	return firstRows(refs)
}

func firstRows[T any](rows []T) []T {
	return rows[:min(len(rows), maxPageRows)]
}

// callCounts returns the nonzero CallCount counters sorted by provider and
// method.
func (s *Sandbox) callCounts() []callCount {
	s.countsMu.Lock()
	calls := make([]callCount, 0, len(s.counts))
	for key, n := range s.counts {
		if n > 0 {
			calls = append(calls, callCount{Provider: key.provider, Method: key.method, Count: n})
		}
	}
	s.countsMu.Unlock()
	slices.SortFunc(calls, func(a, b callCount) int {
		return cmp.Or(strings.Compare(a.Provider, b.Provider), strings.Compare(a.Method, b.Method))
	})
	return calls
}

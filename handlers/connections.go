package handlers

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/gin-gonic/gin"
	"github.com/hibiken/asynq"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/internal/connstatus"
	"github.com/evosync/evosync/workers"
)

// badgePollInterval is how often the dashboard refreshes each badge.
const badgePollInterval = "5s"

// badgeView is the data of the badge fragment.
type badgeView struct {
	Provider      string
	ProviderTitle string
	Status        connstatus.Status
	StatusText    string
	BadgeClass    string // Bootstrap class of the status pill
	// LastCheckedText and LastCheckedISO render LastChecked once here, so
	// the polled template only prints strings.
	LastCheckedText string
	LastCheckedISO  string
	OfflineReason   string // Russian, when offline
	Warning         string // Russian, when the last check was inconclusive
	Attention       bool   // the owner must act, waiting will not help
	CheckQueued     bool
	CheckPending    bool // a check was already queued, so this click added none
	Poll            string
	// Presence is "connected" or "disconnected". The page sends the value
	// it was rendered with on every poll, so the badge can ask for a reload
	// when the card around it is out of date.
	Presence string
}

var providerTitles = map[connection.Provider]string{
	connection.ProviderVk:     "ВКонтакте",
	connection.ProviderEvotor: "Эвотор",
}

var badgeClasses = map[connstatus.Status]string{
	connstatus.Disconnected: "text-bg-secondary",
	connstatus.Online:       "text-bg-success",
	connstatus.Offline:      "text-bg-danger",
	connstatus.Unknown:      "text-bg-warning",
}

var statusTexts = map[connstatus.Status]string{
	connstatus.Disconnected: "Не подключено",
	connstatus.Online:       "Подключено",
	connstatus.Offline:      "Нет доступа",
	connstatus.Unknown:      "Проверяется",
}

// badgeState is the part of a connection the badge shows.
type badgeState struct {
	IsOnline      *bool
	LastCheckedAt *time.Time
	OfflineReason string
	LastErrorCode string
}

func stateOf(conn *ent.Connection) *badgeState {
	if conn == nil {
		return nil
	}
	return &badgeState{IsOnline: conn.IsOnline, LastCheckedAt: conn.LastCheckedAt,
		OfflineReason: conn.OfflineReason, LastErrorCode: conn.LastErrorCode}
}

func (h *Handler) badge(provider connection.Provider, conn *ent.Connection) badgeView {
	return h.badgeOf(provider, stateOf(conn))
}

func (h *Handler) badgeOf(provider connection.Provider, conn *badgeState) badgeView {
	status := connstatus.Disconnected
	if conn != nil {
		status = connstatus.OfStored(conn.IsOnline)
	}
	b := badgeView{
		Provider:      provider.String(),
		ProviderTitle: providerTitles[provider],
		Status:        status,
		StatusText:    statusTexts[status],
		BadgeClass:    badgeClasses[status],
		Poll:          badgePollInterval,
	}
	b.Presence = "disconnected"
	if conn == nil {
		return b
	}
	b.Presence = "connected"
	if t := conn.LastCheckedAt; t != nil {
		b.LastCheckedText = formatTime(*t)
		b.LastCheckedISO = t.UTC().Format(time.RFC3339)
	}
	if status == connstatus.Offline {
		b.OfflineReason = connstatus.ReasonText(conn.OfflineReason)
	}
	if conn.LastErrorCode != "" {
		b.Warning = connstatus.ErrorText(conn.LastErrorCode)
		b.Attention = connstatus.NeedsAttention(conn.LastErrorCode)
	}
	return b
}

// providerParam reads {provider} from the path.
func providerParam(c *gin.Context) (connection.Provider, error) {
	p := connection.Provider(c.Param("provider"))
	if err := connection.ProviderValidator(p); err != nil {
		return "", userError(http.StatusNotFound, "Такой интеграции нет.")
	}
	return p, nil
}

// findConnection returns the user's connection to a provider, or nil. It
// is one query on the unique (user_id, provider) index.
func (h *Handler) findConnection(c *gin.Context, provider connection.Provider) (*ent.Connection, error) {
	conn, err := h.DB.Connection.Query().
		Where(connection.UserID(userID(c)), connection.ProviderEQ(provider)).
		Only(c.Request.Context())
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load %s connection: %w", provider, err)
	}
	return conn, nil
}

type connectionsPage struct {
	Layout
	Cards []connectionCard
}

type connectionCard struct {
	Provider    string
	Title       string
	Conn        *ent.Connection
	Badge       badgeView
	StoreNames  string
	PagePath    string
	ConnectPath string
}

func (h *Handler) showConnections(c *gin.Context) error {
	conns, err := h.DB.Connection.Query().
		Where(connection.UserID(userID(c))).
		All(c.Request.Context())
	if err != nil {
		return fmt.Errorf("load connections: %w", err)
	}
	byProvider := map[connection.Provider]*ent.Connection{}
	for _, conn := range conns {
		byProvider[conn.Provider] = conn
	}
	page := connectionsPage{Layout: h.layout(c, "Подключения")}
	page.Nav = "connections"
	for _, p := range []connection.Provider{connection.ProviderVk, connection.ProviderEvotor} {
		conn := byProvider[p]
		card := connectionCard{
			Provider: p.String(), Title: providerTitles[p], Conn: conn, Badge: h.badge(p, conn),
			PagePath: "/" + p.String(), ConnectPath: "/" + p.String() + "/connect",
		}
		if conn != nil {
			card.StoreNames = strings.Join(conn.StoreNames, ", ")
		}
		page.Cards = append(page.Cards, card)
	}
	return h.render(c, "connections", page)
}

// showBadge renders the badge fragment the dashboard polls: one prepared
// query on the unique (user_id, provider) index and a template, nothing
// else, because every open dashboard calls it every few seconds.
func (h *Handler) showBadge(c *gin.Context) error {
	provider, err := providerParam(c)
	if err != nil {
		return err
	}
	state, err := h.readBadgeState(c, provider)
	if err != nil {
		return err
	}
	b := h.badgeOf(provider, state)
	if rendered := c.Query("shown"); rendered != "" && rendered != b.Presence {
		// Connected or disconnected in another tab: the card's details
		// and buttons are stale too, so reload the whole page.
		c.Header("HX-Refresh", "true")
	}
	key := h.badges.key(b)
	body, ok := h.badges.get(key)
	if !ok {
		var buf bytes.Buffer
		if err := h.pages.Partial(&buf, "badge", b); err != nil {
			return err
		}
		body = buf.Bytes()
		h.badges.put(key, body)
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", body)
	return nil
}

// badgeQuery selects only the columns the badge shows.
const badgeQuery = `SELECT is_online, last_checked_at, offline_reason, last_error_code
FROM connections WHERE user_id = ? AND provider = ?`

// prepareBadgeQuery prepares badgeQuery in the database's placeholder style.
func prepareBadgeQuery(db *sql.DB, dialectName string) (*sql.Stmt, error) {
	query := badgeQuery
	if dialectName == dialect.Postgres {
		query = strings.Replace(strings.Replace(query, "?", "$1", 1), "?", "$2", 1)
	}
	stmt, err := db.Prepare(query)
	if err != nil {
		return nil, fmt.Errorf("prepare badge query: %w", err)
	}
	return stmt, nil
}

func (h *Handler) readBadgeState(c *gin.Context, provider connection.Provider) (*badgeState, error) {
	var online sql.NullBool
	var checked sql.NullTime
	var reason, errorCode sql.NullString
	err := h.badgeStmt.QueryRowContext(c.Request.Context(), userID(c), provider.String()).
		Scan(&online, &checked, &reason, &errorCode)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s badge: %w", provider, err)
	}
	state := &badgeState{OfflineReason: reason.String, LastErrorCode: errorCode.String}
	if online.Valid {
		state.IsOnline = &online.Bool
	}
	if checked.Valid {
		state.LastCheckedAt = &checked.Time
	}
	return state, nil
}

// queueCheck enqueues a check of the user's connection now.
func (h *Handler) queueCheck(c *gin.Context) error {
	provider, err := providerParam(c)
	if err != nil {
		return err
	}
	conn, err := h.findConnection(c, provider)
	if err != nil {
		return err
	}
	if conn == nil {
		return userError(http.StatusNotFound, "Сначала подключите аккаунт.")
	}
	task, err := workers.NewCheckTask(conn.ID, h.Now())
	if err != nil {
		return err
	}
	_, err = h.Queue.EnqueueContext(c.Request.Context(), task)
	pending := errors.Is(err, asynq.ErrTaskIDConflict)
	if err != nil && !pending {
		return fmt.Errorf("enqueue check of connection %d: %w", conn.ID, err)
	}
	h.Log.Info("check requested", "connection_id", conn.ID, "provider", provider.String(),
		"already_queued", pending, "request_id", requestID(c))
	if !isHTMX(c) {
		c.Redirect(http.StatusSeeOther, "/connections")
		return nil
	}
	b := h.badge(provider, conn)
	b.CheckQueued, b.CheckPending = !pending, pending
	return h.renderPartial(c, "badge", b)
}

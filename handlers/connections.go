package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

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
	LastChecked   *time.Time
	OfflineReason string // Russian, when offline
	Warning       string // Russian, when the last check was inconclusive
	Attention     bool   // the warning asks the owner to act
	CheckQueued   bool
	Poll          string
}

var providerTitles = map[connection.Provider]string{
	connection.ProviderVk:     "ВКонтакте",
	connection.ProviderEvotor: "Эвотор",
}

var statusTexts = map[connstatus.Status]string{
	connstatus.Disconnected: "Не подключено",
	connstatus.Online:       "Подключено",
	connstatus.Offline:      "Нет доступа",
	connstatus.Unknown:      "Проверяется",
}

func (h *Handler) badge(provider connection.Provider, conn *ent.Connection) badgeView {
	status := connstatus.Of(conn)
	b := badgeView{
		Provider:      provider.String(),
		ProviderTitle: providerTitles[provider],
		Status:        status,
		StatusText:    statusTexts[status],
		Poll:          badgePollInterval,
	}
	if conn == nil {
		return b
	}
	b.LastChecked = conn.LastCheckedAt
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
		Where(connection.UserID(currentUser(c).ID), connection.ProviderEQ(provider)).
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
		Where(connection.UserID(currentUser(c).ID)).
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

// showBadge renders the badge fragment the dashboard polls: one indexed
// query and a template, nothing else.
func (h *Handler) showBadge(c *gin.Context) error {
	provider, err := providerParam(c)
	if err != nil {
		return err
	}
	conn, err := h.findConnection(c, provider)
	if err != nil {
		return err
	}
	return h.renderPartial(c, "badge", h.badge(provider, conn))
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
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue check of connection %d: %w", conn.ID, err)
	}
	h.Log.Info("check queued", "connection_id", conn.ID, "provider", provider.String(), "request_id", requestID(c))
	if !isHTMX(c) {
		c.Redirect(http.StatusSeeOther, "/connections")
		return nil
	}
	b := h.badge(provider, conn)
	b.CheckQueued = true
	return h.renderPartial(c, "badge", b)
}

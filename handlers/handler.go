// Package handlers holds the Gin handlers, one file per page or flow, and
// registers every route in routes.go.
package handlers

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/internal/catalogsync"
	"github.com/evosync/evosync/internal/config"
	"github.com/evosync/evosync/internal/evotor"
	"github.com/evosync/evosync/internal/seal"
	"github.com/evosync/evosync/internal/sessionstore"
	"github.com/evosync/evosync/internal/vk"
	"github.com/evosync/evosync/static"
	"github.com/evosync/evosync/templates"
	"github.com/evosync/evosync/workers"
)

// providerTimeout bounds the provider calls made while a browser waits.
const providerTimeout = 20 * time.Second

// Deps is everything the handlers use.
type Deps struct {
	Config *config.Config
	DB     *ent.Client
	// SQL and Dialect reach the same database for the badge's prepared query.
	SQL      *sql.DB
	Dialect  string
	Redis    *redis.Client
	Sessions *sessionstore.Store
	Sealer   *seal.Sealer
	VK       *vk.Client
	Evotor   *evotor.Client
	Sync     *catalogsync.Service
	Queue    workers.Enqueuer
	// QueueRedis is the asynq connection the queue dashboard reads.
	QueueRedis asynq.RedisConnOpt
	Log        *slog.Logger
	Now        func() time.Time
}

// Handler serves every route.
type Handler struct {
	Deps
	pages     *templates.Set
	assets    *static.Assets
	badgeStmt *sql.Stmt
	// fragmentSessions caches session lookups of polled fragments.
	fragmentSessions *sessionCache
	// badges caches rendered badge fragments.
	badges *badgeCache
}

// New parses the templates and hashes the static files.
func New(d Deps) (*Handler, error) {
	assets, err := static.Load()
	if err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	h := &Handler{Deps: d, assets: assets, fragmentSessions: newSessionCache(), badges: newBadgeCache()}
	h.pages, err = templates.Parse(h.funcs())
	if err != nil {
		return nil, err
	}
	if h.badgeStmt, err = prepareBadgeQuery(d.SQL, d.Dialect); err != nil {
		return nil, err
	}
	return h, nil
}

// appError is an error with the status and the Russian message the user
// sees; Err is logged and never shown.
type appError struct {
	Status  int
	Message string
	Err     error
}

func (e *appError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

func (e *appError) Unwrap() error { return e.Err }

func userError(status int, message string) error {
	return &appError{Status: status, Message: message}
}

// handlerFunc is a handler that returns its failure.
type handlerFunc func(c *gin.Context) error

// wrap turns a returned error into a status, a safe Russian page or
// fragment, and one log line with the internal error.
func (h *Handler) wrap(fn handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		err := fn(c)
		if err == nil {
			return
		}
		ae := &appError{Status: http.StatusInternalServerError, Message: "Что-то пошло не так. Попробуйте ещё раз чуть позже.", Err: err}
		errors.As(err, &ae)
		if errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil {
			ae = &appError{Status: 499, Message: ae.Message, Err: err}
		}
		h.logError(c, ae)
		if c.Writer.Written() {
			return
		}
		h.renderError(c, ae)
	}
}

func (h *Handler) logError(c *gin.Context, ae *appError) {
	path := c.FullPath()
	if path == "" {
		path = c.Request.URL.Path
	}
	attrs := []any{"method", c.Request.Method, "path", path, "status", ae.Status, "request_id", requestID(c)}
	if ae.Err != nil {
		attrs = append(attrs, "error", ae.Err)
	}
	if ae.Status >= 500 {
		h.Log.Error("request failed", attrs...)
		return
	}
	h.Log.Warn("request rejected", attrs...)
}

func (h *Handler) renderError(c *gin.Context, ae *appError) {
	status := ae.Status
	if status == 499 {
		status = http.StatusServiceUnavailable
	}
	if isHTMX(c) {
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.String(status, `<div class="alert alert-danger mb-0" role="alert">%s</div>`, htmlEscape(ae.Message))
		return
	}
	data := errorPage{Layout: h.layout(c, "Ошибка"), Status: status, Message: ae.Message}
	var buf bytes.Buffer
	if err := h.pages.Page(&buf, "error", data); err != nil {
		h.Log.Error("render error page", "error", err)
		c.String(status, ae.Message)
		return
	}
	if err := saveNewCSRF(c); err != nil {
		h.Log.Error("save session", "error", err, "request_id", requestID(c))
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

type errorPage struct {
	Layout
	Status  int
	Message string
}

// render writes a page with status 200.
func (h *Handler) render(c *gin.Context, page string, data any) error {
	return h.renderStatus(c, http.StatusOK, page, data)
}

func (h *Handler) renderStatus(c *gin.Context, status int, page string, data any) error {
	var buf bytes.Buffer
	if err := h.pages.Page(&buf, page, data); err != nil {
		return err
	}
	if err := saveNewCSRF(c); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

// renderPartial writes a fragment.
func (h *Handler) renderPartial(c *gin.Context, name string, data any) error {
	return h.renderPartialStatus(c, http.StatusOK, name, data)
}

// renderPartialStatus is renderPartial with another status than 200.
func (h *Handler) renderPartialStatus(c *gin.Context, status int, name string, data any) error {
	var buf bytes.Buffer
	if err := h.pages.Partial(&buf, name, data); err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

func isHTMX(c *gin.Context) bool {
	return c.GetHeader("HX-Request") == "true"
}

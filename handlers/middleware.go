package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"github.com/evosync/evosync/ent"
)

// Session keys; every value is a plain string.
const (
	sessionName    = "evosync_session"
	keyUserID      = "user_id"
	keyCSRF        = "csrf"
	ctxUser        = "user"
	ctxUserID      = "user_id"
	ctxRequestID   = "request_id"
	csrfFormField  = "csrf_token"
	csrfHeaderName = "X-CSRF-Token"
)

// requestLog gives every request an id and logs it: routine requests at
// Debug, failures by the wrap adapter.
func (h *Handler) requestLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = randomHex(8)
		}
		c.Set(ctxRequestID, id)
		c.Header("X-Request-Id", id)
		started := time.Now()
		c.Next()
		h.Log.Debug("request", "method", c.Request.Method, "path", c.Request.URL.Path,
			"status", c.Writer.Status(), "duration", time.Since(started), "request_id", id)
	}
}

// securityHeaders forbids framing and loading anything from another host.
func securityHeaders(c *gin.Context) {
	// form-action lists only this site: OAuth starts with a redirect, which
	// form-action does not restrict.
	c.Header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
	c.Header("X-Frame-Options", "DENY")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	c.Next()
}

func requestID(c *gin.Context) string {
	return c.GetString(ctxRequestID)
}

// loadUser puts the signed-in user's id, if any, into the context. It
// reads only the session, so a polled fragment costs no user query.
func (h *Handler) loadUser(c *gin.Context) {
	// gin-contrib/sessions drops a failed load and returns an empty session,
	// which would look like a signed-out user. The store's per-request
	// cache still contains the error.
	if _, err := h.Sessions.Get(c.Request, sessionName); err != nil {
		h.Log.Error("load session", "error", err, "request_id", requestID(c))
		h.renderError(c, &appError{Status: http.StatusServiceUnavailable,
			Message: "Сервис временно недоступен. Попробуйте через минуту."})
		c.Abort()
		return
	}
	raw, _ := sessions.Default(c).Get(keyUserID).(string)
	if id, err := strconv.Atoi(raw); err == nil && id > 0 {
		c.Set(ctxUserID, id)
	}
	c.Next()
}

// userID returns the signed-in user's id, or 0.
func userID(c *gin.Context) int {
	return c.GetInt(ctxUserID)
}

// currentUser returns the signed-in user's row, loaded once per request.
// It returns nil for an anonymous request or an account that no longer exists.
func (h *Handler) currentUser(c *gin.Context) *ent.User {
	if u, ok := c.Get(ctxUser); ok {
		user, _ := u.(*ent.User)
		return user
	}
	var user *ent.User
	if id := userID(c); id != 0 {
		u, err := h.DB.User.Get(c.Request.Context(), id)
		if err != nil && !ent.IsNotFound(err) {
			h.Log.Error("load session user", "error", err, "request_id", requestID(c))
		}
		user = u
	}
	c.Set(ctxUser, user)
	return user
}

// requirePage sends visitors without an account to the login form.
func (h *Handler) requirePage(c *gin.Context) {
	if h.currentUser(c) == nil {
		c.Redirect(http.StatusFound, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
		return
	}
	c.Next()
}

// requireFragment rejects anonymous htmx requests with 401 and HX-Redirect,
// never a page, so a login form is not swapped into the dashboard.
func requireFragment(c *gin.Context) {
	if userID(c) == 0 {
		c.Header("HX-Redirect", "/login")
		c.AbortWithStatus(http.StatusUnauthorized)
		return
	}
	c.Next()
}

// csrfToken returns the session's CSRF token, creating it on first use.
func (h *Handler) csrfToken(c *gin.Context) string {
	s := sessions.Default(c)
	if t, ok := s.Get(keyCSRF).(string); ok && t != "" {
		return t
	}
	t := randomHex(32)
	s.Set(keyCSRF, t)
	if userID(c) == 0 {
		// A visitor who never signs in leaves a short-lived session behind,
		// not one that lasts as long as a signed-in one.
		s.Options(CookieOptions(h.Config.SecureCookies(), anonymousSessionMaxAge))
	}
	c.Set("csrf_dirty", true)
	return t
}

// checkCSRF rejects a POST whose form field or header does not carry the
// session's token.
func (h *Handler) checkCSRF(c *gin.Context) {
	if c.Request.Method != http.MethodPost {
		c.Next()
		return
	}
	want, _ := sessions.Default(c).Get(keyCSRF).(string)
	got := c.GetHeader(csrfHeaderName)
	if got == "" {
		got = c.PostForm(csrfFormField)
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		if isHTMX(c) && userID(c) == 0 {
			// The session expired; the token went with it.
			requireFragment(c)
			return
		}
		h.Log.Warn("CSRF token missing or wrong", "path", c.Request.URL.Path, "request_id", requestID(c))
		h.renderError(c, &appError{Status: http.StatusForbidden,
			Message: "Форма устарела. Обновите страницу и повторите действие."})
		c.Abort()
		return
	}
	c.Next()
}

// saveNewCSRF saves the session when rendering created its CSRF token,
// before anything is written, so the token in the page is the stored one.
func saveNewCSRF(c *gin.Context) error {
	if !c.GetBool("csrf_dirty") {
		return nil
	}
	c.Set("csrf_dirty", false)
	return sessions.Default(c).Save()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("handlers: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

func htmlEscape(s string) string { return html.EscapeString(s) }

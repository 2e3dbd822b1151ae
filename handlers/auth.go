package handlers

import (
	"fmt"
	"net/http"
	"net/mail"
	"strconv"
	"strings"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/user"
)

// Password length limits; bcrypt ignores bytes past 72.
const (
	minPasswordLen = 8
	maxPasswordLen = 72
)

// dummyHash is compared against when the email is unknown, so a login
// takes as long whether or not the account exists.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("evosync-timing-equaliser"), bcrypt.DefaultCost)

type authPage struct {
	Layout
	Email string
	Next  string
	Error string
}

func (h *Handler) showRegister(c *gin.Context) error {
	return h.render(c, "register", authPage{Layout: h.layout(c, "Регистрация")})
}

func (h *Handler) register(c *gin.Context) error {
	email := normalizeEmail(c.PostForm("email"))
	password := c.PostForm("password")
	page := authPage{Layout: h.layout(c, "Регистрация"), Email: email}

	if msg := validateCredentials(email, password); msg != "" {
		page.Error = msg
		return h.renderStatus(c, http.StatusUnprocessableEntity, "register", page)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	u, err := h.DB.User.Create().SetEmail(email).SetPasswordHash(string(hash)).Save(c.Request.Context())
	if ent.IsConstraintError(err) {
		page.Error = "Этот email уже зарегистрирован. Войдите или укажите другой адрес."
		return h.renderStatus(c, http.StatusConflict, "register", page)
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	h.Log.Info("user registered", "user_id", u.ID, "request_id", requestID(c))
	return h.signIn(c, u, "/connections")
}

func validateCredentials(email, password string) string {
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 254 {
		return "Укажите настоящий адрес электронной почты, например shop@example.ru."
	}
	if len([]rune(password)) < minPasswordLen {
		return fmt.Sprintf("Пароль должен быть не короче %d символов.", minPasswordLen)
	}
	if len(password) > maxPasswordLen {
		return fmt.Sprintf("Пароль должен быть не длиннее %d байт.", maxPasswordLen)
	}
	return ""
}

func normalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

func (h *Handler) showLogin(c *gin.Context) error {
	if h.currentUser(c) != nil {
		c.Redirect(http.StatusFound, "/connections")
		return nil
	}
	return h.render(c, "login", authPage{Layout: h.layout(c, "Вход"), Next: localPath(c.Query("next"))})
}

func (h *Handler) login(c *gin.Context) error {
	email := normalizeEmail(c.PostForm("email"))
	next := localPath(c.PostForm("next"))
	u, err := h.DB.User.Query().Where(user.Email(email)).Only(c.Request.Context())
	if err != nil && !ent.IsNotFound(err) {
		return fmt.Errorf("find user: %w", err)
	}
	hash := dummyHash
	if u != nil {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(c.PostForm("password"))) != nil || u == nil {
		h.Log.Warn("login failed", "request_id", requestID(c))
		page := authPage{Layout: h.layout(c, "Вход"), Email: email, Next: next,
			Error: "Неверный email или пароль."}
		return h.renderStatus(c, http.StatusUnauthorized, "login", page)
	}
	return h.signIn(c, u, next)
}

// signIn starts a fresh session for the user: the session id and the CSRF
// token both change, so anything learned before login is worthless.
func (h *Handler) signIn(c *gin.Context, u *ent.User, next string) error {
	h.fragmentSessions.forget(h.Sessions.CookieID(c.Request, sessionName))
	if err := h.Sessions.Regenerate(c.Request, sessionName); err != nil {
		return fmt.Errorf("regenerate session: %w", err)
	}
	s := sessions.Default(c)
	s.Clear()
	s.Set(keyUserID, strconv.Itoa(u.ID))
	s.Set(keyCSRF, randomHex(32))
	if err := s.Save(); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	if next == "" {
		next = "/connections"
	}
	c.Redirect(http.StatusSeeOther, next)
	return nil
}

func (h *Handler) logout(c *gin.Context) error {
	h.fragmentSessions.forget(h.Sessions.CookieID(c.Request, sessionName))
	s := sessions.Default(c)
	s.Clear()
	s.Options(sessions.Options{Path: "/", MaxAge: -1})
	if err := s.Save(); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	c.Redirect(http.StatusSeeOther, "/login")
	return nil
}

// localPath keeps `next` only when it is a path on this site; anything
// that could leave it ("//host", "/\host", "https://…") becomes "".
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return ""
	}
	if strings.ContainsAny(next, "\r\n\t") {
		return ""
	}
	return next
}

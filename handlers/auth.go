package handlers

import (
	"fmt"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

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
	// FormEmail refills the form; Layout.Email is the signed-in user.
	FormEmail string
	Next      string
	Error     string
}

func (h *Handler) showRegister(c *gin.Context) error {
	return h.render(c, "register", authPage{Layout: h.layout(c, "Регистрация")})
}

func (h *Handler) register(c *gin.Context) error {
	email := normalizeEmail(c.PostForm("email"))
	password := c.PostForm("password")
	page := authPage{Layout: h.layout(c, "Регистрация"), FormEmail: email}

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
	if strings.TrimSpace(password) == "" {
		return "Пароль не может состоять из одних пробелов."
	}
	if len([]rune(password)) < minPasswordLen {
		return fmt.Sprintf("Пароль должен быть не короче %d символов.", minPasswordLen)
	}
	if len(password) > maxPasswordLen {
		return "Пароль слишком длинный: не больше 72 латинских букв и цифр или 36 русских букв."
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
	if h.tooManyFailures(c, email) {
		h.Log.Warn("login throttled", "request_id", requestID(c))
		page := authPage{Layout: h.layout(c, "Вход"), FormEmail: email, Next: next,
			Error: "Слишком много неудачных попыток входа. Подождите 15 минут и попробуйте снова."}
		return h.renderStatus(c, http.StatusTooManyRequests, "login", page)
	}
	u, err := h.DB.User.Query().Where(user.Email(email)).Only(c.Request.Context())
	if err != nil && !ent.IsNotFound(err) {
		return fmt.Errorf("find user: %w", err)
	}
	hash := dummyHash
	if u != nil {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(c.PostForm("password"))) != nil || u == nil {
		h.recordFailure(c, email)
		h.Log.Warn("login failed", "client_ip", c.ClientIP(), "request_id", requestID(c))
		page := authPage{Layout: h.layout(c, "Вход"), FormEmail: email, Next: next,
			Error: "Неверный email или пароль."}
		return h.renderStatus(c, http.StatusUnauthorized, "login", page)
	}
	h.Redis.Del(c.Request.Context(), failureKey(email))
	return h.signIn(c, u, next)
}

// Sign-in throttling: after maxLoginFailures wrong passwords for one email
// within loginFailureWindow, further attempts are refused until the window
// ends, which makes guessing a password by brute force impractical.
const (
	maxLoginFailures   = 10
	loginFailureWindow = 15 * time.Minute
)

func failureKey(email string) string { return "login_failures:" + email }

func (h *Handler) tooManyFailures(c *gin.Context, email string) bool {
	n, err := h.Redis.Get(c.Request.Context(), failureKey(email)).Int()
	return err == nil && n >= maxLoginFailures
}

func (h *Handler) recordFailure(c *gin.Context, email string) {
	ctx := c.Request.Context()
	pipe := h.Redis.TxPipeline()
	pipe.Incr(ctx, failureKey(email))
	pipe.ExpireNX(ctx, failureKey(email), loginFailureWindow)
	if _, err := pipe.Exec(ctx); err != nil {
		h.Log.Error("record login failure", "error", err, "request_id", requestID(c))
	}
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
	s.Options(CookieOptions(h.Config.SecureCookies(), SessionMaxAge))
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
	s.Options(CookieOptions(h.Config.SecureCookies(), -1))
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

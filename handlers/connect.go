package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/internal/httpx"
)

// Callback error codes, shown on the provider page as ?error=CODE.
const (
	errCodeInvalidState  = "invalid_state"
	errCodeAccessDenied  = "access_denied"
	errCodeNoCode        = "no_code"
	errCodeTokenExchange = "token_exchange"
	errCodeNoToken       = "no_token"
	errCodeProfile       = "profile"
	errCodeUnavailable   = "unavailable"
)

// callbackMessages are the texts for the codes above.
var callbackMessages = map[string]string{
	errCodeInvalidState:  "Ссылка для подключения устарела или уже использована. Начните подключение заново.",
	errCodeAccessDenied:  "Вы отменили подключение. Доступ не выдан, ничего не изменилось.",
	errCodeNoCode:        "Сервис не передал код авторизации. Попробуйте подключиться ещё раз.",
	errCodeTokenExchange: "Сервис отказался выдать доступ по коду авторизации. Попробуйте подключиться ещё раз.",
	errCodeNoToken:       "Сервис не выдал ключ доступа. Попробуйте подключиться ещё раз.",
	errCodeProfile:       "Доступ получен, но не удалось прочитать данные аккаунта. Попробуйте ещё раз.",
	errCodeUnavailable:   "Сервис сейчас недоступен. Попробуйте подключиться через несколько минут.",
}

// callbackMessage returns the message for a code; unknown codes, which
// only a hand-edited URL produces, show nothing.
func callbackMessage(code string) string {
	return callbackMessages[code]
}

// startConnect redirects the browser to the provider's consent page.
func (h *Handler) startConnect(c *gin.Context, provider string, authorizeURL func(state string) string) error {
	state, err := h.newState(c, provider)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, authorizeURL(state))
	return nil
}

// callbackFailure logs why a callback failed and sends the user back to
// the provider page with the code.
func (h *Handler) callbackFailure(c *gin.Context, provider, code string, err error) error {
	h.Log.Warn("OAuth callback failed", "provider", provider, "error_code", code, "error", err,
		"user_id", userID(c), "request_id", requestID(c))
	c.Redirect(http.StatusSeeOther, "/"+provider+"?error="+code)
	return nil
}

// checkCallback validates the parts every provider callback shares and
// returns the code, or the error code to show.
func (h *Handler) checkCallback(c *gin.Context, provider string) (string, string, error) {
	err := h.consumeState(c, provider, c.Query("state"))
	if errors.Is(err, errInvalidState) {
		return "", errCodeInvalidState, err
	}
	if err != nil {
		return "", "", err
	}
	if e := c.Query("error"); e != "" {
		if e == "access_denied" {
			return "", errCodeAccessDenied, fmt.Errorf("user declined consent: error_reason=%q", c.Query("error_reason"))
		}
		return "", errCodeTokenExchange, fmt.Errorf("provider returned error %q", e)
	}
	code := c.Query("code")
	if code == "" || len(code) > 1024 {
		return "", errCodeNoCode, errors.New("callback without a usable code")
	}
	return code, "", nil
}

// exchangeErrorCode maps a failed exchange to the code shown to the user.
func exchangeErrorCode(err error) string {
	var decodeErr *httpx.DecodeError
	var statusErr *httpx.StatusError
	switch {
	case errors.As(err, &decodeErr), errors.Is(err, httpx.ErrTooLarge):
		return errCodeNoToken
	case httpx.IsTimeout(err), errors.As(err, &statusErr) && statusErr.Status >= 500:
		return errCodeUnavailable
	default:
		return errCodeTokenExchange
	}
}

// saveConnection writes the whole connection in one statement: a new row,
// or every field of the user's existing row for that provider. Fields the
// new token lacks (an expiry, a refresh token) are cleared, not kept.
func (h *Handler) saveConnection(ctx context.Context, create *ent.ConnectionCreate) error {
	m := create.Mutation()
	_, hasExpiry := m.TokenExpiresAt()
	_, hasRefresh := m.RefreshToken()
	err := create.
		OnConflictColumns(connection.FieldUserID, connection.FieldProvider).
		UpdateNewValues().
		Update(func(u *ent.ConnectionUpsert) {
			if !hasExpiry {
				u.ClearTokenExpiresAt()
			}
			if !hasRefresh {
				u.ClearRefreshToken()
			}
		}).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("save connection: %w", err)
	}
	return nil
}

// disconnect deletes the user's connection to a provider.
func (h *Handler) disconnect(c *gin.Context, provider connection.Provider) error {
	n, err := h.DB.Connection.Delete().
		Where(connection.UserID(userID(c)), connection.ProviderEQ(provider)).
		Exec(c.Request.Context())
	if err != nil {
		return fmt.Errorf("delete %s connection: %w", provider, err)
	}
	h.Log.Info("connection deleted", "provider", provider.String(), "user_id", userID(c),
		"deleted", n, "request_id", requestID(c))
	return nil
}

func withTimeout(c *gin.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request.Context(), providerTimeout)
}

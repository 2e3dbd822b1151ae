package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/internal/connstatus"
)

const providerVK = "vk"

type providerPage struct {
	Layout
	Conn    *ent.Connection
	Badge   badgeView
	Message string
	Success bool
}

func (h *Handler) showVK(c *gin.Context) error {
	return h.showProvider(c, connection.ProviderVk, "vk", "ВКонтакте")
}

func (h *Handler) showProvider(c *gin.Context, provider connection.Provider, page, title string) error {
	conn, err := h.findConnection(c, provider)
	if err != nil {
		return err
	}
	data := providerPage{
		Layout:  h.layout(c, title),
		Conn:    conn,
		Badge:   h.badge(provider, conn),
		Message: callbackMessage(c.Query("error")),
	}
	if c.Query("disconnected") == "1" && conn == nil {
		data.Message, data.Success = "Аккаунт отключён. EvoSync больше не хранит ключ доступа.", true
	}
	return h.render(c, page, data)
}

func (h *Handler) connectVK(c *gin.Context) error {
	return h.startConnect(c, providerVK, func(state string) string {
		return h.VK.AuthorizeURL(h.Config.VKRedirectURI(), state)
	})
}

// vkCallback finishes VK's code flow: check the state, exchange the code
// (GET, as VK requires), read the owner's name, store the connection.
func (h *Handler) vkCallback(c *gin.Context) error {
	code, errCode, err := h.checkCallback(c, providerVK)
	if errCode != "" {
		return h.callbackFailure(c, providerVK, errCode, err)
	}
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(c)
	defer cancel()

	tok, err := h.VK.Exchange(ctx, code, h.Config.VKRedirectURI())
	if err != nil {
		return h.callbackFailure(c, providerVK, exchangeErrorCode(err), err)
	}
	owner, err := h.VK.CurrentUser(ctx, tok.AccessToken)
	if err != nil {
		return h.callbackFailure(c, providerVK, errCodeProfile, err)
	}

	now := h.Now()
	create := h.DB.Connection.Create().
		SetUserID(userID(c)).
		SetProvider(connection.ProviderVk).
		SetAccessToken(h.Sealer.Seal(tok.AccessToken)).
		SetAccountID(owner.ID.String()).
		SetFirstName(owner.FirstName).
		SetLastName(owner.LastName).
		SetIsOnline(owner.Deactivated == "").
		SetOfflineReason(deactivatedReason(owner.Deactivated)).
		SetLastErrorCode("").
		SetLastError("").
		SetLastCheckedAt(now).
		SetConnectedAt(now)
	if tok.ExpiresIn > 0 {
		create.SetTokenExpiresAt(now.Add(tok.ExpiresIn))
	}
	if err := h.saveConnection(c.Request.Context(), create); err != nil {
		return err
	}
	h.Log.Info("VK connected", "user_id", userID(c), "vk_user_id", owner.ID.String(),
		"expires_in", tok.ExpiresIn.String(), "request_id", requestID(c))
	c.Redirect(http.StatusSeeOther, "/connections")
	return nil
}

func deactivatedReason(state string) string {
	if state == "" {
		return ""
	}
	return connstatus.ReasonDeactivated
}

func (h *Handler) disconnectVK(c *gin.Context) error {
	if err := h.disconnect(c, connection.ProviderVk); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/vk?disconnected=1")
	return nil
}

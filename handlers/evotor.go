package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/evosync/evosync/ent/connection"
)

const providerEvotor = "evotor"

func (h *Handler) showEvotor(c *gin.Context) error {
	return h.showProvider(c, connection.ProviderEvotor, "evotor", "Эвотор")
}

func (h *Handler) connectEvotor(c *gin.Context) error {
	return h.startConnect(c, providerEvotor, func(state string) string {
		return h.Evotor.AuthorizeURL(h.Config.EvotorRedirectURI(), state)
	})
}

// evotorCallback finishes Evotor's code flow: check the state, exchange the
// code (POST with HTTP Basic), list the stores, store the connection.
func (h *Handler) evotorCallback(c *gin.Context) error {
	code, errCode, err := h.checkCallback(c, providerEvotor)
	if errCode != "" {
		return h.callbackFailure(c, providerEvotor, errCode, err)
	}
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(c)
	defer cancel()

	tok, err := h.Evotor.Exchange(ctx, code, h.Config.EvotorRedirectURI())
	if err != nil {
		return h.callbackFailure(c, providerEvotor, exchangeErrorCode(err), err)
	}
	stores, err := h.Evotor.Stores(ctx, tok.AccessToken)
	if err != nil {
		return h.callbackFailure(c, providerEvotor, errCodeProfile, err)
	}
	names := make([]string, 0, len(stores))
	for _, s := range stores {
		names = append(names, s.Name)
	}
	accountID := tok.UserID
	if accountID == "" && len(stores) > 0 {
		// The token answer does not always name the user; the first store
		// identifies the account well enough for display and logs.
		accountID = "store:" + stores[0].ID
	}

	now := h.Now()
	create := h.DB.Connection.Create().
		SetUserID(userID(c)).
		SetProvider(connection.ProviderEvotor).
		SetAccessToken(h.Sealer.Seal(tok.AccessToken)).
		SetAccountID(accountID).
		SetFirstName("").
		SetLastName("").
		SetStoreNames(names).
		SetIsOnline(true).
		SetOfflineReason("").
		SetLastErrorCode("").
		SetLastError("").
		SetLastCheckedAt(now).
		SetConnectedAt(now)
	if tok.RefreshToken != "" {
		create.SetRefreshToken(h.Sealer.Seal(tok.RefreshToken))
	}
	if tok.ExpiresIn > 0 {
		create.SetTokenExpiresAt(now.Add(tok.ExpiresIn))
	}
	if err := h.saveConnection(c.Request.Context(), create); err != nil {
		return err
	}
	h.Log.Info("Evotor connected", "user_id", userID(c), "stores", len(stores),
		"expires_in", tok.ExpiresIn.String(), "request_id", requestID(c))
	c.Redirect(http.StatusSeeOther, "/connections")
	return nil
}

func (h *Handler) disconnectEvotor(c *gin.Context) error {
	if err := h.disconnect(c, connection.ProviderEvotor); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/connections")
	return nil
}

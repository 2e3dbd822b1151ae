package handlers

import (
	"net/http"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"github.com/evosync/evosync/static"
)

// Session lifetimes in seconds: 14 days once signed in, 1 hour for a
// visitor who only opened a form. The Redis key's TTL is the same.
const (
	SessionMaxAge          = 14 * 24 * 3600
	anonymousSessionMaxAge = 3600
)

// CookieOptions are the session cookie's settings: SameSite=Lax, because
// Strict would drop the cookie on the redirect back from VK or Evotor.
func CookieOptions(secure bool, maxAge int) sessions.Options {
	return sessions.Options{Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

// Routes builds the router with every route of the web process.
func (h *Handler) Routes() *gin.Engine {
	r := gin.New()
	r.Use(gin.Recovery(), h.requestLog(), securityHeaders)
	r.HandleMethodNotAllowed = true

	// Without a session: health probe and static files.
	healthz := func(c *gin.Context) { c.String(http.StatusOK, "ok") }
	r.GET("/healthz", healthz)
	r.HEAD("/healthz", healthz)
	r.GET(static.Prefix+"*file", gin.WrapH(h.assets))

	// The polled badge reads the session through a short cache and never
	// writes it.
	r.GET("/connections/:provider/badge", h.fragmentSession, requireFragment, h.wrap(h.showBadge))

	app := r.Group("/", sessions.Sessions(sessionName, h.Sessions), h.loadUser, h.checkCSRF)
	app.GET("/", h.wrap(h.home))

	// Accounts.
	app.GET("/register", h.wrap(h.showRegister))
	app.POST("/register", h.wrap(h.register))
	app.GET("/login", h.wrap(h.showLogin))
	app.POST("/login", h.wrap(h.login))
	app.POST("/logout", h.wrap(h.logout))

	// Pages for signed-in users.
	pages := app.Group("/", h.requirePage)
	pages.GET("/connections", h.wrap(h.showConnections))
	pages.GET("/vk", h.wrap(h.showVK))
	pages.GET("/vk/connect", h.wrap(h.connectVK))
	pages.GET("/vk/callback", h.wrap(h.vkCallback))
	pages.POST("/vk/disconnect", h.wrap(h.disconnectVK))
	pages.GET("/evotor", h.wrap(h.showEvotor))
	pages.GET("/evotor/connect", h.wrap(h.connectEvotor))
	pages.GET("/evotor/callback", h.wrap(h.evotorCallback))
	pages.POST("/evotor/disconnect", h.wrap(h.disconnectEvotor))

	// Catalog sync.
	pages.GET("/sync", h.wrap(h.showSync))
	pages.POST("/sync/settings", h.wrap(h.saveSyncSettings))
	syncFragments := app.Group("/sync", requireFragment)
	syncFragments.GET("/product-groups", h.wrap(h.showProductGroups))
	syncFragments.POST("/preview", h.wrap(h.preview))
	syncFragments.POST("/run", h.wrap(h.runSync))
	syncFragments.POST("/cleanup", h.wrap(h.runCleanup))
	syncFragments.GET("/runs/:id/progress", h.wrap(h.showRunProgress))
	syncFragments.GET("/history", h.wrap(h.showHistory))

	// Fragments polled or posted by htmx.
	fragments := app.Group("/connections", requireFragment)
	fragments.POST("/:provider/check", h.wrap(h.queueCheck))

	// Operators: the read-only queue dashboard.
	admin := app.Group(adminQueuesPath, h.requireAdmin)
	queues := gin.WrapH(h.queuesUI())
	admin.Any("", queues)
	admin.Any("/*path", queues)

	r.NoRoute(h.wrap(func(c *gin.Context) error {
		return userError(http.StatusNotFound, "Страница не найдена.")
	}))
	r.NoMethod(h.wrap(func(c *gin.Context) error {
		return userError(http.StatusMethodNotAllowed, "Этот адрес так не открывается. Вернитесь на главную страницу.")
	}))
	return r
}

func (h *Handler) home(c *gin.Context) error {
	if h.currentUser(c) == nil {
		c.Redirect(http.StatusFound, "/login")
		return nil
	}
	c.Redirect(http.StatusFound, "/connections")
	return nil
}

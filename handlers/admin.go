package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/hibiken/asynqmon"
)

// adminQueuesPath is the mount path of the read-only asynq dashboard.
const adminQueuesPath = "/admin/queues"

// queuesUI builds the asynq dashboard in read-only mode.
func (h *Handler) queuesUI() http.Handler {
	return asynqmon.New(asynqmon.Options{
		RootPath:     adminQueuesPath,
		RedisConnOpt: h.QueueRedis,
		ReadOnly:     true,
	})
}

// requireAdmin responds 404 to everyone but signed-in users listed in
// ADMIN_EMAILS, so the dashboard's existence is not revealed.
func (h *Handler) requireAdmin(c *gin.Context) {
	u := h.currentUser(c)
	if u == nil || !h.Config.IsAdmin(u.Email) {
		c.AbortWithStatus(http.StatusNotFound)
		return
	}
	c.Next()
}

package handlers

import (
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// fragmentSessionTTL is how long a web process trusts a session it read
// for polled fragments without asking Redis again. A dashboard polls every
// few seconds, so this halves the Redis reads of an open dashboard. A
// logout handled by another web process stops this process's badge
// responses at most this much later. A logout here takes effect at once,
// and every page and every POST still reads the session from Redis.
const fragmentSessionTTL = 10 * time.Second

// maxCachedSessions bounds the cache; past it, entries are dropped early.
const maxCachedSessions = 100_000

// sessionCache maps a session id to its user id for polled fragments.
type sessionCache struct {
	mu      sync.Mutex
	entries map[string]cachedSession
	lastGC  time.Time
}

type cachedSession struct {
	userID  int
	expires time.Time
}

func newSessionCache() *sessionCache {
	return &sessionCache{entries: map[string]cachedSession{}}
}

func (sc *sessionCache) get(id string, now time.Time) (int, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	e, ok := sc.entries[id]
	if !ok || !now.Before(e.expires) {
		return 0, false
	}
	return e.userID, true
}

func (sc *sessionCache) put(id string, userID int, now time.Time) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if now.Sub(sc.lastGC) > fragmentSessionTTL || len(sc.entries) >= maxCachedSessions {
		for k, e := range sc.entries {
			if !now.Before(e.expires) || len(sc.entries) >= maxCachedSessions {
				delete(sc.entries, k)
			}
		}
		sc.lastGC = now
	}
	sc.entries[id] = cachedSession{userID: userID, expires: now.Add(fragmentSessionTTL)}
}

func (sc *sessionCache) forget(id string) {
	if id == "" {
		return
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	delete(sc.entries, id)
}

// fragmentSession identifies the user of a polled fragment from the
// session cookie, through the cache, without loading gin-contrib/sessions.
// Routes behind it never write the session.
func (h *Handler) fragmentSession(c *gin.Context) {
	now := time.Now()
	id := h.Sessions.CookieID(c.Request, sessionName)
	if uid, ok := h.fragmentSessions.get(id, now); ok && id != "" {
		c.Set(ctxUserID, uid)
		c.Next()
		return
	}
	id, values, ok, err := h.Sessions.Lookup(c.Request, sessionName)
	if err != nil {
		h.Log.Error("read session for fragment", "error", err, "request_id", requestID(c))
		c.AbortWithStatus(503)
		return
	}
	if uid, convErr := strconv.Atoi(values[keyUserID]); ok && convErr == nil && uid > 0 {
		h.fragmentSessions.put(id, uid, now)
		c.Set(ctxUserID, uid)
	}
	c.Next()
}

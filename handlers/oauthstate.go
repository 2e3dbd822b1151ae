package handlers

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

// stateTTL is how long an OAuth state stays valid.
const stateTTL = 10 * time.Minute

// errInvalidState covers a missing, wrong, reused or expired state.
var errInvalidState = errors.New("OAuth state missing, wrong, reused or expired")

func stateSessionKey(provider string) string { return "oauth_state_" + provider }

func stateRedisKey(provider, state string) string { return "oauth_state:" + provider + ":" + state }

// newState creates a state, binds it to the session and the user, records
// its expiry (checked against the handler clock; the Redis TTL only cleans
// up), and
// saves both before the caller redirects, so the callback can find it.
func (h *Handler) newState(c *gin.Context, provider string) (string, error) {
	state := randomHex(24)
	record := strconv.Itoa(userID(c)) + "|" + strconv.FormatInt(h.Now().Add(stateTTL).Unix(), 10)
	ctx := c.Request.Context()
	if err := h.Redis.Set(ctx, stateRedisKey(provider, state), record, stateTTL).Err(); err != nil {
		return "", fmt.Errorf("store OAuth state: %w", err)
	}
	s := sessions.Default(c)
	s.Set(stateSessionKey(provider), state)
	if err := s.Save(); err != nil {
		return "", fmt.Errorf("save session: %w", err)
	}
	return state, nil
}

// consumeState checks the callback's state and spends it. The state must
// be the one in this session, and the Redis record is taken with GETDEL,
// so of two concurrent callbacks with one state only one passes.
func (h *Handler) consumeState(c *gin.Context, provider, got string) error {
	s := sessions.Default(c)
	want, _ := s.Get(stateSessionKey(provider)).(string)
	if got == "" || want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		// A stray or forged callback leaves a connect in progress alone.
		return errInvalidState
	}
	s.Delete(stateSessionKey(provider))
	if err := s.Save(); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	record, err := h.Redis.GetDel(ctx, stateRedisKey(provider, got)).Result()
	if errors.Is(err, redis.Nil) {
		return errInvalidState
	}
	if err != nil {
		return fmt.Errorf("read OAuth state: %w", err)
	}
	owner, expiry, _ := strings.Cut(record, "|")
	expiresAt, err := strconv.ParseInt(expiry, 10, 64)
	if owner != strconv.Itoa(userID(c)) || err != nil || !h.Now().Before(time.Unix(expiresAt, 0)) {
		return errInvalidState
	}
	return nil
}

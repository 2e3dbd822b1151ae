package health

import (
	"context"
	"fmt"
	"time"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/internal/connstatus"
)

// vkMaxRetries bounds retries of a throttled VK check within one sweep.
const vkMaxRetries = 2

// checkVK calls users.get. A token whose stored expiry passed is offline
// without asking VK, because VK's legacy tokens cannot be refreshed.
func (s *Service) checkVK(ctx context.Context, conn *ent.Connection, token string) Result {
	if conn.TokenExpiresAt != nil && !s.Now().Before(*conn.TokenExpiresAt) {
		return Result{Verdict: connstatus.Reject(connstatus.ReasonExpired, "token lifetime passed")}
	}
	delay := vkRetryDelay
	for attempt := 0; ; attempt++ {
		user, err := s.VK.CurrentUser(ctx, token)
		if err == nil {
			return vkUserResult(conn, user.ID.String(), user.FirstName, user.LastName, user.Deactivated)
		}
		v := classifyVK(err)
		if v.RetryAfter <= 0 || attempt >= vkMaxRetries {
			return Result{Verdict: v}
		}
		select {
		case <-ctx.Done():
			return Result{Verdict: classifyTransport(ctx.Err())}
		case <-time.After(delay):
		}
		delay *= 2
	}
}

func vkUserResult(conn *ent.Connection, id, first, last, deactivated string) Result {
	if deactivated != "" {
		return Result{Verdict: connstatus.Reject(connstatus.ReasonDeactivated, "VK owner is "+deactivated)}
	}
	if id != conn.AccountID {
		return Result{Verdict: connstatus.Fail(connstatus.ErrBadResponse,
			fmt.Sprintf("users.get returned user %s, connection belongs to %s", id, conn.AccountID))}
	}
	return Result{Verdict: connstatus.Accept(), Profile: &Profile{FirstName: first, LastName: last}}
}

// checkEvotor refreshes a token that expires soon, then calls GET /stores.
func (s *Service) checkEvotor(ctx context.Context, conn *ent.Connection, token string) Result {
	var tokens *Tokens
	if s.needsRefresh(conn) {
		res, fresh := s.refreshEvotor(ctx, conn)
		if fresh == nil && res.Verdict.Kind == connstatus.Rejected {
			return res
		}
		if fresh == nil && !s.Now().Before(*conn.TokenExpiresAt) {
			// The refresh failed for a temporary reason and the old token
			// is past its lifetime: nothing left to check with.
			return res
		}
		if fresh != nil {
			tokens, token = fresh, fresh.Access
		}
	}
	stores, err := s.Evotor.Stores(ctx, token)
	if err != nil {
		return Result{Verdict: classifyEvotor(err), Tokens: tokens}
	}
	names := make([]string, 0, len(stores))
	for _, st := range stores {
		names = append(names, st.Name)
	}
	return Result{Verdict: connstatus.Accept(), Profile: &Profile{StoreNames: names}, Tokens: tokens}
}

func (s *Service) needsRefresh(conn *ent.Connection) bool {
	return conn.TokenExpiresAt != nil && s.Now().Add(s.RefreshBefore).After(*conn.TokenExpiresAt)
}

// refreshEvotor returns new tokens, or a verdict explaining why there are none.
func (s *Service) refreshEvotor(ctx context.Context, conn *ent.Connection) (Result, *Tokens) {
	refresh, err := s.Sealer.Open(conn.RefreshToken)
	if err != nil || refresh == "" {
		if s.Now().Before(*conn.TokenExpiresAt) {
			return Result{Verdict: connstatus.Fail(connstatus.ErrProviderError, "no refresh token stored")}, nil
		}
		return Result{Verdict: connstatus.Reject(connstatus.ReasonExpired, "token expired and no refresh token")}, nil
	}
	tok, err := s.Evotor.Refresh(ctx, refresh)
	if err != nil {
		return Result{Verdict: classifyRefresh(err)}, nil
	}
	fresh := &Tokens{Access: tok.AccessToken, Refresh: tok.RefreshToken}
	if fresh.Refresh == "" {
		fresh.Refresh = refresh
	}
	if tok.ExpiresIn > 0 {
		at := s.Now().Add(tok.ExpiresIn)
		fresh.ExpiresAt = &at
	}
	return Result{}, fresh
}

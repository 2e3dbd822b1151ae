// Package health checks stored provider tokens and records the verdicts.
// The worker runs it every check interval over every connection; the
// dashboard's "check now" button runs it for one.
package health

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/internal/connstatus"
	"github.com/evosync/evosync/internal/evotor"
	"github.com/evosync/evosync/internal/seal"
	"github.com/evosync/evosync/internal/vk"
)

// writeTimeout bounds the write of a verdict that is saved after the
// sweep's context was cancelled.
const writeTimeout = 5 * time.Second

// Service checks connections.
type Service struct {
	DB     *ent.Client
	Sealer *seal.Sealer
	VK     *vk.Client
	Evotor *evotor.Client
	Log    *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Concurrency is how many connections a sweep checks at once.
	Concurrency int
	// RefreshBefore is how long before expiry an Evotor token is refreshed.
	RefreshBefore time.Duration
}

// Result is the outcome of checking one connection.
type Result struct {
	Verdict connstatus.Verdict
	// Profile holds refreshed display details; nil leaves them unchanged.
	Profile *Profile
	// Tokens holds tokens from a refresh; nil leaves them unchanged.
	Tokens *Tokens
}

// Profile is what the dashboard shows of the account.
type Profile struct {
	FirstName, LastName string
	StoreNames          []string
}

// Tokens are freshly issued tokens, not yet sealed.
type Tokens struct {
	Access, Refresh string
	ExpiresAt       *time.Time
}

// CheckByID checks one connection now; a missing connection is not an error.
func (s *Service) CheckByID(ctx context.Context, id int) (Result, error) {
	conn, err := s.DB.Connection.Get(ctx, id)
	if ent.IsNotFound(err) {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("load connection %d: %w", id, err)
	}
	res := s.Check(ctx, conn)
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, s.Save(ctx, conn, res)
}

// Check asks the provider about one connection's token without saving.
func (s *Service) Check(ctx context.Context, conn *ent.Connection) Result {
	access, err := s.Sealer.Open(conn.AccessToken)
	if err != nil {
		return Result{Verdict: connstatus.Reject(connstatus.ReasonRevoked, err.Error())}
	}
	switch conn.Provider {
	case connection.ProviderVk:
		return s.checkVK(ctx, conn, access)
	case connection.ProviderEvotor:
		return s.checkEvotor(ctx, conn, access)
	default:
		return Result{Verdict: connstatus.Fail(connstatus.ErrProviderError, "unknown provider "+conn.Provider.String())}
	}
}

// Save writes a result in one UPDATE: status, check time, error and
// details change together. The update matches the token that was checked,
// so a connection replaced by a reconnect meanwhile is left alone.
func (s *Service) Save(ctx context.Context, conn *ent.Connection, res Result) error {
	upd := s.DB.Connection.Update().
		Where(connection.ID(conn.ID), connection.AccessToken(conn.AccessToken)).
		SetLastCheckedAt(s.Now())
	v := res.Verdict
	switch v.Kind {
	case connstatus.Accepted:
		upd.SetIsOnline(true).SetOfflineReason("").SetLastErrorCode("").SetLastError("")
	case connstatus.Rejected:
		upd.SetIsOnline(false).SetOfflineReason(v.Reason).SetLastErrorCode("").SetLastError(truncate(v.Detail))
	default:
		upd.SetLastErrorCode(v.ErrorCode).SetLastError(truncate(v.Detail))
	}
	if p := res.Profile; p != nil {
		upd.SetFirstName(p.FirstName).SetLastName(p.LastName)
		if p.StoreNames != nil {
			upd.SetStoreNames(p.StoreNames)
		}
	}
	if t := res.Tokens; t != nil {
		upd.SetAccessToken(s.Sealer.Seal(t.Access)).
			SetRefreshToken(s.Sealer.Seal(t.Refresh)).
			SetNillableTokenExpiresAt(t.ExpiresAt)
	}
	if _, err := upd.Save(ctx); err != nil {
		return fmt.Errorf("save check of connection %d: %w", conn.ID, err)
	}
	s.logResult(conn, v)
	return nil
}

func (s *Service) logResult(conn *ent.Connection, v connstatus.Verdict) {
	attrs := []any{"connection_id", conn.ID, "provider", conn.Provider.String()}
	switch v.Kind {
	case connstatus.Accepted:
		s.Log.Debug("connection online", attrs...)
	case connstatus.Rejected:
		s.Log.Info("connection offline", append(attrs, "reason", v.Reason, "detail", v.Detail)...)
	default:
		s.Log.Warn("connection check inconclusive", append(attrs, "error_code", v.ErrorCode, "error", v.Detail)...)
	}
}

func truncate(s string) string {
	r := []rune(s)
	if len(r) > 500 {
		return string(r[:500])
	}
	return s
}

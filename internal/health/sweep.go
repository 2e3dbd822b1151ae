package health

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/internal/connstatus"
)

// sweepPage is how many connections a sweep loads at a time; memory stays
// at one page whatever the number of connections.
const sweepPage = 500

// SweepStats counts what one sweep did.
type SweepStats struct {
	Checked, Online, Offline, Inconclusive int64
}

// Sweep checks every connection not yet checked since slotStart, so a sweep
// resumed after a restart, or run again in the same slot, checks no
// connection twice. It stops when ctx is cancelled; rows not reached keep
// their previous values.
func (s *Service) Sweep(ctx context.Context, slotStart time.Time) (SweepStats, error) {
	var stats SweepStats
	jobs := make(chan *ent.Connection)
	var wg sync.WaitGroup
	for range s.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for conn := range jobs {
				s.sweepOne(ctx, conn, &stats)
			}
		}()
	}
	err := s.feed(ctx, slotStart, jobs)
	close(jobs)
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return stats, err
}

// feed sends due connections page by page, in id order.
func (s *Service) feed(ctx context.Context, slotStart time.Time, jobs chan<- *ent.Connection) error {
	lastID := 0
	for {
		page, err := s.DB.Connection.Query().
			Where(
				connection.IDGT(lastID),
				connection.Or(connection.LastCheckedAtIsNil(), connection.LastCheckedAtLT(slotStart)),
			).
			Order(ent.Asc(connection.FieldID)).
			Limit(sweepPage).
			All(ctx)
		if err != nil {
			return fmt.Errorf("load connections after id %d: %w", lastID, err)
		}
		for _, conn := range page {
			select {
			case jobs <- conn:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if len(page) < sweepPage {
			return nil
		}
		lastID = page[len(page)-1].ID
	}
}

func (s *Service) sweepOne(ctx context.Context, conn *ent.Connection, stats *SweepStats) {
	res := s.Check(ctx, conn)
	if ctx.Err() != nil && res.Tokens == nil {
		// Cancelled mid-check: the answer says nothing about the token.
		return
	}
	// Tokens from a refresh must be kept even when the sweep is stopping,
	// because the provider has already invalidated the old refresh token.
	writeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	if err := s.Save(writeCtx, conn, res); err != nil {
		s.Log.Error("save connection check", "connection_id", conn.ID, "error", err)
		return
	}
	atomic.AddInt64(&stats.Checked, 1)
	switch res.Verdict.Kind {
	case connstatus.Accepted:
		atomic.AddInt64(&stats.Online, 1)
	case connstatus.Rejected:
		atomic.AddInt64(&stats.Offline, 1)
	default:
		atomic.AddInt64(&stats.Inconclusive, 1)
	}
}

package catalogsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/syncrun"
	"github.com/evosync/evosync/ent/syncsettings"
)

// schedulePage is how many users ScheduleRuns loads at a time.
const schedulePage = 500

// ScheduleStats counts what one ScheduleRuns call did.
type ScheduleStats struct {
	Queued     int // runs created and enqueued
	InProgress int // users skipped because a run was queued or running
	Done       int // users skipped because the slot already has their run
	Failed     int // users whose run could not be created or enqueued
}

// ScheduleRuns creates a scheduled sync run for every user with
// schedule_enabled and passes it to enqueue. A user with a run in
// progress, or with a scheduled run created since slotStart, is skipped,
// so running it twice for one slot queues each user once. A run that
// enqueue rejects is marked failed at once, so it does not block the
// user's next runs.
func (s *Service) ScheduleRuns(ctx context.Context, slotStart time.Time,
	enqueue func(ctx context.Context, runID int) error) (ScheduleStats, error) {
	var stats ScheduleStats
	lastID := 0
	for {
		page, err := s.DB.SyncSettings.Query().
			Where(syncsettings.ScheduleEnabled(true), syncsettings.IDGT(lastID)).
			Order(ent.Asc(syncsettings.FieldID)).
			Limit(schedulePage).
			All(ctx)
		if err != nil {
			return stats, fmt.Errorf("load scheduled users after settings %d: %w", lastID, err)
		}
		for _, settings := range page {
			if err := ctx.Err(); err != nil {
				return stats, err
			}
			s.scheduleUser(ctx, settings.UserID, slotStart, enqueue, &stats)
		}
		if len(page) < schedulePage {
			return stats, nil
		}
		lastID = page[len(page)-1].ID
	}
}

func (s *Service) scheduleUser(ctx context.Context, userID int, slotStart time.Time,
	enqueue func(ctx context.Context, runID int) error, stats *ScheduleStats) {
	log := s.Log.With("user_id", userID)
	done, err := s.DB.SyncRun.Query().
		Where(
			syncrun.UserID(userID),
			syncrun.TriggerEQ(syncrun.TriggerScheduled),
			syncrun.CreatedAtGTE(slotStart),
		).
		Exist(ctx)
	if err != nil {
		log.Error("check scheduled runs of the slot", "error", err)
		stats.Failed++
		return
	}
	if done {
		stats.Done++
		return
	}

	run, err := s.CreateRun(ctx, userID, syncrun.KindSync, syncrun.TriggerScheduled)
	if errors.Is(err, ErrRunInProgress) {
		log.Debug("scheduled sync skipped: a run is in progress")
		stats.InProgress++
		return
	}
	if err != nil {
		log.Error("create scheduled run", "error", err)
		stats.Failed++
		return
	}
	if err := enqueue(ctx, run.ID); err != nil {
		log.Error("enqueue scheduled run", "run_id", run.ID, "error", err)
		stats.Failed++
		if err := s.Abandon(ctx, run.ID, err); err != nil {
			log.Error("mark unqueued run failed", "run_id", run.ID, "error", err)
		}
		return
	}
	stats.Queued++
}

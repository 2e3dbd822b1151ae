package catalogsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/evosync/evosync/ent"
	"github.com/evosync/evosync/ent/schema"
	"github.com/evosync/evosync/ent/syncrun"
	"github.com/evosync/evosync/ent/syncsettings"
)

const (
	// staleRunAge is the age at which CreateRun gives up on a queued or
	// running run. It is longer than a run task with all its retries can
	// last: four attempts of two hours each, plus asynq's waits between
	// them.
	staleRunAge = 12 * time.Hour
	// maxStoredFailures caps the failures kept on a run row; the failed
	// counter still counts every one.
	maxStoredFailures = 200
	// maxMessageRunes is the length of SyncRun.message in the schema.
	maxMessageRunes = 1000
)

// CreateRun queues a run for the user, unless one is already queued or
// running (ErrRunInProgress). A run that stayed queued or running for
// longer than staleRunAge is marked failed and does not block.
//
// Two requests for the same user must not both pass the check. The
// transaction first upserts the user's SyncSettings row, which takes a
// row lock in PostgreSQL, so a concurrent CreateRun waits at that
// statement until this transaction ends and then finds its run. SQLite
// runs one write transaction at a time. A user without settings gets an
// empty SyncSettings row as a side effect.
func (s *Service) CreateRun(ctx context.Context, userID int, kind syncrun.Kind,
	trigger syncrun.Trigger) (*ent.SyncRun, error) {
	tx, err := s.DB.Tx(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin run creation for user %d: %w", userID, err)
	}
	run, err := s.createRunTx(ctx, tx, userID, kind, trigger)
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit run creation for user %d: %w", userID, err)
	}
	s.Log.Info("catalog sync run queued", "run_id", run.ID, "user_id", userID, "kind", kind, "trigger", trigger)
	return run, nil
}

func (s *Service) createRunTx(ctx context.Context, tx *ent.Tx, userID int, kind syncrun.Kind,
	trigger syncrun.Trigger) (*ent.SyncRun, error) {
	err := tx.SyncSettings.Create().
		SetUserID(userID).
		OnConflictColumns(syncsettings.FieldUserID).
		UpdateUserID().
		Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock sync settings of user %d: %w", userID, err)
	}

	active, err := tx.SyncRun.Query().
		Where(syncrun.UserID(userID), syncrun.StatusIn(syncrun.StatusQueued, syncrun.StatusRunning)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load active runs of user %d: %w", userID, err)
	}
	now := s.Now()
	for _, run := range active {
		if now.Sub(run.CreatedAt) < staleRunAge {
			return nil, ErrRunInProgress
		}
		err := tx.SyncRun.UpdateOneID(run.ID).
			SetStatus(syncrun.StatusFailed).
			SetFinishedAt(now).
			SetMessage("Синхронизация не завершилась вовремя и остановлена: запустите её снова").
			Exec(ctx)
		if err != nil {
			return nil, fmt.Errorf("mark stale run %d failed: %w", run.ID, err)
		}
		s.Log.Warn("stale catalog sync run marked failed", "run_id", run.ID, "user_id", userID, "created_at", run.CreatedAt)
	}

	run, err := tx.SyncRun.Create().
		SetUserID(userID).
		SetKind(kind).
		SetTrigger(trigger).
		SetStatus(syncrun.StatusQueued).
		SetCreatedAt(now).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("create run for user %d: %w", userID, err)
	}
	return run, nil
}

// Execute runs a queued run to completion. It updates the run's progress
// and counts after every batch, so a page can poll the row, and sets the
// final status and a Russian message.
//
// A run found in the running status is an attempt that was interrupted,
// and Execute starts it over: the counters restart from zero, and items
// the earlier attempt already wrote count as unchanged. A finished run is
// left alone.
//
// Execute returns nil when the run reached a final status. It returns an
// error when the run stopped for a reason worth retrying, such as a
// temporary provider failure or ctx ending. The run then stays running
// with a message, and a later Execute continues it.
func (s *Service) Execute(ctx context.Context, runID int) error {
	run, resumed, err := s.claim(ctx, runID)
	if err != nil || run == nil {
		return err
	}
	log := s.Log.With("run_id", run.ID, "user_id", run.UserID)
	log.Info("catalog sync run started", "kind", run.Kind, "trigger", run.Trigger)
	r := &runner{s: s, run: run, log: log, started: time.Now(), resumed: resumed}
	if resumed {
		r.earlier = counts{created: run.Created, updated: run.Updated, hidden: run.Hidden, removed: run.Removed}
	}

	switch run.Kind {
	case syncrun.KindCleanup:
		err = r.cleanup(ctx)
	default:
		err = r.sync(ctx)
	}
	return r.settle(ctx, err)
}

// claim moves a queued run to running, or takes over a running one, and
// reports whether an earlier attempt of the run had started. It returns a
// nil run for a run that is already finished.
func (s *Service) claim(ctx context.Context, runID int) (run *ent.SyncRun, resumed bool, err error) {
	run, err = s.DB.SyncRun.Get(ctx, runID)
	if err != nil {
		return nil, false, fmt.Errorf("load catalog sync run %d: %w", runID, err)
	}
	if run.Status != syncrun.StatusQueued && run.Status != syncrun.StatusRunning {
		s.Log.Info("catalog sync run already finished",
			"run_id", run.ID, "user_id", run.UserID, "status", run.Status)
		return nil, false, nil
	}

	update := s.DB.SyncRun.Update().
		Where(syncrun.ID(run.ID), syncrun.StatusIn(syncrun.StatusQueued, syncrun.StatusRunning)).
		SetStatus(syncrun.StatusRunning).
		SetTotal(0).SetProcessed(0).
		SetCreated(0).SetUpdated(0).SetHidden(0).SetRemoved(0).SetUnchanged(0).SetFailed(0).
		ClearFailures().
		ClearMessage()
	resumed = run.StartedAt != nil
	if resumed {
		s.Log.Info("resuming interrupted catalog sync run", "run_id", run.ID, "user_id", run.UserID)
	} else {
		now := s.Now()
		run.StartedAt = &now
		update.SetStartedAt(now)
	}
	n, err := update.Save(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("claim catalog sync run %d: %w", runID, err)
	}
	if n == 0 {
		return nil, false, nil
	}
	run.Status = syncrun.StatusRunning
	return run, resumed, nil
}

// Abandon marks a run that is still queued or running as failed, with a
// Russian message that names the provider behind cause. The task handler
// calls it when the last attempt failed, so the run does not block new
// ones until it is stale.
func (s *Service) Abandon(ctx context.Context, runID int, cause error) error {
	run, err := s.DB.SyncRun.Get(ctx, runID)
	if err != nil {
		return fmt.Errorf("load catalog sync run %d: %w", runID, err)
	}
	reason := "внутренняя ошибка"
	switch {
	case errors.Is(cause, errVK):
		reason = "ВКонтакте временно недоступен"
	case errors.Is(cause, errEvotor):
		reason = "Эвотор временно недоступен"
	}
	message := "Синхронизация прервана: " + reason + ". Запустите её снова позже"
	n, err := s.DB.SyncRun.Update().
		Where(syncrun.ID(runID), syncrun.StatusIn(syncrun.StatusQueued, syncrun.StatusRunning)).
		SetStatus(syncrun.StatusFailed).
		SetFinishedAt(s.Now()).
		SetMessage(truncateRunes(message, maxMessageRunes)).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("abandon catalog sync run %d: %w", runID, err)
	}
	if n > 0 {
		s.Log.Warn("catalog sync run abandoned", "run_id", runID, "user_id", run.UserID, "error", cause)
	}
	return nil
}

// runner is the state of one run.
type runner struct {
	s       *Service
	run     *ent.SyncRun
	log     *slog.Logger
	started time.Time // wall clock, for the duration in the log
	// resumed is set when an earlier attempt of the run had started.
	resumed bool

	vkToken     string
	evotorToken string
	settings    *ent.SyncSettings

	// incremental is set for a sync that reads only products changed
	// since the last successful run.
	incremental bool
	// counts are this attempt's, and earlier are the writes of the earlier
	// attempts of a resumed run. reported combines them.
	counts  counts
	earlier counts
	// totals delivers the product count of the pass, until takeTotal
	// has read it.
	totals          <-chan int
	failures        []schema.SyncFailure
	droppedFailures int
	// rejected maps a product id to the content VK rejected in the last
	// finished sync, so unchanged rejected content is not sent again.
	rejected map[string]schema.SyncFailure
	// notes are extra Russian sentences for the final message.
	notes []string
}

// counts mirrors the counters of SyncRun.
type counts struct {
	total, processed                                     int
	created, updated, hidden, removed, unchanged, failed int
}

// reported returns the run's counters over all its attempts. The items an
// earlier attempt wrote are unchanged for this one, so they move from
// unchanged back to the action that wrote them.
//
// NOTE: an item written by an earlier attempt and changed in Evotor since
// is counted twice, once for each write, and one unchanged item too few.
func (r *runner) reported() counts {
	c, e := r.counts, r.earlier
	moved := min(e.created+e.updated+e.hidden, c.unchanged)
	c.created += e.created
	c.updated += e.updated
	c.hidden += e.hidden
	c.removed += e.removed
	c.unchanged -= moved
	return c
}

// groupID is the positive id of the settings' VK community.
func (r *runner) groupID() int64 { return r.settings.VkGroupID }

// ownerID is the negative community id that market methods take.
func (r *runner) ownerID() int64 { return -r.settings.VkGroupID }

// noteOnce adds a sentence to the run's final message unless it is there.
func (r *runner) noteOnce(note string) {
	for _, existing := range r.notes {
		if existing == note {
			return
		}
	}
	r.notes = append(r.notes, note)
}

// recordFailure counts a product that could not be written and keeps the
// first maxStoredFailures of them for the owner.
func (r *runner) recordFailure(productID, name, message string) {
	r.recordRejection(productID, name, message, "")
}

// recordRejection is recordFailure that also remembers the rejected
// content's hash, when VK rejected the content itself.
func (r *runner) recordRejection(productID, name, message, hash string) {
	r.counts.failed++
	if message == msgMarketDisabled {
		r.noteOnce(msgMarketDisabled)
	}
	if len(r.failures) >= maxStoredFailures {
		r.droppedFailures++
		return
	}
	r.failures = append(r.failures, schema.SyncFailure{ProductID: productID, Name: name, Message: message, ContentHash: hash})
}

// loadRejected reads the content rejections of the user's last finished
// sync run.
func (r *runner) loadRejected(ctx context.Context) error {
	last, err := r.s.DB.SyncRun.Query().
		Where(
			syncrun.UserID(r.run.UserID),
			syncrun.KindEQ(syncrun.KindSync),
			syncrun.StatusEQ(syncrun.StatusSucceeded),
			syncrun.IDNEQ(r.run.ID),
		).
		Order(ent.Desc(syncrun.FieldID)).
		First(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load last catalog sync run: %w", err)
	}
	r.rejected = map[string]schema.SyncFailure{}
	for _, f := range last.Failures {
		if f.ContentHash != "" {
			r.rejected[f.ProductID] = f
		}
	}
	return nil
}

// progressUpdate is an update of the run row, while it is running, that
// writes the counters and failures.
func (r *runner) progressUpdate() *ent.SyncRunUpdate {
	r.takeTotal()
	c := r.reported()
	return r.s.DB.SyncRun.Update().
		Where(syncrun.ID(r.run.ID), syncrun.StatusEQ(syncrun.StatusRunning)).
		SetTotal(max(c.total, c.processed)).
		SetProcessed(c.processed).
		SetCreated(c.created).
		SetUpdated(c.updated).
		SetHidden(c.hidden).
		SetRemoved(c.removed).
		SetUnchanged(c.unchanged).
		SetFailed(c.failed).
		SetFailures(r.failures)
}

// saveProgress writes the counters and failures to the run row. It
// returns errRunNotRunning when the row is no longer running.
func (r *runner) saveProgress(ctx context.Context) error {
	n, err := r.progressUpdate().Save(ctx)
	if err != nil {
		return fmt.Errorf("save progress of run %d: %w", r.run.ID, err)
	}
	if n == 0 {
		return errRunNotRunning
	}
	return nil
}

// settle records how the run ended and returns the error for the task
// queue: nil when the run reached a final status.
func (r *runner) settle(ctx context.Context, runErr error) error {
	writeCtx, cancel := detach(ctx)
	defer cancel()

	var stop *stopError
	switch {
	case errors.Is(runErr, errRunNotRunning):
		r.log.Warn("catalog sync run was finished elsewhere, stopping")
		return nil
	case runErr == nil:
		return r.finish(writeCtx, syncrun.StatusSucceeded, r.summary(), nil)
	case errors.As(runErr, &stop):
		message := stop.message
		if stop.status == syncrun.StatusFailed && r.counts.processed > 0 {
			message += ". До остановки: " + r.countsText()
		}
		return r.finish(writeCtx, stop.status, message, stop.err)
	case ctx.Err() != nil:
		r.log.Info("catalog sync run interrupted", "error", runErr, "processed", r.counts.processed)
		if err := r.saveProgress(writeCtx); err != nil && !errors.Is(err, errRunNotRunning) {
			r.log.Error("save progress of interrupted run", "error", err)
		}
		return fmt.Errorf("catalog sync run %d interrupted: %w", r.run.ID, runErr)
	default:
		r.log.Warn("catalog sync run stopped by a temporary failure", "error", runErr, "processed", r.counts.processed)
		err := r.progressUpdate().SetMessage(temporaryMessage(runErr)).Exec(writeCtx)
		if err != nil {
			r.log.Error("save progress of stopped run", "error", err)
		}
		return fmt.Errorf("catalog sync run %d: %w", r.run.ID, runErr)
	}
}

// finish writes the final status, counters and message.
func (r *runner) finish(ctx context.Context, status syncrun.Status, message string, cause error) error {
	n, err := r.progressUpdate().
		SetStatus(status).
		SetFinishedAt(r.s.Now()).
		SetMessage(truncateRunes(message, maxMessageRunes)).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("finish run %d: %w", r.run.ID, err)
	}
	if n == 0 {
		r.log.Warn("catalog sync run was finished elsewhere", "status", status)
		return nil
	}
	c := r.reported()
	attrs := []any{"status", status, "message", message,
		"duration", time.Since(r.started).Round(time.Millisecond),
		"total", c.total, "processed", c.processed, "created", c.created,
		"updated", c.updated, "hidden", c.hidden, "removed", c.removed,
		"unchanged", c.unchanged, "failed", c.failed}
	if cause != nil {
		r.log.Warn("catalog sync run stopped", append(attrs, "error", cause)...)
	} else {
		r.log.Info("catalog sync run finished", attrs...)
	}
	return nil
}

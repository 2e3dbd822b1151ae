// Package workers holds the asynq task types, their payloads and
// constructors (shared by the web and worker processes), the task
// handlers, and the table of periodic tasks.
package workers

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// Task types.
const (
	// TypeHealthSweep checks every connection once per time slot.
	TypeHealthSweep = "health:sweep"
	// TypeHealthCheck checks one connection now.
	TypeHealthCheck = "health:check"
)

// Queue names and their priorities.
const (
	QueueDefault = "default"
	QueueHealth  = "health"
)

// Queues is the weight of each queue in the worker.
var Queues = map[string]int{QueueHealth: 3, QueueDefault: 2}

// SweepPayload names the slot a sweep belongs to.
type SweepPayload struct {
	SlotStart time.Time `json:"slot_start"`
}

// CheckPayload names the connection to check.
type CheckPayload struct {
	ConnectionID int `json:"connection_id"`
}

// SweepTaskID makes one task ID per slot, so several schedulers, or one
// restarted, enqueue each slot at most once.
func SweepTaskID(slotStart time.Time) string {
	return fmt.Sprintf("%s:%d", TypeHealthSweep, slotStart.Unix())
}

// NewSweepTask builds the sweep for the slot that starts at slotStart. The
// task is kept after completion for one interval so its ID keeps blocking
// duplicates; a failed slot never blocks the next one, which has another ID.
func NewSweepTask(slotStart time.Time, interval time.Duration) (*asynq.Task, error) {
	payload, err := json.Marshal(SweepPayload{SlotStart: slotStart.UTC()})
	if err != nil {
		return nil, fmt.Errorf("encode sweep payload: %w", err)
	}
	return asynq.NewTask(TypeHealthSweep, payload,
		asynq.TaskID(SweepTaskID(slotStart)),
		asynq.Queue(QueueHealth),
		asynq.Timeout(interval),
		asynq.MaxRetry(3),
		asynq.Retention(2*interval),
	), nil
}

// checkDebounce merges repeated "check now" clicks on one connection.
const checkDebounce = 10 * time.Second

// NewCheckTask builds a one-connection check. Clicks within the same
// checkDebounce window share one task while it waits or runs; the task is
// not kept after it finishes, so a later click queues a new check.
func NewCheckTask(connectionID int, now time.Time) (*asynq.Task, error) {
	payload, err := json.Marshal(CheckPayload{ConnectionID: connectionID})
	if err != nil {
		return nil, fmt.Errorf("encode check payload: %w", err)
	}
	bucket := now.Truncate(checkDebounce).Unix()
	return asynq.NewTask(TypeHealthCheck, payload,
		asynq.TaskID(fmt.Sprintf("%s:%d:%d", TypeHealthCheck, connectionID, bucket)),
		asynq.Queue(QueueHealth),
		asynq.Timeout(time.Minute),
		asynq.MaxRetry(2),
	), nil
}

package health_test

import (
	"context"
	"testing"
	"time"

	"github.com/evosync/evosync/ent/connection"
	"github.com/evosync/evosync/internal/testenv"
)

func TestSweepStoppedMidwayResumes(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	e.App.Health.Concurrency = 8
	for i := range 300 {
		seedVK(t, e, int64(5000+i))
	}
	e.Sandbox.SetLatency(100 * time.Millisecond)
	slot := e.Clock.Now()
	e.Clock.Advance(time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	stats, err := e.App.Health.Sweep(ctx, slot)
	cancel()

	if err == nil {
		t.Fatal("interrupted sweep returned no error")
	}
	if stats.Checked == 0 || stats.Checked >= 300 {
		t.Fatalf("interrupted sweep checked %d, want some but not all", stats.Checked)
	}
	checked := e.App.Ent.Connection.Query().Where(connection.LastCheckedAtNotNil()).CountX(context.Background())
	if int64(checked) != stats.Checked {
		t.Errorf("rows with a check time = %d, sweep reports %d checked", checked, stats.Checked)
	}
	untouched := e.App.Ent.Connection.Query().Where(connection.LastCheckedAtIsNil(), connection.IsOnline(true)).CountX(context.Background())
	if untouched != 300-checked {
		t.Errorf("rows not reached = %d, want %d keeping their previous values", untouched, 300-checked)
	}

	rest, err := e.App.Health.Sweep(context.Background(), slot)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Checked+rest.Checked != 300 {
		t.Errorf("checked %d then %d, want 300 in all", stats.Checked, rest.Checked)
	}
	if got := e.Sandbox.CallCount("vk", "users.get"); got < 300 || got > 300+8 {
		t.Errorf("users.get calls = %d, want 300 plus at most the %d cancelled in flight", got, 8)
	}
	again, _ := e.App.Health.Sweep(context.Background(), slot)
	if again.Checked != 0 {
		t.Errorf("third sweep of the same slot checked %d, want 0", again.Checked)
	}
}

func TestSweepNextSlotChecksAll(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	for i := range 5 {
		seedVK(t, e, int64(7000+i))
	}
	slot := e.Clock.Now()
	e.Clock.Advance(time.Second)
	if s, _ := e.App.Health.Sweep(context.Background(), slot); s.Checked != 5 {
		t.Fatalf("first slot checked %d", s.Checked)
	}

	e.Clock.Advance(10 * time.Minute)
	s, err := e.App.Health.Sweep(context.Background(), slot.Add(10*time.Minute))

	if err != nil || s.Checked != 5 {
		t.Errorf("next slot checked %d (%v), want 5", s.Checked, err)
	}
}

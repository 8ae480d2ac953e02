// Package jobs runs the portal's background work: the SLA ticker that turns
// clocks yellow and red as time passes, the batched e-mail notifications and
// the monthly summaries. Every process runs them; on PostgreSQL an advisory
// lock lets exactly one do each round.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
)

// slaLockKey names the SLA ticker's advisory lock ("portsla").
const slaLockKey = 0x706f727473_6c61

// SLATicker stores SLA colour changes as time passes and announces each as
// an activity event, which the realtime feed pushes to open pages.
type SLATicker struct {
	DB    *bun.DB
	Log   *slog.Logger
	Every time.Duration
	Now   func() time.Time
}

// Run ticks until ctx ends.
func (t *SLATicker) Run(ctx context.Context) {
	every := t.Every
	if every <= 0 {
		every = 15 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if n, err := t.Tick(ctx); err != nil && ctx.Err() == nil {
			t.Log.Error("SLA tick", "error", err)
		} else if n > 0 {
			t.Log.Debug("SLA colours changed", "requests", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Tick does one round, if no other process is doing it, and returns how many
// requests changed colour.
func (t *SLATicker) Tick(ctx context.Context) (int, error) {
	now := models.Now()
	if t.Now != nil {
		now = t.Now()
	}
	var changed int
	err := withLock(ctx, t.DB, slaLockKey, func() error {
		changes, err := models.TickSLAClocks(ctx, t.DB, now)
		for _, c := range changes {
			ev := &models.ActivityEvent{ClientID: c.ClientID, RequestID: &c.RequestID, Kind: models.EventSLAChanged,
				Audience: models.AudiencePublic, Detail: c.ResponseColour + " " + c.ResolutionColour, CreatedAt: now}
			if rerr := models.RecordEvent(ctx, t.DB, ev); rerr != nil {
				return rerr
			}
			changed++
		}
		return err
	})
	return changed, err
}

// withLock runs fn while holding a PostgreSQL advisory lock, or skips it when
// another process holds the lock. SQLite serves one process: fn just runs.
func withLock(ctx context.Context, db *bun.DB, key int64, fn func() error) error {
	if !models.IsPostgres(db) {
		return fn()
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("jobs: lock connection: %w", err)
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(?)", key).Scan(&got); err != nil {
		return fmt.Errorf("jobs: try lock: %w", err)
	}
	if !got {
		return nil
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(?)", key) //nolint:errcheck
	return fn()
}

package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/models"
)

// orphanLockKey names the orphan sweep's advisory lock ("portorph").
const orphanLockKey = 0x706f72746f_7270

// OrphanSweeper deletes stored files that no attachment names. An upload
// writes its files first and its rows in the transaction of its message,
// and deletes the files if that transaction fails; what a crash or a lost
// connection leaves behind is found here. Only files older than Grace are
// touched, so an upload still on its way to the database keeps its files.
type OrphanSweeper struct {
	DB    *bun.DB
	Store attachments.Store
	Log   *slog.Logger
	Every time.Duration // default hourly
	Grace time.Duration // default a day
	Now   func() time.Time
}

// Run sweeps now and then every Every until ctx ends.
func (o *OrphanSweeper) Run(ctx context.Context) {
	every := o.Every
	if every <= 0 {
		every = time.Hour
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if n, err := o.Sweep(ctx); err != nil && ctx.Err() == nil {
			o.Log.Error("attachment orphan sweep", "error", err)
		} else if n > 0 {
			o.Log.Info("deleted orphaned attachment files", "files", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// sweepBatch is how many stored keys are looked up in one query.
const sweepBatch = 500

// Sweep does one round, if no other process is doing it, and returns how
// many files it deleted.
func (o *OrphanSweeper) Sweep(ctx context.Context) (int, error) {
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	grace := o.Grace
	if grace <= 0 {
		grace = 24 * time.Hour
	}
	cutoff := now.Add(-grace)
	deleted := 0
	err := withLock(ctx, o.DB, orphanLockKey, func() error {
		var batch []string
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			known, err := models.KnownStorageKeys(ctx, o.DB, batch)
			if err != nil {
				return err
			}
			for _, k := range batch {
				if known[k] {
					continue
				}
				if err := o.Store.Delete(ctx, k); err != nil {
					return err
				}
				deleted++
			}
			batch = batch[:0]
			return nil
		}
		err := o.Store.List(ctx, func(st attachments.Stored) error {
			if st.ModTime.After(cutoff) {
				return nil // possibly an upload whose row is still being written
			}
			batch = append(batch, st.Key)
			if len(batch) >= sweepBatch {
				return flush()
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("jobs: sweep attachment orphans: %w", err)
		}
		return flush()
	})
	return deleted, err
}

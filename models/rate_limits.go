package models

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/uptrace/bun"
)

// RateLimitHit is one attempt counted against a bucket ("signin-ip:1.2.3.4",
// "reset-email:a@b.c"). Rows live in the database so every process behind
// the load balancer counts the same attempts.
type RateLimitHit struct {
	bun.BaseModel `bun:"table:rate_limit_hits"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Bucket    string    `bun:"bucket"`
	CreatedAt time.Time `bun:"created_at"`
}

// RateLimit is at most Max attempts per Window.
type RateLimit struct {
	Max    int
	Window time.Duration
}

// rateLimitKeep is how long any hit is kept; no window is longer.
const rateLimitKeep = 24 * time.Hour

// AllowAttempt counts an attempt against every bucket and reports whether all
// of them were still under the limit. A refused attempt is not counted, so a
// blocked caller regains access once the window has passed.
func AllowAttempt(ctx context.Context, db bun.IDB, limit RateLimit, buckets ...string) (bool, error) {
	over, err := OverLimit(ctx, db, limit, buckets...)
	if err != nil || over {
		return false, err
	}
	return true, RecordAttempt(ctx, db, buckets...)
}

// OverLimit reports whether any bucket already holds limit.Max attempts in
// the window (for limits that count only failures).
func OverLimit(ctx context.Context, db bun.IDB, limit RateLimit, buckets ...string) (bool, error) {
	since := Now().Add(-limit.Window)
	for _, b := range buckets {
		n, err := db.NewSelect().Model((*RateLimitHit)(nil)).Where("bucket = ?", b).Where("created_at > ?", since).Count(ctx)
		if err != nil {
			return false, fmt.Errorf("models: count attempts of %s: %w", b, err)
		}
		if n >= limit.Max {
			return true, nil
		}
	}
	return false, nil
}

// RecordAttempt counts one attempt in every bucket, pruning old rows now and then.
func RecordAttempt(ctx context.Context, db bun.IDB, buckets ...string) error {
	now := Now()
	hits := make([]RateLimitHit, len(buckets))
	for i, b := range buckets {
		hits[i] = RateLimitHit{Bucket: b, CreatedAt: now}
	}
	if len(hits) > 0 {
		if _, err := db.NewInsert().Model(&hits).Exec(ctx); err != nil {
			return fmt.Errorf("models: record attempt: %w", err)
		}
	}
	if rand.IntN(50) == 0 {
		return PruneRateLimitHits(ctx, db, now)
	}
	return nil
}

// PruneRateLimitHits deletes hits older than any window.
func PruneRateLimitHits(ctx context.Context, db bun.IDB, now time.Time) error {
	if _, err := db.NewDelete().Model((*RateLimitHit)(nil)).Where("created_at < ?", now.Add(-rateLimitKeep)).Exec(ctx); err != nil {
		return fmt.Errorf("models: prune rate limit hits: %w", err)
	}
	return nil
}

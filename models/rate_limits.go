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

// BucketLimit is a bucket and the limit that applies to it.
type BucketLimit struct {
	Bucket string
	Limit  RateLimit
}

// Claim is an attempt recorded before the work it guards (a password hash),
// so that concurrent attempts cannot all pass a check made before any of
// them was counted.
type Claim struct{ ids []int64 }

// ClaimAttempt records an attempt in every bucket first and counts after:
// of concurrent attempts, none passes once a bucket holds more than its
// limit. A refused claim is withdrawn at once, so a blocked caller regains
// access when the window has passed.
func ClaimAttempt(ctx context.Context, db bun.IDB, limits ...BucketLimit) (*Claim, bool, error) {
	now := Now()
	hits := make([]RateLimitHit, len(limits))
	for i, l := range limits {
		hits[i] = RateLimitHit{Bucket: l.Bucket, CreatedAt: now}
	}
	claim := &Claim{}
	if len(hits) == 0 {
		return claim, true, nil
	}
	if _, err := db.NewInsert().Model(&hits).Returning("id").Exec(ctx); err != nil {
		return nil, false, fmt.Errorf("models: claim attempt: %w", err)
	}
	for _, h := range hits {
		claim.ids = append(claim.ids, h.ID)
	}
	for _, l := range limits {
		n, err := db.NewSelect().Model((*RateLimitHit)(nil)).Where("bucket = ?", l.Bucket).
			Where("created_at > ?", now.Add(-l.Limit.Window)).Count(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("models: count attempts of %s: %w", l.Bucket, err)
		}
		if n > l.Limit.Max {
			return nil, false, claim.Release(ctx, db)
		}
	}
	if rand.IntN(50) == 0 {
		return claim, true, PruneRateLimitHits(ctx, db, now)
	}
	return claim, true, nil
}

// Release withdraws a claim: the attempt succeeded and counts for nothing.
func (c *Claim) Release(ctx context.Context, db bun.IDB) error {
	if c == nil || len(c.ids) == 0 {
		return nil
	}
	if _, err := db.NewDelete().Model((*RateLimitHit)(nil)).Where("id IN (?)", bun.List(c.ids)).Exec(ctx); err != nil {
		return fmt.Errorf("models: release attempt: %w", err)
	}
	return nil
}

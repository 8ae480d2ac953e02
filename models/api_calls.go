package models

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// CountAPICall counts one call of a token in the current minute and returns
// the calls counted in it so far, this one included, and when the minute
// ends. One upsert per call, shared by every process; a row per token and
// minute rather than a row per call (as rate_limit_hits keeps for sign-in),
// since a busy integration makes hundreds of calls a minute.
func CountAPICall(ctx context.Context, db bun.IDB, tokenID int64, now time.Time) (calls int, reset time.Time, err error) {
	window := now.Unix() / 60
	err = db.NewRaw(`INSERT INTO api_rate_windows (token_id, window_start, calls) VALUES (?, ?, 1)
ON CONFLICT (token_id, window_start) DO UPDATE SET calls = api_rate_windows.calls + 1 RETURNING calls`,
		tokenID, window).Scan(ctx, &calls)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("models: count API call of token %d: %w", tokenID, err)
	}
	if calls == 1 { // the first call of a minute clears the token's older ones
		if _, err := db.NewDelete().Table("api_rate_windows").Where("token_id = ?", tokenID).
			Where("window_start < ?", window).Exec(ctx); err != nil {
			return 0, time.Time{}, fmt.Errorf("models: prune API calls of token %d: %w", tokenID, err)
		}
	}
	return calls, time.Unix((window+1)*60, 0).UTC(), nil
}

// IdempotencyKeep is how long the first answer to an Idempotency-Key is kept.
const IdempotencyKeep = 24 * time.Hour

// APIIdempotency is the first answer to a POST sent with an Idempotency-Key.
type APIIdempotency struct {
	bun.BaseModel `bun:"table:api_idempotency"`

	ID          int64     `bun:"id,pk,autoincrement"`
	TokenID     int64     `bun:"token_id"`
	Key         string    `bun:"idem_key"`
	RequestHash []byte    `bun:"request_hash"`
	Status      int       `bun:"status"` // 0 while the first call is being answered
	ContentType string    `bun:"content_type"`
	Location    string    `bun:"location"`
	Body        string    `bun:"body"`
	CreatedAt   time.Time `bun:"created_at"`
}

// Errors of a repeated Idempotency-Key.
var (
	ErrIdempotencyMismatch = errors.New("models: idempotency key reused with another request")
	ErrIdempotencyBusy     = errors.New("models: the first request with this idempotency key is still being answered")
)

// ClaimIdempotencyKey starts the first call with key, or finds the answer of
// an earlier one. It returns (claim, nil) when this call goes ahead (finish
// it with SaveIdempotentAnswer or ReleaseIdempotencyKey) and (nil, first)
// when first is to be replayed. requestHash covers method, path and body:
// the same key with anything else is ErrIdempotencyMismatch.
func ClaimIdempotencyKey(ctx context.Context, db bun.IDB, tokenID int64, key string, requestHash []byte, now time.Time) (claim, first *APIIdempotency, err error) {
	if _, err := db.NewDelete().Model((*APIIdempotency)(nil)).Where("token_id = ?", tokenID).Where("idem_key = ?", key).
		Where("created_at < ?", now.Add(-IdempotencyKeep)).Exec(ctx); err != nil {
		return nil, nil, fmt.Errorf("models: expire idempotency key: %w", err)
	}
	row := &APIIdempotency{TokenID: tokenID, Key: key, RequestHash: requestHash, CreatedAt: now}
	res, err := db.NewInsert().Model(row).On("CONFLICT (token_id, idem_key) DO NOTHING").Exec(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("models: claim idempotency key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		if row.ID == 0 { // SQLite does not report the id of an ON CONFLICT insert
			if err := db.NewSelect().Model(row).Column("id").Where("token_id = ?", tokenID).Where("idem_key = ?", key).Scan(ctx); err != nil {
				return nil, nil, fmt.Errorf("models: read claimed idempotency key: %w", err)
			}
		}
		return row, nil, nil
	}
	first = new(APIIdempotency)
	if err := db.NewSelect().Model(first).Where("token_id = ?", tokenID).Where("idem_key = ?", key).Scan(ctx); err != nil {
		return nil, nil, notFound(err, "read idempotency key")
	}
	switch {
	case !bytes.Equal(first.RequestHash, requestHash):
		return nil, nil, ErrIdempotencyMismatch
	case first.Status == 0:
		return nil, nil, ErrIdempotencyBusy
	}
	return nil, first, nil
}

// SaveIdempotentAnswer keeps the answer of the call that claimed the key.
func SaveIdempotentAnswer(ctx context.Context, db bun.IDB, claim *APIIdempotency) error {
	if _, err := db.NewUpdate().Model(claim).Column("status", "content_type", "location", "body").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("models: save idempotent answer %d: %w", claim.ID, err)
	}
	return nil
}

// ReleaseIdempotencyKey forgets a claim whose call failed on our side, so a
// retry with the same key is tried afresh rather than answered with the failure.
func ReleaseIdempotencyKey(ctx context.Context, db bun.IDB, claim *APIIdempotency) error {
	if _, err := db.NewDelete().Model(claim).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("models: release idempotency key %d: %w", claim.ID, err)
	}
	return nil
}

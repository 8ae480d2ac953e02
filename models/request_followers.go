package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// RequestFollower is a client user who hears about a request by e-mail.
// The requester follows by default; anyone at the client may follow.
type RequestFollower struct {
	bun.BaseModel `bun:"table:request_followers"`

	RequestID int64     `bun:"request_id,pk"`
	UserID    int64     `bun:"user_id,pk"`
	CreatedAt time.Time `bun:"created_at"`
}

// What a client user is e-mailed about (users.notify_scope).
const (
	NotifyFollowing = "following" // requests they follow (the default)
	NotifyAll       = "all"       // every request of their company
)

// ValidNotifyScope reports whether s is one of the two choices.
func ValidNotifyScope(s string) bool { return s == NotifyFollowing || s == NotifyAll }

// follow makes user follow request (a no-op when they already do).
func follow(ctx context.Context, db bun.IDB, requestID, userID int64, at time.Time) error {
	if _, err := db.NewInsert().Model(&RequestFollower{RequestID: requestID, UserID: userID, CreatedAt: at}).
		On("CONFLICT (request_id, user_id) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("models: follow request %d: %w", requestID, err)
	}
	return nil
}

// Follow starts (on) or stops following the client's request number n as
// the scope's user.
func (s Scope) Follow(ctx context.Context, n int, on bool) error {
	id, err := s.requestIDByNumber(ctx, n)
	if err != nil {
		return err
	}
	if on {
		return follow(ctx, s.db, id, s.userID, Now())
	}
	if _, err := s.db.NewDelete().Model((*RequestFollower)(nil)).Where("request_id = ?", id).
		Where("user_id = ?", s.userID).Exec(ctx); err != nil {
		return fmt.Errorf("models: unfollow request %d: %w", id, err)
	}
	return nil
}

// SetNotifyScope saves what a client user is e-mailed about.
func SetNotifyScope(ctx context.Context, db bun.IDB, userID int64, scope string) error {
	if !ValidNotifyScope(scope) {
		return fmt.Errorf("models: notify scope %q", scope)
	}
	if _, err := db.NewUpdate().Model((*User)(nil)).Set("notify_scope = ?", scope).Where("id = ?", userID).Exec(ctx); err != nil {
		return fmt.Errorf("models: set notify scope of user %d: %w", userID, err)
	}
	return nil
}

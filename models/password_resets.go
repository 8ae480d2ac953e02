package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// How long an e-mailed link to set a password stays valid.
const (
	ResetValidity  = time.Hour          // forgot password
	InviteValidity = 7 * 24 * time.Hour // staff invitation
)

// PasswordReset is a single-use link to choose a new password; only the
// token's hash is stored.
type PasswordReset struct {
	bun.BaseModel `bun:"table:password_resets"`

	ID        int64      `bun:"id,pk,autoincrement"`
	UserID    int64      `bun:"user_id"`
	TokenHash []byte     `bun:"token_hash"`
	ExpiresAt time.Time  `bun:"expires_at"`
	UsedAt    *time.Time `bun:"used_at"`
	CreatedAt time.Time  `bun:"created_at"`
}

// CreatePasswordReset makes a reset link for a user and returns its token.
func CreatePasswordReset(ctx context.Context, db bun.IDB, userID int64, validity time.Duration) (string, error) {
	token, hash, err := NewToken()
	if err != nil {
		return "", err
	}
	now := Now()
	r := &PasswordReset{UserID: userID, TokenHash: hash, ExpiresAt: now.Add(validity), CreatedAt: now}
	if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
		return "", fmt.Errorf("models: create password reset for user %d: %w", userID, err)
	}
	return token, nil
}

// ErrResetInvalid covers unknown, used and expired reset links alike.
var ErrResetInvalid = fmt.Errorf("models: reset link is not valid: %w", ErrNotFound)

// PasswordResetUser returns the user a valid, unused reset token belongs to.
func PasswordResetUser(ctx context.Context, db bun.IDB, token string) (*User, error) {
	r, err := findReset(ctx, db, token)
	if err != nil {
		return nil, err
	}
	u, err := GetUser(ctx, db, r.UserID)
	if err != nil {
		return nil, err
	}
	active, err := userActive(ctx, db, u)
	if err != nil {
		return nil, err
	}
	if !active {
		return nil, ErrResetInvalid
	}
	// A link asked for before the password last changed (on the account
	// page, or with another link) is stale: whoever asked may have been
	// someone the change was meant to lock out.
	if u.PasswordChangedAt != nil && r.CreatedAt.Before(*u.PasswordChangedAt) {
		return nil, ErrResetInvalid
	}
	return u, nil
}

func findReset(ctx context.Context, db bun.IDB, token string) (*PasswordReset, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrResetInvalid
	}
	r := new(PasswordReset)
	err := db.NewSelect().Model(r).Where("token_hash = ?", HashToken(token)).Scan(ctx)
	if err != nil {
		if errors.Is(notFound(err, ""), ErrNotFound) {
			return nil, ErrResetInvalid
		}
		return nil, fmt.Errorf("models: find password reset: %w", err)
	}
	if r.UsedAt != nil || !Now().Before(r.ExpiresAt) {
		return nil, ErrResetInvalid
	}
	return r, nil
}

// ResetPassword uses a reset token once: it sets the password, marks the
// token (and the user's other open reset links) used and ends every session
// of the user, all in one transaction.
func ResetPassword(ctx context.Context, db *bun.DB, token, password string) (*User, error) {
	u, err := PasswordResetUser(ctx, db, token)
	if err != nil {
		return nil, err
	}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := Now()
		// Claiming the row with a conditional update makes a second,
		// concurrent use of the same token fail.
		res, err := tx.NewUpdate().Model((*PasswordReset)(nil)).Set("used_at = ?", now).
			Where("token_hash = ?", HashToken(token)).Where("used_at IS NULL").Where("expires_at > ?", now).Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: use password reset: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrResetInvalid
		}
		if _, err := tx.NewUpdate().Model((*PasswordReset)(nil)).Set("used_at = ?", now).
			Where("user_id = ?", u.ID).Where("used_at IS NULL").Exec(ctx); err != nil {
			return fmt.Errorf("models: close other resets of user %d: %w", u.ID, err)
		}
		return SetPassword(ctx, tx, u.ID, password)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

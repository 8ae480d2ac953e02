package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// SigninChallenge is a sign-in whose password (or provider) was right and
// that now waits for the second factor. The browser holds the token in a
// short-lived cookie; only its hash is stored.
type SigninChallenge struct {
	bun.BaseModel `bun:"table:signin_challenges"`

	ID        int64     `bun:"id,pk,autoincrement"`
	TokenHash []byte    `bun:"token_hash"`
	UserID    int64     `bun:"user_id"`
	NextPath  string    `bun:"next_path"`
	CreatedAt time.Time `bun:"created_at"`
	ExpiresAt time.Time `bun:"expires_at"`

	// Method is how the first factor was proved, recorded as the sign-in's
	// once the second is right.
	Method SigninMethod `bun:"method"`
}

// SigninChallengeValidity is how long the code may take to arrive.
const SigninChallengeValidity = 5 * time.Minute

// CreateSigninChallenge starts the second step of a sign-in and returns the
// token for the cookie. next is where the user goes once signed in.
func CreateSigninChallenge(ctx context.Context, db bun.IDB, userID int64, next string, method SigninMethod) (string, error) {
	token, hash, err := NewToken()
	if err != nil {
		return "", err
	}
	now := Now()
	if _, err := db.NewDelete().Model((*SigninChallenge)(nil)).Where("expires_at < ?", now).Exec(ctx); err != nil {
		return "", fmt.Errorf("models: prune sign-in challenges: %w", err)
	}
	ch := &SigninChallenge{TokenHash: hash, UserID: userID, NextPath: next, Method: method, CreatedAt: now, ExpiresAt: now.Add(SigninChallengeValidity)}
	if _, err := db.NewInsert().Model(ch).Exec(ctx); err != nil {
		return "", fmt.Errorf("models: create sign-in challenge for user %d: %w", userID, err)
	}
	return token, nil
}

// GetSigninChallenge returns the unexpired challenge of a token and its
// user, who must still be allowed to sign in; otherwise ErrNotFound.
func GetSigninChallenge(ctx context.Context, db bun.IDB, token string) (*SigninChallenge, *User, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, fmt.Errorf("models: no sign-in challenge: %w", ErrNotFound)
	}
	ch := new(SigninChallenge)
	if err := db.NewSelect().Model(ch).Where("token_hash = ?", HashToken(token)).Scan(ctx); err != nil {
		return nil, nil, notFound(err, "load sign-in challenge")
	}
	if !Now().Before(ch.ExpiresAt) {
		return nil, nil, fmt.Errorf("models: sign-in challenge expired: %w", ErrNotFound)
	}
	u, err := GetUser(ctx, db, ch.UserID)
	if err != nil {
		return nil, nil, err
	}
	active, err := userActive(ctx, db, u)
	if err != nil {
		return nil, nil, err
	}
	if !active {
		return nil, nil, fmt.Errorf("models: user %d may not sign in: %w", u.ID, ErrNotFound)
	}
	return ch, u, nil
}

// DeleteSigninChallenge ends a challenge (met, or abandoned).
func DeleteSigninChallenge(ctx context.Context, db bun.IDB, id int64) error {
	if _, err := db.NewDelete().Model((*SigninChallenge)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("models: delete sign-in challenge: %w", err)
	}
	return nil
}

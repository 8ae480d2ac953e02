package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Session is a signed-in browser. The cookie holds the token; the row holds
// only its hash, so a database leak does not leak sessions.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	ID         int64     `bun:"id,pk,autoincrement"`
	TokenHash  []byte    `bun:"token_hash"`
	UserID     int64     `bun:"user_id"`
	IP         string    `bun:"ip"`
	UserAgent  string    `bun:"user_agent"`
	CreatedAt  time.Time `bun:"created_at"`
	LastSeenAt time.Time `bun:"last_seen_at"`
	ExpiresAt  time.Time `bun:"expires_at"`

	User *User `bun:"rel:belongs-to,join:user_id=id"`

	// Read by SessionUserAt only: the newest settled event's position.
	CursorTx int64 `bun:"cursor_tx,scanonly"`
	CursorID int64 `bun:"cursor_id,scanonly"`
}

// Cursor is the event position read with the session (SessionUserAt).
func (s *Session) Cursor() Position { return Position{Tx: s.CursorTx, ID: s.CursorID} }

// SessionPolicy bounds a session's life: Idle without a request, Max in all.
type SessionPolicy struct {
	Idle time.Duration
	Max  time.Duration
}

// CreateSession starts a session for a user, records the sign-in time and
// returns the token for the cookie.
func CreateSession(ctx context.Context, db bun.IDB, userID int64, ip, userAgent string, p SessionPolicy) (string, error) {
	token, hash, err := NewToken()
	if err != nil {
		return "", err
	}
	now := Now()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	s := &Session{TokenHash: hash, UserID: userID, IP: ip, UserAgent: userAgent,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(p.Max)}
	if _, err := db.NewInsert().Model(s).Exec(ctx); err != nil {
		return "", fmt.Errorf("models: create session for user %d: %w", userID, err)
	}
	if _, err := db.NewUpdate().Model((*User)(nil)).Set("last_sign_in_at = ?", now).
		Where("id = ?", userID).Exec(ctx); err != nil {
		return "", fmt.Errorf("models: record sign-in of user %d: %w", userID, err)
	}
	return token, nil
}

// touchEvery limits last_seen_at writes to one a minute per session.
const touchEvery = time.Minute

// SessionUser returns the user behind a session token, or ErrNotFound when the
// token is unknown, expired (idle or absolute), or its user may no longer sign in.
// The session, its user and the user's client come in one statement; the
// session's last-seen time is written at most once a minute.
func SessionUser(ctx context.Context, db bun.IDB, token string, p SessionPolicy) (*User, *Session, error) {
	return sessionUser(ctx, db, token, p, false)
}

// SessionUserAt is SessionUser that also reads the newest settled event's
// position (Session.Cursor) in the same statement, for a full page: its live
// stream starts there. Read before the page's content, an event committed
// meanwhile is sent again (fragments with ids are not shown twice), never
// missed.
func SessionUserAt(ctx context.Context, db bun.IDB, token string, p SessionPolicy) (*User, *Session, error) {
	return sessionUser(ctx, db, token, p, true)
}

func sessionUser(ctx context.Context, db bun.IDB, token string, p SessionPolicy, cursor bool) (*User, *Session, error) {
	s := new(Session)
	if err := readSession(ctx, db, s, HashToken(token), cursor); err != nil {
		return nil, nil, notFound(err, "load session")
	}
	now := Now()
	if now.After(s.ExpiresAt) || now.Sub(s.LastSeenAt) > p.Idle {
		if err := DeleteSession(ctx, db, token); err != nil {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("models: session expired: %w", ErrNotFound)
	}
	u := s.User
	if u == nil || u.ID == 0 {
		return nil, nil, fmt.Errorf("models: load session user: %w", ErrNotFound)
	}
	if u.ClientID == nil {
		u.Client = nil
	}
	if u.DisabledAt != nil || u.SignupPending || (u.Client != nil && u.Client.ArchivedAt != nil) ||
		(u.ClientID != nil && (u.Client == nil || u.Client.ID == 0)) {
		return nil, nil, fmt.Errorf("models: user %d may not sign in: %w", u.ID, ErrNotFound)
	}
	if now.Sub(s.LastSeenAt) > touchEvery {
		s.LastSeenAt = now
		if _, err := db.NewUpdate().Model(s).Column("last_seen_at").WherePK().Exec(ctx); err != nil {
			return nil, nil, fmt.Errorf("models: touch session: %w", err)
		}
	}
	return u, s, nil
}

// DeleteSession ends the session of a token (sign-out).
func DeleteSession(ctx context.Context, db bun.IDB, token string) error {
	if _, err := db.NewDelete().Model((*Session)(nil)).Where("token_hash = ?", HashToken(token)).Exec(ctx); err != nil {
		return fmt.Errorf("models: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user (password reset, disable).
func DeleteUserSessions(ctx context.Context, db bun.IDB, userID int64) error {
	if _, err := db.NewDelete().Model((*Session)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return fmt.Errorf("models: delete sessions of user %d: %w", userID, err)
	}
	return nil
}

// readSession runs the session read, which every signed-in request starts
// with, as a prepared statement: the session by its token's
// hash, its user and the user's client, and with cursor the newest settled
// event's position.
func readSession(ctx context.Context, db bun.IDB, s *Session, hash []byte, cursor bool) error {
	shape := "session read"
	if cursor {
		shape += " with cursor"
	}
	return scanOnePrepared(ctx, db, shape, s, func(dest any, arg func(int) any) *bun.SelectQuery {
		q := db.NewSelect().Model(dest).Relation("User").Relation("User.Client").
			Where("session.token_hash = ?", arg(1))
		if cursor {
			latest := "SELECT %s FROM activity_events AS e WHERE " + settledAs(db, "e") + " ORDER BY e.tx_id DESC, e.id DESC LIMIT 1"
			q = q.ColumnExpr("session.*").
				ColumnExpr("coalesce((" + fmt.Sprintf(latest, "e.tx_id") + "), 0) AS cursor_tx").
				ColumnExpr("coalesce((" + fmt.Sprintf(latest, "e.id") + "), 0) AS cursor_id")
		}
		return q
	}, hash)
}

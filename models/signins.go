package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// SigninMethod is how a person proved who they are when a session began.
type SigninMethod string

// Ways to sign in. SigninNone starts a session that is not a sign-in (the
// new session after a password change); it is also the method of the
// sign-ins known only from before events were recorded.
const (
	SigninNone      SigninMethod = ""
	SigninPassword  SigninMethod = "password"
	SigninGoogle    SigninMethod = "google"
	SigninMicrosoft SigninMethod = "microsoft"
	SigninOpenID    SigninMethod = "openid"
)

// SigninMethodOfProvider is the method of a sign-in through an OAuth
// provider by its name in /auth/<name>: any provider other than Google and
// Microsoft is the generic OpenID Connect one.
func SigninMethodOfProvider(provider string) SigninMethod {
	switch provider {
	case "google":
		return SigninGoogle
	case "microsoft", "azureadv2":
		return SigninMicrosoft
	}
	return SigninOpenID
}

// Label is the method's name for people.
func (m SigninMethod) Label() string {
	switch m {
	case SigninPassword:
		return "Password"
	case SigninGoogle:
		return "Google"
	case SigninMicrosoft:
		return "Microsoft"
	case SigninOpenID:
		return "OpenID"
	}
	return "Not recorded"
}

// SigninEvent is one real sign-in of a client user.
type SigninEvent struct {
	bun.BaseModel `bun:"table:signin_events"`

	ID         int64        `bun:"id,pk,autoincrement"`
	ClientID   int64        `bun:"client_id"`
	UserID     int64        `bun:"user_id"`
	Method     SigninMethod `bun:"method"`
	SignedInAt time.Time    `bun:"signed_in_at"`
}

// userSigninDay counts one person's sign-ins on one UTC day.
type userSigninDay struct {
	bun.BaseModel `bun:"table:user_signin_days"`

	UserID   int64  `bun:"user_id,pk"`
	ClientID int64  `bun:"client_id"`
	Day      string `bun:"day,pk"` // YYYY-MM-DD, UTC
	Signins  int    `bun:"signins"`
}

// adoptionDay is the UTC day an instant counts on in the adoption counters
// (the triggers use the same: date() on SQLite, AT TIME ZONE 'UTC' on
// PostgreSQL).
func adoptionDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// RecordSignin records that u signed in by method at at, with its day's
// count, in the transaction that starts the session. Staff (who belong to
// no client) and sessions that are no sign-in are not recorded: adoption is
// about the client's own people.
func RecordSignin(ctx context.Context, db bun.IDB, u *User, method SigninMethod, at time.Time) error {
	if u.ClientID == nil || method == SigninNone {
		return nil
	}
	ev := &SigninEvent{ClientID: *u.ClientID, UserID: u.ID, Method: method, SignedInAt: at}
	if _, err := db.NewInsert().Model(ev).Exec(ctx); err != nil {
		return fmt.Errorf("models: record sign-in of user %d: %w", u.ID, err)
	}
	day := &userSigninDay{UserID: u.ID, ClientID: *u.ClientID, Day: adoptionDay(at), Signins: 1}
	if _, err := db.NewInsert().Model(day).On("CONFLICT (user_id, day) DO UPDATE").
		Set("signins = ?TableAlias.signins + 1").Exec(ctx); err != nil {
		return fmt.Errorf("models: count sign-in of user %d: %w", u.ID, err)
	}
	return nil
}

// SignIn starts a session for u and records the sign-in (RecordSignin) in
// one transaction, returning the token for the cookie: a sign-in is counted
// exactly when its session exists.
func SignIn(ctx context.Context, db *bun.DB, u *User, method SigninMethod, ip, userAgent string, p SessionPolicy) (string, error) {
	var token string
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if token, err = CreateSession(ctx, tx, u.ID, ip, userAgent, p); err != nil {
			return err
		}
		return RecordSignin(ctx, tx, u, method, Now())
	})
	return token, err
}

package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/uptrace/bun"
)

// Roles: staff are admins or agents; everyone else is a client user.
const (
	RoleAdmin  = "admin"
	RoleAgent  = "agent"
	RoleClient = "client"
)

// User is a staff member (ClientID nil) or a client user bound to one client.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID                int64      `bun:"id,pk,autoincrement"`
	ClientID          *int64     `bun:"client_id"`
	Role              string     `bun:"role"`
	Email             string     `bun:"email"`
	Name              string     `bun:"name"`
	PasswordHash      *string    `bun:"password_hash"`
	SignupMethod      string     `bun:"signup_method"`
	NotifyEmail       bool       `bun:"notify_email"`
	DisabledAt        *time.Time `bun:"disabled_at"`
	LastSignInAt      *time.Time `bun:"last_sign_in_at"`
	PasswordChangedAt *time.Time `bun:"password_changed_at"`
	CreatedAt         time.Time  `bun:"created_at"`
	UpdatedAt         time.Time  `bun:"updated_at"`
}

// IsStaff reports whether the user works for the MSP.
func (u *User) IsStaff() bool { return u.Role == RoleAdmin || u.Role == RoleAgent }

// IsAdmin reports whether the user may change settings and staff.
func (u *User) IsAdmin() bool { return u.Role == RoleAdmin }

// NormalizeEmail is how e-mail addresses are stored and compared.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// argonParams follow the argon2id package's recommended defaults (RFC 9106
// second recommendation, 64 MiB).
var argonParams = argon2id.DefaultParams

// HashPassword returns the argon2id hash of a password in PHC format.
func HashPassword(password string) (string, error) {
	h, err := argon2id.CreateHash(password, argonParams)
	if err != nil {
		return "", fmt.Errorf("models: hash password: %w", err)
	}
	return h, nil
}

// dummyHash is compared against when an e-mail is unknown so that a failed
// sign-in takes as long whether or not the account exists.
var dummyHash, _ = argon2id.CreateHash("portal-dummy-password", argonParams)

// ErrBadCredentials covers unknown e-mail, wrong password and disabled user alike.
var ErrBadCredentials = errors.New("models: e-mail or password is wrong")

// Authenticate checks an e-mail and password. It reveals nothing about which
// part was wrong, and refuses disabled users and users of archived clients.
func Authenticate(ctx context.Context, db bun.IDB, email, password string) (*User, error) {
	u := new(User)
	err := db.NewSelect().Model(u).Where("email = ?", NormalizeEmail(email)).Scan(ctx)
	if err != nil {
		if errors.Is(notFound(err, ""), ErrNotFound) {
			argon2id.ComparePasswordAndHash(password, dummyHash) //nolint:errcheck
			return nil, ErrBadCredentials
		}
		return nil, fmt.Errorf("models: load user for sign-in: %w", err)
	}
	hash := dummyHash
	if u.PasswordHash != nil {
		hash = *u.PasswordHash
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	if err != nil || !ok || u.PasswordHash == nil {
		return nil, ErrBadCredentials
	}
	active, err := userActive(ctx, db, u)
	if err != nil {
		return nil, err
	}
	if !active {
		return nil, ErrBadCredentials
	}
	return u, nil
}

// userActive is false for a disabled user or a user of an archived client.
func userActive(ctx context.Context, db bun.IDB, u *User) (bool, error) {
	if u.DisabledAt != nil {
		return false, nil
	}
	if u.ClientID == nil {
		return true, nil
	}
	archived, err := db.NewSelect().Model((*Client)(nil)).
		Where("id = ?", *u.ClientID).Where("archived_at IS NOT NULL").Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("models: check client of user %d: %w", u.ID, err)
	}
	return !archived, nil
}

// CountUsers returns how many users exist; the setup page needs zero.
func CountUsers(ctx context.Context, db bun.IDB) (int, error) {
	n, err := db.NewSelect().Model((*User)(nil)).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("models: count users: %w", err)
	}
	return n, nil
}

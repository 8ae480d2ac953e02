package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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

	ID           int64   `bun:"id,pk,autoincrement"`
	ClientID     *int64  `bun:"client_id"`
	Role         string  `bun:"role"`
	Email        string  `bun:"email"`
	Name         string  `bun:"name"`
	PasswordHash *string `bun:"password_hash"`
	SignupMethod string  `bun:"signup_method"`
	NotifyEmail  bool    `bun:"notify_email"`
	// NotifyLowBalance is a client user's opt-in to hour bank alerts, apart
	// from NotifyEmail (updates and the monthly summary): the person who
	// pays attention to the bank is often not the one filing requests.
	NotifyLowBalance bool `bun:"notify_low_balance"`
	// NotifyScope is what a client user is mailed about: "following" (or
	// empty) or "all" of their company's requests.
	NotifyScope       string     `bun:"notify_scope"`
	SignupPending     bool       `bun:"signup_pending"`
	DisabledAt        *time.Time `bun:"disabled_at"`
	LastSignInAt      *time.Time `bun:"last_sign_in_at"`
	PasswordChangedAt *time.Time `bun:"password_changed_at"`
	TOTPSecret        *string    `bun:"totp_secret"`     // see totp.go
	TOTPEnabledAt     *time.Time `bun:"totp_enabled_at"` // nil while off
	TOTPLastStep      int64      `bun:"totp_last_step"`
	// TOTPPendingSecret is a new app's secret waiting for its first code;
	// TOTPSecret, if any, stays in use until then.
	TOTPPendingSecret *string `bun:"totp_pending_secret"`
	// Timezone is a staff member's own zone, "" for the workspace's (see
	// ViewerLocation); client users see their client's.
	Timezone  string    `bun:"timezone"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`

	// CompanyRole is a client user's standing in their company (see
	// company_roles.go); SummaryMuted that a company admin took them off
	// the monthly summary's list.
	CompanyRole  string `bun:"company_role,nullzero,notnull,default:'member'"`
	SummaryMuted bool   `bun:"summary_muted"`

	// Client is the user's client, loaded with the session (SessionUser).
	Client *Client `bun:"rel:belongs-to,join:client_id=id"`
}

// IsStaff reports whether the user works for the MSP.
func (u *User) IsStaff() bool { return u.Role == RoleAdmin || u.Role == RoleAgent }

// IsAdmin reports whether the user may change settings and staff.
func (u *User) IsAdmin() bool { return u.Role == RoleAdmin }

// NormalizeEmail is how e-mail addresses are stored and compared.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ErrBadCredentials covers unknown e-mail, wrong password and disabled user alike.
var ErrBadCredentials = errors.New("models: e-mail or password is wrong")

// Authenticate checks an e-mail and password. It reveals nothing about which
// part was wrong, and refuses disabled users and users of archived clients.
func Authenticate(ctx context.Context, db bun.IDB, email, password string) (*User, error) {
	u := new(User)
	err := db.NewSelect().Model(u).Where("email = ?", NormalizeEmail(email)).Scan(ctx)
	if err != nil {
		if errors.Is(notFound(err, ""), ErrNotFound) {
			comparePassword(ctx, password, dummyHash())
			return nil, ErrBadCredentials
		}
		return nil, fmt.Errorf("models: load user for sign-in: %w", err)
	}
	hash := dummyHash()
	if u.PasswordHash != nil {
		hash = *u.PasswordHash
	}
	if !comparePassword(ctx, password, hash) || u.PasswordHash == nil {
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

// userActive is false for a disabled user, a sign-up not yet confirmed, or
// a user of an archived client.
func userActive(ctx context.Context, db bun.IDB, u *User) (bool, error) {
	if u.DisabledAt != nil || u.SignupPending {
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

// How a user's account came to be (shown in the client directory).
const (
	SignupSetup  = "setup"  // the first admin
	SignupLink   = "link"   // created through a portal link with a password
	SignupInvite = "invite" // invited by e-mail
	SignupCLI    = "cli"    // created with the portal command
)

// ErrEmailTaken is returned when another account already uses an e-mail.
var ErrEmailTaken = errors.New("models: e-mail is taken")

// NewUser is an account to create. Password may be empty (an invite, or an
// identity-only account); ClientID is set for client users only.
type NewUser struct {
	ClientID     *int64
	Role         string
	Email        string
	Name         string
	Password     string
	SignupMethod string
	Pending      bool // until the owner of the address confirms
}

// CreateUser adds an account; the e-mail must be free.
func CreateUser(ctx context.Context, db bun.IDB, in NewUser) (*User, error) {
	var hash *string
	if in.Password != "" {
		h, err := hashPassword(ctx, in.Password)
		if err != nil {
			return nil, err
		}
		hash = &h
	}
	now := Now()
	u := &User{ClientID: in.ClientID, Role: in.Role, Email: NormalizeEmail(in.Email), Name: in.Name,
		PasswordHash: hash, SignupMethod: in.SignupMethod, SignupPending: in.Pending, NotifyEmail: true, NotifyLowBalance: true, CreatedAt: now, UpdatedAt: now}
	if hash != nil {
		u.PasswordChangedAt = &now
	}
	taken, err := db.NewSelect().Model((*User)(nil)).Where("email = ?", u.Email).Exists(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: check e-mail: %w", err)
	}
	if taken {
		return nil, ErrEmailTaken
	}
	if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return nil, ErrEmailTaken
		}
		return nil, fmt.Errorf("models: create user: %w", err)
	}
	if err := recordJoined(ctx, db, u); err != nil {
		return nil, err
	}
	return u, nil
}

// EventUserJoined is the staff-only record of a client user whose account
// became usable: created ready, or a pending sign-up confirmed. Its actor is
// the user; webhooks send it as client.user_joined.
const EventUserJoined = "user_joined"

// recordJoined records that a client user joined, unless the account is
// still pending (ConfirmSignup records it then). Staff accounts belong to no
// client and join nothing.
func recordJoined(ctx context.Context, db bun.IDB, u *User) error {
	if u.ClientID == nil || u.SignupPending {
		return nil
	}
	return RecordEvent(ctx, db, &ActivityEvent{ClientID: *u.ClientID, ActorID: &u.ID, Kind: EventUserJoined,
		Audience: AudienceStaff, CreatedAt: u.CreatedAt})
}

// GetUser loads a user by id (staff side).
func GetUser(ctx context.Context, db bun.IDB, id int64) (*User, error) {
	u := new(User)
	if err := db.NewSelect().Model(u).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load user %d", id))
	}
	return u, nil
}

// GetUserByEmail loads a user by (normalised) e-mail.
func GetUserByEmail(ctx context.Context, db bun.IDB, email string) (*User, error) {
	u := new(User)
	if err := db.NewSelect().Model(u).Where("email = ?", NormalizeEmail(email)).Scan(ctx); err != nil {
		return nil, notFound(err, "load user by e-mail")
	}
	return u, nil
}

// UserActive is false for a disabled user or a user of an archived client.
func UserActive(ctx context.Context, db bun.IDB, u *User) (bool, error) {
	return userActive(ctx, db, u)
}

// ListClientUsers returns a client's users by name.
func ListClientUsers(ctx context.Context, db bun.IDB, clientID int64) ([]User, error) {
	var us []User
	if err := db.NewSelect().Model(&us).Where("client_id = ?", clientID).Order("name", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: list users of client %d: %w", clientID, err)
	}
	return us, nil
}

// ListStaff returns the MSP's staff by name.
func ListStaff(ctx context.Context, db bun.IDB) ([]User, error) {
	var us []User
	if err := db.NewSelect().Model(&us).Where("client_id IS NULL").Order("name", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: list staff: %w", err)
	}
	return us, nil
}

// SetUserDisabled disables a user, ending every session at once, or enables
// them again. clientID, when not nil, must be the user's client (so a form
// for one client cannot touch another's user); staff pass nil and a staff id.
func SetUserDisabled(ctx context.Context, db bun.IDB, userID int64, clientID *int64, disabled bool) error {
	var at *time.Time
	if disabled {
		now := Now()
		at = &now
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*User)(nil)).Set("disabled_at = ?", at).Set("updated_at = ?", Now()).
			Where("id = ?", userID)
		if clientID != nil {
			q = q.Where("client_id = ?", *clientID)
		} else {
			q = q.Where("client_id IS NULL")
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: disable user %d: %w", userID, err)
		}
		if err := oneRow(res, fmt.Sprintf("disable user %d", userID)); err != nil {
			return err
		}
		if disabled {
			return DeleteUserSessions(ctx, tx, userID)
		}
		return nil
	})
}

// SetPassword replaces a user's password and ends all of their sessions;
// the caller starts a fresh one when the user is present.
func SetPassword(ctx context.Context, db bun.IDB, userID int64, password string) error {
	hash, err := hashPassword(ctx, password)
	if err != nil {
		return err
	}
	now := Now()
	if _, err := db.NewUpdate().Model((*User)(nil)).Set("password_hash = ?", hash).
		Set("password_changed_at = ?", now).Set("updated_at = ?", now).Where("id = ?", userID).Exec(ctx); err != nil {
		return fmt.Errorf("models: set password of user %d: %w", userID, err)
	}
	return DeleteUserSessions(ctx, db, userID)
}

// VerifyPassword checks the current password of a signed-in user.
func VerifyPassword(ctx context.Context, u *User, password string) bool {
	if u.PasswordHash == nil {
		comparePassword(ctx, password, dummyHash())
		return false
	}
	return comparePassword(ctx, password, *u.PasswordHash)
}

// SetLowBalanceAlerts records whether a user wants the hour bank's
// low-balance and overage alerts by e-mail.
func SetLowBalanceAlerts(ctx context.Context, db bun.IDB, userID int64, on bool) error {
	if _, err := db.NewUpdate().Model((*User)(nil)).Set("notify_low_balance = ?", on).
		Set("updated_at = ?", Now()).Where("id = ?", userID).Exec(ctx); err != nil {
		return fmt.Errorf("models: low-balance alert preference of user %d: %w", userID, err)
	}
	return nil
}

// UpdateProfile changes a user's name and e-mail preference.
func UpdateProfile(ctx context.Context, db bun.IDB, userID int64, name string, notifyEmail bool) error {
	if _, err := db.NewUpdate().Model((*User)(nil)).Set("name = ?", name).Set("notify_email = ?", notifyEmail).
		Set("updated_at = ?", Now()).Where("id = ?", userID).Exec(ctx); err != nil {
		return fmt.Errorf("models: update profile of user %d: %w", userID, err)
	}
	return nil
}

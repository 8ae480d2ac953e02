package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// SignupValidity is how long the e-mailed link that finishes a sign-up works.
const SignupValidity = 24 * time.Hour

// JoinResult is what a portal-link sign-up did. The join form answers the
// same either way; only the e-mail differs, and it goes to the owner of the
// address, who alone may learn that it has an account.
type JoinResult struct {
	User  *User  // the pending account, or the existing account of the address
	Token string // the link that finishes the sign-up; "" for an existing account
}

// JoinThroughLink starts an account bound for good to the link's client. It
// stays pending until the address's owner opens the e-mailed link (see
// ConfirmSignup). An address with a real account is left as it is; an
// earlier sign-up still pending is replaced by this one. The password is
// hashed in every case so that the answer takes as long.
func JoinThroughLink(ctx context.Context, db *bun.DB, link *PortalLink, in NewUser) (*JoinResult, error) {
	clientID := link.ClientID
	in.ClientID, in.Role, in.Pending = &clientID, RoleClient, true
	hash, err := hashPassword(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	res := &JoinResult{}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		existing := new(User)
		err := tx.NewSelect().Model(existing).Where("email = ?", NormalizeEmail(in.Email)).Scan(ctx)
		switch {
		case err == nil && !existing.SignupPending:
			res.User = existing
			return nil
		case err == nil:
			now := Now()
			existing.ClientID, existing.Name, existing.PasswordHash = in.ClientID, in.Name, &hash
			existing.PasswordChangedAt, existing.UpdatedAt = &now, now
			if _, err := tx.NewUpdate().Model(existing).Column("client_id", "name", "password_hash", "password_changed_at", "updated_at").
				WherePK().Exec(ctx); err != nil {
				return fmt.Errorf("models: renew pending sign-up %d: %w", existing.ID, err)
			}
			res.User = existing
		case errors.Is(notFound(err, ""), ErrNotFound):
			in.Password = ""
			if res.User, err = CreateUser(ctx, tx, in); err != nil {
				return err
			}
			res.User.PasswordHash = &hash
			if _, err := tx.NewUpdate().Model(res.User).Column("password_hash").Set("password_changed_at = created_at").
				WherePK().Exec(ctx); err != nil {
				return fmt.Errorf("models: set password of new user %d: %w", res.User.ID, err)
			}
		default:
			return fmt.Errorf("models: look up e-mail for sign-up: %w", err)
		}
		if res.Token, err = CreatePasswordReset(ctx, tx, res.User.ID, SignupValidity); err != nil {
			return err
		}
		return CountPortalLinkUse(ctx, tx, link.ID)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ConfirmSignup finishes a pending sign-up with the e-mailed token, once.
func ConfirmSignup(ctx context.Context, db *bun.DB, token string) (*User, error) {
	var u *User
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := findReset(ctx, tx, token)
		if err != nil {
			return err
		}
		if u, err = GetUser(ctx, tx, r.UserID); err != nil {
			return err
		}
		if !u.SignupPending {
			return ErrResetInvalid
		}
		now := Now()
		res, err := tx.NewUpdate().Model((*PasswordReset)(nil)).Set("used_at = ?", now).
			Where("id = ?", r.ID).Where("used_at IS NULL").Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: use sign-up link: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrResetInvalid
		}
		u.SignupPending, u.UpdatedAt = false, now
		if _, err := tx.NewUpdate().Model(u).Column("signup_pending", "updated_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: confirm sign-up of user %d: %w", u.ID, err)
		}
		return recordJoined(ctx, tx, u)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// PendingSignupUser is the pending account a sign-up token finishes.
func PendingSignupUser(ctx context.Context, db bun.IDB, token string) (*User, error) {
	r, err := findReset(ctx, db, token)
	if err != nil {
		return nil, err
	}
	u, err := GetUser(ctx, db, r.UserID)
	if err != nil {
		return nil, err
	}
	if !u.SignupPending {
		return nil, ErrResetInvalid
	}
	return u, nil
}

// JoinVerified creates a client user at once, bound for good to the link's
// client, for an address a sign-in provider has already verified; it counts
// the use, in one transaction.
func JoinVerified(ctx context.Context, db *bun.DB, link *PortalLink, in NewUser) (*User, error) {
	var u *User
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if u, err = joinVerified(ctx, tx, link.ClientID, in); err != nil {
			return err
		}
		return CountPortalLinkUse(ctx, tx, link.ID)
	})
	return u, err
}

// joinVerified is the one way an account is made at once for an address
// already proven (by a sign-in provider, or by an e-mailed invitation
// reaching it): a client user, bound for good to clientID.
func joinVerified(ctx context.Context, tx bun.IDB, clientID int64, in NewUser) (*User, error) {
	in.ClientID, in.Role = &clientID, RoleClient
	return CreateUser(ctx, tx, in)
}

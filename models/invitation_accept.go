package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ErrInvitationUnknown is a token no invitation has (never had, or had
// before a resend replaced it).
var ErrInvitationUnknown = fmt.Errorf("models: invitation not known: %w", ErrNotFound)

// ErrInvitationUnusable is an invitation that can no longer be accepted:
// used, expired, revoked, or of an archived client. Its Status says which.
var ErrInvitationUnusable = errors.New("models: invitation can no longer be accepted")

// ErrInvitationAccountExists is an invitation whose address got an account
// some other way since it was sent: nothing is created twice.
var ErrInvitationAccountExists = errors.New("models: invited address already has an account")

// InvitationByToken returns the invitation of a token, with its client, in
// whatever state it is: the page of the link explains an unusable one.
func InvitationByToken(ctx context.Context, db bun.IDB, token string) (*Invitation, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrInvitationUnknown
	}
	inv := new(Invitation)
	err := db.NewSelect().Model(inv).Relation("Client").Where("invitation.token_hash = ?", HashToken(token)).Scan(ctx)
	if err != nil {
		if errors.Is(notFound(err, ""), ErrNotFound) {
			return nil, ErrInvitationUnknown
		}
		return nil, fmt.Errorf("models: find invitation: %w", err)
	}
	return inv, nil
}

// Usable is whether the invitation can be accepted now.
func (i *Invitation) Usable(now time.Time) bool {
	return i.Status(now) == InvitationInvited && i.Client != nil && i.Client.ArchivedAt == nil
}

// InvitedHasAccount is whether the invitation's address has a real account
// (a sign-up still waiting for confirmation does not count).
func InvitedHasAccount(ctx context.Context, db bun.IDB, inv *Invitation) (bool, error) {
	has, err := db.NewSelect().Model((*User)(nil)).Where("email = ?", inv.Email).Where("NOT signup_pending").Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("models: look up account of invitation %d: %w", inv.ID, err)
	}
	return has, nil
}

// AcceptInvitation uses an invitation once: the invited address becomes a
// client user of the invitation's client, with the name and password given,
// through the same verified join as a sign-in provider's (the mail reaching
// the address proved it). A sign-up of the address still waiting for its
// confirmation is replaced. All in one transaction; a second use of the
// token, even a concurrent one, gets ErrInvitationUnusable.
func AcceptInvitation(ctx context.Context, db *bun.DB, token, name, password string) (*User, error) {
	var u *User
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := Now()
		res, err := tx.NewUpdate().Model((*Invitation)(nil)).Set("joined_at = ?", now).
			Where("token_hash = ?", HashToken(token)).
			Where("joined_at IS NULL").Where("revoked_at IS NULL").Where("expires_at > ?", now).Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: claim invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrInvitationUnusable
		}
		inv, err := InvitationByToken(ctx, tx, token)
		if err != nil {
			return err
		}
		if inv.Client == nil || inv.Client.ArchivedAt != nil {
			return ErrInvitationUnusable
		}
		if _, err := tx.NewDelete().Model((*User)(nil)).Where("email = ?", inv.Email).Where("signup_pending").Exec(ctx); err != nil {
			return fmt.Errorf("models: replace pending sign-up of invitation %d: %w", inv.ID, err)
		}
		u, err = joinVerified(ctx, tx, inv.ClientID, NewUser{Email: inv.Email, Name: name, Password: password, SignupMethod: SignupInvite})
		if errors.Is(err, ErrEmailTaken) {
			return ErrInvitationAccountExists
		}
		if err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*Invitation)(nil)).Set("user_id = ?", u.ID).Where("id = ?", inv.ID).Exec(ctx); err != nil {
			return fmt.Errorf("models: record who joined through invitation %d: %w", inv.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

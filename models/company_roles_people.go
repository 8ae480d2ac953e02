package models

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
)

// A company admin's People page: their colleagues, and what they may do to
// them. Everything here is reached through the admin's Scope, so it acts on
// the admin's own company only; another company's user is not found.

// ErrNotCompanyAdmin is returned when a member asks for an admin's action;
// handlers answer 404, as for a page that does not exist.
var ErrNotCompanyAdmin = fmt.Errorf("models: not a company admin: %w", ErrNotFound)

// ErrOwnAccount is returned when a company admin acts on themselves in a
// way that could lock their company out (disable, step down).
var ErrOwnAccount = errors.New("models: a company admin cannot do that to their own account")

// IsCompanyAdmin reports whether the scope's user administers their
// company's people.
func (s Scope) IsCompanyAdmin() bool { return s.companyAdmin && s.userID != 0 }

func (s Scope) requireCompanyAdmin() error {
	if !s.IsCompanyAdmin() {
		return fmt.Errorf("models: user %d of client %d: %w", s.userID, s.clientID, ErrNotCompanyAdmin)
	}
	return nil
}

// People lists the admin's colleagues (themselves included), by name.
func (s Scope) People(ctx context.Context) ([]User, error) {
	if err := s.requireCompanyAdmin(); err != nil {
		return nil, err
	}
	return ListClientUsers(ctx, s.db, s.clientID)
}

// PendingInvitations lists the company's invitations, newest first.
func (s Scope) PendingInvitations(ctx context.Context) ([]Invitation, error) {
	if err := s.requireCompanyAdmin(); err != nil {
		return nil, err
	}
	return ListInvitations(ctx, s.db, s.clientID)
}

// InviteColleagues invites addresses to the admin's company, all or none
// (InviteToClient's rules: an address with an account anywhere is refused).
// The people invited join as members.
func (s Scope) InviteColleagues(ctx context.Context, addrs []string) ([]NewInvitation, error) {
	if err := s.requireCompanyAdmin(); err != nil {
		return nil, err
	}
	db, ok := s.db.(*bun.DB)
	if !ok {
		return nil, fmt.Errorf("models: invite colleagues: the scope is not on a database handle")
	}
	return InviteToClient(ctx, db, s.clientID, s.userID, addrs)
}

// SetColleagueDisabled disables a colleague (ending their sessions) or
// enables them again. An admin cannot disable themselves.
func (s Scope) SetColleagueDisabled(ctx context.Context, userID int64, disabled bool) error {
	if err := s.requireCompanyAdmin(); err != nil {
		return err
	}
	if userID == s.userID {
		return ErrOwnAccount
	}
	return SetUserDisabled(ctx, s.db, userID, &s.clientID, disabled)
}

// SetColleagueRole makes a colleague a company admin or a member: no role
// above company admin exists to give. An admin cannot step themselves down
// (another admin, or staff, can).
func (s Scope) SetColleagueRole(ctx context.Context, userID int64, role string) error {
	if err := s.requireCompanyAdmin(); err != nil {
		return err
	}
	if userID == s.userID {
		return ErrOwnAccount
	}
	return SetCompanyRole(ctx, s.db, s.clientID, userID, role)
}

// SetSummaryRecipient puts a colleague (or the admin) on the monthly
// summary's list or takes them off it.
func (s Scope) SetSummaryRecipient(ctx context.Context, userID int64, on bool) error {
	if err := s.requireCompanyAdmin(); err != nil {
		return err
	}
	res, err := s.db.NewUpdate().Model((*User)(nil)).Set("summary_muted = ?", !on).Set("updated_at = ?", Now()).
		Where("id = ?", userID).Where("client_id = ?", s.clientID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: summary list of user %d: %w", userID, err)
	}
	return oneRow(res, fmt.Sprintf("summary list of user %d of client %d", userID, s.clientID))
}

// GetsSummary reports whether u is mailed the monthly summary (when they
// want e-mail at all): not taken off the list, and seeing summaries.
func (u *User) GetsSummary() bool {
	return !u.SummaryMuted && ViewerOf(u).SeesSummaries()
}

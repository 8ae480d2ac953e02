package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/uptrace/bun"
)

// Company roles. A client user is their company's admin or a member:
//   - a company admin sees all of the company's requests, hours and
//     summaries, invites and disables colleagues (people.go) and chooses
//     who receives the monthly summary;
//   - a member sees what the client's setting allows: all of the company's
//     requests (the default) or only those they opened or follow, and hours
//     and summaries unless the MSP hides them from members.
//
// What a user sees is decided once, into their Viewer (visibility.go),
// which every scoped query, the event stream and e-mail go through.
const (
	CompanyAdmin  = "admin"
	CompanyMember = "member"
)

// What a client's members see (clients.members_see).
const (
	MembersSeeAll = "all" // all of the company's requests
	MembersSeeOwn = "own" // only the requests they opened or follow
)

// ValidMembersSee reports whether s is one of the two choices.
func ValidMembersSee(s string) bool { return s == MembersSeeAll || s == MembersSeeOwn }

// IsCompanyAdmin reports whether u is a client user who administers their
// company's people.
func (u *User) IsCompanyAdmin() bool {
	return u != nil && u.ClientID != nil && u.CompanyRole == CompanyAdmin
}

// clientUserViewer is what client user u of client c sees. It fails closed:
// a member whose client's settings are not known (c not loaded, or another
// client's row) sees only their own requests and no hours.
func clientUserViewer(u *User, c *Client) Viewer {
	v := Viewer{clientID: *u.ClientID}
	switch {
	case u.IsCompanyAdmin():
		return v
	case c == nil || c.ID != *u.ClientID:
		v.ownOf, v.noHours = u.ID, true
		return v
	}
	if c.MembersSee != MembersSeeAll {
		v.ownOf = u.ID
	}
	v.noHours = c.MembersHoursHidden
	return v
}

// getsSummary is the condition on a client user (alias ?TableAlias) for the
// monthly summary to be mailed to them: not taken off its list, and seeing
// summaries (a company admin, or a member of a client whose members see
// every request and hours).
const getsSummary = "?TableAlias.summary_muted = FALSE AND (?TableAlias.company_role = 'admin' OR EXISTS (" +
	"SELECT 1 FROM clients AS gs WHERE gs.id = ?TableAlias.client_id AND gs.members_see = 'all' AND gs.members_hours_hidden = FALSE))"

// seesHoursUser is the condition on a client user (alias ?TableAlias) for
// seeing the client's hours, and so its hour alerts.
const seesHoursUser = "(?TableAlias.company_role = 'admin' OR EXISTS (" +
	"SELECT 1 FROM clients AS sh WHERE sh.id = ?TableAlias.client_id AND sh.members_hours_hidden = FALSE))"

// SetMembersSee saves what a client's members see (staff, on the client's
// page): all of its requests or their own, and whether hours and summaries
// are hidden from them.
func SetMembersSee(ctx context.Context, db bun.IDB, clientID int64, see string, hoursHidden bool) error {
	if !ValidMembersSee(see) {
		return fmt.Errorf("models: members see %q: %w", see, ErrInvalidRole)
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*Client)(nil)).Set("members_see = ?", see).
			Set("members_hours_hidden = ?", hoursHidden).Set("updated_at = ?", Now()).Where("id = ?", clientID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: members' sight of client %d: %w", clientID, err)
		}
		if err := oneRow(res, fmt.Sprintf("members' sight of client %d", clientID)); err != nil {
			return err
		}
		return endStreams(ctx, tx, tx.NewSelect().Model((*Session)(nil)).Column("session.id").
			Where("session.user_id IN (SELECT u.id FROM users AS u WHERE u.client_id = ? AND u.company_role = ?)", clientID, CompanyMember))
	})
}

// endStreams ends the open event streams of the sessions q selects (their
// ids), as a sign-out would, without ending the sessions: a stream decides
// what it carries when it opens, so one opened before a change of sight
// must not outlive it. The browser reconnects (after the hub's short
// refusal window) with the new sight; pages re-read it on every request.
func endStreams(ctx context.Context, db bun.IDB, q *bun.SelectQuery) error {
	var ids []int64
	if err := q.Scan(ctx, &ids); err != nil {
		return fmt.Errorf("models: sessions whose streams end: %w", err)
	}
	for _, id := range ids {
		if _, err := db.NewInsert().Model(&Revocation{SessionID: &id}).Exec(ctx); err != nil {
			return fmt.Errorf("models: end the streams of session %d: %w", id, err)
		}
		if IsPostgres(db) {
			if _, err := db.ExecContext(ctx, "SELECT pg_notify(?, ?)", AccessChannel, "s"+strconv.FormatInt(id, 10)); err != nil {
				return fmt.Errorf("models: announce the end of session %d's streams: %w", id, err)
			}
		}
	}
	return nil
}

// ErrInvalidRole is returned for a company role or setting that is not one
// of the choices.
var ErrInvalidRole = errors.New("models: not a company role")

// SetCompanyRole makes a client user their company's admin or a member
// (staff, on the client's page; clientID must be the user's).
func SetCompanyRole(ctx context.Context, db bun.IDB, clientID, userID int64, role string) error {
	if role != CompanyAdmin && role != CompanyMember {
		return fmt.Errorf("models: company role %q: %w", role, ErrInvalidRole)
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*User)(nil)).Set("company_role = ?", role).Set("updated_at = ?", Now()).
			Where("id = ?", userID).Where("client_id = ?", clientID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: company role of user %d: %w", userID, err)
		}
		if err := oneRow(res, fmt.Sprintf("company role of user %d of client %d", userID, clientID)); err != nil {
			return err
		}
		return endStreams(ctx, tx, tx.NewSelect().Model((*Session)(nil)).Column("session.id").Where("session.user_id = ?", userID))
	})
}

// SeesHours reports whether u sees their client's hours (the portal's
// navigation asks); staff do.
func (u *User) SeesHours() bool { return ViewerOf(u).SeesHours() }

// MembersSeeOwnOnly reports whether the client's members see only the
// requests they opened or follow.
func (c *Client) MembersSeeOwnOnly() bool { return c.MembersSee == MembersSeeOwn }

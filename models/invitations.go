package models

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// InvitationValidity is how long an e-mailed invitation works, from the
// moment it was (last) sent.
const InvitationValidity = 14 * 24 * time.Hour

// MaxInvitesAtOnce caps one submission of the invitation form: a pasted
// address book of thousands would be a mail run, not an invitation.
const MaxInvitesAtOnce = 50

// Invitation statuses. Expired is never stored: it is read from expires_at
// against the clock, so an invitation expires without anyone writing it.
const (
	InvitationInvited = "invited"
	InvitationJoined  = "joined"
	InvitationExpired = "expired"
	InvitationRevoked = "revoked"
)

// Invitation is one person invited by e-mail to one client's portal: single
// use, bound to its client and its address. Only the token's hash is kept.
type Invitation struct {
	bun.BaseModel `bun:"table:client_invitations,alias:invitation"`

	ID        int64      `bun:"id,pk,autoincrement"`
	ClientID  int64      `bun:"client_id"`
	Email     string     `bun:"email"`
	TokenHash []byte     `bun:"token_hash"`
	InvitedBy *int64     `bun:"invited_by"`
	SentAt    time.Time  `bun:"sent_at"`
	ExpiresAt time.Time  `bun:"expires_at"`
	RevokedAt *time.Time `bun:"revoked_at"`
	JoinedAt  *time.Time `bun:"joined_at"`
	UserID    *int64     `bun:"user_id"`
	CreatedAt time.Time  `bun:"created_at"`

	Inviter *User   `bun:"rel:belongs-to,join:invited_by=id"`
	Client  *Client `bun:"rel:belongs-to,join:client_id=id"`
}

// Status is invited, joined, expired or revoked at the moment now.
func (i *Invitation) Status(now time.Time) string {
	switch {
	case i.JoinedAt != nil:
		return InvitationJoined
	case i.RevokedAt != nil:
		return InvitationRevoked
	case !now.Before(i.ExpiresAt):
		return InvitationExpired
	}
	return InvitationInvited
}

// Resendable is whether staff may send the invitation again: an open or an
// expired one. A joined one is done; a revoked one was stopped on purpose.
func (i *Invitation) Resendable(now time.Time) bool {
	st := i.Status(now)
	return st == InvitationInvited || st == InvitationExpired
}

// Revocable is whether the invitation can still be used, and so stopped.
func (i *Invitation) Revocable(now time.Time) bool { return i.Status(now) == InvitationInvited }

// AddressProblem is one address of an invitation form that cannot be
// invited, with the reason in words for the person who typed it.
type AddressProblem struct {
	Address string
	Reason  string
}

// ErrInviteRefused is returned, wrapped in *InviteRefusal, when any address
// of a submission cannot be invited; nothing of the submission is written.
var ErrInviteRefused = errors.New("models: invitation refused")

// InviteRefusal names every address that stopped a submission.
type InviteRefusal struct{ Problems []AddressProblem }

func (r *InviteRefusal) Error() string {
	return fmt.Sprintf("models: %d address(es) cannot be invited", len(r.Problems))
}

func (r *InviteRefusal) Unwrap() error { return ErrInviteRefused }

// ParseInviteAddresses splits what staff typed (one address per line, or
// separated by commas or semicolons) into normalised addresses, each once.
// problems names every entry that is not a plain address; too many is the
// count when there are more than MaxInvitesAtOnce.
func ParseInviteAddresses(raw string) (addrs []string, problems []AddressProblem) {
	seen := map[string]bool{}
	for _, entry := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		if reason := addressProblem(entry); reason != "" {
			problems = append(problems, AddressProblem{Address: entry, Reason: reason})
			continue
		}
		norm := NormalizeEmail(entry)
		if !seen[norm] {
			seen[norm] = true
			addrs = append(addrs, norm)
		}
	}
	return addrs, problems
}

// addressProblem says why entry is not one plain address ("" when it is).
func addressProblem(entry string) string {
	if len(entry) > 254 {
		return "is too long to be an e-mail address."
	}
	a, err := mail.ParseAddress(entry)
	if err != nil || a.Address != entry || !strings.Contains(entry[strings.LastIndex(entry, "@")+1:], ".") {
		return "is not an e-mail address. Write it as name@example.com."
	}
	return ""
}

// NewInvitation is an invitation just made or renewed, with the token of its
// link: the token exists only here, on its way into the mail.
type NewInvitation struct {
	Invitation *Invitation
	Token      string
}

// InviteToClient invites each address to the client's portal, all or none:
// an address that already has an account, or already has an open
// invitation to this client, refuses the whole submission (*InviteRefusal)
// so that staff fix the list and nothing goes out twice.
func InviteToClient(ctx context.Context, db *bun.DB, clientID, invitedBy int64, addrs []string) ([]NewInvitation, error) {
	var out []NewInvitation
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		refusal := &InviteRefusal{}
		for _, addr := range addrs {
			if reason, err := inviteProblem(ctx, tx, clientID, addr); err != nil {
				return err
			} else if reason != "" {
				refusal.Problems = append(refusal.Problems, AddressProblem{Address: addr, Reason: reason})
			}
		}
		if len(refusal.Problems) > 0 {
			return refusal
		}
		now := Now()
		for _, addr := range addrs {
			token, hash, err := NewToken()
			if err != nil {
				return err
			}
			inv := &Invitation{ClientID: clientID, Email: addr, TokenHash: hash, InvitedBy: &invitedBy,
				SentAt: now, ExpiresAt: now.Add(InvitationValidity), CreatedAt: now}
			if _, err := tx.NewInsert().Model(inv).Exec(ctx); err != nil {
				return fmt.Errorf("models: invite %s to client %d: %w", addr, clientID, err)
			}
			out = append(out, NewInvitation{Invitation: inv, Token: token})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// inviteProblem is why addr cannot be invited to the client ("" if it can).
func inviteProblem(ctx context.Context, db bun.IDB, clientID int64, addr string) (string, error) {
	if reason, err := accountProblem(ctx, db, clientID, addr); reason != "" || err != nil {
		return reason, err
	}
	open, err := db.NewSelect().Model((*Invitation)(nil)).Where("client_id = ?", clientID).Where("email = ?", addr).
		Where("joined_at IS NULL").Where("revoked_at IS NULL").Where("expires_at > ?", Now()).Exists(ctx)
	if err != nil {
		return "", fmt.Errorf("models: look up open invitations of %s: %w", addr, err)
	}
	if open {
		return "already has an open invitation: use Resend in the list below.", nil
	}
	return "", nil
}

// accountProblem is why addr cannot be invited because of an account it
// already has ("" if it has none). A sign-up still waiting for its
// confirmation is not an account yet: the invitation may finish it.
func accountProblem(ctx context.Context, db bun.IDB, clientID int64, addr string) (string, error) {
	u := new(User)
	err := db.NewSelect().Model(u).Column("id", "client_id", "signup_pending").Where("email = ?", addr).Scan(ctx)
	switch {
	case err == nil && !u.SignupPending && u.ClientID != nil && *u.ClientID == clientID:
		return "already has an account with this client: they can sign in.", nil
	case err == nil && !u.SignupPending:
		return "already has an account, which belongs elsewhere: an account cannot move to another client.", nil
	case err != nil && !errors.Is(notFound(err, ""), ErrNotFound):
		return "", fmt.Errorf("models: look up %s for an invitation: %w", addr, err)
	}
	return "", nil
}

// ListInvitations returns a client's invitations, newest first, with who
// sent them.
func ListInvitations(ctx context.Context, db bun.IDB, clientID int64) ([]Invitation, error) {
	var is []Invitation
	err := db.NewSelect().Model(&is).
		Relation("Inviter", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name") }).
		Where("invitation.client_id = ?", clientID).Order("invitation.created_at DESC", "invitation.id DESC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: list invitations of client %d: %w", clientID, err)
	}
	return is, nil
}

// ErrInvitationClosed is a resend or revoke of an invitation whose state
// does not allow it (joined, or revoked).
var ErrInvitationClosed = errors.New("models: invitation already joined or revoked")

// ResendInvitation gives one of a client's invitations a new token and a
// new expiry: the link sent before stops working at once. An address that
// has an account by now is not invited again.
func ResendInvitation(ctx context.Context, db *bun.DB, clientID, id int64) (*NewInvitation, error) {
	var out *NewInvitation
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		inv, err := GetInvitation(ctx, tx, clientID, id)
		if err != nil {
			return err
		}
		now := Now()
		if !inv.Resendable(now) {
			return ErrInvitationClosed
		}
		if reason, err := accountProblem(ctx, tx, clientID, inv.Email); err != nil {
			return err
		} else if reason != "" {
			return &InviteRefusal{Problems: []AddressProblem{{Address: inv.Email, Reason: reason}}}
		}
		token, hash, err := NewToken()
		if err != nil {
			return err
		}
		inv.TokenHash, inv.SentAt, inv.ExpiresAt = hash, now, now.Add(InvitationValidity)
		// The conditional update makes a resend racing a use or a revoke
		// lose rather than bring a closed invitation back.
		res, err := tx.NewUpdate().Model(inv).Column("token_hash", "sent_at", "expires_at").WherePK().
			Where("joined_at IS NULL").Where("revoked_at IS NULL").Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: resend invitation %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrInvitationClosed
		}
		out = &NewInvitation{Invitation: inv, Token: token}
		return nil
	})
	return out, err
}

// RevokeInvitation stops one of a client's open invitations.
func RevokeInvitation(ctx context.Context, db bun.IDB, clientID, id int64) error {
	now := Now()
	res, err := db.NewUpdate().Model((*Invitation)(nil)).Set("revoked_at = ?", now).
		Where("id = ?", id).Where("client_id = ?", clientID).
		Where("joined_at IS NULL").Where("revoked_at IS NULL").Where("expires_at > ?", now).Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: revoke invitation %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := GetInvitation(ctx, db, clientID, id); err != nil {
		return err
	}
	return ErrInvitationClosed
}

// GetInvitation loads one of a client's invitations; another client's id is
// not found.
func GetInvitation(ctx context.Context, db bun.IDB, clientID, id int64) (*Invitation, error) {
	inv := new(Invitation)
	if err := db.NewSelect().Model(inv).Where("id = ?", id).Where("client_id = ?", clientID).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load invitation %d", id))
	}
	return inv, nil
}

package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Channels a request can reach the MSP by.
const (
	ChannelPortal = "portal"
	ChannelPhone  = "phone"
	ChannelEmail  = "email"
	ChannelWalkIn = "walk-in"
	ChannelOther  = "other"
)

// StaffChannels are the channels staff choose from when opening a request
// on a client's behalf.
var StaffChannels = []string{ChannelPhone, ChannelEmail, ChannelWalkIn, ChannelOther}

// ChannelLabel is the name people read for a channel.
func ChannelLabel(ch string) string {
	switch ch {
	case ChannelPortal, "":
		return "Portal"
	case ChannelPhone:
		return "Phone call"
	case ChannelEmail:
		return "E-mail"
	case ChannelWalkIn:
		return "Walk-in"
	}
	return "Other"
}

// ValidStaffChannel reports whether ch is one staff may choose.
func ValidStaffChannel(ch string) bool {
	for _, c := range StaffChannels {
		if c == ch {
			return true
		}
	}
	return false
}

// setAwaitingMSP records whose turn it is after a public message: the MSP's
// after the client wrote, the client's after staff replied.
func setAwaitingMSP(ctx context.Context, tx bun.IDB, r *Request, awaiting bool) error {
	if r.AwaitingMSP == awaiting {
		return nil
	}
	r.AwaitingMSP = awaiting
	if _, err := tx.NewUpdate().Model(r).Column("awaiting_msp").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("models: mark request %d awaiting: %w", r.ID, err)
	}
	return nil
}

// ErrNotClientsUser is returned when the requester chosen for a request on
// a client's behalf is not an active user of that client.
var ErrNotClientsUser = errors.New("models: the requester is not an active user of the client")

// OnBehalfRequest is a request staff open for a client (a phone call, a walk-in).
type OnBehalfRequest struct {
	NewRequest
	ClientID    int64
	RequesterID int64
	StartAt     time.Time // when the client asked; the SLA clocks start then (zero: now)
}

// CreateRequestOnBehalf opens a request for a client as staff: the
// requester must be an active user of that client; the clocks start at
// StartAt (never in the future). One transaction, like a client's own.
func CreateRequestOnBehalf(ctx context.Context, db bun.IDB, staff *User, in OnBehalfRequest) (*Request, error) {
	if !ValidStaffChannel(in.Channel) {
		return nil, fmt.Errorf("models: unknown channel %q", in.Channel)
	}
	ok, err := db.NewSelect().Model((*User)(nil)).Where("id = ?", in.RequesterID).Where("client_id = ?", in.ClientID).
		Where("role = ?", RoleClient).Where("disabled_at IS NULL").Exists(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: check requester %d: %w", in.RequesterID, err)
	}
	if !ok {
		return nil, ErrNotClientsUser
	}
	if in.CategoryID != nil {
		if _, err := GetActiveCategory(ctx, db, *in.CategoryID); err != nil {
			return nil, err
		}
	}
	return createRequestAt(ctx, db, in.ClientID, in.RequesterID, staff.ID, in.NewRequest, in.StartAt)
}

// ClientUserOption is a client user as the on-behalf form lists them.
type ClientUserOption struct {
	ID         int64  `bun:"id"`
	Name       string `bun:"name"`
	Email      string `bun:"email"`
	ClientID   int64  `bun:"client_id"`
	ClientName string `bun:"client_name"`
}

// ListRequesterOptions lists the active users of active clients, by client then name.
func ListRequesterOptions(ctx context.Context, db bun.IDB) ([]ClientUserOption, error) {
	var out []ClientUserOption
	err := db.NewSelect().TableExpr("users AS u").Join("JOIN clients AS c ON c.id = u.client_id").
		ColumnExpr("u.id, u.name, u.email, u.client_id, c.name AS client_name").
		Where("u.role = ?", RoleClient).Where("u.disabled_at IS NULL").Where("c.archived_at IS NULL").
		OrderExpr("lower(c.name), c.id, lower(u.name), u.id").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("models: list requesters: %w", err)
	}
	return out, nil
}

// Label is how a requester option reads.
func (o ClientUserOption) Label() string {
	return strings.TrimSpace(o.Name + " <" + o.Email + ">")
}

// DeriveRequestState sets what requests written in bulk (the demo package)
// lack: the requester follows each request, and open requests whose last
// public word is the client's (or that nobody answered) await the MSP. The
// same rules as the migration that added them.
func DeriveRequestState(ctx context.Context, db bun.IDB) error {
	if _, err := db.NewRaw(`INSERT INTO request_followers (request_id, user_id, created_at)
SELECT r.id, r.requester_id, r.created_at FROM requests AS r
WHERE r.requester_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM request_followers AS f WHERE f.request_id = r.id AND f.user_id = r.requester_id)`).Exec(ctx); err != nil {
		return fmt.Errorf("models: requesters follow their requests: %w", err)
	}
	if _, err := db.NewRaw(`UPDATE requests SET awaiting_msp = (status <> 'completed' AND NOT EXISTS (
    SELECT 1 FROM messages AS m JOIN users AS u ON u.id = m.author_id
    WHERE m.request_id = requests.id AND m.internal = FALSE AND u.role IN ('admin', 'agent')
      AND m.id > coalesce((SELECT max(m2.id) FROM messages AS m2 JOIN users AS u2 ON u2.id = m2.author_id
                           WHERE m2.request_id = requests.id AND m2.internal = FALSE AND u2.role = 'client'), 0)))`).Exec(ctx); err != nil {
		return fmt.Errorf("models: requests awaiting the MSP: %w", err)
	}
	return nil
}

// Awaiting reports whether the queue marks the request as awaiting the MSP:
// its last public word is the client's (or nobody answered), and it is not
// waiting on the client.
func (r *Request) Awaiting() bool {
	return r.AwaitingMSP && r.Status != StatusWaiting && r.Status != StatusCompleted
}

package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// PortalLinkDays are the validity choices offered for a new link.
var PortalLinkDays = []int{7, 30, 90, 365}

// DefaultPortalLinkDays is the validity preselected in the form.
const DefaultPortalLinkDays = 90

// PortalLink is an invitation to one client's portal. Only the token's hash
// is stored: the URL is shown once, when the link is made.
type PortalLink struct {
	bun.BaseModel `bun:"table:portal_links"`

	ID         int64      `bun:"id,pk,autoincrement"`
	ClientID   int64      `bun:"client_id"`
	TokenHash  []byte     `bun:"token_hash"`
	Label      string     `bun:"label"`
	CreatedBy  *int64     `bun:"created_by"`
	ExpiresAt  time.Time  `bun:"expires_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
	Uses       int        `bun:"uses"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	CreatedAt  time.Time  `bun:"created_at"`

	Creator *User   `bun:"rel:belongs-to,join:created_by=id"`
	Client  *Client `bun:"rel:belongs-to,join:client_id=id"`
}

// Status is active, expired or revoked.
func (l *PortalLink) Status(now time.Time) string {
	switch {
	case l.RevokedAt != nil:
		return "revoked"
	case !now.Before(l.ExpiresAt):
		return "expired"
	}
	return "active"
}

// ValidPortalLinkDays reports whether days is one of the offered validities.
func ValidPortalLinkDays(days int) bool {
	for _, d := range PortalLinkDays {
		if d == days {
			return true
		}
	}
	return false
}

// CreatePortalLink makes a link for a client and returns it with its token,
// which is never stored and cannot be shown again. Older links stay valid.
func CreatePortalLink(ctx context.Context, db bun.IDB, clientID int64, createdBy *int64, label string, days int) (*PortalLink, string, error) {
	token, hash, err := NewToken()
	if err != nil {
		return nil, "", err
	}
	now := Now()
	l := &PortalLink{ClientID: clientID, TokenHash: hash, Label: label, CreatedBy: createdBy,
		ExpiresAt: now.AddDate(0, 0, days), CreatedAt: now}
	if _, err := db.NewInsert().Model(l).Exec(ctx); err != nil {
		return nil, "", fmt.Errorf("models: create portal link for client %d: %w", clientID, err)
	}
	return l, token, nil
}

// ListPortalLinks returns a client's links, newest first, with their creators.
func ListPortalLinks(ctx context.Context, db bun.IDB, clientID int64) ([]PortalLink, error) {
	var ls []PortalLink
	err := db.NewSelect().Model(&ls).
		Relation("Creator", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name") }).
		Where("portal_link.client_id = ?", clientID).Order("portal_link.created_at DESC", "portal_link.id DESC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: list portal links of client %d: %w", clientID, err)
	}
	return ls, nil
}

// GetPortalLink loads one of a client's links.
func GetPortalLink(ctx context.Context, db bun.IDB, clientID, id int64) (*PortalLink, error) {
	l := new(PortalLink)
	if err := db.NewSelect().Model(l).Where("id = ?", id).Where("client_id = ?", clientID).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load portal link %d", id))
	}
	return l, nil
}

// RevokePortalLink stops one of a client's links from working.
func RevokePortalLink(ctx context.Context, db bun.IDB, clientID, id int64) error {
	res, err := db.NewUpdate().Model((*PortalLink)(nil)).Set("revoked_at = ?", Now()).
		Where("id = ?", id).Where("client_id = ?", clientID).Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: revoke portal link %d: %w", id, err)
	}
	return oneRow(res, fmt.Sprintf("revoke portal link %d", id))
}

// ErrLinkInvalid covers an unknown, expired or revoked link, and a link of an
// archived client, alike: the visitor is told the same thing in every case.
var ErrLinkInvalid = fmt.Errorf("models: portal link is not valid: %w", ErrNotFound)

// FindPortalLink returns the valid link for a token, with its client.
func FindPortalLink(ctx context.Context, db bun.IDB, token string) (*PortalLink, error) {
	if token == "" || len(token) > 100 {
		return nil, ErrLinkInvalid
	}
	l := new(PortalLink)
	err := db.NewSelect().Model(l).Relation("Client").
		Where("portal_link.token_hash = ?", HashToken(token)).Scan(ctx)
	if err != nil {
		if errors.Is(notFound(err, ""), ErrNotFound) {
			return nil, ErrLinkInvalid
		}
		return nil, fmt.Errorf("models: find portal link: %w", err)
	}
	return validLink(l)
}

// GetValidPortalLink is FindPortalLink by id, for a link remembered across
// an OAuth round trip.
func GetValidPortalLink(ctx context.Context, db bun.IDB, id int64) (*PortalLink, error) {
	l := new(PortalLink)
	if err := db.NewSelect().Model(l).Relation("Client").Where("portal_link.id = ?", id).Scan(ctx); err != nil {
		if errors.Is(notFound(err, ""), ErrNotFound) {
			return nil, ErrLinkInvalid
		}
		return nil, fmt.Errorf("models: load portal link %d: %w", id, err)
	}
	return validLink(l)
}

func validLink(l *PortalLink) (*PortalLink, error) {
	if l.Status(Now()) != "active" || l.Client == nil || l.Client.ArchivedAt != nil {
		return nil, ErrLinkInvalid
	}
	return l, nil
}

// CountPortalLinkUse records that someone joined or signed in through a link.
func CountPortalLinkUse(ctx context.Context, db bun.IDB, id int64) error {
	if _, err := db.NewUpdate().Model((*PortalLink)(nil)).Set("uses = uses + 1").Set("last_used_at = ?", Now()).
		Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("models: count use of portal link %d: %w", id, err)
	}
	return nil
}

package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// SavedReply is canned text staff insert into the composer: workspace-wide
// (OwnerID nil, managed by admins) or one agent's own.
type SavedReply struct {
	bun.BaseModel `bun:"table:saved_replies"`

	ID        int64     `bun:"id,pk,autoincrement"`
	OwnerID   *int64    `bun:"owner_id"`
	Title     string    `bun:"title"`
	Body      string    `bun:"body"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// Limits of a saved reply, in characters.
const (
	MaxSavedReplyTitle = 100
	MaxSavedReplyBody  = MaxMessageLength
)

// Shared reports whether the reply is workspace-wide.
func (r SavedReply) Shared() bool { return r.OwnerID == nil }

// ErrNotYours is returned when staff change a saved reply they may not.
var ErrNotYours = errors.New("models: saved reply belongs to someone else")

// ListSavedReplies returns the replies staff member u can use: the
// workspace's and their own, by title.
func ListSavedReplies(ctx context.Context, db bun.IDB, u *User) ([]SavedReply, error) {
	var out []SavedReply
	if err := db.NewSelect().Model(&out).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("owner_id IS NULL").WhereOr("owner_id = ?", u.ID)
		}).OrderExpr("owner_id IS NOT NULL, lower(title), id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: saved replies of user %d: %w", u.ID, err)
	}
	return out, nil
}

// GetSavedReply loads a reply u can use; another agent's is not found.
func GetSavedReply(ctx context.Context, db bun.IDB, u *User, id int64) (*SavedReply, error) {
	r := new(SavedReply)
	err := db.NewSelect().Model(r).Where("id = ?", id).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("owner_id IS NULL").WhereOr("owner_id = ?", u.ID)
		}).Scan(ctx)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("load saved reply %d", id))
	}
	return r, nil
}

// CreateSavedReply adds a reply: shared ones only by admins.
func CreateSavedReply(ctx context.Context, db bun.IDB, u *User, title, body string, shared bool) (*SavedReply, error) {
	if shared && !u.IsAdmin() {
		return nil, ErrNotYours
	}
	now := Now()
	r := &SavedReply{Title: title, Body: body, CreatedAt: now, UpdatedAt: now}
	if !shared {
		r.OwnerID = &u.ID
	}
	if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: create saved reply: %w", err)
	}
	return r, nil
}

// DeleteSavedReply removes a reply: one's own, or a shared one by an admin.
func DeleteSavedReply(ctx context.Context, db bun.IDB, u *User, id int64) error {
	r, err := GetSavedReply(ctx, db, u, id)
	if err != nil {
		return err
	}
	if r.Shared() && !u.IsAdmin() {
		return ErrNotYours
	}
	if _, err := db.NewDelete().Model(r).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("models: delete saved reply %d: %w", id, err)
	}
	return nil
}

// Render fills the reply's placeholders, {{client}} and {{requester}}, with
// plain text in one pass: nothing else in the body is interpreted, and a
// name that itself looks like a placeholder is not expanded again. The
// result is text, escaped wherever it is shown.
func (r SavedReply) Render(client, requester string) string {
	return strings.NewReplacer("{{client}}", client, "{{requester}}", requester).Replace(r.Body)
}

package models

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// UnreadShown is the most unread messages the navigation badge counts;
// beyond it the badge says "99+".
const UnreadShown = 99

// UnreadForBadge is how many of the client's public messages the scope user
// has not read, over the requests it sees: exact up to UnreadShown, and
// more than UnreadShown when there are more.
//
// It starts from the requests, not the messages: a request whose newest
// public message (last_public_message_id, kept by a trigger) is not past
// the user's read position on it has nothing unread. The newest
// UnreadShown+1 requests with something new are taken from
// requests_client_threads, and only their messages past the read position
// are counted, through messages_request: more than UnreadShown requests
// with something new means more than UnreadShown unread messages (the
// user's own newest message does not count, but posting moves their read
// position past it). Counting every unread message read all the client's
// messages on each badge, which grew with its history.
func (s Scope) UnreadForBadge(ctx context.Context) (int, error) {
	var n int
	if err := s.db.NewSelect().TableExpr("(?) AS u", s.unreadBadgeQuery()).ColumnExpr("coalesce(sum(u.unread), 0)").
		Scan(ctx, &n); err != nil {
		return 0, fmt.Errorf("models: unread messages of user %d: %w", s.userID, err)
	}
	return n, nil
}

// unreadBadgeQuery selects the unread count of each of the newest
// UnreadShown+1 requests with something new for the scope user.
func (s Scope) unreadBadgeQuery() *bun.SelectQuery {
	return s.Viewer().whereSeesRequests(s.db.NewSelect().TableExpr("requests AS r"), "r").
		ColumnExpr("(SELECT count(*) FROM messages AS m WHERE m.request_id = r.id AND m.client_id = ? AND "+unreadFor+") AS unread",
			s.clientID, s.userID).
		Join("LEFT JOIN message_reads AS mr ON mr.request_id = r.id AND mr.user_id = ?", s.userID).
		Where("r.client_id = ?", s.clientID).
		Where("r.last_public_message_id IS NOT NULL").
		Where("r.last_public_message_id > coalesce(mr.last_read_message_id, 0)").
		OrderExpr("r.last_public_message_id DESC").
		Limit(UnreadShown + 1)
}

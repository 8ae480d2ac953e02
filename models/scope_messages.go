package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// Thread is one request's conversation on the portal's Messages page: its
// newest public message and how many public messages the user has not read.
type Thread struct {
	RequestID  int64     `bun:"request_id"`
	Number     int       `bun:"number"`
	Title      string    `bun:"title"`
	Status     string    `bun:"status"`
	LastID     int64     `bun:"last_id"`
	LastBody   string    `bun:"last_body"`
	LastAt     time.Time `bun:"last_at"`
	AuthorName string    `bun:"author_name"`
	AuthorRole string    `bun:"author_role"`
	Unread     int       `bun:"unread"`
	Prefix     string    `bun:"-"`
}

// Ref is the request's number as people write it, e.g. ACME-42.
func (t Thread) Ref() string { return fmt.Sprintf("%s-%d", t.Prefix, t.Number) }

// Author is the newest message's author, or a stand-in for a removed user.
func (t Thread) Author() string {
	if t.AuthorName == "" {
		return "Former user"
	}
	return t.AuthorName
}

// excerptLength is how much of the newest message the Messages page shows.
const excerptLength = 140

// FromStaff reports whether the newest message came from the MSP.
func (t Thread) FromStaff() bool { return t.AuthorRole == RoleAdmin || t.AuthorRole == RoleAgent }

// Excerpt is the start of the newest message on one line.
func (t Thread) Excerpt() string {
	s := strings.Join(strings.Fields(t.LastBody), " ")
	if utf8.RuneCountInString(s) <= excerptLength {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:excerptLength])) + "…"
}

// unreadFor is the condition of a public message (alias m) being unread by
// user ?: written by someone else after their read position on that request
// (alias mr, LEFT JOINed). Internal notes never count for client users.
const unreadFor = "m.internal = FALSE AND m.id > coalesce(mr.last_read_message_id, 0) AND " +
	"(m.author_id IS NULL OR m.author_id <> ?)"

// ListThreads returns a page of the client's request threads that have at
// least one public message, the most recently active first, with the
// scope user's unread count on each. Internal notes are never read here.
//
// It reads only this client's rows, through an index: the request row
// carries its newest public message (last_public_message_id, kept by a
// trigger on messages), so the page is a range of requests_client_threads,
// cut to the page before the newest messages, authors and unread counts of
// its rows are read, and the total is a count over the same range.
// (Finding each request's newest message from messages made PostgreSQL
// hash-join the whole messages table, every client's, on each view.)
func (s Scope) ListThreads(ctx context.Context, page, perPage int) (Page[Thread], error) {
	if page < 1 {
		page = 1
	}
	if perPage < 1 || perPage > 100 {
		perPage = DefaultPerPage
	}
	p := Page[Thread]{Page: page, PerPage: perPage}
	client, err := s.Client(ctx)
	if err != nil {
		return p, err
	}
	threads := s.Viewer().whereSeesRequests(s.db.NewSelect().TableExpr("requests AS r"), "r").
		ColumnExpr("r.id, r.number, r.title, r.status, r.last_public_message_id").
		Where("r.client_id = ?", s.clientID).Where("r.last_public_message_id IS NOT NULL").
		OrderExpr("r.last_public_message_id DESC").
		Limit(perPage).Offset(offset(page, perPage))
	err = s.db.NewSelect().TableExpr("(?) AS t", threads).
		ColumnExpr("t.id AS request_id, t.number, t.title, t.status").
		ColumnExpr("lm.id AS last_id, lm.body AS last_body, lm.created_at AS last_at").
		ColumnExpr("coalesce(u.name, '') AS author_name").
		ColumnExpr("coalesce(u.role, '') AS author_role").
		ColumnExpr("(SELECT count(*) FROM messages AS m LEFT JOIN message_reads AS mr ON mr.request_id = m.request_id AND mr.user_id = ? "+
			"WHERE m.request_id = t.id AND m.client_id = ? AND "+unreadFor+") AS unread", s.userID, s.clientID, s.userID).
		// The message's client is checked too: the wall does not rest on
		// the trigger alone.
		Join("JOIN messages AS lm ON lm.id = t.last_public_message_id AND lm.client_id = ? AND lm.internal = FALSE", s.clientID).
		Join("LEFT JOIN users AS u ON u.id = lm.author_id").
		OrderExpr("t.last_public_message_id DESC").
		Scan(ctx, &p.Items)
	if err != nil {
		return p, fmt.Errorf("models: list threads of client %d: %w", s.clientID, err)
	}
	for i := range p.Items {
		p.Items[i].Prefix = client.RequestPrefix
	}
	p.Total, err = s.Viewer().whereSeesRequests(s.db.NewSelect().TableExpr("requests AS r"), "r").
		Where("r.client_id = ?", s.clientID).Where("r.last_public_message_id IS NOT NULL").
		Count(ctx)
	if err != nil {
		return p, fmt.Errorf("models: count threads of client %d: %w", s.clientID, err)
	}
	return p, nil
}

// UnreadCount is how many of the client's public messages the scope user
// has not read, over every request.
func (s Scope) UnreadCount(ctx context.Context) (int, error) {
	n, err := s.db.NewSelect().TableExpr("messages AS m").
		Join("LEFT JOIN message_reads AS mr ON mr.request_id = m.request_id AND mr.user_id = ?", s.userID).
		Where("m.client_id = ?", s.clientID).
		Where(unreadFor, s.userID).
		Apply(s.onlyOwnMessages).
		Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("models: unread messages of user %d: %w", s.userID, err)
	}
	return n, nil
}

// onlyOwnMessages narrows a query over messages (alias m) to the requests
// of a member restricted to their own; others' go unnarrowed.
func (s Scope) onlyOwnMessages(q *bun.SelectQuery) *bun.SelectQuery {
	if v := s.Viewer(); !v.SeesAllRequests() {
		return q.Where("m.request_id IN (?)", v.ownRequestIDs())
	}
	return q
}

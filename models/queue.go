package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// QueueFilter narrows the staff queue.
type QueueFilter struct {
	RequestFilter
	ClientID   int64 // 0: every client
	AssigneeID int64 // 0: anyone; Unassigned: nobody
	Breached   bool  // only requests with a clock over its target
}

// Unassigned as QueueFilter.AssigneeID asks for requests nobody owns.
const Unassigned = -1

// QueuePage is a page of the queue with the number of open requests per
// status under the same filters (status aside).
type QueuePage struct {
	Page[RequestRow]
	Counts map[string]int
}

// ListQueue returns open requests across all clients for the staff queue,
// nearest SLA deadline first by default, with live timers. It runs a fixed
// number of queries whatever the page size (no N+1).
func ListQueue(ctx context.Context, db bun.IDB, f QueueFilter, now time.Time) (QueuePage, error) {
	f.normalise(SortDue)
	out := QueuePage{Page: Page[RequestRow]{Page: f.Page, PerPage: f.PerPage}, Counts: map[string]int{}}
	book, err := CachedSLABook(ctx, db)
	if err != nil {
		return out, err
	}

	statuses := OpenStatuses
	if f.Status != "" && f.Status != StatusCompleted {
		statuses = []string{f.Status}
	}
	var rs []Request
	q := db.NewSelect().Model(&rs).
		Relation("Client", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Column("name", "request_prefix", "sla_policy_id")
		}).
		Relation("Assignee", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name") }).
		Where("request.status IN (?)", bun.List(statuses)).
		// Implied by the line above, and the predicate of the partial index
		// the default sort reads from (requests_open_nearest_due): both
		// databases use a partial index only when the query states its predicate.
		Where("request.status <> ?", StatusCompleted)
	q = queueFilters(q, f, now)
	if err := applySort(q, f.Sort).Limit(f.PerPage).Offset(offset(f.Page, f.PerPage)).Scan(ctx); err != nil {
		return out, fmt.Errorf("models: list queue: %w", err)
	}

	if out.Counts, err = queueCounts(ctx, db, f, now); err != nil {
		return out, err
	}
	// The same filters with the listed statuses: the total is a sum of the
	// per-status counts, not a second count of the rows.
	total := 0
	for _, st := range statuses {
		total += out.Counts[st]
	}

	out.Total = total
	out.Items = make([]RequestRow, len(rs))
	for i, r := range rs {
		row := newRow(r, book.For(r.Client), now)
		if r.Client != nil {
			row.ClientName, row.Prefix = r.Client.Name, r.Client.RequestPrefix
		}
		if r.Assignee != nil {
			row.AssigneeName = r.Assignee.Name
		}
		out.Items[i] = row
	}
	return out, nil
}

// queueCounts counts the open requests per status under f's filters (the
// status aside), through an index that starts with the status: open
// requests are bounded by the work in hand, not by history.
func queueCounts(ctx context.Context, db bun.IDB, f QueueFilter, now time.Time) (map[string]int, error) {
	out := map[string]int{}
	var counts []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	cq := db.NewSelect().Model((*Request)(nil)).Column("request.status").ColumnExpr("count(*) AS n").
		Where("request.status IN (?)", bun.List(OpenStatuses))
	if err := queueFilters(cq, f, now).Group("request.status").Scan(ctx, &counts); err != nil {
		return nil, fmt.Errorf("models: count queue: %w", err)
	}
	for _, c := range counts {
		out[c.Status] = c.N
	}
	return out, nil
}

// queueFilters applies every filter of f except the status.
func queueFilters(q *bun.SelectQuery, f QueueFilter, now time.Time) *bun.SelectQuery {
	if f.ClientID != 0 {
		q = q.Where("request.client_id = ?", f.ClientID)
	}
	if f.Urgency != "" {
		q = q.Where("request.urgency = ?", f.Urgency)
	}
	switch {
	case f.AssigneeID == Unassigned:
		q = q.Where("request.assignee_id IS NULL")
	case f.AssigneeID > 0:
		q = q.Where("request.assignee_id = ?", f.AssigneeID)
	}
	if f.Breached {
		// A running clock is breached once its due time has passed; a paused
		// or stopped one keeps the colour it had when it last moved.
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("request.response_due_at < ?", now).WhereOr("request.resolution_due_at < ?", now).
				WhereOr("request.response_colour = ?", ColourRed).WhereOr("request.resolution_colour = ?", ColourRed)
		})
	}
	if text := strings.TrimSpace(f.Q); text != "" {
		prefix, num, found := strings.Cut(text, "-")
		if n, err := strconv.Atoi(num); found && err == nil {
			q = q.Where("request.number = ?", n).
				Where("request.client_id IN (SELECT id FROM clients WHERE upper(request_prefix) = ?)", strings.ToUpper(prefix))
		} else if n, ok := parseRequestNumber(text, ""); ok {
			q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("request.number = ?", n).WhereOr("lower(request.title) LIKE ? ESCAPE '!'", likePattern(text))
			})
		} else {
			q = q.Where("lower(request.title) LIKE ? ESCAPE '!'", likePattern(text))
		}
	}
	return q
}

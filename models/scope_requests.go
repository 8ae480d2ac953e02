package models

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// RequestFilter narrows and orders a list of requests.
type RequestFilter struct {
	Status  string // one status, or "" for all of the list's statuses
	Urgency string
	Q       string // title words or a number such as ACME-42
	Sort    string // see the sort* constants
	Page    int
	PerPage int
	// After is a keyset cursor from a Next link (Page.NextAfter): the page
	// is the rows after it in the list's order, found by an index seek.
	// Without it (a page number typed or shared) the page is counted from
	// the start. Ignored for orders it does not apply to, or when damaged.
	After string
}

// Sort orders of request lists.
const (
	SortUpdated   = "updated"   // last change first (default of open lists)
	SortCreated   = "created"   // newest first
	SortOldest    = "oldest"    // oldest first
	SortUrgency   = "urgency"   // most urgent first
	SortDue       = "due"       // nearest SLA deadline first (default of the queue)
	SortCompleted = "completed" // latest completion first (default of closed lists)
)

// DefaultPerPage is the page size of request lists.
const DefaultPerPage = 25

func (f *RequestFilter) normalise(defaultSort string) {
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PerPage < 1 || f.PerPage > 100 {
		f.PerPage = DefaultPerPage
	}
	if !ValidUrgency(f.Urgency) {
		f.Urgency = ""
	}
	if !ValidStatus(f.Status) {
		f.Status = ""
	}
	switch f.Sort {
	case SortUpdated, SortCreated, SortOldest, SortUrgency, SortDue, SortCompleted:
	default:
		f.Sort = defaultSort
	}
}

// urgencyRank orders urgencies most urgent first.
const urgencyRank = "CASE request.urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"

// nearestDue is the earlier of a request's running deadlines (NULL when both
// clocks are paused or stopped).
const nearestDue = "CASE WHEN request.response_due_at IS NOT NULL AND (request.resolution_due_at IS NULL OR " +
	"request.response_due_at < request.resolution_due_at) THEN request.response_due_at ELSE request.resolution_due_at END"

// applySort orders q by f.Sort, with the id as a tie-breaker so pages are stable.
func applySort(q *bun.SelectQuery, sort string) *bun.SelectQuery {
	switch sort {
	case SortCreated:
		q = q.OrderExpr("request.created_at DESC")
	case SortOldest:
		q = q.OrderExpr("request.created_at ASC")
	case SortUrgency:
		q = q.OrderExpr(urgencyRank).OrderExpr("request.created_at ASC")
	case SortDue:
		q = q.OrderExpr("CASE WHEN (" + nearestDue + ") IS NULL THEN 1 ELSE 0 END").OrderExpr(nearestDue)
	case SortCompleted:
		q = q.OrderExpr("request.completed_at DESC")
	default:
		q = q.OrderExpr("request.updated_at DESC")
	}
	return q.OrderExpr("request.id DESC")
}

// applySearch matches title words or a request number.
func applySearch(q *bun.SelectQuery, text, prefix string) *bun.SelectQuery {
	if text == "" {
		return q
	}
	if n, ok := parseRequestNumber(text, prefix); ok {
		return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("request.number = ?", n).WhereOr("lower(request.title) LIKE ? ESCAPE '!'", likePattern(text))
		})
	}
	return q.Where("lower(request.title) LIKE ? ESCAPE '!'", likePattern(text))
}

// ListOpenRequests returns a page of the client's active requests with live
// SLA timers. Status may narrow to one open status.
func (s Scope) ListOpenRequests(ctx context.Context, f RequestFilter, now time.Time) (Page[RequestRow], error) {
	f.normalise(SortUpdated)
	statuses := OpenStatuses
	if f.Status != "" && f.Status != StatusCompleted {
		statuses = []string{f.Status}
	}
	return s.listRequests(ctx, f, statuses, now)
}

// ListClosedRequests returns a page of the client's completed requests with
// the hours logged on each (one aggregate query for the page, no N+1).
func (s Scope) ListClosedRequests(ctx context.Context, f RequestFilter, now time.Time) (Page[RequestRow], error) {
	f.normalise(SortCompleted)
	if f.Sort == SortDue {
		f.Sort = SortCompleted
	}
	return s.listRequests(ctx, f, []string{StatusCompleted}, now)
}

func (s Scope) listRequests(ctx context.Context, f RequestFilter, statuses []string, now time.Time) (Page[RequestRow], error) {
	page := Page[RequestRow]{Page: f.Page, PerPage: f.PerPage}
	client, err := s.Client(ctx)
	if err != nil {
		return page, err
	}
	policy, err := SLAPolicyOf(ctx, s.db, client)
	if err != nil {
		return page, err
	}
	open := !slices.Contains(statuses, StatusCompleted)
	// filtered narrows a query of requests to the list's rows: the page's
	// and the count's (which a cursor must not narrow).
	filtered := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = s.Viewer().whereSeesRequests(q.Where("request.client_id = ?", s.clientID), "request").
			Where("request.status IN (?)", bun.List(statuses))
		if open {
			// Implied by the line above, and the predicate of the partial index
			// the default order reads from (requests_client_open_updated).
			q = q.Where("request.status <> ?", StatusCompleted)
		} else {
			// The same rows, in the form of the closed list's index
			// (requests_client_closed).
			q = q.Where("request.status = ?", StatusCompleted)
		}
		if f.Urgency != "" {
			q = q.Where("request.urgency = ?", f.Urgency)
		}
		return applySearch(q, f.Q, client.RequestPrefix)
	}
	var rs []Request
	q := applySort(filtered(s.db.NewSelect().Model(&rs)), f.Sort).Limit(f.PerPage)
	key := keysetColumn(f.Sort)
	if at, id, ok := parseCursor(f.After); ok && key != "" {
		q = q.Where("("+key+", request.id) < (?, ?)", at, id)
	} else {
		q = q.Offset(offset(f.Page, f.PerPage))
	}
	var total int
	if err = q.Scan(ctx); err == nil {
		if !open && f.Urgency == "" && strings.TrimSpace(f.Q) == "" && s.SeesAllRequests() {
			// The whole closed list, which grows with history: its length is the
			// client's counter row (kept by triggers), not a count of every
			// closed request. An open list is counted through its index.
			err = s.db.NewSelect().ColumnExpr("coalesce((SELECT closed_count FROM request_counts WHERE client_id = ?), 0)", s.clientID).
				Scan(ctx, &total)
		} else {
			total, err = filtered(s.db.NewSelect().Model((*Request)(nil))).Count(ctx)
		}
	}
	if err != nil {
		return page, fmt.Errorf("models: list requests of client %d: %w", s.clientID, err)
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	minutes, err := clientMinutesByRequest(ctx, s.db, ids)
	if err != nil {
		return page, err
	}
	page.Total = total
	if n := len(rs); n == f.PerPage && key != "" {
		page.NextAfter = cursorOf(rs[n-1], f.Sort)
	}
	page.Items = make([]RequestRow, len(rs))
	for i, r := range rs {
		row := newRow(r, policy, now)
		row.Prefix, row.ClientName = client.RequestPrefix, client.Name
		if s.SeesHours() {
			row.MinutesLogged = minutes[r.ID]
		}
		page.Items[i] = row
	}
	return page, nil
}

// CreateRequest submits a request as the scope's user.
func (s Scope) CreateRequest(ctx context.Context, in NewRequest) (*Request, error) {
	if in.CategoryID != nil {
		if _, err := GetActiveCategory(ctx, s.db, *in.CategoryID); err != nil {
			return nil, err
		}
	}
	return createRequest(ctx, s.db, s.clientID, s.userID, in)
}

// requestIDByNumber finds the id of the client's request number n.
func (s Scope) requestIDByNumber(ctx context.Context, n int) (int64, error) {
	var id int64
	q := s.db.NewSelect().Model((*Request)(nil)).Column("request.id").
		Where("request.client_id = ?", s.clientID).Where("request.number = ?", n)
	err := s.Viewer().whereSeesRequests(q, "request").Scan(ctx, &id)
	if err != nil {
		return 0, notFound(err, fmt.Sprintf("find request %d of client %d", n, s.clientID))
	}
	return id, nil
}

// RequestByNumber is the client's view of one of its requests: the public
// thread and public history only. Internal notes never leave this function.
// ReadUpTo is how far the scope's user had read the thread, found in the
// same statement as the request, so a view that reads nothing new writes
// nothing (MarkReadUpTo).
//
// A member restricted to their own requests is asked about first: another
// request of theirs is not found.
func (s Scope) RequestByNumber(ctx context.Context, n int, now time.Time) (*RequestDetail, error) {
	if !s.SeesAllRequests() {
		if _, err := s.requestIDByNumber(ctx, n); err != nil {
			return nil, err
		}
	}
	head, err := readRequestHead(ctx, s.db, s.Viewer(), s.userID, "number", s.clientID, n)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("find request %d of client %d", n, s.clientID))
	}
	d, err := loadRequestDetail(ctx, s.db, head, s.Viewer(), now)
	if err != nil {
		return nil, err
	}
	d.Following = head.Following
	if !s.SeesHours() {
		d.MinutesLogged = 0 // and the page shows none (company roles)
	}
	return d, nil
}

// keysetColumn is the column a list order seeks on with a cursor (newest
// first, the id breaking ties), or "" for orders that have none.
func keysetColumn(sort string) string {
	switch sort {
	case SortUpdated:
		return "request.updated_at"
	case SortCreated:
		return "request.created_at"
	case SortCompleted:
		return "request.completed_at"
	}
	return ""
}

// cursorOf is the cursor just after r in the order sort: its sort time in
// nanoseconds and its id, e.g. "1733580000123456000-42".
func cursorOf(r Request, sort string) string {
	var at time.Time
	switch sort {
	case SortUpdated:
		at = r.UpdatedAt
	case SortCreated:
		at = r.CreatedAt
	case SortCompleted:
		if r.CompletedAt == nil {
			return ""
		}
		at = *r.CompletedAt
	}
	return strconv.FormatInt(at.UnixNano(), 10) + "-" + strconv.FormatInt(r.ID, 10)
}

// parseCursor reads a cursor of cursorOf; anything else is not a cursor.
func parseCursor(s string) (time.Time, int64, bool) {
	ns, id, found := strings.Cut(s, "-")
	if !found {
		return time.Time{}, 0, false
	}
	n, err1 := strconv.ParseInt(ns, 10, 64)
	i, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || n <= 0 || i <= 0 {
		return time.Time{}, 0, false
	}
	return time.Unix(0, n).UTC(), i, true
}

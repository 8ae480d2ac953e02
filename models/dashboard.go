package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// dashboardFigures reads the dashboard's counts and this month's SLA figures
// in one statement whose cost does not grow with the client's history: the
// open count comes from the index of open requests (requests_client_open_updated),
// the closed count, which grows with history, is the client's row of
// request_counts (kept by triggers), the month's responses and resolutions
// come from indexes on their dates, and targets past due are counted from
// index ranges of late clocks only. It counts what slaFigures counts for a monthly
// summary.
//
// Every count is of the requests v sees (whereSeesRequests): for a member
// restricted to their own requests, theirs only, counted rather than read
// from the client's counter row.
func dashboardFigures(ctx context.Context, db bun.IDB, v Viewer, clientID int64, start, end time.Time) (open, closed, met, decided int, err error) {
	start, end = start.UTC(), end.UTC()
	cutoff := end
	if now := Now(); now.Before(cutoff) {
		cutoff = now
	}
	var f struct {
		Open        int `bun:"open_count"`
		Closed      int `bun:"closed_count"`
		RespDecided int `bun:"resp_decided"`
		RespMet     int `bun:"resp_met"`
		ResDecided  int `bun:"res_decided"`
		ResMet      int `bun:"res_met"`
		RespOverdue int `bun:"resp_overdue"`
		ResOverdue  int `bun:"res_overdue"`
	}
	responded := requestsOf(db, v).
		ColumnExpr("count(*) AS n").ColumnExpr("count(CASE WHEN response_used_secs <= response_target_secs THEN 1 END) AS met").
		Where("client_id = ?", clientID).Where("first_response_at >= ?", start).Where("first_response_at < ?", end)
	resolved := requestsOf(db, v).
		ColumnExpr("count(*) AS n").ColumnExpr("count(CASE WHEN resolution_used_secs <= resolution_target_secs THEN 1 END) AS met").
		Where("client_id = ?", clientID).Where("status = ?", StatusCompleted).
		Where("completed_at >= ?", start).Where("completed_at < ?", end)
	// Targets past due on open requests, counted from index ranges that
	// hold only late rows, so the count grows with what is late, not with
	// what is open: a clock is late when its due time has passed (a running
	// clock: the range "due before the cutoff" of requests_open_*_due) or
	// when it stopped or paused after using more than its target (the
	// breached partial indexes; the SLA ticker also stores that much use on
	// a running clock the moment it turns red). The two halves never count
	// the same row. "Not completed" rather than the open statuses: the same
	// rows, and the predicate of those indexes.
	openAt := func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("client_id = ?", clientID).Where("status <> ?", StatusCompleted).
			Where("completed_at IS NULL").Where("created_at < ?", cutoff)
	}
	unanswered := func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("first_response_at IS NULL").WhereOr("first_response_at >= ?", end)
		})
	}
	respDue := unanswered(openAt(requestsOf(db, v).ColumnExpr("count(*)"))).
		Where("response_target_secs > 0").Where("response_due_at < ?", cutoff)
	respBreached := unanswered(openAt(requestsOf(db, v).ColumnExpr("count(*)"))).
		Where("response_target_secs > 0").Where("response_used_secs > response_target_secs").
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("response_due_at IS NULL").WhereOr("response_due_at >= ?", cutoff)
		})
	resDue := openAt(requestsOf(db, v).ColumnExpr("count(*)")).
		Where("resolution_target_secs > 0").Where("resolution_due_at < ?", cutoff)
	resBreached := openAt(requestsOf(db, v).ColumnExpr("count(*)")).
		Where("resolution_target_secs > 0").Where("resolution_used_secs > resolution_target_secs").
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("resolution_due_at IS NULL").WhereOr("resolution_due_at >= ?", cutoff)
		})
	q := db.NewSelect()
	if v.SeesAllRequests() {
		q = q.ColumnExpr("(SELECT count(*) FROM requests WHERE client_id = ? AND status <> ?) AS open_count", clientID, StatusCompleted).
			ColumnExpr("coalesce((SELECT closed_count FROM request_counts WHERE client_id = ?), 0) AS closed_count", clientID)
	} else {
		q = q.ColumnExpr("(?) AS open_count", requestsOf(db, v).ColumnExpr("count(*)").Where("client_id = ?", clientID).Where("status <> ?", StatusCompleted)).
			ColumnExpr("(?) AS closed_count", requestsOf(db, v).ColumnExpr("count(*)").Where("client_id = ?", clientID).Where("status = ?", StatusCompleted))
	}
	err = q.
		ColumnExpr("r.n AS resp_decided, r.met AS resp_met, c.n AS res_decided, c.met AS res_met").
		ColumnExpr("(?) + (?) AS resp_overdue", respDue, respBreached).
		ColumnExpr("(?) + (?) AS res_overdue", resDue, resBreached).
		TableExpr("(?) AS r", responded).
		TableExpr("(?) AS c", resolved).
		Scan(ctx, &f)
	if err != nil {
		return 0, 0, 0, 0, fmt.Errorf("models: dashboard figures of client %d: %w", clientID, err)
	}
	return f.Open, f.Closed, f.RespMet + f.ResMet, f.RespDecided + f.ResDecided + f.RespOverdue + f.ResOverdue, nil
}

// requestsOf starts a query over the requests v sees (alias request).
func requestsOf(db bun.IDB, v Viewer) *bun.SelectQuery {
	return v.whereSeesRequests(db.NewSelect().Model((*Request)(nil)), "request")
}

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
// come from indexes on their dates, and targets past due are looked for
// among open requests only. It counts what slaFigures counts for a monthly
// summary.
func dashboardFigures(ctx context.Context, db bun.IDB, clientID int64, start, end time.Time) (open, closed, met, decided int, err error) {
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
	responded := db.NewSelect().Model((*Request)(nil)).
		ColumnExpr("count(*) AS n").ColumnExpr("count(CASE WHEN response_used_secs <= response_target_secs THEN 1 END) AS met").
		Where("client_id = ?", clientID).Where("first_response_at >= ?", start).Where("first_response_at < ?", end)
	resolved := db.NewSelect().Model((*Request)(nil)).
		ColumnExpr("count(*) AS n").ColumnExpr("count(CASE WHEN resolution_used_secs <= resolution_target_secs THEN 1 END) AS met").
		Where("client_id = ?", clientID).Where("status = ?", StatusCompleted).
		Where("completed_at >= ?", start).Where("completed_at < ?", end)
	overdue := db.NewSelect().Model((*Request)(nil)).
		ColumnExpr("count(CASE WHEN (first_response_at IS NULL OR first_response_at >= ?) AND response_target_secs > 0 AND (response_used_secs > response_target_secs OR response_due_at < ?) THEN 1 END) AS resp", end, cutoff).
		ColumnExpr("count(CASE WHEN resolution_target_secs > 0 AND (resolution_used_secs > resolution_target_secs OR resolution_due_at < ?) THEN 1 END) AS res", cutoff).
		// "Not completed" rather than the list of open statuses: the same
		// rows, and the form the index requests_open_clocks is made for.
		Where("client_id = ?", clientID).Where("status <> ?", StatusCompleted).
		Where("completed_at IS NULL").Where("created_at < ?", cutoff)
	err = db.NewSelect().
		ColumnExpr("(SELECT count(*) FROM requests WHERE client_id = ? AND status <> ?) AS open_count", clientID, StatusCompleted).
		ColumnExpr("coalesce((SELECT closed_count FROM request_counts WHERE client_id = ?), 0) AS closed_count", clientID).
		ColumnExpr("r.n AS resp_decided, r.met AS resp_met, c.n AS res_decided, c.met AS res_met").
		ColumnExpr("o.resp AS resp_overdue, o.res AS res_overdue").
		TableExpr("(?) AS r", responded).
		TableExpr("(?) AS c", resolved).
		TableExpr("(?) AS o", overdue).
		Scan(ctx, &f)
	if err != nil {
		return 0, 0, 0, 0, fmt.Errorf("models: dashboard figures of client %d: %w", clientID, err)
	}
	return f.Open, f.Closed, f.RespMet + f.ResMet, f.RespDecided + f.ResDecided + f.RespOverdue + f.ResOverdue, nil
}

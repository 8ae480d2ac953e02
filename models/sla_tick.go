package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ColourChange is a request whose stored SLA colour moved on a tick, for the
// realtime layer to push.
type ColourChange struct {
	RequestID        int64
	ClientID         int64
	ResponseColour   string
	ResolutionColour string
}

// TickSLAClocks brings the stored clocks of running, not yet red requests up
// to now and writes those whose colour changed (green → yellow → red), so
// stored colours, the breached filter and pushed updates stay current. Pages
// compute live colours themselves; this is for a periodic job (run it every
// minute or so, under the cron lock). Each row is updated only if its clock
// was not moved meanwhile, so it never overwrites a concurrent change.
func TickSLAClocks(ctx context.Context, db bun.IDB, now time.Time) ([]ColourChange, error) {
	book, err := LoadSLABook(ctx, db)
	if err != nil {
		return nil, err
	}
	var rs []Request
	err = db.NewSelect().Model(&rs).
		Relation("Client", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("sla_policy_id") }).
		// Only clocks whose next colour change has come (an index range on
		// sla_next_change_at); rows written before it was tracked (NULL) are
		// looked at once and then get their moment.
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("request.sla_next_change_at <= ?", now).WhereOr("request.sla_next_change_at IS NULL")
		}).
		Where("request.status IN (?)", bun.List(OpenStatuses)).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("request.response_due_at IS NOT NULL AND request.response_colour <> ?", ColourRed).
				WhereOr("request.resolution_due_at IS NOT NULL AND request.resolution_colour <> ?", ColourRed)
		}).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: load running SLA clocks: %w", err)
	}
	var changes []ColourChange
	for i := range rs {
		r := &rs[i]
		p := book.For(r.Client)
		st := r.Clock().Apply(p.Cal(), p.WarningPercent(), ClockEvent{Kind: ClockTick, At: now})
		if st.ResponseColour == r.ResponseColour && st.ResolutionColour == r.ResolutionColour &&
			sameTime(st.NextChangeAt, r.SLANextChangeAt) {
			continue
		}
		changed := st.ResponseColour != r.ResponseColour || st.ResolutionColour != r.ResolutionColour
		prev := r.ClockUpdatedAt
		r.SetClock(st)
		res, err := db.NewUpdate().Model(r).Column(clockColumns[:len(clockColumns)-1]...).WherePK().
			Where("clock_updated_at = ?", prev).Exec(ctx)
		if err != nil {
			return changes, fmt.Errorf("models: tick clocks of request %d: %w", r.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 1 && changed {
			changes = append(changes, ColourChange{RequestID: r.ID, ClientID: r.ClientID,
				ResponseColour: st.ResponseColour, ResolutionColour: st.ResolutionColour})
		}
	}
	return changes, nil
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

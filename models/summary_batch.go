package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// summaryBatch is how many clients' summaries are computed and stored
// together: each statement then covers a batch, not a client, and stays well
// inside the driver's statement timeout.
const summaryBatch = 200

// dayTime is one client's time on one date: billable (what the bank
// counts) and not charged.
type dayTime struct {
	ClientID   int64     `bun:"client_id"`
	Day        time.Time `bun:"work_date"`
	Billable   int       `bun:"billable"`
	NotCharged int       `bun:"not_charged"`
}

// BuildMonthlySummaries builds month's summary of each of clients that has
// none yet, a batch of clients at a time, and returns how many it stored.
// Each batch is one transaction, with a summary_built event per summary when
// announce is set (a client's newest month; older months filled in by a
// catch-up are stored quietly, or a first start would fill every client's
// recent activity with a year of "summary ready, just now"). A summary
// already stored (another process, an earlier run) is left as it is.
func BuildMonthlySummaries(ctx context.Context, db bun.IDB, clients []Client, month time.Time, announce bool) (int, error) {
	built := 0
	for i := 0; i < len(clients); i += summaryBatch {
		sums, err := computeSummaries(ctx, db, clients[i:min(i+summaryBatch, len(clients))], month)
		if err != nil {
			return built, err
		}
		n, err := storeNewSummaries(ctx, db, sums, announce)
		built += n
		if err != nil {
			return built, err
		}
	}
	return built, nil
}

// storeNewSummaries inserts the summaries not stored yet and, when
// announced is set, records a summary_built event for each one it stored, in one
// transaction.
func storeNewSummaries(ctx context.Context, db bun.IDB, sums []MonthlySummary, announced bool) (int, error) {
	if len(sums) == 0 {
		return 0, nil
	}
	var created []int64
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		created = created[:0]
		if err := tx.NewInsert().Model(&sums).On("CONFLICT (client_id, month) DO NOTHING").
			Returning("client_id").Scan(ctx, &created); err != nil {
			return fmt.Errorf("models: store summaries of %s: %w", MonthLabel(sums[0].Month), err)
		}
		if len(created) == 0 || !announced {
			return nil
		}
		events := make([]ActivityEvent, len(created))
		for i, id := range created {
			events[i] = ActivityEvent{ClientID: id, Kind: EventSummaryBuilt, Audience: AudiencePublic,
				Detail: MonthLabel(sums[0].Month), CreatedAt: sums[0].BuiltAt}
		}
		if _, err := tx.NewInsert().Model(&events).ExcludeColumn("tx_id").Exec(ctx); err != nil {
			return fmt.Errorf("models: record summary events of %s: %w", MonthLabel(sums[0].Month), err)
		}
		// The event stream's listener only needs waking: one notice for the batch.
		return announce(ctx, tx, events[len(events)-1].ID)
	})
	if err != nil {
		return 0, err
	}
	return len(created), nil
}

// computeSummaries works out month's summary of each client (in its time
// zone) without storing them, in a fixed number of statements per batch:
// plans, purchases, time per client and date, and per time zone the
// requests with their SLA figures and the open questions. Every client's
// hour bank goes through the Hours page's ledger (monthBank → ledgerTo).
func computeSummaries(ctx context.Context, db bun.IDB, clients []Client, month time.Time) ([]MonthlySummary, error) {
	month = time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	monthEnd := month.AddDate(0, 1, 0)
	label := MonthLabel(month)
	ids := make([]int64, len(clients))
	at := make(map[int64]int, len(clients))
	zones := map[string][]int64{}
	sums := make([]MonthlySummary, len(clients))
	builtAt := Now()
	for i, c := range clients {
		ids[i], at[c.ID] = c.ID, i
		zones[c.Timezone] = append(zones[c.Timezone], c.ID)
		sums[i] = MonthlySummary{ClientID: c.ID, Month: month, BuiltAt: builtAt}
	}

	var plans []HourPlan
	if err := db.NewSelect().Model(&plans).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: hour plans for the summaries of %s: %w", label, err)
	}
	var purchases []HourPurchase
	if err := db.NewSelect().Model(&purchases).Where("client_id IN (?)", bun.List(ids)).
		Order("client_id", "purchased_on", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: hour purchases for the summaries of %s: %w", label, err)
	}
	var days []dayTime
	// From the per-day totals (time_entry_days), as the Hours page reads them.
	if err := db.NewSelect().Table("time_entry_days").Column("client_id", "work_date").
		ColumnExpr("sum(CASE WHEN billing = ? THEN minutes ELSE 0 END) AS billable", BillingBillable).
		ColumnExpr("sum(CASE WHEN billing = ? THEN minutes ELSE 0 END) AS not_charged", BillingNotCharged).
		Where("client_id IN (?)", bun.List(ids)).Where("entries > 0").Where("work_date < ?", monthEnd).
		Group("client_id", "work_date").Order("client_id", "work_date").Scan(ctx, &days); err != nil {
		return nil, fmt.Errorf("models: time for the summaries of %s: %w", label, err)
	}
	purchasesOf := map[int64][]HourPurchase{}
	for _, p := range purchases {
		purchasesOf[p.ClientID] = append(purchasesOf[p.ClientID], p)
	}
	daysOf := map[int64][]dayTime{}
	for _, d := range days {
		d.Day = time.Date(d.Day.Year(), d.Day.Month(), d.Day.Day(), 0, 0, 0, 0, time.UTC)
		daysOf[d.ClientID] = append(daysOf[d.ClientID], d)
		if !d.Day.Before(month) {
			sums[at[d.ClientID]].MinutesUsed += d.Billable
		}
	}
	for _, p := range plans {
		i := at[p.ClientID]
		sums[i].SummaryHours = monthBank(p, purchasesOf[p.ClientID], daysOf[p.ClientID], month)
	}

	for zone, zoneIDs := range zones {
		loc := LoadLocation(zone)
		start := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, loc)
		end := start.AddDate(0, 1, 0)
		if err := monthRequests(ctx, db, zoneIDs, start, end, func(id int64, submitted, resolved int, sla slaCounts) {
			s := &sums[at[id]]
			s.RequestsSubmitted, s.RequestsResolved = submitted, resolved
			s.SLAMet, s.SLADecided = sla.figures()
		}); err != nil {
			return nil, fmt.Errorf("models: requests for the summaries of %s: %w", label, err)
		}
		if err := openQuestionsAt(ctx, db, zoneIDs, end, func(id int64, n int) { sums[at[id]].OpenQuestions = n }); err != nil {
			return nil, fmt.Errorf("models: open questions for the summaries of %s: %w", label, err)
		}
	}
	return sums, nil
}

// monthRequests counts, per client of ids, the requests submitted and
// resolved in [start, end) and the SLA targets decided then.
func monthRequests(ctx context.Context, db bun.IDB, ids []int64, start, end time.Time, each func(id int64, submitted, resolved int, sla slaCounts)) error {
	var rows []struct {
		ClientID  int64 `bun:"client_id"`
		Submitted int   `bun:"submitted"`
		Resolved  int   `bun:"resolved"`
		slaCounts
	}
	q := db.NewSelect().Model((*Request)(nil)).Column("client_id").
		ColumnExpr("count(CASE WHEN created_at >= ? AND created_at < ? THEN 1 END) AS submitted", start.UTC(), end.UTC()).
		ColumnExpr("count(CASE WHEN completed_at >= ? AND completed_at < ? THEN 1 END) AS resolved", start.UTC(), end.UTC())
	if err := slaColumns(q, start, end).Where("client_id IN (?)", bun.List(ids)).Group("client_id").Scan(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		each(r.ClientID, r.Submitted, r.Resolved, r.slaCounts)
	}
	return nil
}

// openQuestionsAt counts, per client of ids, the questions on time entries
// open at instant `at`: asked before it and not closed before it.
func openQuestionsAt(ctx context.Context, db bun.IDB, ids []int64, at time.Time, each func(id int64, n int)) error {
	var rows []struct {
		ClientID int64 `bun:"client_id"`
		N        int   `bun:"n"`
	}
	if err := db.NewSelect().Model((*TimeQuestion)(nil)).Column("client_id").ColumnExpr("count(*) AS n").
		Where("client_id IN (?)", bun.List(ids)).Where("created_at < ?", at.UTC()).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("closed_at IS NULL").WhereOr("closed_at >= ?", at.UTC())
		}).Group("client_id").Scan(ctx, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		each(r.ClientID, r.N)
	}
	return nil
}

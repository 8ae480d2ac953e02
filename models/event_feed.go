package models

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// EventsChannel is the PostgreSQL NOTIFY channel that announces committed
// activity events (payload: the event id) to every portal process.
const EventsChannel = "portal_events"

// announce tells other processes about an event. On PostgreSQL NOTIFY is
// transactional: listeners hear of it only when the surrounding transaction
// commits, and never when it rolls back. SQLite serves one process, whose
// feed polls for new rows instead.
func announce(ctx context.Context, db bun.IDB, id int64) error {
	if !IsPostgres(db) {
		return nil
	}
	if _, err := db.ExecContext(ctx, "SELECT pg_notify(?, ?)", EventsChannel, fmt.Sprint(id)); err != nil {
		return fmt.Errorf("models: announce event %d: %w", id, err)
	}
	return nil
}

// EventsByID loads the given events (with actor and request) in id order.
func EventsByID(ctx context.Context, db bun.IDB, ids []int64) ([]ActivityEvent, error) {
	var events []ActivityEvent
	if len(ids) == 0 {
		return events, nil
	}
	err := feedQuery(db, &events).Where("activity_event.id IN (?)", bun.In(ids)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: load events %v: %w", ids, err)
	}
	return events, nil
}

// EventsAfter loads up to limit events with an id above after, oldest first.
// With clientID > 0 only that client's public events are returned (what a
// client user may see); with clientID == 0 every event (staff).
func EventsAfter(ctx context.Context, db bun.IDB, after int64, clientID int64, limit int) ([]ActivityEvent, error) {
	var events []ActivityEvent
	q := feedQuery(db, &events).Where("activity_event.id > ?", after).Limit(limit)
	if clientID > 0 {
		q = q.Where("activity_event.client_id = ?", clientID).Where("activity_event.audience = ?", AudiencePublic)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: load events after %d: %w", after, err)
	}
	return events, nil
}

// LatestEventID is the highest event id, or 0 when there is none.
func LatestEventID(ctx context.Context, db bun.IDB) (int64, error) {
	var id int64
	if err := db.NewSelect().Model((*ActivityEvent)(nil)).ColumnExpr("coalesce(max(id), 0)").Scan(ctx, &id); err != nil {
		return 0, fmt.Errorf("models: latest event id: %w", err)
	}
	return id, nil
}

func feedQuery(db bun.IDB, events *[]ActivityEvent) *bun.SelectQuery {
	return db.NewSelect().Model(events).
		Relation("Actor", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "role") }).
		Relation("Request", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("number", "title", "status") }).
		Order("activity_event.id")
}

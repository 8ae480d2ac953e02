package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// EventsChannel is the PostgreSQL NOTIFY channel that announces committed
// activity events (payload: the event id) to every portal process. It only
// wakes the feeds; what they deliver is read by Position.
const EventsChannel = "portal_events"

// AccessChannel is the PostgreSQL NOTIFY channel on which triggers announce
// that a session ended ("s<id>") or a client was archived ("c<id>").
const AccessChannel = "portal_access"

// Position orders activity events for delivery: by the writing transaction,
// then by id. Ids alone are not enough on PostgreSQL: two transactions can
// take ids 7 and 8 and commit 8 first, and a reader that moved its cursor to
// 8 would never see 7. Reads only return events whose transaction is below
// the oldest one still in flight (pg_snapshot_xmin), so once a position has
// been read, nothing can later commit behind it. On SQLite writes are
// serialised, Tx is always 0 and the order is the id's.
type Position struct {
	Tx int64
	ID int64
}

// After reports whether p comes after q.
func (p Position) After(q Position) bool {
	return p.Tx > q.Tx || (p.Tx == q.Tx && p.ID > q.ID)
}

// IsZero is true for the position before every event.
func (p Position) IsZero() bool { return p == Position{} }

// String is the form sent to browsers as an SSE id: "tx-id".
func (p Position) String() string {
	return strconv.FormatInt(p.Tx, 10) + "-" + strconv.FormatInt(p.ID, 10)
}

// ErrBadPosition is returned for a cursor a browser sent that is not one.
var ErrBadPosition = errors.New("models: malformed event position")

// ParsePosition reads a position from its String form. A bare number is an
// id from before positions existed: such events all have Tx 0.
func ParsePosition(s string) (Position, error) {
	txs, ids, found := strings.Cut(s, "-")
	if !found {
		txs, ids = "0", s
	}
	tx, err1 := strconv.ParseInt(txs, 10, 64)
	id, err2 := strconv.ParseInt(ids, 10, 64)
	if err1 != nil || err2 != nil || tx < 0 || id < 0 {
		return Position{}, fmt.Errorf("%w: %q", ErrBadPosition, s)
	}
	return Position{Tx: tx, ID: id}, nil
}

// announce tells other processes about an event. On PostgreSQL NOTIFY is
// transactional: listeners hear of it only when the surrounding transaction
// commits, and never when it rolls back. SQLite serves one process, whose
// feed polls for new rows instead.
func announce(ctx context.Context, db bun.IDB, id int64) error {
	if !IsPostgres(db) {
		return nil
	}
	if _, err := db.ExecContext(ctx, "SELECT pg_notify(?, ?)", EventsChannel, strconv.FormatInt(id, 10)); err != nil {
		return fmt.Errorf("models: announce event %d: %w", id, err)
	}
	return nil
}

// settled is the condition for events whose position can no longer be
// overtaken by a transaction still in flight.
func settled(db bun.IDB) string { return settledAs(db, "activity_event") }

// settledAs is settled for activity_events under another alias.
func settledAs(db bun.IDB, alias string) string {
	if IsPostgres(db) {
		return alias + ".tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
	}
	return "1 = 1"
}

// EventsAfter loads up to limit settled events after pos that v sees, in
// position order: the replay of what a stream missed reads through the same
// rule (Viewer) that live delivery applies. The feed, which fans every event
// out, reads as StaffViewer.
func EventsAfter(ctx context.Context, db bun.IDB, pos Position, v Viewer, limit int) ([]ActivityEvent, error) {
	var events []ActivityEvent
	q := feedQuery(db, &events).
		Where("(activity_event.tx_id > ? OR (activity_event.tx_id = ? AND activity_event.id > ?))", pos.Tx, pos.Tx, pos.ID).
		Where(settled(db)).
		Limit(limit)
	q = v.whereSeesEvents(q, "activity_event")
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: load events after %s: %w", pos, err)
	}
	return events, nil
}

// LatestPosition is the position of the newest settled event, or the zero
// position when there is none: a page rendered now is current up to there.
func LatestPosition(ctx context.Context, db bun.IDB) (Position, error) {
	var rows []ActivityEvent
	err := db.NewSelect().Model(&rows).Column("activity_event.id", "activity_event.tx_id").
		Where(settled(db)).
		OrderExpr("activity_event.tx_id DESC, activity_event.id DESC").Limit(1).Scan(ctx)
	if err != nil {
		return Position{}, fmt.Errorf("models: latest event position: %w", err)
	}
	if len(rows) == 0 {
		return Position{}, nil
	}
	return rows[0].Position(), nil
}

func feedQuery(db bun.IDB, events *[]ActivityEvent) *bun.SelectQuery {
	return db.NewSelect().Model(events).
		Relation("Actor", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "role") }).
		Relation("Request", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("number", "title", "status") }).
		OrderExpr("activity_event.tx_id, activity_event.id")
}

// Revocation says that a session ended or a client was archived: event
// streams opened under it must end. Written by database triggers.
type Revocation struct {
	bun.BaseModel `bun:"table:access_revocations"`

	ID        int64  `bun:"id,pk,autoincrement"`
	SessionID *int64 `bun:"session_id"`
	ClientID  *int64 `bun:"client_id"`
}

// ParseRevocation reads an AccessChannel payload.
func ParseRevocation(payload string) (Revocation, bool) {
	if len(payload) < 2 {
		return Revocation{}, false
	}
	id, err := strconv.ParseInt(payload[1:], 10, 64)
	if err != nil {
		return Revocation{}, false
	}
	switch payload[0] {
	case 's':
		return Revocation{SessionID: &id}, true
	case 'c':
		return Revocation{ClientID: &id}, true
	}
	return Revocation{}, false
}

// RevocationsAfter loads revocations with an id above after, oldest first.
// Only SQLite reads them by id (its ids are in commit order); PostgreSQL
// processes hear them by NOTIFY and re-read the recent ones after a gap.
func RevocationsAfter(ctx context.Context, db bun.IDB, after int64, limit int) ([]Revocation, error) {
	var rows []Revocation
	err := db.NewSelect().Model(&rows).Where("id > ?", after).Order("id").Limit(limit).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: load revocations after %d: %w", after, err)
	}
	return rows, nil
}

// LatestRevocationID is the highest revocation id, or 0.
func LatestRevocationID(ctx context.Context, db bun.IDB) (int64, error) {
	var id int64
	if err := db.NewSelect().Model((*Revocation)(nil)).ColumnExpr("coalesce(max(id), 0)").Scan(ctx, &id); err != nil {
		return 0, fmt.Errorf("models: latest revocation: %w", err)
	}
	return id, nil
}

// revocationsKept is how many recent revocations PruneRevocations keeps:
// enough for a process that was deaf for a while to catch up on.
const revocationsKept = 10000

// PruneRevocations forgets all but the most recent revocations.
func PruneRevocations(ctx context.Context, db bun.IDB) error {
	latest, err := LatestRevocationID(ctx, db)
	if err != nil {
		return err
	}
	if _, err := db.NewDelete().Model((*Revocation)(nil)).Where("id <= ?", latest-revocationsKept).Exec(ctx); err != nil {
		return fmt.Errorf("models: prune revocations: %w", err)
	}
	return nil
}

package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// EventsChannel is the PostgreSQL NOTIFY channel that announces committed
// activity events (payload: the event id) to every portal process. It only
// wakes the feeds; what they deliver is read by Position.
const EventsChannel = "portal_events"

// AccessChannel is the PostgreSQL NOTIFY channel on which triggers announce
// that a session ended ("s<id>") or a client was archived ("c<id>").
const AccessChannel = "portal_access"

// Position is where a reader of the activity events stands: the events it
// has are those up to (Tx, ID) in delivery order — by the writing
// transaction, then by id — except those of the transactions it holds.
//
// Ids alone are not enough on PostgreSQL: two transactions can take ids 7
// and 8 and commit 8 first, and a reader that moved its cursor to 8 would
// never see 7. So a read moves the cursor only past transactions that have
// ended, with one exception: a transaction of this database that has been
// open too long (InFlight.Pass) is passed and held — named in the position
// with how far into its events the reader got — and its events are read
// when it ends, below the cursor. Transactions of other databases in the
// same cluster are passed without holding: they cannot write our events.
// On SQLite writes are serialised, Tx is always 0, nothing is ever held and
// the order is the id's.
type Position struct {
	Tx int64
	ID int64
	// held is the canonical list of held transactions, "x" or "x:after"
	// joined by "~" in ascending order (after: the last of its events the
	// reader has), so positions compare with ==.
	held string
}

// maxHeld bounds the transactions a position from a browser may hold; the
// feed passes far fewer (maxPass).
const maxHeld = 256

// heldTx is one held transaction: xid, and the id of the last of its
// events the reader has (0: none).
type heldTx struct{ xid, after int64 }

// all is the coverage of a transaction whose every event a reader has.
const all = int64(math.MaxInt64)

func (p Position) heldList() []heldTx {
	if p.held == "" {
		return nil
	}
	parts := strings.Split(p.held, "~")
	out := make([]heldTx, 0, len(parts))
	for _, part := range parts {
		xs, as, _ := strings.Cut(part, ":")
		x, _ := strconv.ParseInt(xs, 10, 64)
		a, _ := strconv.ParseInt(as, 10, 64) // "" parses as 0 with an error: none read
		out = append(out, heldTx{x, a})
	}
	return out
}

// positionHolding builds a position; hs must be in ascending xid order.
func positionHolding(tx, id int64, hs []heldTx) Position {
	p := Position{Tx: tx, ID: id}
	if len(hs) == 0 {
		return p
	}
	var b strings.Builder
	for i, h := range hs {
		if i > 0 {
			b.WriteByte('~')
		}
		b.WriteString(strconv.FormatInt(h.xid, 10))
		if h.after > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.FormatInt(h.after, 10))
		}
	}
	p.held = b.String()
	return p
}

// upTo is how far p has the events of transaction x: none (0), up to an
// id, or all.
func (p Position) upTo(x int64) int64 {
	switch {
	case x > p.Tx:
		return 0
	case x == p.Tx:
		return p.ID
	}
	for _, h := range p.heldList() {
		if h.xid == x {
			return h.after
		}
	}
	return all
}

// After reports whether p's cursor (Tx, ID) comes after q's; what either
// holds is not compared.
func (p Position) After(q Position) bool {
	return p.Tx > q.Tx || (p.Tx == q.Tx && p.ID > q.ID)
}

// Has reports whether a reader at p has the event at ev (an event's own
// position, ActivityEvent.Position).
func (p Position) Has(ev Position) bool {
	if ev.After(p) {
		return false
	}
	if p.held == "" {
		return true
	}
	return ev.ID <= p.upTo(ev.Tx)
}

// Join is the position of a reader that has every event p has and every
// event q has.
func (p Position) Join(q Position) Position {
	top := p
	if q.After(p) {
		top = q
	}
	if p.held == "" && q.held == "" {
		return top
	}
	xids := map[int64]bool{}
	for _, h := range append(p.heldList(), q.heldList()...) {
		if h.xid < top.Tx {
			xids[h.xid] = true
		}
	}
	var hs []heldTx
	for x := range xids {
		if a := max(p.upTo(x), q.upTo(x)); a != all {
			hs = append(hs, heldTx{x, a})
		}
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].xid < hs[j].xid })
	return positionHolding(top.Tx, top.ID, hs)
}

// Holds lists the transactions p holds.
func (p Position) Holds() []int64 {
	var xs []int64
	for _, h := range p.heldList() {
		xs = append(xs, h.xid)
	}
	return xs
}

// IsZero is true for the position before every event.
func (p Position) IsZero() bool { return p == Position{} }

// String is the form sent to browsers as an SSE id: "tx-id", followed by
// "~xid" or "~xid:id" for each held transaction.
func (p Position) String() string {
	s := strconv.FormatInt(p.Tx, 10) + "-" + strconv.FormatInt(p.ID, 10)
	if p.held != "" {
		s += "~" + p.held
	}
	return s
}

// ErrBadPosition is returned for a cursor a browser sent that is not one.
var ErrBadPosition = errors.New("models: malformed event position")

// ParsePosition reads a position from its String form. A bare number is an
// id from before positions existed: such events all have Tx 0.
func ParsePosition(s string) (Position, error) {
	bad := fmt.Errorf("%w: %q", ErrBadPosition, s)
	head, rest, holds := strings.Cut(s, "~")
	txs, ids, found := strings.Cut(head, "-")
	if !found {
		txs, ids = "0", head
	}
	tx, err1 := strconv.ParseInt(txs, 10, 64)
	id, err2 := strconv.ParseInt(ids, 10, 64)
	if err1 != nil || err2 != nil || tx < 0 || id < 0 {
		return Position{}, bad
	}
	if !holds {
		return Position{Tx: tx, ID: id}, nil
	}
	parts := strings.Split(rest, "~")
	if len(parts) > maxHeld {
		return Position{}, bad
	}
	hs := make([]heldTx, 0, len(parts))
	for _, part := range parts {
		xs, as, withAfter := strings.Cut(part, ":")
		x, err := strconv.ParseInt(xs, 10, 64)
		if err != nil || x <= 0 || x >= tx || (len(hs) > 0 && x <= hs[len(hs)-1].xid) {
			return Position{}, bad
		}
		var a int64
		if withAfter {
			if a, err = strconv.ParseInt(as, 10, 64); err != nil || a <= 0 {
				return Position{}, bad
			}
		}
		hs = append(hs, heldTx{x, a})
	}
	return positionHolding(tx, id, hs), nil
}

// InFlight is what a reader knows of the PostgreSQL transactions still
// open (see Position): the ids of those in other databases, which never
// hold it back, and of those of this database it may pass and hold.
type InFlight struct {
	Foreign []int64
	Pass    []int64
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
// overtaken by a transaction still in flight: it serves a page's starting
// point, which a stream then continues from.
func settled(db bun.IDB) string { return settledAs(db, "activity_event") }

// ownHorizon is the oldest transaction in flight that may still write our
// events, or the first not yet started. Transactions of the cluster's other
// databases never write here, so they are left out (as the feed leaves them
// out): with pg_snapshot_xmin alone, any open transaction elsewhere (another
// application, an admin's psql, another test's database) held every new
// page's starting point back, and its stream replayed events the page
// already showed. A transaction whose database is not known counts as ours.
// (mod, not %: the session read passes this text through fmt.Sprintf.)
const ownHorizon = `coalesce((SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
	WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity AS a WHERE a.backend_xid IS NOT NULL
		AND a.backend_xid::text::bigint = mod(x::text::bigint, 4294967296) AND a.datname <> current_database())),
	pg_snapshot_xmax(pg_current_snapshot())::text::bigint)`

// settledAs is settled for activity_events under another alias.
func settledAs(db bun.IDB, alias string) string {
	if IsPostgres(db) {
		return alias + ".tx_id < " + ownHorizon
	}
	return "1 = 1"
}

// horizonCTE is, for the statement's snapshot, the transaction below which
// every event is in (h: the oldest transaction of this database in flight
// that may not be passed, or the first not yet started) and the
// transactions of this database in flight (own), which a reader passing
// them holds; those listed in the argument may be passed. in_flight has no
// foreign transactions. The events read in the same statement are read in
// the same snapshot.
const horizonCTE = `SELECT
	coalesce((SELECT min(xid) FROM in_flight WHERE xid <> ALL(?)),
		pg_snapshot_xmax(pg_current_snapshot())::text::bigint) AS h,
	coalesce((SELECT string_agg(xid::text, ',' ORDER BY xid) FROM in_flight), '') AS own`

// EventsAfter loads up to limit events that a reader at pos does not have
// and v sees, in position order, each with the position its reader has
// reached with it (ActivityEvent.Reached): first the events of held
// transactions that have ended, then those after the cursor. The replay of
// what a stream missed reads through the same rule (Viewer) that live
// delivery applies. The feed, which fans every event out, reads as
// StaffViewer.
func EventsAfter(ctx context.Context, db bun.IDB, pos Position, v Viewer, limit int, in InFlight) ([]ActivityEvent, error) {
	var events []ActivityEvent
	q := feedQuery(db, &events).Limit(limit)
	after := "(activity_event.tx_id > ? OR (activity_event.tx_id = ? AND activity_event.id > ?))"
	if IsPostgres(db) {
		pass := append(append([]int64{0}, in.Pass...), pos.Holds()...)
		// Other databases' transactions never write our events: those the
		// reader was told of and those it finds open now (a catch-up's
		// hint may predate one begun since, which would otherwise hold this
		// read below the feed's cursor and lose the events in between).
		q = q.With("in_flight", db.NewRaw(`SELECT x::text::bigint AS xid FROM pg_snapshot_xip(pg_current_snapshot()) AS x
				WHERE x::text::bigint <> ALL(?) AND NOT EXISTS (SELECT 1 FROM pg_stat_activity AS a WHERE a.backend_xid IS NOT NULL
					AND a.backend_xid::text::bigint = mod(x::text::bigint, 4294967296) AND a.datname <> current_database())`,
			pgdialect.Array(append([]int64{0}, in.Foreign...)))).
			With("horizon", db.NewRaw(horizonCTE, pgdialect.Array(pass))).
			Join("CROSS JOIN horizon").
			ColumnExpr("horizon.own AS in_flight")
		cond := []string{"(" + after + " AND activity_event.tx_id < horizon.h)"}
		args := []any{pos.Tx, pos.Tx, pos.ID}
		// A held transaction's events are visible only once it has
		// committed, and then all of them: no horizon applies.
		for _, h := range pos.heldList() {
			cond = append(cond, "(activity_event.tx_id = ? AND activity_event.id > ?)")
			args = append(args, h.xid, h.after)
		}
		q = q.Where("("+strings.Join(cond, " OR ")+")", args...)
	} else {
		q = q.Where(after, pos.Tx, pos.Tx, pos.ID)
	}
	q = v.whereSeesEvents(q, "activity_event")
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: load events after %s: %w", pos, err)
	}
	var own []int64
	if len(events) > 0 && events[0].InFlight != "" {
		for _, x := range strings.Split(events[0].InFlight, ",") {
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("models: load events after %s: transaction in flight %q: %w", pos, x, err)
			}
			own = append(own, n)
		}
	}
	at := pos
	for i := range events {
		ev := &events[i]
		if !ev.Position().After(at) {
			// A held transaction's event: the reader holds it up to here.
			hs := at.heldList()
			for j := range hs {
				if hs[j].xid == ev.TxID {
					hs[j].after = ev.ID
				}
			}
			at = positionHolding(at.Tx, at.ID, hs)
		} else {
			// Past the cursor: every transaction of ours still in flight
			// below it was passed and is held. Held ones that ended have
			// had their events read above, in position order.
			var hs []heldTx
			for _, x := range own {
				if x < ev.TxID {
					hs = append(hs, heldTx{x, 0})
				}
			}
			at = positionHolding(ev.TxID, ev.ID, hs)
		}
		ev.Reached = at
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

// feedQuery reads events with their request's watchers (withWatchers), so
// that live delivery and replay alike can tell a restricted member's events
// from a colleague's (Viewer.SeesEvent).
func feedQuery(db bun.IDB, events *[]ActivityEvent) *bun.SelectQuery {
	return withWatchers(db, db.NewSelect().Model(events)).
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

// AccessOpen reports whether a stream opened under sessionID (for a client
// user, of clientID; 0 for staff) may still receive events: the session has
// not ended and the client is not archived. A catch-up asks it after reading
// events, so a revocation committed before any of them is seen.
func AccessOpen(ctx context.Context, db bun.IDB, sessionID, clientID int64) (bool, error) {
	q := db.NewSelect().Table("sessions").ColumnExpr("1").Where("id = ?", sessionID)
	if clientID != 0 {
		q = q.Where("NOT EXISTS (SELECT 1 FROM clients WHERE id = ? AND archived_at IS NOT NULL)", clientID)
	}
	n, err := q.Limit(1).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("models: is session %d still open: %w", sessionID, err)
	}
	return n > 0, nil
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

// OpenTransaction is a PostgreSQL transaction in flight that has written
// (it has an id), in any database of the cluster, as pg_stat_activity (or
// pg_prepared_xacts) names it. Fields other than XID and Foreign are empty
// when the server does not say (another role's session, a backend gone).
type OpenTransaction struct {
	XID      int64   `bun:"xid"`
	Foreign  bool    `bun:"foreign"` // in another database: it never writes our events
	PID      int     `bun:"pid"`
	Database string  `bun:"database"`
	Started  *string `bun:"started"`     // xact_start (or when it was prepared), as the server prints it
	Age      float64 `bun:"age_seconds"` // since Started; 0 when unknown
	State    string  `bun:"state"`
	Query    string  `bun:"query"` // its first 100 characters
}

// OpenTransactions lists the transactions in flight in the whole cluster
// (PostgreSQL only). A transaction in another database is told apart by the
// database of the backend that holds its id; one whose database is not
// known counts as ours.
func OpenTransactions(ctx context.Context, db bun.IDB) ([]OpenTransaction, error) {
	var out []OpenTransaction
	err := db.NewRaw(`SELECT x.xid, coalesce(a.pid, 0) AS pid, coalesce(a.datname, p.database, '') AS database,
			coalesce(a.xact_start, p.prepared)::text AS started,
			coalesce(extract(epoch FROM clock_timestamp() - coalesce(a.xact_start, p.prepared)), 0)::float8 AS age_seconds,
			coalesce(a.state, CASE WHEN p.gid IS NOT NULL THEN 'prepared' END, '') AS state,
			coalesce(left(a.query, 100), '') AS query,
			coalesce(a.datname, p.database) IS NOT NULL AND coalesce(a.datname, p.database) <> current_database() AS foreign
		FROM (SELECT x::text::bigint AS xid FROM pg_snapshot_xip(pg_current_snapshot()) AS x) AS x
		LEFT JOIN LATERAL (SELECT pid, datname, xact_start, state, query FROM pg_stat_activity
			WHERE backend_xid IS NOT NULL AND backend_xid::text::bigint = x.xid % 4294967296
			ORDER BY leader_pid IS NOT NULL LIMIT 1) AS a ON true
		LEFT JOIN pg_prepared_xacts AS p ON p.transaction::text::bigint = x.xid % 4294967296
		ORDER BY x.xid`).Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("models: list open transactions: %w", err)
	}
	return out, nil
}

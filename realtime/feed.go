package realtime

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"runtime/debug"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/portal-msp/portal/models"
)

// Feed delivers committed activity events to a hub, once each and in
// order, by reading the database after its cursor (see models.Position).
// It reads when woken and on a timer: on PostgreSQL a NOTIFY from the
// writing transaction wakes it, and the timer covers a lost notification or
// an event held back by another transaction still in flight; on SQLite,
// which serves one process, the timer is all there is. A failed read leaves
// the cursor where it was and is tried again, so a database hiccup delays
// events but never drops them.
//
// On PostgreSQL the timer also lists the transactions in flight in the
// whole cluster. Those of other databases (another application, an admin's
// psql elsewhere) never hold delivery back. One of this database that stays
// open longer than PassAfter is passed: delivery goes on after it, with a
// warning naming its backend, and its events follow when it commits.
//
// The feed also ends streams whose session ended or whose client was
// archived: on PostgreSQL triggers announce it on AccessChannel; on SQLite
// the feed reads the access_revocations rows the triggers write.
type Feed struct {
	db  *bun.DB
	hub *Hub
	log *slog.Logger
	// PollEvery is how often the feed reads without being woken: the
	// latency of SQLite, and the worst case on PostgreSQL.
	PollEvery time.Duration
	// PageSize is how many events one read takes.
	PageSize int
	// PassAfter is how long a transaction of this database may hold live
	// delivery back before the feed passes it (PostgreSQL). With the poll,
	// an event behind it waits about a second at most.
	PassAfter time.Duration

	wake    chan struct{}
	revoked int64 // SQLite: newest revocation applied

	// PostgreSQL: what the last look at the open transactions found, and
	// since when this process has seen each of this database's.
	inFlight models.InFlight
	open     map[int64]*openTx
}

// openTx is a transaction of this database the feed has seen in flight.
type openTx struct {
	models.OpenTransaction
	seen    time.Time // first seen by this process
	warned  bool      // the warning that delivery passed it is out
	waiting bool      // the warning that delivery waits for it is out
}

// maxPass bounds how many open transactions the feed passes at once (each
// one is named in every position until it ends); beyond, it waits.
const maxPass = 32

// NewFeed connects a database to a hub; Run it in a goroutine.
func NewFeed(db *bun.DB, hub *Hub, log *slog.Logger) *Feed {
	every := 50 * time.Millisecond
	if models.IsPostgres(db) {
		every = 250 * time.Millisecond
	}
	return &Feed{db: db, hub: hub, log: log, PollEvery: every, PageSize: 500, PassAfter: 500 * time.Millisecond,
		wake: make(chan struct{}, 1), open: map[int64]*openTx{}}
}

// Run delivers events until ctx ends.
func (f *Feed) Run(ctx context.Context) error {
	cursor, err := f.start(ctx)
	if err != nil {
		return err
	}
	pg := models.IsPostgres(f.db)
	if pg {
		go f.listen(ctx)
		f.inspect(ctx)
	}
	t := time.NewTicker(f.PollEvery)
	defer t.Stop()
	prune := time.NewTicker(10 * time.Minute)
	defer prune.Stop()
	for {
		cursor = f.drain(ctx, cursor)
		if !models.IsPostgres(f.db) {
			f.readRevocations(ctx) // those with no event after them
		}
		select {
		case <-ctx.Done():
			return nil
		case <-f.wake:
		case <-t.C:
			if pg {
				f.inspect(ctx)
			}
		case <-prune.C:
			if err := models.PruneRevocations(ctx, f.db); err != nil && ctx.Err() == nil {
				f.log.Warn("realtime: prune revocations", "error", err)
			}
		}
	}
}

// start reads where live delivery begins, retrying until the database
// answers, and hands it to the hub.
func (f *Feed) start(ctx context.Context) (models.Position, error) {
	for wait := 100 * time.Millisecond; ; wait = min(wait*2, 5*time.Second) {
		pos, err := models.LatestPosition(ctx, f.db)
		if err == nil {
			f.revoked, err = models.LatestRevocationID(ctx, f.db)
		}
		if err == nil {
			f.hub.Start(pos)
			return pos, nil
		}
		f.log.Warn("realtime: feed cannot read its starting point; retrying", "error", err)
		select {
		case <-ctx.Done():
			return pos, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// drain delivers every settled event after cursor and returns the new
// cursor. On an error it keeps the cursor: the next wake or tick retries
// from there.
func (f *Feed) drain(ctx context.Context, cursor models.Position) models.Position {
	for ctx.Err() == nil {
		// Every event: each connection's Viewer picks its own in Dispatch.
		events, err := models.EventsAfter(ctx, f.db, cursor, models.StaffViewer(), f.PageSize, f.inFlight)
		if err != nil {
			if ctx.Err() == nil {
				f.log.Warn("realtime: read events; retrying from the last one delivered", "after", cursor.String(), "error", err)
			}
			return cursor
		}
		if len(events) > 0 {
			if !models.IsPostgres(f.db) {
				// A revocation committed before an event is read after it:
				// applied first, the event cannot reach a stream whose
				// session had already ended when it was written.
				f.readRevocations(ctx)
			}
			f.hub.Dispatch(ctx, events)
			cursor = events[len(events)-1].Reached
			f.warnPassed(cursor)
		}
		if len(events) < f.PageSize {
			return cursor
		}
	}
	return cursor
}

// inspect looks at the transactions in flight and decides which the reads
// pass: every one of another database, and those of this one open longer
// than PassAfter (by the server's clock where it says when they started,
// else since this process first saw them). Which ones are passed is only a
// choice of how long to wait; a read holds whatever of ours it passes.
func (f *Feed) inspect(ctx context.Context) {
	txs, err := models.OpenTransactions(ctx, f.db)
	if err != nil {
		if ctx.Err() == nil {
			f.log.Warn("realtime: list open transactions; live delivery waits for all of them meanwhile", "error", err)
		}
		return
	}
	now := time.Now()
	var in models.InFlight
	seen := make(map[int64]bool, len(txs))
	for _, tx := range txs {
		if tx.Foreign {
			in.Foreign = append(in.Foreign, tx.XID)
			continue
		}
		seen[tx.XID] = true
		o := f.open[tx.XID]
		if o == nil {
			o = &openTx{seen: now}
			f.open[tx.XID] = o
		}
		o.OpenTransaction = tx
		if o.openFor(now) < f.PassAfter {
			continue
		}
		if len(in.Pass) >= maxPass {
			if !o.waiting {
				o.waiting = true
				f.log.Warn("realtime: live delivery waits for a transaction of this database: too many others are open", o.attrs(now)...)
			}
			continue
		}
		in.Pass = append(in.Pass, tx.XID)
	}
	for x := range f.open {
		if !seen[x] {
			delete(f.open, x)
		}
	}
	f.inFlight = in
	f.hub.setInFlight(in)
}

// warnPassed names, once each, the open transactions the feed has just
// delivered past: their events come when they end.
func (f *Feed) warnPassed(cursor models.Position) {
	now := time.Now()
	for _, x := range cursor.Holds() {
		if o := f.open[x]; o != nil && !o.warned {
			o.warned = true
			f.log.Warn("realtime: a transaction of this database held live delivery back; delivery goes on past it, and its events follow when it commits", o.attrs(now)...)
		}
	}
}

// openFor is how long the transaction has been open, as far as is known.
func (o *openTx) openFor(now time.Time) time.Duration {
	return max(now.Sub(o.seen), time.Duration(o.Age*float64(time.Second)))
}

// attrs name the transaction's backend for a log line.
func (o *openTx) attrs(now time.Time) []any {
	started := ""
	if o.Started != nil {
		started = *o.Started
	}
	return []any{"xid", o.XID, "pid", o.PID, "datname", o.Database, "xact_start", started,
		"state", o.State, "query", o.Query, "open_for", o.openFor(now).Round(time.Millisecond)}
}

// readRevocations applies the revocations SQLite's triggers recorded.
func (f *Feed) readRevocations(ctx context.Context) {
	rows, err := models.RevocationsAfter(ctx, f.db, f.revoked, 1000)
	if err != nil {
		if ctx.Err() == nil {
			f.log.Warn("realtime: read revocations", "error", err)
		}
		return
	}
	for _, rv := range rows {
		f.hub.Revoke(rv)
		f.revoked = rv.ID
	}
}

// listen turns PostgreSQL notifications into wake-ups and revocations. After
// the listening connection is lost it re-applies the recent revocations it
// may have missed (ending a stream twice is harmless: the browser resumes).
func (f *Feed) listen(ctx context.Context) {
	defer func() {
		if p := recover(); p != nil {
			f.log.Error("realtime: listener panicked", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	ln := pgdriver.NewListener(f.db)
	defer ln.Close()
	// A receive waits up to its timeout whatever the context says; closing
	// the listener ends it at once when the process stops.
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for ctx.Err() == nil {
		if err := ln.Listen(ctx, models.EventsChannel, models.AccessChannel); err != nil {
			f.log.Warn("realtime: listen", "error", err)
			sleep(ctx, time.Second)
			continue
		}
		break
	}
	deaf := false
	for {
		channel, payload, err := ln.ReceiveTimeout(ctx, 30*time.Second)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if isTimeout(err) {
				if deaf && f.catchUpRevocations(ctx) {
					deaf = false
				}
				continue
			}
			f.log.Warn("realtime: listener lost its connection; the timer delivers meanwhile", "error", err)
			deaf = true
			sleep(ctx, time.Second)
			continue
		}
		if deaf && f.catchUpRevocations(ctx) {
			deaf = false
		}
		switch channel {
		case models.AccessChannel:
			if rv, ok := models.ParseRevocation(payload); ok {
				f.hub.Revoke(rv)
			}
		default:
			select {
			case f.wake <- struct{}{}:
			default:
			}
		}
	}
}

// catchUpRevocations applies the most recent revocations after the listener
// was deaf; true when it could read them.
func (f *Feed) catchUpRevocations(ctx context.Context) bool {
	latest, err := models.LatestRevocationID(ctx, f.db)
	if err == nil {
		var rows []models.Revocation
		if rows, err = models.RevocationsAfter(ctx, f.db, max(f.revoked-100, latest-1000), 1000); err == nil {
			for _, rv := range rows {
				f.hub.Revoke(rv)
			}
			f.revoked = latest
			return true
		}
	}
	f.log.Warn("realtime: re-read revocations", "error", err)
	return false
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

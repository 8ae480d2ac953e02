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
// position order, by reading the database after its cursor (see
// models.Position). It reads when woken and on a timer: on PostgreSQL a
// NOTIFY from the writing transaction wakes it, and the timer covers a lost
// notification or an event held back by another transaction still in
// flight; on SQLite, which serves one process, the timer is all there is.
// A failed read leaves the cursor where it was and is tried again, so a
// database hiccup delays events but never drops them.
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

	wake    chan struct{}
	revoked int64 // SQLite: newest revocation applied
}

// NewFeed connects a database to a hub; Run it in a goroutine.
func NewFeed(db *bun.DB, hub *Hub, log *slog.Logger) *Feed {
	every := 50 * time.Millisecond
	if models.IsPostgres(db) {
		every = 250 * time.Millisecond
	}
	return &Feed{db: db, hub: hub, log: log, PollEvery: every, PageSize: 500, wake: make(chan struct{}, 1)}
}

// Run delivers events until ctx ends.
func (f *Feed) Run(ctx context.Context) error {
	cursor, err := f.start(ctx)
	if err != nil {
		return err
	}
	if models.IsPostgres(f.db) {
		go f.listen(ctx)
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
		events, err := models.EventsAfter(ctx, f.db, cursor, models.StaffViewer(), f.PageSize)
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
			cursor = events[len(events)-1].Position()
		}
		if len(events) < f.PageSize {
			return cursor
		}
	}
	return cursor
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

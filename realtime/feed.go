package realtime

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/portal-msp/portal/models"
)

// Feed delivers committed activity events to a hub. On PostgreSQL one
// listener per process hears NOTIFY (ids only) and loads the events; after
// the listener reconnects it re-reads recent events it may have missed. On
// SQLite, which serves a single process, it polls for rows above the last
// id seen: writes are serialised there, so ids appear in commit order.
type Feed struct {
	db   *bun.DB
	hub  *Hub
	log  *slog.Logger
	seen *seenSet
	// PollEvery is the SQLite polling interval.
	PollEvery time.Duration
}

// NewFeed connects a database to a hub; Run it in a goroutine.
func NewFeed(db *bun.DB, hub *Hub, log *slog.Logger) *Feed {
	return &Feed{db: db, hub: hub, log: log, seen: newSeenSet(4096), PollEvery: 50 * time.Millisecond}
}

// Run delivers events until ctx ends.
func (f *Feed) Run(ctx context.Context) error {
	if models.IsPostgres(f.db) {
		return f.listen(ctx)
	}
	return f.poll(ctx)
}

// resyncWindow is how far below the newest id a resync looks, to catch
// events whose transactions committed out of id order while we were deaf.
const resyncWindow = 1000

func (f *Feed) listen(ctx context.Context) error {
	ln := pgdriver.NewListener(f.db)
	defer ln.Close()
	// A receive waits up to its timeout whatever the context says; closing
	// the listener ends it at once when the process stops.
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	if err := ln.Listen(ctx, models.EventsChannel); err != nil {
		return err
	}
	resync := false
	for {
		_, payload, err := ln.ReceiveTimeout(ctx, 30*time.Second)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if isTimeout(err) {
				if resync { // the connection is back and idle: catch up now
					resync = !f.catchUp(ctx)
				}
				continue
			}
			f.log.Warn("realtime: listener lost its connection; will resync", "error", err)
			resync = true
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			}
			continue
		}
		if resync {
			resync = !f.catchUp(ctx)
		}
		id, err := strconv.ParseInt(payload, 10, 64)
		if err != nil {
			f.log.Warn("realtime: unexpected notification", "payload", payload)
			continue
		}
		f.deliver(ctx, []int64{id})
	}
}

// catchUp delivers recent events not yet delivered; true when it succeeded.
func (f *Feed) catchUp(ctx context.Context) bool {
	latest, err := models.LatestEventID(ctx, f.db)
	if err != nil {
		f.log.Warn("realtime: resync", "error", err)
		return false
	}
	events, err := models.EventsAfter(ctx, f.db, max(latest-resyncWindow, 0), 0, resyncWindow)
	if err != nil {
		f.log.Warn("realtime: resync", "error", err)
		return false
	}
	f.dispatch(ctx, events)
	f.log.Info("realtime: resynced after reconnect", "events", len(events))
	return true
}

func (f *Feed) deliver(ctx context.Context, ids []int64) {
	events, err := models.EventsByID(ctx, f.db, ids)
	if err != nil {
		f.log.Error("realtime: load notified events", "error", err)
		return
	}
	f.dispatch(ctx, events)
}

// dispatch hands events on once each, however often they are announced.
func (f *Feed) dispatch(ctx context.Context, events []models.ActivityEvent) {
	fresh := events[:0]
	for _, ev := range events {
		if f.seen.add(ev.ID) {
			fresh = append(fresh, ev)
		}
	}
	if len(fresh) > 0 {
		f.hub.Dispatch(ctx, fresh)
	}
}

func (f *Feed) poll(ctx context.Context) error {
	last, err := models.LatestEventID(ctx, f.db)
	if err != nil {
		return err
	}
	t := time.NewTicker(f.PollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		events, err := models.EventsAfter(ctx, f.db, last, 0, 500)
		if err != nil {
			if ctx.Err() == nil {
				f.log.Warn("realtime: poll events", "error", err)
			}
			continue
		}
		if len(events) > 0 {
			last = events[len(events)-1].ID
			f.dispatch(ctx, events)
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// seenSet remembers the most recent n ids delivered.
type seenSet struct {
	ids  map[int64]struct{}
	ring []int64
	next int
}

func newSeenSet(n int) *seenSet {
	return &seenSet{ids: make(map[int64]struct{}, n), ring: make([]int64, n)}
}

// add records id and reports whether it was new.
func (s *seenSet) add(id int64) bool {
	if _, ok := s.ids[id]; ok {
		return false
	}
	if old := s.ring[s.next]; old != 0 {
		delete(s.ids, old)
	}
	s.ring[s.next] = id
	s.next = (s.next + 1) % len(s.ring)
	s.ids[id] = struct{}{}
	return true
}

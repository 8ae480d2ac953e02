package models

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"
)

// The workspace row and the SLA policies (with calendars, holidays and
// targets) are read by nearly every page and change rarely, so each process
// keeps them in memory. A change made through the models calls
// SettingsChanged; on PostgreSQL a trigger on those tables also announces
// every change on the settingsChannel, and each process's ListenChanges
// drops its copy, so a change made by another process (or by hand in psql)
// is seen at once. On PostgreSQL nothing is cached until the listener is
// connected.

const settingsChannel = "portal_settings"

// dataChannel carries every change a page could show (see DataVersion).
const dataChannel = "portal_data"

type settingsCache struct {
	gen       atomic.Uint64 // bumped on every change
	data      dataVersions  // PostgreSQL: moved by portal_data notifications (DataVersion)
	listening atomic.Bool   // PostgreSQL: the NOTIFY listener is connected

	mu        sync.Mutex
	workspace *Workspace
	wsGen     uint64
	book      *SLABook
	bookGen   uint64
	timezone  string
	tzGen     uint64
}

// settingsCaches holds one cache per database, keyed by its dialect (one
// instance per opened database, shared by its transactions, so a change
// made in a transaction finds the cache of its database).
var settingsCaches sync.Map // schema.Dialect → *settingsCache

func cacheFor(db bun.IDB) *settingsCache {
	v, _ := settingsCaches.LoadOrStore(db.Dialect(), new(settingsCache))
	return v.(*settingsCache)
}

// cacheOf returns the cache of db, or nil when db is a transaction or a
// PostgreSQL database without a listener (read through).
func cacheOf(db bun.IDB) *settingsCache {
	d, ok := db.(*bun.DB)
	if !ok {
		return nil
	}
	c := cacheFor(d)
	if IsPostgres(d) && !c.listening.Load() {
		return nil
	}
	return c
}

// SettingsChanged drops this process's copy of the workspace and SLA
// policies. It is called after a change commits; a second drop shortly after
// covers a change made inside a transaction that commits later.
func SettingsChanged(db bun.IDB) {
	c := cacheFor(db)
	c.gen.Add(1)
	time.AfterFunc(time.Second, func() { c.gen.Add(1) })
}

// CachedWorkspace is GetWorkspace through the per-process cache.
func CachedWorkspace(ctx context.Context, db bun.IDB) (*Workspace, error) {
	c := cacheOf(db)
	if c == nil {
		return GetWorkspace(ctx, db)
	}
	gen := c.gen.Load()
	c.mu.Lock()
	if c.workspace != nil && c.wsGen == gen {
		w := *c.workspace
		c.mu.Unlock()
		return &w, nil
	}
	c.mu.Unlock()
	w, err := GetWorkspace(ctx, db)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.workspace, c.wsGen = w, gen
	c.mu.Unlock()
	cp := *w
	return &cp, nil
}

// CachedSLABook is LoadSLABook through the per-process cache. The book is
// shared: callers must not change it.
func CachedSLABook(ctx context.Context, db bun.IDB) (*SLABook, error) {
	c := cacheOf(db)
	if c == nil {
		return LoadSLABook(ctx, db)
	}
	gen := c.gen.Load()
	c.mu.Lock()
	if c.book != nil && c.bookGen == gen {
		b := c.book
		c.mu.Unlock()
		return b, nil
	}
	c.mu.Unlock()
	b, err := LoadSLABook(ctx, db)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.book, c.bookGen = b, gen
	c.mu.Unlock()
	return b, nil
}

// ListenChanges keeps this process's caches right on PostgreSQL: it listens
// on the settings and data channels until ctx ends, dropping the settings
// cache and moving the data version on every notification, and both
// whenever the connection is lost (nothing is cached while it is down). On
// SQLite (one process, a data version row) it returns at once.
func ListenChanges(ctx context.Context, db *bun.DB, log *slog.Logger) {
	if !IsPostgres(db) {
		return
	}
	c := cacheFor(db)
	for ctx.Err() == nil {
		if err := listenOnce(ctx, db, c); err != nil && ctx.Err() == nil {
			log.Warn("change listener", "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func listenOnce(ctx context.Context, db *bun.DB, c *settingsCache) error {
	ln := pgdriver.NewListener(db)
	defer func() {
		c.listening.Store(false)
		c.gen.Add(1)
		c.data.changed("")
		ln.Close()
	}()
	if err := ln.Listen(ctx, settingsChannel, dataChannel); err != nil {
		return fmt.Errorf("models: listen %s, %s: %w", settingsChannel, dataChannel, err)
	}
	// Anything cached before the listener was up may be stale.
	c.gen.Add(1)
	c.data.changed("")
	c.listening.Store(true)
	for {
		channel, payload, err := ln.Receive(ctx)
		if err != nil {
			return fmt.Errorf("models: receive changes: %w", err)
		}
		if channel == settingsChannel {
			c.gen.Add(1)
			payload = "" // settings show on every page
		}
		c.data.changed(payload)
	}
}

// SettingsListening reports whether this process's settings cache is live
// for db: always on SQLite, on PostgreSQL once ListenChanges is connected.
func SettingsListening(db *bun.DB) bool { return cacheOf(db) != nil }

// DataVersion names the state of what a page for clientID shows (0: a
// staff page, which shows every client's data): it differs after any change
// to a table a page reads (migration 20261202010000_page_cache) has
// committed. ok is false when it cannot be known (PostgreSQL while the
// listener is down): then nothing may be cached.
//
// On PostgreSQL it is counted in this process from the notifications, which
// name the clients a change concerns, so a change of one client's data
// leaves the other clients' pages be; it moves a moment after another
// process's commit, and a page rendered in between is rendered again after
// it. On SQLite it is read from the row the triggers keep, for every client
// at once; it is exact, also for a change made by another process.
func DataVersion(ctx context.Context, db *bun.DB, clientID int64) (v uint64, ok bool, err error) {
	if IsPostgres(db) {
		c := cacheFor(db)
		if !c.listening.Load() {
			return 0, false, nil
		}
		return c.data.of(clientID), true, nil
	}
	if err := db.NewSelect().Table("data_version").Column("v").Where("id = 1").Scan(ctx, &v); err != nil {
		return 0, false, fmt.Errorf("models: read data version: %w", err)
	}
	return v, true, nil
}

// dataVersions counts portal_data notifications: all of them, those that
// concern everyone, and those naming each client.
type dataVersions struct {
	all, everyone atomic.Uint64
	clients       sync.Map // int64 → *atomic.Uint64
}

// changed counts one notification: payload is a comma-separated list of
// client ids, or empty for a change that concerns everyone.
func (d *dataVersions) changed(payload string) {
	if payload != "" {
		for id := range strings.SplitSeq(payload, ",") {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				payload = "" // not a list of ids: take it as everyone's
				break
			}
			v, _ := d.clients.LoadOrStore(n, new(atomic.Uint64))
			v.(*atomic.Uint64).Add(1)
		}
	}
	if payload == "" {
		d.everyone.Add(1)
	}
	d.all.Add(1) // last: a reader that sees it moved also sees the counts above
}

// of is the version of clientID's pages (0: all of them). A sum of counters
// that only grow moves whenever one of them does.
func (d *dataVersions) of(clientID int64) uint64 {
	if clientID == 0 {
		return d.all.Load()
	}
	v := d.everyone.Load()
	if c, ok := d.clients.Load(clientID); ok {
		v += c.(*atomic.Uint64).Load()
	}
	return v
}

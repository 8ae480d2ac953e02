package models

import (
	"context"
	"fmt"
	"log/slog"
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

type settingsCache struct {
	gen       atomic.Uint64 // bumped on every change
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
// policies. It is called after a change commits; a second drop shortly
// after covers a change made inside a transaction that commits later.
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

// ListenChanges keeps this process's settings cache right on PostgreSQL: it
// listens on the settings channel until ctx ends, dropping the cache on
// every notification and whenever the connection is lost (nothing is cached
// while it is down). On SQLite (one process) it returns at once.
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
		ln.Close()
	}()
	if err := ln.Listen(ctx, settingsChannel); err != nil {
		return fmt.Errorf("models: listen %s: %w", settingsChannel, err)
	}
	// Anything cached before the listener was up may be stale.
	c.gen.Add(1)
	c.listening.Store(true)
	for {
		if _, _, err := ln.Receive(ctx); err != nil {
			return fmt.Errorf("models: receive settings changes: %w", err)
		}
		c.gen.Add(1)
	}
}

// SettingsListening reports whether this process's settings cache is live
// for db: always on SQLite, on PostgreSQL once ListenChanges is connected.
func SettingsListening(db *bun.DB) bool { return cacheOf(db) != nil }

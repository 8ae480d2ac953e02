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
// policies, and the pages it keeps. It is called after a change commits; a
// second drop shortly after covers a change made inside a transaction that
// commits later.
func SettingsChanged(db bun.IDB) {
	c := cacheFor(db)
	c.gen.Add(1)
	c.data.changed("") // settings show on every page: kept pages go too
	time.AfterFunc(time.Second, func() {
		c.gen.Add(1)
		c.data.changed("")
	})
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
// committed. anyChange moves with every change counted for anyone: a page
// is kept only if it did not move while the page was rendered. ok is false
// when they cannot be known (PostgreSQL while the listener is down): then
// nothing may be cached. Read markers are counted apart (ReadVersion).
//
// On PostgreSQL they are counted in this process from the notifications,
// which name the clients a change concerns, so a change of one client's data
// leaves the other clients' pages be; they move a moment after another
// process's commit, and a page rendered in between is rendered again after
// it. On SQLite they are read from the row the triggers keep, for every
// client at once, so they are exact, also for a change made by another
// process.
func DataVersion(ctx context.Context, db *bun.DB, clientID int64) (page, anyChange uint64, ok bool, err error) {
	if IsPostgres(db) {
		c := cacheFor(db)
		if !c.listening.Load() {
			return 0, 0, false, nil
		}
		return c.data.of(clientID), c.data.any.Load(), true, nil
	}
	v, err := sqliteDataVersion(ctx, db)
	return v, v, err == nil, err
}

// ReadVersion counts moves of userID's read markers (mine) and of anyone's
// (all), for the pages that show what is unread. Markers are written by a
// page view, in this process: each move is counted here at once, and on
// PostgreSQL the notification ('u' and the user's id) counts it again in
// every process. On SQLite only the one serving process writes them.
func ReadVersion(db *bun.DB, userID int64) (mine, all uint64) {
	d := &cacheFor(db).data
	return d.reader(userID), d.readers.Load()
}

// sqliteDataVersion reads the data version row, with a prepared statement:
// it is read for every page that may be kept.
func sqliteDataVersion(ctx context.Context, db *bun.DB) (v uint64, err error) {
	stmt, err := prepare(ctx, db, "data version", func() string { return "SELECT v FROM data_version WHERE id = 1" })
	if err != nil {
		return 0, err
	}
	countStatement(ctx)
	if err := stmt.QueryRowContext(ctx).Scan(&v); err != nil {
		return 0, fmt.Errorf("models: read data version: %w", err)
	}
	return v, nil
}

// readMarkerMoved counts a move of userID's read markers in this process at
// once (on PostgreSQL the notification counts it again, in every process).
func readMarkerMoved(db bun.IDB, userID int64) {
	d := &cacheFor(db).data
	d.counter(&d.users, userID).Add(1)
	d.readers.Add(1)
}

// dataVersions counts portal_data notifications: every one about data
// (any), those about clients' data or everyone's (all), those that concern
// everyone, and those naming each client; and read marker moves, of anyone
// (readers) and of each user.
type dataVersions struct {
	any, all, everyone, readers atomic.Uint64
	clients, users              sync.Map // int64 → *atomic.Uint64
}

func (d *dataVersions) counter(m *sync.Map, id int64) *atomic.Uint64 {
	v, _ := m.LoadOrStore(id, new(atomic.Uint64))
	return v.(*atomic.Uint64)
}

// changed counts one notification: payload is a comma-separated list of
// client ids and 'u' + user id for read markers, or empty for a change that
// concerns everyone.
func (d *dataVersions) changed(payload string) {
	var clients, users []int64
	if payload != "" {
		for tok := range strings.SplitSeq(payload, ",") {
			list := &clients
			if rest, ok := strings.CutPrefix(tok, "u"); ok {
				tok, list = rest, &users
			}
			n, err := strconv.ParseInt(tok, 10, 64)
			if err != nil {
				payload = "" // not a list of ids: take it as everyone's
				break
			}
			*list = append(*list, n)
		}
	}
	if payload == "" {
		d.everyone.Add(1)
		d.all.Add(1)
	} else {
		for _, id := range clients {
			d.counter(&d.clients, id).Add(1)
		}
		for _, id := range users {
			d.counter(&d.users, id).Add(1)
		}
		if len(users) > 0 {
			d.readers.Add(1)
		}
		if len(clients) == 0 {
			return
		}
		d.all.Add(1)
	}
	d.any.Add(1) // last: a reader that sees it moved also sees the counts above
}

func (d *dataVersions) reader(userID int64) uint64 {
	if c, ok := d.users.Load(userID); ok {
		return c.(*atomic.Uint64).Load()
	}
	return 0
}

// of is the version of clientID's pages (0: a staff page, which shows every
// client's data). A sum of counters that only grow moves whenever one of
// them does.
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

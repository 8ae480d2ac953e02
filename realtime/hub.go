// Package realtime pushes activity to open browsers over server-sent events
// (github.com/r3labs/sse/v2). Each browser connection gets its own stream,
// named by the server and bound to the session's audience: a client user
// receives only their own client's public events, staff receive everything.
//
// The library has sharp edges this package designs around:
//   - AutoReplay keeps every event forever: it is off; replay after a
//     reconnect comes from the database (Last-Event-ID → activity_events).
//   - A stream blocks on its slowest subscriber: every connection has its own
//     stream and is published to with TryPublish; a connection whose buffer
//     is full is closed (the browser reconnects and replays what it missed).
//   - RemoveStream under a connected subscriber leaks the request goroutine:
//     a connection is ended by cancelling its request and failing its writes,
//     and the stream is removed only after the handler has returned.
//   - Data is split on "\n" (SplitData) and a bare "\r" — which would start a
//     new SSE field — is escaped as an HTML character reference.
//   - An event without id resets the browser's Last-Event-ID: every event
//     carries the id of the newest activity event the connection has seen.
package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/r3labs/sse/v2"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
)

// Audience is who is on the other end of a connection, from the session.
type Audience struct {
	Staff    bool
	ClientID int64 // set for client users
	UserID   int64
}

// sees reports whether an event may be shown to the audience.
func (a Audience) sees(ev *models.ActivityEvent) bool {
	if a.Staff {
		return true
	}
	return ev.ClientID == a.ClientID && ev.Audience == models.AudiencePublic
}

// Frame is one SSE event for the browser: htmx's SSE extension swaps Data
// into elements listening for Name.
type Frame struct {
	Name string
	Data string
}

// Renderer turns an activity event into frames for staff or for a client
// user. Returning no frames sends nothing.
type Renderer func(ctx context.Context, ev *models.ActivityEvent, staff bool) ([]Frame, error)

// Options tune a Hub; zero values take the defaults.
type Options struct {
	Heartbeat  time.Duration // comment sent on idle streams; default 25s
	BufferSize int           // events queued per connection before it is dropped; default 64
	ReplayMax  int           // most events replayed on reconnect; default 500
	// MaxAge ends a stream after this long (default 10m, spread by up to a
	// fifth); the browser reconnects at once with Last-Event-ID, through the
	// session check again, so a signed-out or disabled user's open tab stops
	// receiving within MaxAge, and connections rebalance after a deploy.
	MaxAge time.Duration
}

// Hub tracks the open connections of this process and fans events out to them.
type Hub struct {
	db     *bun.DB
	sse    *sse.Server
	render Renderer
	log    *slog.Logger
	opts   Options

	mu       sync.RWMutex
	conns    map[string]*conn
	byClient map[int64]map[*conn]struct{}
	staff    map[*conn]struct{}
	closed   bool

	stop chan struct{}
	done chan struct{}
}

// NewHub makes a hub; call Close on shutdown.
func NewHub(db *bun.DB, render Renderer, log *slog.Logger, opts Options) *Hub {
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 25 * time.Second
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = 64
	}
	if opts.ReplayMax <= 0 {
		opts.ReplayMax = 500
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 10 * time.Minute
	}
	srv := sse.New()
	srv.AutoReplay = false
	srv.AutoStream = false
	srv.SplitData = true
	srv.BufferSize = opts.BufferSize
	srv.Headers = map[string]string{"X-Accel-Buffering": "no"}
	h := &Hub{
		db: db, sse: srv, render: render, log: log, opts: opts,
		conns:    map[string]*conn{},
		byClient: map[int64]map[*conn]struct{}{},
		staff:    map[*conn]struct{}{},
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	srv.OnSubscribe = h.onSubscribe
	go h.heartbeat()
	return h
}

// SetRenderer sets how events become fragments. The renderer usually needs
// the web layer, which is built after the hub; set it before serving.
func (h *Hub) SetRenderer(r Renderer) { h.render = r }

// conn is one open browser connection.
type conn struct {
	id     string
	aud    Audience
	after  int64 // Last-Event-ID the browser sent
	cancel context.CancelFunc
	rc     *http.ResponseController

	mu        sync.Mutex
	replaying bool         // events arriving meanwhile wait in pending
	pending   []*sse.Event // in id order
	lastID    int64        // newest activity event id sent
	dead      bool
}

// Serve streams events to one browser until it disconnects, the hub closes,
// or the connection falls too far behind. lastEventID is the browser's
// Last-Event-ID header (empty on a first connection).
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, aud Audience, lastEventID string) {
	var after int64
	if lastEventID != "" {
		n, err := strconv.ParseInt(lastEventID, 10, 64)
		if err != nil || n < 0 {
			http.Error(w, "Last-Event-ID must be a number", http.StatusBadRequest)
			return
		}
		after = n
	}
	c := &conn{id: newStreamID(), aud: aud, after: after, replaying: true}
	if after == 0 {
		// A first connection starts from now: the page it came with is current.
		latest, err := models.LatestEventID(r.Context(), h.db)
		if err != nil {
			h.log.ErrorContext(r.Context(), "realtime: latest event id", "error", err)
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		c.after, c.lastID = latest, latest
	}
	// The stream outlives this handler (see below), so its context is its own.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	c.cancel = cancel

	raw, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2, or a writer that cannot be taken over: stream on this
		// goroutine, ending with the request.
		stop := context.AfterFunc(r.Context(), cancel)
		defer stop()
		c.rc = http.NewResponseController(w)
		h.stream(ctx, w, r, c)
		return
	}
	// An idle stream should cost little: take the connection over from
	// net/http, whose per-connection goroutine, buffers and stack are then
	// released, and stream from a fresh goroutine with a shallow stack.
	sw := newStreamWriter(raw, w.Header(), cancel)
	c.rc = http.NewResponseController(sw)
	go func() {
		// The browser sends nothing more; a read returns when it goes away.
		var b [1]byte
		raw.Read(b[:]) //nolint:errcheck
		cancel()
	}()
	go func() {
		defer raw.Close()
		h.stream(ctx, sw, r, c)
	}()
}

// stream runs one connection's event stream until ctx ends.
func (h *Hub) stream(ctx context.Context, w http.ResponseWriter, r *http.Request, c *conn) {
	defer c.cancel()
	if !h.add(c) {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	defer h.remove(c)
	// Cancelling the request ends the stream cleanly: the subscriber is
	// deregistered and the response finishes, which the browser treats as a
	// reason to reconnect.
	expire := time.AfterFunc(h.opts.MaxAge+jitter(h.opts.MaxAge/5), c.cancel)
	defer expire.Stop()

	// The stream name is ours, never the browser's: overwrite the query.
	r2 := r.WithContext(ctx)
	r2.Header = r.Header.Clone()
	r2.Header.Del("Last-Event-ID") // replay is ours too; the library would only parse it
	u := *r.URL
	u.RawQuery = "stream=" + c.id
	r2.URL = &u
	h.sse.ServeHTTP(w, r2)
}

// add registers a connection and creates its stream before the subscriber
// attaches, so no event published in between is lost (it waits in pending).
func (h *Hub) add(c *conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.sse.CreateStream(c.id)
	h.conns[c.id] = c
	if c.aud.Staff {
		h.staff[c] = struct{}{}
	} else {
		set := h.byClient[c.aud.ClientID]
		if set == nil {
			set = map[*conn]struct{}{}
			h.byClient[c.aud.ClientID] = set
		}
		set[c] = struct{}{}
	}
	return true
}

// remove forgets a connection whose handler has returned; only now is its
// stream removed, when no subscriber can be left waiting on it.
func (h *Hub) remove(c *conn) {
	h.mu.Lock()
	delete(h.conns, c.id)
	delete(h.staff, c)
	if set := h.byClient[c.aud.ClientID]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.byClient, c.aud.ClientID)
		}
	}
	h.mu.Unlock()
	h.sse.RemoveStream(c.id)
}

// onSubscribe runs once the browser's subscriber is attached: it replays
// what the browser missed from the database, then releases live events that
// arrived meanwhile, skipping any the replay already covered.
func (h *Hub) onSubscribe(streamID string, _ *sse.Subscriber) {
	h.mu.RLock()
	c := h.conns[streamID]
	h.mu.RUnlock()
	if c == nil {
		return
	}
	ctx := context.Background()
	clientID := c.aud.ClientID
	if c.aud.Staff {
		clientID = 0
	}
	var replay []*sse.Event
	if c.after < c.lastID || c.lastID == 0 {
		events, err := models.EventsAfter(ctx, h.db, c.after, clientID, h.opts.ReplayMax)
		if err != nil {
			h.log.Error("realtime: replay", "error", err)
			h.drop(c)
			return
		}
		for i := range events {
			replay = append(replay, h.frames(ctx, &events[i], c.aud.Staff)...)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ev := range replay {
		if !h.publishLocked(c, ev) {
			return
		}
	}
	replayed := c.lastID
	pending := c.pending
	c.pending, c.replaying = nil, false
	for _, ev := range pending {
		if eventID(ev) <= replayed {
			continue // the replay already delivered it
		}
		if !h.publishLocked(c, ev) {
			return
		}
	}
}

// eventID is the activity event id an SSE event carries (0 for comments).
func eventID(ev *sse.Event) int64 {
	if len(ev.Data) == 0 {
		return 0
	}
	id, _ := strconv.ParseInt(string(ev.ID), 10, 64)
	return id
}

// frames renders an event for one audience as SSE events carrying its id.
func (h *Hub) frames(ctx context.Context, ev *models.ActivityEvent, staff bool) []*sse.Event {
	fs, err := h.render(ctx, ev, staff)
	if err != nil {
		h.log.Error("realtime: render event", "event_id", ev.ID, "kind", ev.Kind, "error", err)
		return nil
	}
	id := []byte(strconv.FormatInt(ev.ID, 10))
	out := make([]*sse.Event, 0, len(fs))
	for _, f := range fs {
		out = append(out, &sse.Event{ID: id, Event: []byte(f.Name), Data: []byte(sanitize(f.Data))})
	}
	return out
}

// Dispatch fans events (in id order) out to this process's connections,
// rendering each once per audience.
func (h *Hub) Dispatch(ctx context.Context, events []models.ActivityEvent) {
	for i := range events {
		ev := &events[i]
		h.mu.RLock()
		var staff, clients []*conn
		for c := range h.staff {
			staff = append(staff, c)
		}
		if ev.Audience == models.AudiencePublic {
			for c := range h.byClient[ev.ClientID] {
				clients = append(clients, c)
			}
		}
		h.mu.RUnlock()
		if len(staff) > 0 {
			h.deliver(staff, ev.ID, h.frames(ctx, ev, true))
		}
		if len(clients) > 0 {
			h.deliver(clients, ev.ID, h.frames(ctx, ev, false))
		}
	}
}

func (h *Hub) deliver(conns []*conn, id int64, frames []*sse.Event) {
	for _, c := range conns {
		c.mu.Lock()
		switch {
		case c.dead || id <= c.lastID:
			// Already sent by the replay, or the connection is going away.
		case c.replaying:
			c.pending = append(c.pending, frames...)
		default:
			for _, f := range frames {
				if !h.publishLocked(c, f) {
					break
				}
			}
		}
		c.mu.Unlock()
	}
}

// publishLocked sends one event without ever blocking; a connection that
// cannot keep up is dropped. Called with c.mu held.
func (h *Hub) publishLocked(c *conn, ev *sse.Event) bool {
	if c.dead {
		return false
	}
	if id := eventID(ev); id > c.lastID {
		c.lastID = id
	}
	if !h.sse.TryPublish(c.id, ev) {
		h.log.Warn("realtime: dropping a connection that fell behind", "stream", c.id)
		h.killLocked(c)
		return false
	}
	return true
}

// drop ends a connection from outside its lock.
func (h *Hub) drop(c *conn) {
	c.mu.Lock()
	h.killLocked(c)
	c.mu.Unlock()
}

// killLocked ends a connection: the request context is cancelled, which
// deregisters its subscriber, and writes fail at once so a handler stuck on
// a slow network returns instead of waiting for the peer.
func (h *Hub) killLocked(c *conn) {
	if c.dead {
		return
	}
	c.dead = true
	c.rc.SetWriteDeadline(time.Now()) //nolint:errcheck // unsupported writers just wait for cancel
	c.cancel()
}

// heartbeat keeps idle streams open through proxies with a comment line,
// which does not touch the browser's Last-Event-ID.
func (h *Hub) heartbeat() {
	defer close(h.done)
	t := time.NewTicker(h.opts.Heartbeat)
	defer t.Stop()
	ping := &sse.Event{Comment: []byte("ping")}
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		for _, c := range h.snapshot() {
			c.mu.Lock()
			if !c.replaying {
				h.publishLocked(c, ping)
			}
			c.mu.Unlock()
		}
	}
}

func (h *Hub) snapshot() []*conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*conn, 0, len(h.conns))
	for _, c := range h.conns {
		out = append(out, c)
	}
	return out
}

// Count is the number of open connections.
func (h *Hub) Count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.conns)
}

// Close ends every connection promptly (graceful shutdown waits for their
// handlers) and refuses new ones.
func (h *Hub) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	h.mu.Unlock()
	close(h.stop)
	<-h.done
	for _, c := range h.snapshot() {
		h.drop(c)
	}
}

// sanitize keeps user text from forging SSE fields: SplitData turns "\n" into
// separate data lines, but a lone "\r" also ends a line for the browser.
func sanitize(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "&#13;")
}

// jitter is a random duration below max, so streams opened together do not
// all reconnect together.
func jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return time.Duration(mrand.Int64N(int64(max)))
}

func newStreamID() string {
	b := make([]byte, 16)
	rand.Read(b) //nolint:errcheck // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

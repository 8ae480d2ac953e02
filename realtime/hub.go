// Package realtime pushes activity to open browsers over server-sent events
// (github.com/r3labs/sse/v2). Each browser connection gets its own stream,
// named by the server and bound to the session's audience: a client user
// receives only their own client's public events, staff receive everything.
//
// Delivery is exactly once and in order per connection, whatever the load:
//   - Every read of the events says where its reader then stands, a
//     models.Position that is safe against commit order and names the
//     transactions passed while still open, whose events come later. A
//     connection's position is its SSE id, so a reconnecting browser's
//     Last-Event-ID says exactly what it has; an event is written to a
//     connection only if its position does not have it yet.
//   - A connection is either catching up or live. Catching up, it reads pages
//     of events from the database and writes them at its own pace (a blocking
//     publish: nothing is buffered beyond what the socket takes). Live, it
//     takes events from the process's feed through a bounded queue; when the
//     queue overflows, the connection goes back to catching up from the last
//     event it wrote, instead of being dropped.
//   - The hand-over from catching up to live happens under the hub's lock at
//     the feed's cursor; the catch-up then reads at least up to that cursor
//     (passing what the feed passed), so no event falls between the two or
//     comes twice.
//   - An event may take several SSE frames; only the last carries the event's
//     own position, the others the previous one, so a browser cut off in the
//     middle of an event asks for all of it again.
//   - An idle connection holds one goroutine (the read that notices the
//     browser leaving) and a few kilobytes. The library's stream, subscriber
//     and goroutines exist only while there is something to write: a writer
//     opens a library stream on the connection, writes, ends the library's
//     write loop with its terminator and removes the stream (see session).
//
// The library has sharp edges this package designs around:
//   - AutoReplay keeps every event forever: it is off; replay comes from the
//     database.
//   - RemoveStream under a connected subscriber leaks the request goroutine:
//     a connection is ended by cancelling its request and failing its writes,
//     and the stream is removed only after the handler has returned.
//   - An empty data frame ends the library's write loop: frames never are.
//   - Data is split on "\n" (SplitData) and a bare "\r" — which would start a
//     new SSE field — is escaped as an HTML character reference.
//   - Every data frame is written with an id line, and an empty id resets the
//     browser's Last-Event-ID: every frame carries a position.
package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/r3labs/sse/v2"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
)

// Audience is who is on the other end of a connection, from the session.
type Audience struct {
	Staff     bool
	ClientID  int64 // set for client users
	UserID    int64
	SessionID int64 // the session the stream was opened under
	// Zone is where the viewer reads times: the client's zone for a client
	// user, a staff member's own. Nil is UTC.
	Zone *time.Location
	// See is what a client user sees, from the session (models.Scope's
	// Viewer: a member may see only their own requests, or no hours). The
	// zero value, or one of another client, is taken as the whole client's
	// sight (ClientViewer), which is what a client user had before roles.
	See models.Viewer
}

// clientOf is the client whose archiving ends the audience's streams: none
// for staff.
func (a Audience) clientOf() int64 {
	if a.Staff {
		return 0
	}
	return a.ClientID
}

// zone is the audience's zone, never nil.
func (a Audience) zone() *time.Location {
	if a.Zone == nil {
		return time.UTC
	}
	return a.Zone
}

// Viewer is who the audience is to the one visibility rule (models.Viewer),
// which decides live delivery, the replay query and the rendering alike.
func (a Audience) Viewer() models.Viewer {
	if a.Staff {
		return models.StaffViewer()
	}
	if a.See.ClientID() == a.ClientID && !a.See.Staff() {
		return a.See
	}
	return models.ClientViewer(a.ClientID)
}

// Frame is one SSE event for the browser: htmx's SSE extension swaps Data
// into elements listening for Name.
type Frame struct {
	Name string
	Data string
}

// Renderer turns an activity event into frames for a viewer (who sees the
// event), with times shown in zone. Returning no frames sends nothing.
// Replaying(ctx) tells a catch-up's render from a live one.
type Renderer func(ctx context.Context, ev *models.ActivityEvent, v models.Viewer, zone *time.Location) ([]Frame, error)

// Options tune a Hub; zero values take the defaults.
type Options struct {
	Heartbeat  time.Duration // comment sent on idle streams; default 25s
	BufferSize int           // live events queued per connection before it catches up from the database instead; default 64
	PageSize   int           // events read per page while catching up; default 100
	// MaxAge ends a stream after this long (default 10m, spread by up to a
	// fifth); the browser reconnects at once with Last-Event-ID, through the
	// session check again, and connections rebalance after a deploy.
	MaxAge time.Duration
}

// Hub tracks the open connections of this process and fans events out to them.
type Hub struct {
	db     *bun.DB
	sse    *sse.Server
	render Renderer
	log    *slog.Logger
	opts   Options

	mu       sync.Mutex
	conns    map[string]*conn
	byClient map[int64]map[*conn]struct{}
	staff    map[*conn]struct{}
	closed   bool
	// cursor is where the feed stands after the events it has dispatched;
	// started is closed once the feed has set it.
	cursor models.Position
	// inFlight is what the feed last learnt of open transactions; a
	// catch-up reads past the same ones.
	inFlight models.InFlight
	started  chan struct{}
	once     sync.Once
	// recently revoked sessions and clients, so a stream whose session was
	// checked just before the revocation cannot register just after it.
	revokedSessions map[int64]time.Time
	revokedClients  map[int64]time.Time

	stop chan struct{} // ends the heartbeat
	done chan struct{}

	sessions sync.Map // library stream id → *session, while one is open
}

// NewHub makes a hub; call Close on shutdown. Run a Feed to give it events.
func NewHub(db *bun.DB, render Renderer, log *slog.Logger, opts Options) *Hub {
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 25 * time.Second
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = 64
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 100
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 10 * time.Minute
	}
	srv := sse.New()
	srv.AutoReplay = false
	srv.AutoStream = false
	srv.SplitData = true
	srv.BufferSize = 8 // a blocking publish paces each connection; little is queued
	srv.Headers = map[string]string{"X-Accel-Buffering": "no"}
	h := &Hub{
		db: db, sse: srv, render: render, log: log, opts: opts,
		conns:           map[string]*conn{},
		byClient:        map[int64]map[*conn]struct{}{},
		staff:           map[*conn]struct{}{},
		started:         make(chan struct{}),
		revokedSessions: map[int64]time.Time{},
		revokedClients:  map[int64]time.Time{},
		stop:            make(chan struct{}),
		done:            make(chan struct{}),
	}
	srv.OnSubscribe = h.onSubscribe
	srv.OnUnsubscribe = h.onUnsubscribe
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
	ctx    context.Context
	cancel context.CancelFunc
	rc     *http.ResponseController
	w      http.ResponseWriter // the response the library's write loop writes to
	expire *time.Timer         // ends the stream after MaxAge

	mu         sync.Mutex
	writing    bool          // a writer goroutine is running for this connection
	writerExit chan struct{} // closed when that writer has stopped writing
	ping       bool          // a heartbeat is due
	live       bool
	queue      []queued        // live events not yet written, in the feed's order
	tail       models.Position // what is queued or written, while live
	written    models.Position // what was completely handed to the stream
	dead       bool
}

// queued is one live event rendered for a connection's audience: the
// event's own position, and the feed's once it had the event.
type queued struct {
	pos    models.Position
	at     models.Position
	frames []Frame
}

// Serve streams events to one browser until it disconnects, its session
// ends, or the hub closes. lastEventID is the browser's Last-Event-ID (or
// the position its page was rendered at); empty means from now.
func (h *Hub) Serve(w http.ResponseWriter, r *http.Request, aud Audience, lastEventID string) {
	if !aud.Staff && aud.ClientID == 0 {
		http.Error(w, "no stream for this session", http.StatusForbidden)
		return
	}
	var after models.Position
	if lastEventID != "" {
		p, err := models.ParsePosition(lastEventID)
		if err != nil {
			http.Error(w, "Last-Event-ID is not an event position", http.StatusBadRequest)
			return
		}
		after = p
	} else {
		p, err := models.LatestPosition(r.Context(), h.db)
		if err != nil {
			h.log.ErrorContext(r.Context(), "realtime: latest event position", "error", err)
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		after = p
	}
	// The stream outlives this handler (see below), so its context is its own.
	// Not derived from the request's: that would keep the request's whole
	// context chain (and what middleware put in it) alive for as long as the
	// stream is open.
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{id: newStreamID(), aud: aud, ctx: ctx, cancel: cancel, written: after}

	raw, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2, or a writer that cannot be taken over: this goroutine
		// holds the response until the stream ends.
		stop := context.AfterFunc(r.Context(), cancel)
		defer stop()
		c.w = &oneHeader{ResponseWriter: w}
		c.rc = http.NewResponseController(w)
		if err := h.open(c); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		<-ctx.Done()
		h.end(c)
		return
	}
	// An idle stream should cost little: take the connection over from
	// net/http, whose per-connection goroutine, buffers and stack are then
	// released. What remains while idle is one read, which returns when the
	// browser goes away (it sends nothing more).
	sw := newStreamWriter(raw, w.Header(), cancel)
	c.w, c.rc = sw, http.NewResponseController(sw)
	if err := h.open(c); err != nil {
		http.Error(sw, err.Error(), http.StatusServiceUnavailable)
		sw.Flush()
		raw.Close()
		return
	}
	context.AfterFunc(ctx, func() {
		h.end(c)
		raw.Close()
	})
	go func() {
		var b [1]byte
		raw.Read(b[:]) //nolint:errcheck
		cancel()
	}()
}

// open registers a connection and starts it catching up. Cancelling its
// context ends it (see end): the response finishes, which the browser
// treats as a reason to reconnect.
func (h *Hub) open(c *conn) error {
	if err := h.add(c); err != nil {
		c.cancel()
		return err
	}
	c.expire = time.AfterFunc(h.opts.MaxAge+jitter(h.opts.MaxAge/5), c.cancel)
	h.kick(c)
	return nil
}

// end forgets a connection whose context has ended, once its writer (if
// one is running) has stopped writing to it.
func (h *Hub) end(c *conn) {
	c.expire.Stop()
	h.drop(c) // a writer stuck on a browser that went away fails at once
	c.mu.Lock()
	exit := c.writerExit
	c.mu.Unlock()
	if exit != nil {
		<-exit
	}
	h.remove(c)
}

// oneHeader passes the status line on once: the library writes it at the
// start of every session, and net/http warns about a second one.
type oneHeader struct {
	http.ResponseWriter
	wrote bool
}

func (w *oneHeader) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *oneHeader) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

func (w *oneHeader) Flush() { http.NewResponseController(w.ResponseWriter).Flush() } //nolint:errcheck

func (w *oneHeader) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var (
	errClosing = errors.New("shutting down")
	errRevoked = errors.New("session ended")
)

// add registers a connection; it starts by catching up.
func (h *Hub) add(c *conn) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errClosing
	}
	if h.recentlyRevoked(c.aud) {
		return errRevoked
	}
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
	return nil
}

// remove forgets a connection.
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
}

// session is one use of the library on a connection: a stream of its own
// with the browser's connection as its one subscriber, for as long as a
// writer has something to write. Between sessions an idle connection holds
// nothing of the library's.
type session struct {
	id           string
	cancel       context.CancelFunc
	subscribed   chan struct{} // the subscriber is attached: published events reach the browser
	unsubscribed chan struct{} // the subscriber is detached: the stream can be removed
	served       chan struct{} // the library's write loop has returned
	closing      sync.Once
}

// openSession starts the library's write loop on a connection and returns
// once published events reach it (or the connection has ended).
func (h *Hub) openSession(c *conn) *session {
	ctx, cancel := context.WithCancel(c.ctx)
	s := &session{id: newStreamID(), cancel: cancel,
		subscribed: make(chan struct{}), unsubscribed: make(chan struct{}), served: make(chan struct{})}
	h.sessions.Store(s.id, s)
	h.sse.CreateStream(s.id)
	// All the library reads of a request: the stream name (ours, never the
	// browser's), Last-Event-ID (positions are ours; absent) and the context.
	r := (&http.Request{Method: http.MethodGet, URL: &url.URL{RawQuery: "stream=" + s.id}, Header: http.Header{}}).WithContext(ctx)
	go func() {
		defer close(s.served)
		defer func() {
			if p := recover(); p != nil {
				h.log.Error("realtime: stream write loop panicked", "panic", p, "stack", string(debug.Stack()))
				c.cancel()
			}
		}()
		h.sse.ServeHTTP(c.w, r)
	}()
	select {
	case <-s.subscribed:
	case <-ctx.Done():
	}
	return s
}

// closeSession lets the library write everything published, ends its
// write loop and removes the stream, in the order that leaves none of its
// goroutines waiting: the terminator (an empty event) ends the write loop
// after the events before it; cancelling detaches the subscriber; only then
// is the stream removed.
func (h *Hub) closeSession(c *conn, s *session) {
	if c.ctx.Err() == nil {
		h.sse.Publish(s.id, &sse.Event{})
		<-s.served // the connection's end also ends the write loop (see drop)
	}
	s.cancel()
	<-s.unsubscribed
	<-s.served
	h.sse.RemoveStream(s.id)
	h.sessions.Delete(s.id)
	if r, ok := c.w.(interface{ release() }); ok {
		r.release()
	}
}

func (h *Hub) onSubscribe(streamID string, _ *sse.Subscriber) {
	if s, ok := h.sessions.Load(streamID); ok {
		close(s.(*session).subscribed)
	}
}

func (h *Hub) onUnsubscribe(streamID string, _ *sse.Subscriber) {
	if s, ok := h.sessions.Load(streamID); ok {
		s := s.(*session)
		s.closing.Do(func() { close(s.unsubscribed) })
	}
}

// kick makes sure a writer runs for the connection. Writers exist only
// while there is something to write.
func (h *Hub) kick(c *conn) {
	c.mu.Lock()
	if c.writing || c.dead {
		c.mu.Unlock()
		return
	}
	c.writing = true
	exit := make(chan struct{})
	c.writerExit = exit
	c.mu.Unlock()
	go h.writer(c, exit)
}

// writer writes a connection's events until there is nothing left to do:
// it catches up from the database whenever the connection is not live, and
// otherwise writes what the feed queued. It says it is done only after its
// session is closed, and under the lock enqueue takes, so no event is left
// unwritten and no two sessions write to one connection at once.
func (h *Hub) writer(c *conn, exit chan struct{}) {
	defer close(exit)
	for {
		if !h.writeSession(c) {
			h.drop(c)
		}
		c.mu.Lock()
		if c.ctx.Err() == nil && !c.dead && c.hasWork() {
			c.mu.Unlock()
			continue
		}
		c.writing, c.writerExit = false, nil
		c.mu.Unlock()
		return
	}
}

// writeSession writes through one session until the connection has nothing
// queued; false means the connection is to be ended.
func (h *Hub) writeSession(c *conn) (ok bool) {
	s := h.openSession(c)
	defer h.closeSession(c, s)
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("realtime: connection writer panicked", "panic", p, "stack", string(debug.Stack()))
			ok = false
		}
	}()
	for c.ctx.Err() == nil {
		c.mu.Lock()
		live, ping := c.live, c.ping
		c.ping = false
		c.mu.Unlock()
		if ping {
			// A comment keeps proxies from closing an idle stream and does
			// not touch the browser's Last-Event-ID.
			h.sse.Publish(s.id, &sse.Event{Comment: []byte("ping")})
		}
		if !live {
			if err := h.catchUp(c, s); err != nil {
				if c.ctx.Err() == nil && !errors.Is(err, errRevoked) {
					h.log.Warn("realtime: ending a stream; the browser will resume from its last event", "stream", c.id, "error", err)
				}
				return false
			}
			continue
		}
		item, more := c.pop()
		if !more {
			return true
		}
		if !item.pos.IsZero() {
			h.write(c, s, item.pos, item.at, item.frames)
		}
	}
	return true
}

// pop takes the next queued live event not yet written; false when there
// is nothing more to write for now.
func (c *conn) pop() (queued, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.live && len(c.queue) > 0 {
		item := c.queue[0]
		c.queue[0] = queued{}
		c.queue = c.queue[1:]
		if !c.written.Has(item.pos) {
			return item, true
		}
	}
	if c.hasWork() {
		return queued{}, true // catching up or a heartbeat: the writer goes round again
	}
	c.queue = nil
	return queued{}, false
}

// hasWork reports whether a writer has something to do; c.mu is held.
func (c *conn) hasWork() bool { return !c.live || c.ping || len(c.queue) > 0 }

// catchUp writes what the database holds after the connection's last event,
// page by page, then goes live at the feed's cursor and writes whatever the
// database held up to that hand-over too.
func (h *Hub) catchUp(c *conn, s *session) error {
	for {
		n, err := h.replayPage(c, s)
		if err != nil {
			return err
		}
		if n < h.opts.PageSize {
			break
		}
	}
	select {
	case <-h.started:
	case <-c.ctx.Done():
		return nil
	}
	// From here the feed queues every event its cursor does not have;
	// everything it has is already in the database, and the pages below
	// read it: they pass what the feed passed (hint).
	h.mu.Lock()
	c.mu.Lock()
	c.live, c.queue = true, nil
	c.tail = c.written.Join(h.cursor)
	c.mu.Unlock()
	h.mu.Unlock()
	for {
		n, err := h.replayPage(c, s)
		if err != nil || n < h.opts.PageSize {
			return err
		}
	}
}

// replayPage writes one page of events after the connection's last one and
// says how many it read. A failed read is retried before giving up; the
// browser then reconnects from its last event.
func (h *Hub) replayPage(c *conn, s *session) (int, error) {
	var events []models.ActivityEvent
	c.mu.Lock()
	from := c.written
	c.mu.Unlock()
	in := h.hint()
	err := retry(c.ctx, func() error {
		var err error
		events, err = models.EventsAfter(c.ctx, h.db, from, c.aud.Viewer(), h.opts.PageSize, in)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("replay: %w", err)
	}
	if len(events) > 0 && c.aud.SessionID != 0 {
		// The feed may not have applied a revocation committed before these
		// events yet (or, started after it, never will): asked after the
		// read, the database says whether the stream may have them.
		var open bool
		err := retry(c.ctx, func() error {
			var err error
			open, err = models.AccessOpen(c.ctx, h.db, c.aud.SessionID, c.aud.clientOf())
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("replay: %w", err)
		}
		if !open {
			return 0, errRevoked
		}
	}
	for i := range events {
		ev := &events[i]
		// The query read only what the viewer sees; asking again costs
		// nothing and keeps the replay safe if the query ever changes.
		if !c.aud.Viewer().SeesEvent(ev) {
			continue
		}
		var frames []Frame
		err := retry(c.ctx, func() error {
			var err error
			frames, err = h.render(replaying(c.ctx), ev, c.aud.Viewer(), c.aud.zone())
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("replay: render event %d: %w", ev.ID, err)
		}
		h.write(c, s, ev.Position(), ev.Reached, frames)
		if c.ctx.Err() != nil {
			return 0, nil
		}
	}
	return len(events), nil
}

// hint is what a catch-up passes: what the feed passes, and what the
// feed's cursor holds, so that it reads at least as far as the feed.
func (h *Hub) hint() models.InFlight {
	h.mu.Lock()
	defer h.mu.Unlock()
	in := h.inFlight
	in.Pass = append(append([]int64(nil), in.Pass...), h.cursor.Holds()...)
	return in
}

// setInFlight is called by the feed with what it learnt of open transactions.
func (h *Hub) setInFlight(in models.InFlight) {
	h.mu.Lock()
	h.inFlight = in
	h.mu.Unlock()
}

// write hands one event (at pos) to the stream, blocking while the browser
// is slow; at is where its reader stood once it had the event. Only the last
// frame carries the connection's new position, the others the previous one.
func (h *Hub) write(c *conn, s *session, pos, at models.Position, frames []Frame) {
	c.mu.Lock()
	prev := c.written
	c.mu.Unlock()
	if prev.Has(pos) {
		return
	}
	next := prev.Join(at)
	prevID, posID := []byte(prev.String()), []byte(next.String())
	for i, f := range frames {
		id := prevID
		if i == len(frames)-1 {
			id = posID
		}
		h.sse.Publish(s.id, &sse.Event{ID: id, Event: []byte(f.Name), Data: []byte(sanitize(f.Data))})
	}
	c.mu.Lock()
	c.written = next
	c.mu.Unlock()
}

// Dispatch fans events (in the order the feed read them, each with the
// position the feed reached with it) out to this process's connections,
// rendering each once per audience. It never blocks on a browser.
func (h *Hub) Dispatch(ctx context.Context, events []models.ActivityEvent) {
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("realtime: dispatch panicked", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	for i := range events {
		ev := &events[i]
		pos, at := ev.Position(), ev.Reached
		h.mu.Lock()
		h.cursor = h.cursor.Join(at)
		targets := make([]*conn, 0, len(h.staff)+len(h.byClient[ev.ClientID]))
		for c := range h.staff {
			targets = append(targets, c)
		}
		for c := range h.byClient[ev.ClientID] {
			targets = append(targets, c)
		}
		h.mu.Unlock()
		// Rendered once per audience and zone, however many streams share them.
		type key struct {
			viewer models.Viewer
			zone   string
		}
		type result struct {
			frames []Frame
			err    error
		}
		rendered := map[key]*result{}
		for _, c := range targets {
			v := c.aud.Viewer()
			if !v.SeesEvent(ev) || !c.wantsLive(pos) {
				continue
			}
			k := key{v, c.aud.zone().String()}
			r := rendered[k]
			if r == nil {
				r = &result{}
				r.frames, r.err = h.render(ctx, ev, v, c.aud.zone())
				rendered[k] = r
				if r.err != nil {
					h.log.Warn("realtime: render live event; its streams catch up from the database", "event_id", ev.ID, "error", r.err)
				}
			}
			if r.err != nil {
				h.resync(c)
				continue
			}
			h.enqueue(c, queued{pos: pos, at: at, frames: r.frames})
		}
	}
}

// wantsLive reports whether a live event at pos is still to be queued.
func (c *conn) wantsLive(pos models.Position) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live && !c.dead && !c.tail.Has(pos)
}

// enqueue queues a live event; a connection whose queue is full stops being
// live and catches up from the database at its own pace instead.
func (h *Hub) enqueue(c *conn, item queued) {
	c.mu.Lock()
	if !c.live || c.dead || c.tail.Has(item.pos) {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= h.opts.BufferSize {
		c.live, c.queue = false, nil
		c.mu.Unlock()
		h.log.Debug("realtime: a slow stream catches up from the database", "stream", c.id)
		h.kick(c)
		return
	}
	c.queue = append(c.queue, item)
	c.tail = c.tail.Join(item.at)
	c.mu.Unlock()
	h.kick(c)
}

// resync makes a connection catch up from the database.
func (h *Hub) resync(c *conn) {
	c.mu.Lock()
	c.live, c.queue = false, nil
	c.mu.Unlock()
	h.kick(c)
}

// heartbeat marks every stream due for a comment line, which keeps idle
// streams open through proxies.
func (h *Hub) heartbeat() {
	defer close(h.done)
	t := time.NewTicker(h.opts.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		for _, c := range h.snapshot() {
			c.mu.Lock()
			c.ping = true
			c.mu.Unlock()
			h.kick(c)
		}
	}
}

// Start sets the feed's cursor: live events come after it. The hub hands
// connections over to live delivery only once it is set.
func (h *Hub) Start(pos models.Position) {
	h.mu.Lock()
	h.cursor = h.cursor.Join(pos)
	h.mu.Unlock()
	h.once.Do(func() { close(h.started) })
}

// revokeWindow is how long a revocation also refuses new streams, covering
// a stream whose session was checked just before it.
const revokeWindow = time.Minute

// Revoke ends, at once, the streams opened under a session that ended or
// for a client that was archived.
func (h *Hub) Revoke(rv models.Revocation) {
	now := time.Now()
	var victims []*conn
	h.mu.Lock()
	for id, at := range h.revokedSessions {
		if now.Sub(at) > revokeWindow {
			delete(h.revokedSessions, id)
		}
	}
	for id, at := range h.revokedClients {
		if now.Sub(at) > revokeWindow {
			delete(h.revokedClients, id)
		}
	}
	if rv.SessionID != nil {
		h.revokedSessions[*rv.SessionID] = now
		for _, c := range h.conns {
			if c.aud.SessionID == *rv.SessionID {
				victims = append(victims, c)
			}
		}
	}
	if rv.ClientID != nil {
		h.revokedClients[*rv.ClientID] = now
		for c := range h.byClient[*rv.ClientID] {
			victims = append(victims, c)
		}
	}
	h.mu.Unlock()
	for _, c := range victims {
		h.drop(c)
	}
}

// recentlyRevoked is called with h.mu held.
func (h *Hub) recentlyRevoked(aud Audience) bool {
	if at, ok := h.revokedSessions[aud.SessionID]; ok && aud.SessionID != 0 && time.Since(at) < revokeWindow {
		return true
	}
	if at, ok := h.revokedClients[aud.ClientID]; ok && !aud.Staff && time.Since(at) < revokeWindow {
		return true
	}
	return false
}

// drop ends a connection: the request context is cancelled, which
// deregisters its subscriber, and writes fail at once so a handler stuck on
// a slow network returns instead of waiting for the peer.
func (h *Hub) drop(c *conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return
	}
	c.dead = true
	c.rc.SetWriteDeadline(time.Now()) //nolint:errcheck // unsupported writers just wait for cancel
	c.cancel()
}

func (h *Hub) snapshot() []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*conn, 0, len(h.conns))
	for _, c := range h.conns {
		out = append(out, c)
	}
	return out
}

// Count is the number of open connections.
func (h *Hub) Count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
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
// separate data lines, but a lone "\r" also ends a line for the browser. An
// empty frame would end the library's write loop, so it never is one.
func sanitize(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "&#13;")
	if s == "" {
		return " "
	}
	return s
}

// retry runs f up to three times, backing off in between, while ctx lives.
func retry(ctx context.Context, f func() error) error {
	var err error
	for wait := 50 * time.Millisecond; wait <= 200*time.Millisecond; wait *= 2 {
		if err = f(); err == nil || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	return f()
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

// Package realtime pushes activity to open browsers over server-sent events
// (github.com/r3labs/sse/v2). Each browser connection gets its own stream,
// named by the server and bound to the session's audience: a client user
// receives only their own client's public events, staff receive everything.
//
// Delivery is exactly once and in order per connection, whatever the load:
//   - Every event has a Position that is safe against commit order (see
//     models.Position); it is the SSE id, so a reconnecting browser's
//     Last-Event-ID says exactly what it has.
//   - A connection is either catching up or live. Catching up, it reads pages
//     of events from the database and writes them at its own pace (a blocking
//     publish: nothing is buffered beyond what the socket takes). Live, it
//     takes events from the process's feed through a bounded queue; when the
//     queue overflows, the connection goes back to catching up from the last
//     event it wrote, instead of being dropped.
//   - The hand-over from catching up to live happens under the hub's lock at
//     the feed's cursor, so no event falls between the two or comes twice.
//   - An event may take several SSE frames; only the last carries the event's
//     own position, the others the previous one, so a browser cut off in the
//     middle of an event asks for all of it again.
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
	// cursor is the position of the newest event the feed has dispatched;
	// started is closed once the feed has set it.
	cursor  models.Position
	started chan struct{}
	once    sync.Once
	// recently revoked sessions and clients, so a stream whose session was
	// checked just before the revocation cannot register just after it.
	revokedSessions map[int64]time.Time
	revokedClients  map[int64]time.Time

	stop chan struct{} // ends the heartbeat
	done chan struct{}
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

	mu         sync.Mutex
	subscribed bool // the library's subscriber is attached: writes reach it
	writing    bool // a writer goroutine is running for this connection
	ping       bool // a heartbeat is due
	live       bool
	queue      []queued        // live events not yet written, in position order
	tail       models.Position // newest position queued or written while live
	written    models.Position // newest event completely handed to the stream
	dead       bool
}

// queued is one live event rendered for a connection's audience.
type queued struct {
	pos    models.Position
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
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	c := &conn{id: newStreamID(), aud: aud, ctx: ctx, cancel: cancel, written: after}

	raw, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2, or a writer that cannot be taken over: stream on this
		// goroutine, ending with the request.
		stop := context.AfterFunc(r.Context(), cancel)
		defer stop()
		c.rc = http.NewResponseController(w)
		h.stream(w, r, c)
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
		h.stream(sw, r, c)
	}()
}

// stream runs one connection's event stream until its context ends.
func (h *Hub) stream(w http.ResponseWriter, r *http.Request, c *conn) {
	defer c.cancel()
	if err := h.add(c); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	defer h.remove(c)
	// Cancelling the request ends the stream cleanly: the subscriber is
	// deregistered and the response finishes, which the browser treats as a
	// reason to reconnect.
	expire := time.AfterFunc(h.opts.MaxAge+jitter(h.opts.MaxAge/5), c.cancel)
	defer expire.Stop()

	// The stream name is ours, never the browser's: overwrite the query.
	r2 := r.WithContext(c.ctx)
	r2.Header = r.Header.Clone()
	r2.Header.Del("Last-Event-ID") // positions are ours; the library would only parse them
	u := *r.URL
	u.RawQuery = "stream=" + c.id
	r2.URL = &u
	h.sse.ServeHTTP(w, r2)
}

var (
	errClosing = errors.New("shutting down")
	errRevoked = errors.New("session ended")
)

// add registers a connection and creates its stream before the subscriber
// attaches; the connection starts by catching up.
func (h *Hub) add(c *conn) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errClosing
	}
	if h.recentlyRevoked(c.aud) {
		return errRevoked
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
	return nil
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

// onSubscribe runs once the browser's subscriber is attached: from now on
// writes reach the browser, and the connection starts by catching up.
func (h *Hub) onSubscribe(streamID string, _ *sse.Subscriber) {
	h.mu.Lock()
	c := h.conns[streamID]
	h.mu.Unlock()
	if c == nil {
		return
	}
	c.mu.Lock()
	c.subscribed = true
	c.mu.Unlock()
	h.kick(c)
}

// kick makes sure a writer runs for the connection. Writers exist only
// while there is something to write: an idle stream holds no goroutine of
// ours beyond the one that notices the browser leaving.
func (h *Hub) kick(c *conn) {
	c.mu.Lock()
	if c.writing || !c.subscribed || c.dead {
		c.mu.Unlock()
		return
	}
	c.writing = true
	c.mu.Unlock()
	go h.writer(c)
}

// writer writes a connection's events until there is nothing left to do:
// it catches up from the database whenever the connection is not live, and
// otherwise writes what the feed queued.
func (h *Hub) writer(c *conn) {
	done := false // pop cleared c.writing
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("realtime: connection writer panicked", "panic", p, "stack", string(debug.Stack()))
		}
		if !done {
			c.mu.Lock()
			c.writing = false
			c.mu.Unlock()
			h.drop(c)
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
			h.sse.Publish(c.id, &sse.Event{Comment: []byte("ping")})
		}
		if !live {
			if err := h.catchUp(c); err != nil {
				if c.ctx.Err() == nil {
					h.log.Warn("realtime: ending a stream; the browser will resume from its last event", "stream", c.id, "error", err)
				}
				return
			}
			continue
		}
		item, more := c.pop()
		if !more {
			done = true
			return
		}
		if !item.pos.IsZero() {
			h.write(c, item.pos, item.frames)
		}
	}
}

// pop takes the next queued live event not yet written. When there is
// none, and no heartbeat or catching up is due, the writer is done: it says
// so under the same lock enqueue takes, so no event is left unwritten.
func (c *conn) pop() (queued, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.live && len(c.queue) > 0 {
		item := c.queue[0]
		c.queue[0] = queued{}
		c.queue = c.queue[1:]
		if item.pos.After(c.written) {
			return item, true
		}
	}
	if !c.live || c.ping {
		return queued{}, true // more to do: the writer goes round again
	}
	c.queue = nil
	c.writing = false
	return queued{}, false
}

// catchUp writes what the database holds after the connection's last event,
// page by page, then goes live at the feed's cursor and writes whatever the
// database held up to that hand-over too.
func (h *Hub) catchUp(c *conn) error {
	for {
		n, err := h.replayPage(c)
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
	// From here the feed queues every event after its cursor; everything up
	// to the cursor is already in the database, and the pages below read it.
	h.mu.Lock()
	c.mu.Lock()
	c.live, c.queue = true, nil
	c.tail = c.written
	if h.cursor.After(c.tail) {
		c.tail = h.cursor
	}
	c.mu.Unlock()
	h.mu.Unlock()
	for {
		n, err := h.replayPage(c)
		if err != nil || n < h.opts.PageSize {
			return err
		}
	}
}

// replayPage writes one page of events after the connection's last one and
// says how many it read. A failed read is retried before giving up; the
// browser then reconnects from its last event.
func (h *Hub) replayPage(c *conn) (int, error) {
	var events []models.ActivityEvent
	err := retry(c.ctx, func() error {
		var err error
		events, err = models.EventsAfter(c.ctx, h.db, c.written, c.aud.Viewer(), h.opts.PageSize)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("replay: %w", err)
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
			frames, err = h.render(c.ctx, ev, c.aud.Viewer(), c.aud.zone())
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("replay: render event %d: %w", ev.ID, err)
		}
		h.write(c, ev.Position(), frames)
		if c.ctx.Err() != nil {
			return 0, nil
		}
	}
	return len(events), nil
}

// write hands one event's frames to the stream, blocking while the browser
// is slow. Only the last frame carries the event's own position.
func (h *Hub) write(c *conn, pos models.Position, frames []Frame) {
	c.mu.Lock()
	prev := c.written
	c.mu.Unlock()
	if !pos.After(prev) {
		return
	}
	prevID, posID := []byte(prev.String()), []byte(pos.String())
	for i, f := range frames {
		id := prevID
		if i == len(frames)-1 {
			id = posID
		}
		h.sse.Publish(c.id, &sse.Event{ID: id, Event: []byte(f.Name), Data: []byte(sanitize(f.Data))})
	}
	c.mu.Lock()
	c.written = pos
	c.mu.Unlock()
}

// Dispatch fans events (in position order, from the feed) out to this
// process's connections, rendering each once per audience. It never blocks
// on a browser.
func (h *Hub) Dispatch(ctx context.Context, events []models.ActivityEvent) {
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("realtime: dispatch panicked", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	for i := range events {
		ev := &events[i]
		pos := ev.Position()
		h.mu.Lock()
		if pos.After(h.cursor) {
			h.cursor = pos
		}
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
			h.enqueue(c, queued{pos: pos, frames: r.frames})
		}
	}
}

// wantsLive reports whether a live event at pos is still to be queued.
func (c *conn) wantsLive(pos models.Position) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live && !c.dead && pos.After(c.tail)
}

// enqueue queues a live event; a connection whose queue is full stops being
// live and catches up from the database at its own pace instead.
func (h *Hub) enqueue(c *conn, item queued) {
	c.mu.Lock()
	if !c.live || c.dead || !item.pos.After(c.tail) {
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
	c.tail = item.pos
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
	if pos.After(h.cursor) {
		h.cursor = pos
	}
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

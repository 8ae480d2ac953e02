package realtime_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
	"github.com/portal-msp/portal/realtime"
)

// received is one SSE event as a browser parses it.
type received struct {
	ID, Event, Data string
}

// stream is a test browser reading one event stream.
type stream struct {
	t      *testing.T
	events chan received
	body   io.Closer
}

// open connects as aud; the test server takes the audience from headers
// (standing in for the session) and never from the URL.
func open(t *testing.T, srv *httptest.Server, aud realtime.Audience, lastEventID string) *stream {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/events?stream=attacker-chosen", nil)
	req.Header.Set("X-Test-Client", strconv.FormatInt(aud.ClientID, 10))
	req.Header.Set("X-Test-Staff", strconv.FormatBool(aud.Staff))
	req.Header.Set("X-Test-Session", strconv.FormatInt(aud.SessionID, 10))
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("open stream: status %d", resp.StatusCode)
	}
	s := &stream{t: t, events: make(chan received, 1000), body: resp.Body}
	t.Cleanup(func() { resp.Body.Close() })
	go func() {
		defer close(s.events)
		readSSE(resp.Body, func(ev received) { s.events <- ev })
	}()
	return s
}

// readSSE parses an event stream as a browser does, handing on each event
// with data, each comment (Event "comment") and any line that is neither
// (Event "GARBAGE"), until the stream ends.
func readSSE(body io.Reader, emit func(received)) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	var ev received
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(data) > 0 {
				ev.Data = strings.Join(data, "\n")
				emit(ev)
			}
			ev, data = received{}, nil
		case strings.HasPrefix(line, "id: "):
			ev.ID = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			ev.Event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		case strings.HasPrefix(line, ":"):
			emit(received{Event: "comment", Data: line})
		default:
			emit(received{Event: "GARBAGE", Data: line})
		}
	}
}

// next returns the next non-comment event, failing after a generous wait.
func (s *stream) next() received {
	s.t.Helper()
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.t.Fatal("stream closed")
			}
			if ev.Event == "comment" {
				continue
			}
			return ev
		case <-time.After(10 * time.Second):
			s.t.Fatal("no event arrived")
		}
	}
}

// none asserts nothing but comments arrives for a while.
func (s *stream) none(wait time.Duration) {
	s.t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case ev, ok := <-s.events:
			if ok && ev.Event != "comment" {
				s.t.Fatalf("unexpected event %+v", ev)
			}
			if !ok {
				return
			}
		case <-deadline:
			return
		}
	}
}

type fixture struct {
	db      *bun.DB
	hub     *realtime.Hub
	srv     *httptest.Server
	clients [2]int64
}

// render shows which audience an event was rendered for, so tests can check it.
func render(_ context.Context, ev *models.ActivityEvent, v models.Viewer, _ *time.Location) ([]realtime.Frame, error) {
	who := "client"
	if v.Staff() {
		who = "staff"
	}
	return []realtime.Frame{{Name: ev.Kind, Data: who + ":" + ev.Detail}}, nil
}

func newFixture(t *testing.T, db *bun.DB, opts realtime.Options) *fixture {
	t.Helper()
	return newFixtureFeed(t, db, opts, nil, nil)
}

// newFixtureFeed is newFixture with a say in how its feed is set up (tune,
// before it runs) and where the hub and feed log (nil: nowhere).
func newFixtureFeed(t *testing.T, db *bun.DB, opts realtime.Options, tune func(*realtime.Feed), log *slog.Logger) *fixture {
	t.Helper()
	f := &fixture{db: db}
	for i := range f.clients {
		c := &models.Client{Name: fmt.Sprint("Client ", i), Slug: fmt.Sprint("c", i), RequestPrefix: fmt.Sprint("C", i),
			Timezone: "UTC", NextRequestNumber: 1, CreatedAt: models.Now(), UpdatedAt: models.Now()}
		if _, err := db.NewInsert().Model(c).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.clients[i] = c.ID
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	f.hub = realtime.NewHub(db, render, log, opts)
	feed := realtime.NewFeed(db, f.hub, log)
	if tune != nil {
		tune(feed)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { feed.Run(ctx); close(done) }()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.Header.Get("X-Test-Client"), 10, 64)
		sess, _ := strconv.ParseInt(r.Header.Get("X-Test-Session"), 10, 64)
		aud := realtime.Audience{ClientID: id, Staff: r.Header.Get("X-Test-Staff") == "true", SessionID: sess}
		f.hub.Serve(w, r, aud, r.Header.Get("Last-Event-ID"))
	}))
	t.Cleanup(func() {
		cancel()
		<-done
		f.hub.Close()
		f.srv.Close()
	})
	return f
}

// record commits an event, which the feed then delivers, and returns its
// position as browsers see it.
func (f *fixture) record(t *testing.T, clientID int64, kind, audience, detail string) string {
	t.Helper()
	ev := &models.ActivityEvent{ClientID: clientID, Kind: kind, Audience: audience, Detail: detail}
	if err := models.RecordEvent(context.Background(), f.db, ev); err != nil {
		t.Fatal(err)
	}
	return positionOf(t, f.db, ev.ID)
}

// positionOf reads an event's delivery position.
func positionOf(t *testing.T, db bun.IDB, id int64) string {
	t.Helper()
	ev := new(models.ActivityEvent)
	if err := db.NewSelect().Model(ev).Column("id", "tx_id").Where("id = ?", id).Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ev.Position().String()
}

// waitConns waits until the hub has n connections ready.
func (f *fixture) waitConns(t *testing.T, n int) {
	t.Helper()
	// Generous: a race-instrumented run on a busy CI machine registered
	// 953 of 1,000 streams in the 5 s this used to wait.
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		if f.hub.Count() == n {
			time.Sleep(20 * time.Millisecond) // let the subscriber attach
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("hub has %d connections, want %d", f.hub.Count(), n)
}

func TestEachAudienceReceivesOnlyWhatItMaySee(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, realtime.Options{})
		a := open(t, f.srv, realtime.Audience{ClientID: f.clients[0]}, "")
		b := open(t, f.srv, realtime.Audience{ClientID: f.clients[1]}, "")
		staff := open(t, f.srv, realtime.Audience{Staff: true}, "")
		f.waitConns(t, 3)

		pubA := f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, "hello A")
		f.record(t, f.clients[0], models.EventInternalNote, models.AudienceStaff, "secret about A")
		pubB := f.record(t, f.clients[1], models.EventMessagePosted, models.AudiencePublic, "hello B")

		if ev := a.next(); ev.Data != "client:hello A" || ev.ID != pubA {
			t.Errorf("client A got %+v", ev)
		}
		a.none(300 * time.Millisecond)
		if ev := b.next(); ev.Data != "client:hello B" || ev.ID != pubB {
			t.Errorf("client B got %+v", ev)
		}
		b.none(100 * time.Millisecond)
		for _, want := range []string{"staff:hello A", "staff:secret about A", "staff:hello B"} {
			if ev := staff.next(); ev.Data != want {
				t.Errorf("staff got %+v, want %q", ev, want)
			}
		}
	})
}

func TestReconnectReplaysExactlyWhatWasMissed(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, realtime.Options{})
		first := f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, "one")
		f.record(t, f.clients[0], models.EventInternalNote, models.AudienceStaff, "hidden")
		f.record(t, f.clients[1], models.EventMessagePosted, models.AudiencePublic, "other client")
		f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, "two")
		f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, "three")

		s := open(t, f.srv, realtime.Audience{ClientID: f.clients[0]}, first)
		f.waitConns(t, 1)
		f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, "four")
		var got []string
		for range 3 {
			got = append(got, s.next().Data)
		}
		if strings.Join(got, ",") != "client:two,client:three,client:four" {
			t.Fatalf("after reconnect got %v", got)
		}
		s.none(300 * time.Millisecond)

		// A first connection (no Last-Event-ID) starts from now.
		fresh := open(t, f.srv, realtime.Audience{ClientID: f.clients[0]}, "")
		f.waitConns(t, 2)
		fresh.none(200 * time.Millisecond)
	})
}

func TestLiveEventsDuringReplayAreNeitherLostNorDoubled(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, realtime.Options{})
		start := f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, "0")
		for i := 1; i <= 20; i++ {
			f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, fmt.Sprint(i))
		}
		s := open(t, f.srv, realtime.Audience{ClientID: f.clients[0]}, start)
		// Publish while the replay may be running.
		for i := 21; i <= 40; i++ {
			f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, fmt.Sprint(i))
		}
		for i := 1; i <= 40; i++ {
			if ev := s.next(); ev.Data != fmt.Sprint("client:", i) {
				t.Fatalf("event %d: got %+v", i, ev)
			}
		}
		s.none(300 * time.Millisecond)
	})
}

func TestUserTextCannotForgeSSEFields(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, realtime.Options{})
		s := open(t, f.srv, realtime.Audience{ClientID: f.clients[0]}, "")
		f.waitConns(t, 1)
		body := "line one\nline two\rid: 999999\revent: evil\r\ndata: injected"
		id := f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, body)
		ev := s.next()
		if ev.ID != id || ev.Event != models.EventMessagePosted {
			t.Fatalf("framing broken: %+v", ev)
		}
		if strings.Count(ev.Data, "\n") != 2 || !strings.Contains(ev.Data, "&#13;id: 999999") {
			t.Fatalf("data not kept as text: %q", ev.Data)
		}
		s.none(200 * time.Millisecond)
	})
}

func TestHeartbeatIsACommentWithoutID(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, realtime.Options{Heartbeat: 50 * time.Millisecond})
		s := open(t, f.srv, realtime.Audience{ClientID: f.clients[0]}, "")
		select {
		case ev := <-s.events:
			if ev.Event != "comment" || ev.Data != ": ping" {
				t.Fatalf("first thing on an idle stream: %+v", ev)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no heartbeat")
		}
	})
}

func TestSlowBrowserDoesNotDelayOthers(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, realtime.Options{BufferSize: 8})
		// A browser that connects and never reads, with tiny socket buffers.
		addr := strings.TrimPrefix(f.srv.URL, "http://")
		raw, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		raw.(*net.TCPConn).SetReadBuffer(1024)
		fmt.Fprintf(raw, "GET /events HTTP/1.1\r\nHost: x\r\nX-Test-Client: %d\r\n\r\n", f.clients[0])
		fast := open(t, f.srv, realtime.Audience{ClientID: f.clients[0]}, "")
		f.waitConns(t, 2)

		big := strings.Repeat("x", 64*1024)
		for i := range 200 {
			f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, fmt.Sprint(i, big))
			if ev := fast.next(); !strings.HasPrefix(ev.Data, fmt.Sprint("client:", i)) {
				t.Fatalf("fast browser got event out of order at %d", i)
			}
		}
		// The slow one holds its place, reading from the database at its own
		// pace; the fast one was never held up by it.
		if n := f.hub.Count(); n != 2 {
			t.Fatalf("%d connections open, want 2", n)
		}
	})
}

func TestConnectDisconnectLeavesNoGoroutines(t *testing.T) {
	db := dbtest.New(t, dbtest.SQLite)
	f := newFixture(t, db, realtime.Options{})
	runtime.GC()
	before := runtime.NumGoroutine()
	for range 300 {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/events", nil)
		req.Header.Set("X-Test-Client", fmt.Sprint(f.clients[0]))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		resp.Body.Close()
	}
	http.DefaultClient.CloseIdleConnections()
	var after int
	for range 200 {
		runtime.GC()
		after = runtime.NumGoroutine()
		if after <= before+2 && f.hub.Count() == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("goroutines: %d before, %d after 300 connect/disconnect cycles (%d connections open)", before, after, f.hub.Count())
}

func TestCloseEndsStreamsPromptly(t *testing.T) {
	db := dbtest.New(t, dbtest.SQLite)
	f := newFixture(t, db, realtime.Options{})
	streams := []*stream{
		open(t, f.srv, realtime.Audience{ClientID: f.clients[0]}, ""),
		open(t, f.srv, realtime.Audience{Staff: true}, ""),
	}
	f.waitConns(t, 2)
	f.hub.Close()
	for _, s := range streams {
		for ev := range s.events { // drains until the server ends the stream
			if ev.Event != "comment" {
				t.Fatalf("unexpected %+v", ev)
			}
		}
	}
	f.waitConns(t, 0)
}

// TestStreamsEndAfterMaxAge: a stream is closed cleanly after MaxAge so the
// browser reconnects through the session check.
func TestStreamsEndAfterMaxAge(t *testing.T) {
	db := dbtest.New(t, dbtest.SQLite)
	f := newFixture(t, db, realtime.Options{MaxAge: 200 * time.Millisecond})
	s := open(t, f.srv, realtime.Audience{ClientID: f.clients[0]}, "")
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-s.events:
			if !ok {
				f.waitConns(t, 0)
				return
			}
		case <-deadline:
			t.Fatal("the stream outlived MaxAge")
		}
	}
}

// TestStreamOverHTTP2: where the connection cannot be taken over (HTTP/2),
// the stream runs in the handler and works the same.
func TestStreamOverHTTP2(t *testing.T) {
	db := dbtest.New(t, dbtest.SQLite)
	f := newFixture(t, db, realtime.Options{})
	h2 := httptest.NewUnstartedServer(f.srv.Config.Handler)
	h2.EnableHTTP2 = true
	h2.StartTLS()
	defer h2.Close()

	req, _ := http.NewRequest(http.MethodGet, h2.URL+"/events", nil)
	req.Header.Set("X-Test-Client", fmt.Sprint(f.clients[0]))
	resp, err := h2.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusOK {
		t.Fatalf("got %s %d, want HTTP/2 200", resp.Proto, resp.StatusCode)
	}
	f.waitConns(t, 1)
	f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, "over h2")
	got := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				got <- sc.Text()
				return
			}
		}
	}()
	select {
	case line := <-got:
		if line != "data: client:over h2" {
			t.Fatalf("got %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event over HTTP/2")
	}
}

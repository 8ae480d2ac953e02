package handlers_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
	"github.com/portal-msp/portal/realtime"
)

// TestOneStaffReplyCostsTheDashboardsOnlyTheirParts: twenty people of one
// client have the dashboard open, each with their own event stream. Staff
// reply on one of the client's requests. Each simulated browser does what
// htmx does with the frames it receives: it swaps pushed parts in and, for
// every element of its page listening for a frame's name, GETs that
// element's hx-get once (the listeners' delay merges an event's frames).
// The server must see at most twenty requests, none a page, each of at most
// three statements; the figures arrive rendered in the frame.
func TestOneStaffReplyCostsTheDashboardsOnlyTheirParts(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		seedWorkspace(t, db)
		const browsers = 20
		set, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: "live", Requests: 40, OtherRequests: 2, Clients: 2, Messages: 2, Users: browsers})
		if err != nil {
			t.Fatal(err)
		}
		srv := newRecordedLiveServer(t, db)

		var pages []*dashboardBrowser
		for _, token := range set.UserTokens {
			pages = append(pages, openDashboard(t, srv, token))
		}
		for deadline := time.Now().Add(30 * time.Second); srv.hub.Count() < browsers; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d streams open", srv.hub.Count(), browsers)
			}
		}
		reply := staffReplier(t, db, set)
		// A stream that is still catching up when the reply commits gets it
		// from its catch-up, which names the figures instead of pushing
		// them. Warm up until one reply reaches every stream live.
		for attempt := 0; ; attempt++ {
			reply(fmt.Sprintf("Warming up %d", attempt))
			live := true
			for _, p := range pages {
				frames := p.nextEvent(t)
				if _, ok := frames["stats"]; !ok {
					live = false
				}
				if _, ok := frames["changed-stats"]; !ok && !live {
					t.Fatalf("a staff reply's frames neither carry nor name the dashboard's figures: %v", names(frames))
				}
			}
			if live {
				break
			}
			if attempt == 10 {
				t.Fatal("after ten replies, a stream still has not received one live")
			}
		}

		srv.reset()
		hubBefore := srv.feed.N()
		reply("We are on it: the printer driver is being replaced.")
		var wg sync.WaitGroup
		var stats string
		for _, p := range pages {
			frames := p.nextEvent(t)
			if _, ok := frames["changed"]; ok {
				t.Errorf("the stream still sends a bare changed frame")
			}
			stats = frames["stats"]
			for _, get := range p.reactTo(frames) {
				wg.Add(1)
				go func() { defer wg.Done(); p.fetch(t, get) }()
			}
		}
		wg.Wait()
		hubCost := srv.feed.N() - hubBefore

		seen := srv.seen()
		if len(seen) > browsers {
			t.Errorf("one staff reply cost %d requests from %d dashboards, want at most %d: %v", len(seen), browsers, browsers, seen)
		}
		for _, r := range seen {
			if r.path == "/" || !strings.HasPrefix(r.path, "/fragments/") && r.path != "/messages/unread" {
				t.Errorf("a dashboard fetched %s: a page, not a fragment", r.path)
			}
			if r.statements > 3 {
				t.Errorf("%s ran %d statements, want at most 3", r.path, r.statements)
			}
		}
		if len(seen) == 0 {
			t.Errorf("no dashboard fetched its unread badge after a staff reply")
		}
		if !strings.Contains(stats, `id="stat-open"`) {
			t.Errorf("the figures did not arrive rendered in the frame: %q", stats)
		}
		// What was pushed is what the fragment route answers.
		resp, body := getWith(t, srv.url+"/fragments/stats", set.UserTokens[0], true)
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(body) != strings.TrimSpace(stats) {
			t.Errorf("GET /fragments/stats: %d\n%s\nwant what was pushed:\n%s", resp.StatusCode, body, stats)
		}
		// The figures, side by side with what a dashboard used to fetch on
		// every change (its own URL as htmx asks for it, for one block).
		_, badge := getWith(t, srv.url+"/messages/unread", set.UserTokens[0], true)
		_, content := getWith(t, srv.url+"/", set.UserTokens[0], true)
		before := srv.seen()[len(srv.seen())-1]
		perPath := map[string]int{}
		most := 0
		for _, r := range seen {
			perPath[r.path]++
			most = max(most, r.statements)
		}
		t.Logf("one staff reply, %d dashboards: requests %v, at most %d statements each; "+
			"the hub's feed read and renders for the event, once for all streams: %d statements; "+
			"figures pushed in the frame: %d bytes; unread badge fragment: %d bytes; "+
			"what a dashboard fetched before (GET / for one block): %d statements, %d bytes; whole dashboard page: %d bytes",
			browsers, perPath, most, hubCost, len(stats), len(badge), before.statements, len(content), len(pages[0].html))
	})
}

// TestStatsFragmentIsTheClientsOwn: the figures route answers a client user
// with their own client's figures, sends visitors to sign in and is not
// there for staff.
func TestStatsFragmentIsTheClientsOwn(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		seedWorkspace(t, db)
		a, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: "a", Requests: 7, OpenShare: 100, Users: 1})
		if err != nil {
			t.Fatal(err)
		}
		b, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: "b", Requests: 3, OpenShare: 100, Users: 1})
		if err != nil {
			t.Fatal(err)
		}
		srv := newRecordedLiveServer(t, db)
		for token, want := range map[string]string{a.UserTokens[0]: "7", b.UserTokens[0]: "3"} {
			resp, body := getWith(t, srv.url+"/fragments/stats", token, true)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /fragments/stats: %d", resp.StatusCode)
			}
			if got := text(t, body, "#stat-open"); got != want {
				t.Errorf("open requests in the fragment: %q, want %q", got, want)
			}
			if strings.Contains(body, "<html") || strings.Contains(body, "Recent activity") {
				t.Errorf("the fragment holds more than the figures:\n%s", body)
			}
		}
		if resp, _ := getWith(t, srv.url+"/fragments/stats", a.StaffToken, true); resp.StatusCode != http.StatusNotFound {
			t.Errorf("staff GET /fragments/stats: %d, want 404", resp.StatusCode)
		}
		if resp, body := getWith(t, srv.url+"/fragments/stats", "", true); resp.Header.Get("HX-Redirect") != "/signin" || strings.Contains(body, "stat-open") {
			t.Errorf("a visitor: %d %v, want sent to sign in\n%s", resp.StatusCode, resp.Header, body)
		}
	})
}

// recordedServer is the portal with a live hub and feed, counting each
// request's statements, as served; it records what reaches it besides the
// event streams.
type recordedServer struct {
	url  string
	hub  *realtime.Hub
	feed *models.StatementCount // what the feed (and the hub's renders) ran

	mu  sync.Mutex
	log []served
}

// served is one request the server answered.
type served struct {
	path       string
	statements int
	bytes      int
}

func (s served) String() string {
	return fmt.Sprintf("%s (%d statements, %d bytes)", s.path, s.statements, s.bytes)
}

func newRecordedLiveServer(t *testing.T, db *bun.DB) *recordedServer {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := realtime.NewHub(db, nil, log, realtime.Options{})
	listenForChanges(t, db, log)
	time.Sleep(1100 * time.Millisecond) // see countingServer
	e, err := handlers.New(cfg, db, log, handlers.WithHub(hub), handlers.WithStatementCount())
	if err != nil {
		t.Fatal(err)
	}
	rs := &recordedServer{hub: hub}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/events" {
			e.ServeHTTP(w, r)
			return
		}
		cw := &countingWriter{ResponseWriter: w}
		e.ServeHTTP(cw, r)
		n, _ := strconv.Atoi(w.Header().Get("X-Portal-Statements"))
		rs.mu.Lock()
		rs.log = append(rs.log, served{path: r.URL.Path, statements: n, bytes: cw.n})
		rs.mu.Unlock()
	}))
	ctx, cancel := context.WithCancel(context.Background())
	ctx, rs.feed = models.CountStatements(ctx)
	done := make(chan struct{})
	go func() { realtime.NewFeed(db, hub, log).Run(ctx); close(done) }()
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
		cancel()
		<-done
	})
	rs.url = srv.URL
	return rs
}

func (s *recordedServer) reset() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}

func (s *recordedServer) seen() []served {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]served(nil), s.log...)
}

// countingWriter counts the bytes of a response body (compressed, if the
// client asked for that; these clients do not).
type countingWriter struct {
	http.ResponseWriter
	n int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.n += n
	return n, err
}

func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// dashboardBrowser is one person's dashboard: the page as served, what its
// elements listen for, and its event stream.
type dashboardBrowser struct {
	srv    *recordedServer
	token  string
	html   string
	fetchs map[string][]string // SSE event name → hx-get of each element it triggers
	lastID string
	frames chan sseEvent
}

var sseTrigger = regexp.MustCompile(`sse:([A-Za-z0-9_-]+)`)

// openDashboard loads the dashboard as token's browser, reads what its
// elements listen for and opens its event stream from the page's cursor.
func openDashboard(t *testing.T, srv *recordedServer, token string) *dashboardBrowser {
	t.Helper()
	resp, body := getWith(t, srv.url+"/", token, false)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", resp.StatusCode)
	}
	d := doc(t, body)
	p := &dashboardBrowser{srv: srv, token: token, html: body, fetchs: map[string][]string{}}
	d.Find("[hx-trigger]").Each(func(_ int, el *goquery.Selection) {
		trig, _ := el.Attr("hx-trigger")
		get, ok := el.Attr("hx-get")
		if !ok {
			return
		}
		for _, m := range sseTrigger.FindAllStringSubmatch(trig, -1) {
			p.fetchs[m[1]] = append(p.fetchs[m[1]], get)
		}
	})
	connect, ok := d.Find("[sse-connect]").Attr("sse-connect")
	if !ok {
		t.Fatal("the dashboard opens no event stream")
	}
	req, _ := http.NewRequest(http.MethodGet, srv.url+connect, nil)
	req.AddCookie(&http.Cookie{Name: "portal_session", Value: token})
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if stream.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", connect, stream.StatusCode)
	}
	t.Cleanup(func() { stream.Body.Close() })
	u, err := url.Parse(connect)
	if err != nil {
		t.Fatal(err)
	}
	p.lastID = u.Query().Get("after") // the id of the frames of an event still to come
	p.frames = make(chan sseEvent, 100)
	go func() {
		defer close(p.frames)
		sc := bufio.NewScanner(stream.Body)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "" && ev.data != "":
				p.frames <- ev
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.name = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data += line[6:] + "\n"
			}
		}
	}()
	return p
}

// nextEvent reads the frames of the stream's next event (only its last
// frame moves the stream's id), by name.
func (p *dashboardBrowser) nextEvent(t *testing.T) map[string]string {
	t.Helper()
	got := map[string]string{}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case f, ok := <-p.frames:
			if !ok {
				t.Fatalf("the stream ended; got %v", got)
			}
			got[f.name] = f.data
			if f.id != p.lastID {
				p.lastID = f.id
				return got
			}
		case <-timeout:
			t.Fatalf("no whole event arrived; got %v", got)
		}
	}
}

func names(frames map[string]string) []string {
	var out []string
	for name := range frames {
		out = append(out, name)
	}
	return out
}

// reactTo is what htmx would GET for an event's frames: each listening
// element once, however many of the event's frames it listens for.
func (p *dashboardBrowser) reactTo(frames map[string]string) []string {
	seen := map[string]bool{}
	var gets []string
	for name := range frames {
		for _, get := range p.fetchs[name] {
			if !seen[get] {
				seen[get] = true
				gets = append(gets, get)
			}
		}
	}
	return gets
}

func (p *dashboardBrowser) fetch(t *testing.T, path string) {
	resp, _ := getWith(t, p.srv.url+path, p.token, true)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %d", path, resp.StatusCode)
	}
}

// getWith GETs url signed in with token (none if empty), as htmx does when
// hx is set.
func getWith(t *testing.T, target, token string, hx bool) (*http.Response, string) {
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Error(err)
		return &http.Response{}, ""
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: "portal_session", Value: token})
	}
	if hx {
		req.Header.Set("HX-Request", "true")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Error(err)
		return &http.Response{}, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// staffReplier posts public staff replies on one of set's client's open
// requests, as the console's reply form does.
func staffReplier(t *testing.T, db *bun.DB, set *loaddata.Set) func(body string) {
	ctx := context.Background()
	var staff models.User
	if err := db.NewSelect().Model(&staff).Where("client_id IS NULL").Where("email = ?", "staff@live.load.test").Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var reqID int64
	if err := db.NewSelect().Model((*models.Request)(nil)).Column("id").
		Where("client_id = ?", set.Client.ID).Where("number = ?", set.OpenNumbers[0]).Scan(ctx, &reqID); err != nil {
		t.Fatal(err)
	}
	return func(body string) {
		t.Helper()
		if _, err := models.PostMessage(ctx, db, models.PostMessageInput{ClientID: set.Client.ID, RequestID: reqID,
			AuthorID: staff.ID, ByStaff: true, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
}

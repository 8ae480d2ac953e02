package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// pgProxy stands between the portal and the shared PostgreSQL server, so a
// test can take "the database" away (connections cut, the port closed, as
// in a restart) and bring it back without touching the server others use.
type pgProxy struct {
	target, addr string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func startPGProxy(t *testing.T, target string) *pgProxy {
	t.Helper()
	p := &pgProxy{target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *pgProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { io.Copy(u, c); u.Close() }() //nolint:errcheck
			go func() { io.Copy(c, u); c.Close() }() //nolint:errcheck
		}
	}()
}

// down closes the port and cuts every connection through it.
func (p *pgProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// up opens the same port again.
func (p *pgProxy) up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("reopen the database port: %v", err)
	}
	p.serve(ln)
}

// While the database is out of reach, a post answers 503 with what was
// typed kept (in a form that sends it again, or left in the htmx composer),
// a page answers 503, and nothing is logged as an ERROR. Once the database
// is back, sending the kept form posts the message, once.
func TestDatabaseDownAnswersTryAgainAndKeepsTheText(t *testing.T) {
	db := dbtest.New(t, dbtest.Postgres)
	ctx := context.Background()
	s := seedWorkspace(t, db)
	r := newRequest(t, db, s.clientUser, "Printer jam")
	var name string
	if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	dsn, err := url.Parse(dbtest.URLFor(t, name))
	if err != nil {
		t.Fatal(err)
	}
	proxy := startPGProxy(t, dsn.Host)
	dsn.Host = proxy.addr
	pool, err := models.OpenPostgres(ctx, dsn.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })

	var logs lockedBuffer
	cfg, err := config.Load(func(k string) string { return map[string]string{"PORTAL_DATA_DIR": t.TempDir()}[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := handlers.New(cfg, pool, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	a := &app{t: t, db: pool, srv: srv, client: newClient()}
	a.signIn(s.clientUser.Email, testPassword)
	page := "/requests/" + strconv.Itoa(r.Number)
	typed := "Typed while the database restarts.\nSecond line."
	form := a.replyForm(page, typed)

	proxy.down()

	// A plain form post: the page says try again and holds the text.
	resp, body := a.post(page+"/reply", form)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("reply with the database down: %d (Retry-After %q), want 503\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	kept := doc(t, body).Find("#try-again-form")
	if got := kept.AttrOr("action", ""); got != page+"/reply" {
		t.Errorf("the kept form posts to %q", got)
	}
	if got := kept.Find(`textarea[name="body"]`).Text(); got != typed {
		t.Errorf("the kept form holds %q, want %q", got, typed)
	}
	if got := kept.Find(`input[name="idempotency_key"]`).AttrOr("value", ""); got != form.Get("idempotency_key") {
		t.Errorf("the kept form's key %q, want the form's %q (a repeat must not post twice)", got, form.Get("idempotency_key"))
	}
	again := url.Values{}
	kept.Find("input, textarea").Each(func(_ int, in *goquery.Selection) {
		v := in.AttrOr("value", "")
		if goquery.NodeName(in) == "textarea" {
			v = in.Text()
		}
		again.Add(in.AttrOr("name", ""), v)
	})
	// From htmx: the composer keeps its text; a notice goes above the page.
	resp, body = a.post(page+"/reply", form, "HX-Request", "true")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("HX-Retarget") != "#main" ||
		!strings.Contains(body, "still in the form") {
		t.Errorf("htmx reply with the database down: %d, HX-Retarget %q\n%s", resp.StatusCode, resp.Header.Get("HX-Retarget"), body)
	}
	// Reading: try again, and a part refreshing itself stays as it is.
	if resp, body := a.get(page); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Reload this page") {
		t.Errorf("page with the database down: %d", resp.StatusCode)
	}
	if resp, _ := a.get(page, "HX-Request", "true"); resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("HX-Reswap") != "none" {
		t.Errorf("fragment with the database down: %d, HX-Reswap %q", resp.StatusCode, resp.Header.Get("HX-Reswap"))
	}
	log := logs.String()
	if strings.Contains(log, "level=ERROR") {
		t.Errorf("the outage was logged as an error:\n%s", log)
	}
	if !strings.Contains(log, "database unavailable") {
		t.Errorf("no warning of the outage:\n%s", log)
	}

	// Back: the kept form, sent as it is, posts the message once, however
	// often it is sent.
	proxy.up(t)
	for range 2 {
		resp, body = a.post(page+"/reply", again)
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != page || !strings.Contains(body, "Second line.") {
			t.Fatalf("the kept form after the database came back: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
	}
	if n := countRows(t, db, "messages", "body = ?", typed); n != 1 {
		t.Fatalf("the message was stored %d times, want 1", n)
	}
}

// leaveDuringMarkRead plays a browser that leaves while the page it asked
// for writes its read marker: the client's request is cancelled, and the
// statement runs once the server has seen it go.
type leaveDuringMarkRead struct {
	mu    sync.Mutex
	leave context.CancelFunc // the browser's request
	hit   chan struct{}
}

func (h *leaveDuringMarkRead) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if !strings.Contains(e.Query, `INSERT INTO "message_reads"`) {
		return ctx
	}
	h.mu.Lock()
	leave := h.leave
	h.leave = nil
	h.mu.Unlock()
	if leave == nil {
		return ctx
	}
	leave()
	select { // the server notices the closed connection and ends the request's context
	case <-ctx.Done():
	case <-time.After(30 * time.Second):
	}
	close(h.hit)
	return ctx
}

func (h *leaveDuringMarkRead) AfterQuery(context.Context, *bun.QueryEvent) {}

// A browser that leaves mid-request is not a server error: "mark thread
// read: context canceled" used to be logged as an ERROR for every page a
// person clicked away from.
func TestBrowserLeavingMidRequestIsNoError(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		r := newRequest(t, db, s.clientUser, "Printer jam")
		if _, err := models.PostMessage(t.Context(), db, models.PostMessageInput{ClientID: s.client.ID, RequestID: r.ID,
			AuthorID: s.clientUser.ID, Body: "Still jammed"}); err != nil {
			t.Fatal(err)
		}
		var logs lockedBuffer
		cfg, err := config.Load(func(k string) string { return map[string]string{"PORTAL_DATA_DIR": t.TempDir()}[k] }, nil)
		if err != nil {
			t.Fatal(err)
		}
		e, err := handlers.New(cfg, db, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(e)
		t.Cleanup(srv.Close)
		staff := &app{t: t, db: db, srv: srv, client: newClient()}
		staff.signIn(s.admin.Email, testPassword)

		ctx, cancel := context.WithCancel(context.Background())
		hook := &leaveDuringMarkRead{leave: cancel, hit: make(chan struct{})}
		db.AddQueryHook(hook)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/console/requests/"+itoa(r.ID), nil)
		if resp, err := staff.client.Do(req); err == nil {
			resp.Body.Close()
		}
		<-hook.hit
		waitFor(t, "the request's log line", func() bool { return strings.Contains(logs.String(), `msg=request method=GET uri=/console/requests/`) })
		log := logs.String()
		if strings.Contains(log, "level=ERROR") {
			t.Errorf("a browser leaving was logged as an error:\n%s", log)
		}
		if !strings.Contains(log, `level=DEBUG msg="mark thread read"`) {
			t.Errorf("the read marker's failure is not at debug level:\n%s", log)
		}
	})
}

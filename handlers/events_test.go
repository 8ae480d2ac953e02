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
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
	"github.com/portal-msp/portal/realtime"
)

// newLiveApp is newApp with live updates: its own hub and feed, as one
// portal process has.
func newLiveApp(t *testing.T, db *bun.DB) *app {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := realtime.NewHub(db, nil, log, realtime.Options{})
	e, err := handlers.New(cfg, db, log, handlers.WithHub(hub))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { realtime.NewFeed(db, hub, log).Run(ctx); close(done) }()
	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
		cancel()
		<-done
	})
	return &app{t: t, db: db, srv: srv, client: newClient()}
}

// sseEvent is one event as a browser's EventSource parses it.
type sseEvent struct{ id, name, data string }

// listen opens the page event stream with the browser's cookies; the stream
// is never named by the browser.
func (a *app) listen() <-chan sseEvent {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/events?stream=everything&client=1", nil)
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		a.t.Fatalf("GET /events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	a.t.Cleanup(func() { resp.Body.Close() })
	out := make(chan sseEvent, 100)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "" && ev.data != "":
				out <- ev
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
	return out
}

// collect gathers events until want is seen (or a generous timeout).
func collect(t *testing.T, events <-chan sseEvent, want string) []sseEvent {
	t.Helper()
	var got []sseEvent
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("stream ended before %q", want)
			}
			got = append(got, ev)
			if strings.Contains(ev.data, want) {
				return got
			}
		case <-timeout:
			t.Fatalf("%q never arrived; got %v", want, got)
		}
	}
}

// TestMessagesReachBrowsersOnAnotherProcess runs two portal processes on
// one database. Staff post a reply and an internal note through the first;
// browsers connected to the second receive exactly what they may see.
func TestMessagesReachBrowsersOnAnotherProcess(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		other := seedOtherClient(t, db).user
		sc, _ := models.ScopeFor(db, s.clientUser)
		r, err := sc.CreateRequest(ctx, models.NewRequest{Title: "Printer offline", Urgency: models.UrgencyHigh})
		if err != nil {
			t.Fatal(err)
		}

		second := db
		if models.IsPostgres(db) {
			var name string
			if err := db.NewRaw("SELECT current_database()").Scan(ctx, &name); err != nil {
				t.Fatal(err)
			}
			if second, err = models.OpenPostgres(ctx, dbtest.URLFor(t, name)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { second.Close() })
		}
		procA, procB := newLiveApp(t, db), newLiveApp(t, second)

		client := procB.browser()
		client.signIn(s.clientUser.Email, testPassword)
		otherClient := procB.browser()
		otherClient.signIn(other.Email, testPassword)
		watcher := procB.browser()
		watcher.signIn(s.admin.Email, testPassword)
		clientEvents, otherEvents, staffEvents := client.listen(), otherClient.listen(), watcher.listen()
		time.Sleep(200 * time.Millisecond) // the streams are attached

		staff := procA.browser()
		staff.signIn(s.admin.Email, testPassword)
		page := fmt.Sprintf("/console/requests/%d", r.ID)
		for _, m := range []url.Values{
			{"body": {"Internal: the printer is out of warranty"}, "kind": {"note"}},
			{"body": {"We are on our way <b>now</b>"}, "kind": {"reply"}},
		} {
			if resp, body := staff.submit(page, page+"/reply", m); resp.StatusCode != http.StatusOK {
				t.Fatalf("post %v: %d %s", m, resp.StatusCode, body)
			}
		}

		got := collect(t, clientEvents, "We are on our way")
		var message *sseEvent
		for i, ev := range got {
			if strings.Contains(ev.data, "out of warranty") {
				t.Fatalf("an internal note reached the client: %+v", ev)
			}
			if ev.name == fmt.Sprintf("message-%d", r.ID) {
				message = &got[i]
			}
		}
		if message == nil || !strings.Contains(message.data, "&lt;b&gt;now&lt;/b&gt;") || message.id == "" {
			t.Fatalf("the reply did not arrive as an escaped thread message with an id: %+v", got)
		}
		staffGot := collect(t, staffEvents, "We are on our way")
		if !containsData(staffGot, "out of warranty") {
			t.Errorf("staff did not receive the internal note live")
		}
		select {
		case ev := <-otherEvents:
			t.Fatalf("another client's browser received %+v", ev)
		case <-time.After(300 * time.Millisecond):
		}

		// A browser reconnecting with Last-Event-ID gets what it missed.
		req, _ := http.NewRequest(http.MethodGet, procA.srv.URL+"/events", nil)
		req.Header.Set("Last-Event-ID", "1")
		resp, err := client.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		replayed := readUntil(t, resp.Body, "We are on our way")
		if strings.Contains(replayed, "out of warranty") {
			t.Fatalf("replay leaked the internal note")
		}
	})
}

func containsData(events []sseEvent, s string) bool {
	for _, ev := range events {
		if strings.Contains(ev.data, s) {
			return true
		}
	}
	return false
}

// readUntil reads a stream until it contains want.
func readUntil(t *testing.T, body io.Reader, want string) string {
	t.Helper()
	done := make(chan string, 1)
	go func() {
		var b strings.Builder
		sc := bufio.NewScanner(body)
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
			if strings.Contains(b.String(), want) {
				break
			}
		}
		done <- b.String()
	}()
	select {
	case s := <-done:
		if !strings.Contains(s, want) {
			t.Fatalf("stream ended without %q", want)
		}
		return s
	case <-time.After(10 * time.Second):
		t.Fatalf("%q was not replayed", want)
		return ""
	}
}

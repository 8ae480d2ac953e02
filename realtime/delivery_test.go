package realtime_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
	"github.com/portal-msp/portal/realtime"
)

// browser is an EventSource: it reads a stream, and when the stream ends it
// reconnects with the Last-Event-ID of the last complete event it saw,
// exactly as a browser does. It counts every event it receives.
type browser struct {
	url    string
	aud    realtime.Audience
	mu     sync.Mutex
	lastID string
	got    []received  // in arrival order, data frames only
	at     []time.Time // when each of got arrived
	cancel context.CancelFunc
	done   chan struct{}
}

func openBrowser(t *testing.T, url string, aud realtime.Audience, lastID string) *browser {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := &browser{url: url, aud: aud, lastID: lastID, cancel: cancel, done: make(chan struct{})}
	go b.loop(ctx)
	t.Cleanup(b.close)
	return b
}

func (b *browser) close() {
	b.cancel()
	<-b.done
}

func (b *browser) loop(ctx context.Context) {
	defer close(b.done)
	for ctx.Err() == nil {
		b.once(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (b *browser) once(ctx context.Context) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.url+"/events", nil)
	req.Header.Set("X-Test-Client", fmt.Sprint(b.aud.ClientID))
	req.Header.Set("X-Test-Staff", fmt.Sprint(b.aud.Staff))
	b.mu.Lock()
	if b.lastID != "" {
		req.Header.Set("Last-Event-ID", b.lastID)
	}
	b.mu.Unlock()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	readSSE(resp.Body, func(ev received) {
		if ev.Event == "comment" || ev.Event == "GARBAGE" {
			return
		}
		b.mu.Lock()
		b.got = append(b.got, ev)
		b.at = append(b.at, time.Now())
		b.lastID = ev.ID // the browser's Last-Event-ID follows every id line
		b.mu.Unlock()
	})
}

func (b *browser) events() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.got...)
}

// arrivedAt says when each event (by data) first arrived.
func (b *browser) arrivedAt() map[string]time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := map[string]time.Time{}
	for i, ev := range b.got {
		if _, ok := m[ev.Data]; !ok {
			m[ev.Data] = b.at[i]
		}
	}
	return m
}

// waitFor waits until the browser has n events (or fails after a long wait).
func (b *browser) waitFor(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if len(b.events()) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("browser %+v has %d events, want %d", b.aud, len(b.events()), n)
}

// checkExactlyOnceInOrder asserts a browser received each of want exactly
// once, each id a position that has everything the one before it had, and
// more.
func checkExactlyOnceInOrder(t *testing.T, name string, got []received, want map[string]bool) {
	t.Helper()
	seen := map[string]int{}
	var prev models.Position
	for i, ev := range got {
		seen[ev.Data]++
		pos, err := models.ParsePosition(ev.ID)
		if err != nil {
			t.Fatalf("%s: event %d has id %q", name, i, ev.ID)
		}
		if pos == prev || pos.Join(prev) != pos {
			t.Fatalf("%s: event %d (%s at %s) not after %s", name, i, ev.Data, ev.ID, prev)
		}
		prev = pos
	}
	for d, n := range seen {
		if !want[d] {
			t.Errorf("%s: received %q, which it may not see or was never sent", name, d)
		} else if n != 1 {
			t.Errorf("%s: received %q %d times", name, d, n)
		}
	}
	missing := 0
	for d := range want {
		if seen[d] == 0 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%s: %d of %d events never arrived", name, missing, len(want))
	}
}

// TestCatchUpFarLongerThanTheBufferCompletes: 20 browsers come back 2,000
// events behind (the live buffer holds 64) while events keep coming; each
// receives every one of its events exactly once, in order, and then goes on
// receiving live ones.
func TestCatchUpFarLongerThanTheBufferCompletes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db, realtime.Options{BufferSize: 64})
		start := f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, "start")
		want := map[int64]map[string]bool{0: {}, 1: {}}
		all := map[string]bool{}
		add := func(tx bun.IDB, client int, audience, detail string) {
			ev := &models.ActivityEvent{ClientID: f.clients[client], Kind: models.EventMessagePosted, Audience: audience, Detail: detail}
			if err := models.RecordEvent(ctx, tx, ev); err != nil {
				t.Fatal(err)
			}
			if audience == models.AudiencePublic {
				want[int64(client)]["client:"+detail] = true
			}
			all["staff:"+detail] = true
		}
		// The backlog, written in batches.
		for batch := range 20 {
			err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				for i := range 100 {
					n := batch*100 + i
					aud := models.AudiencePublic
					if n%10 == 0 {
						aud = models.AudienceStaff
					}
					add(tx, n%2, aud, fmt.Sprint("backlog ", n))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		var browsers []*browser
		for i := range 20 {
			aud := realtime.Audience{ClientID: f.clients[i%2]}
			if i%5 == 4 {
				aud = realtime.Audience{Staff: true}
			}
			browsers = append(browsers, openBrowser(t, f.srv.URL, aud, start))
		}
		// Live events while they catch up, about 100 a second.
		for n := range 200 {
			add(db, n%2, models.AudiencePublic, fmt.Sprint("live ", n))
			time.Sleep(10 * time.Millisecond)
		}
		for i, b := range browsers {
			w := all
			if !b.aud.Staff {
				w = map[string]bool{}
				for d := range want[int64(i%2)] {
					w[d] = true
				}
			}
			b.waitFor(t, len(w), 60*time.Second)
			time.Sleep(50 * time.Millisecond)
			checkExactlyOnceInOrder(t, fmt.Sprint("browser ", i), b.events(), w)
		}
	})
}

// TestEventsCommittedOutOfOrderAreDelivered: an event whose transaction
// commits after a later-numbered one is held back until it can be
// delivered in order, never skipped. First one case step by step (with a
// feed that never passes an open transaction: see
// TestALongTransactionIsPassedAndItsEventsFollow), then four writers racing
// with 20 browsers counting.
func TestEventsCommittedOutOfOrderAreDelivered(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixtureFeed(t, db, realtime.Options{}, func(feed *realtime.Feed) { feed.PassAfter = time.Hour }, nil)
		staff := openBrowser(t, f.srv.URL, realtime.Audience{Staff: true}, "")
		f.waitConns(t, 1)

		if models.IsPostgres(db) {
			// A takes the lower id, B the higher; B commits first.
			txA, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := models.RecordEvent(ctx, txA, &models.ActivityEvent{ClientID: f.clients[0], Kind: "k", Audience: models.AudiencePublic, Detail: "A"}); err != nil {
				t.Fatal(err)
			}
			f.record(t, f.clients[0], "k", models.AudiencePublic, "B")
			time.Sleep(400 * time.Millisecond)
			if got := staff.events(); len(got) != 0 {
				t.Fatalf("B was delivered while A, before it, was still in flight: %+v", got)
			}
			if err := txA.Commit(); err != nil {
				t.Fatal(err)
			}
			staff.waitFor(t, 2, 10*time.Second)
			got := staff.events()
			if got[0].Data != "staff:A" || got[1].Data != "staff:B" {
				t.Fatalf("got %+v, want A then B", got)
			}
		}

		var browsers []*browser
		for i := range 20 {
			aud := realtime.Audience{ClientID: f.clients[i%2]}
			if i%4 == 3 {
				aud = realtime.Audience{Staff: true}
			}
			browsers = append(browsers, openBrowser(t, f.srv.URL, aud, ""))
		}
		f.waitConns(t, 21)
		var mu sync.Mutex
		want := map[int64]map[string]bool{0: {}, 1: {}}
		all := map[string]bool{}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 125 {
					detail := fmt.Sprintf("w%d-%d", w, i)
					client := (w + i) % 2
					err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
						ev := &models.ActivityEvent{ClientID: f.clients[client], Kind: "k", Audience: models.AudiencePublic, Detail: detail}
						if err := models.RecordEvent(ctx, tx, ev); err != nil {
							return err
						}
						// Work after taking the id widens the window in which
						// another writer's later id commits first.
						time.Sleep(time.Duration(rand.IntN(8)) * time.Millisecond)
						return nil
					})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					want[int64(client)]["client:"+detail] = true
					all["staff:"+detail] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		for i, b := range browsers {
			w := all
			if !b.aud.Staff {
				w = want[int64(i%2)]
			}
			b.waitFor(t, len(w), 30*time.Second)
			time.Sleep(50 * time.Millisecond)
			checkExactlyOnceInOrder(t, fmt.Sprint("browser ", i), b.events(), w)
		}
	})
}

// TestFeedLosesNothingWhenItsConnectionsDie: the process's pooled database
// connections are killed again and again (its LISTEN connection survives)
// while 2,000 events are written; every browser still receives each event
// exactly once, in order.
func TestFeedLosesNothingWhenItsConnectionsDie(t *testing.T) {
	db := dbtest.New(t, dbtest.Postgres)
	ctx := context.Background()
	var name string
	if err := db.NewRaw("SELECT current_database()").Scan(ctx, &name); err != nil {
		t.Fatal(err)
	}
	// The writer has a pool of its own, named so that it is spared.
	writer := bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dbtest.URLFor(t, name)),
		pgdriver.WithApplicationName("writer"))), pgdialect.New())
	t.Cleanup(func() { writer.Close() })
	f := newFixture(t, writer, realtime.Options{}) // clients only

	proc, err := models.OpenPostgres(ctx, dbtest.URLFor(t, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proc.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := realtime.NewHub(proc, render, log, realtime.Options{})
	feed := realtime.NewFeed(proc, hub, log)
	fctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { feed.Run(fctx); close(done) }()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		aud := realtime.Audience{Staff: r.Header.Get("X-Test-Staff") == "true"}
		fmt.Sscan(r.Header.Get("X-Test-Client"), &aud.ClientID)
		hub.Serve(w, r, aud, r.Header.Get("Last-Event-ID"))
	}))
	t.Cleanup(func() { stop(); <-done; hub.Close(); srv.Close() })

	var browsers []*browser
	for i := range 20 {
		aud := realtime.Audience{ClientID: f.clients[i%2]}
		if i%4 == 3 {
			aud = realtime.Audience{Staff: true}
		}
		browsers = append(browsers, openBrowser(t, srv.URL, aud, ""))
	}
	waitCount(t, hub, 20)

	killed := 0
	killing, stopKilling := context.WithCancel(ctx)
	var kg sync.WaitGroup
	kg.Add(1)
	go func() {
		defer kg.Done()
		for killing.Err() == nil {
			var n int
			err := writer.NewRaw(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE datname = ? AND application_name = 'portal' AND query NOT LIKE 'LISTEN%'`, name).Scan(ctx, &n)
			if err == nil {
				killed += n
			}
			time.Sleep(30 * time.Millisecond)
		}
	}()
	want := map[int64]map[string]bool{0: {}, 1: {}}
	all := map[string]bool{}
	for i := range 2000 {
		detail := fmt.Sprint("e", i)
		client := i % 2
		if err := models.RecordEvent(ctx, writer, &models.ActivityEvent{ClientID: f.clients[client], Kind: "k", Audience: models.AudiencePublic, Detail: detail}); err != nil {
			t.Fatal(err)
		}
		want[int64(client)]["client:"+detail] = true
		all["staff:"+detail] = true
		if i%10 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	stopKilling()
	kg.Wait()
	if killed == 0 {
		t.Fatal("no pooled connection was killed; the test tests nothing")
	}
	for i, b := range browsers {
		w := all
		if !b.aud.Staff {
			w = want[int64(i%2)]
		}
		b.waitFor(t, len(w), 60*time.Second)
		time.Sleep(50 * time.Millisecond)
		checkExactlyOnceInOrder(t, fmt.Sprint("browser ", i), b.events(), w)
	}
	t.Logf("%d pooled connections killed during 2,000 events", killed)
}

// TestAnEventIDIsSentOnlyAfterTheWholeEvent: an event rendered as several
// frames carries its own position only on the last, so a browser cut off
// in between asks for the whole event again.
func TestAnEventIDIsSentOnlyAfterTheWholeEvent(t *testing.T) {
	db := dbtest.New(t, dbtest.SQLite)
	f := newFixture(t, db, realtime.Options{})
	f.hub.SetRenderer(func(_ context.Context, ev *models.ActivityEvent, _ models.Viewer, _ *time.Location) ([]realtime.Frame, error) {
		return []realtime.Frame{{Name: "one", Data: ev.Detail}, {Name: "two", Data: ev.Detail}, {Name: "three", Data: ev.Detail}}, nil
	})
	first := f.record(t, f.clients[0], "k", models.AudiencePublic, "first")
	s := open(t, f.srv, realtime.Audience{ClientID: f.clients[0]}, first)
	f.waitConns(t, 1)
	second := f.record(t, f.clients[0], "k", models.AudiencePublic, "second")
	for _, want := range []received{{first, "one", "second"}, {first, "two", "second"}, {second, "three", "second"}} {
		if ev := s.next(); ev != want {
			t.Fatalf("got %+v, want %+v", ev, want)
		}
	}
}

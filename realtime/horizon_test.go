package realtime_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
	"github.com/portal-msp/portal/realtime"
)

// logBuffer collects a logger's lines for a test to read.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// holdOpen begins a transaction on db, writes in it and returns it, with
// the backend's pid: a transaction in flight that has an id.
func holdOpen(t *testing.T, db *bun.DB, write string) (bun.Tx, int) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() }) //nolint:errcheck // committed or rolled back by then, or the test failed
	if _, err := tx.ExecContext(ctx, write); err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := tx.NewRaw("SELECT pg_backend_pid()").Scan(ctx, &pid); err != nil {
		t.Fatal(err)
	}
	return tx, pid
}

// replies writes n public events for the fixture's first client, one every
// gap, and returns what each browser should receive and when each was
// committed.
func replies(t *testing.T, f *fixture, prefix string, n int, gap time.Duration) (client, staff map[string]bool, committed map[string]time.Time) {
	t.Helper()
	client, staff, committed = map[string]bool{}, map[string]bool{}, map[string]time.Time{}
	for i := range n {
		d := fmt.Sprint(prefix, i)
		if err := models.RecordEvent(context.Background(), f.db, &models.ActivityEvent{ClientID: f.clients[0],
			Kind: models.EventMessagePosted, Audience: models.AudiencePublic, Detail: d}); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		committed["client:"+d], committed["staff:"+d] = now, now
		client["client:"+d], staff["staff:"+d] = true, true
		time.Sleep(gap)
	}
	return client, staff, committed
}

// arrivals waits until b has every event of want, failing if that takes
// until deadline, and returns the longest and the mean delay from commit to
// arrival (as seen by the test's clock).
func arrivals(t *testing.T, name string, b *browser, want map[string]bool, committed map[string]time.Time, deadline time.Time) (worst, mean time.Duration) {
	t.Helper()
	for time.Now().Before(deadline) {
		arrived := b.arrivedAt()
		done := 0
		for d := range want {
			if _, ok := arrived[d]; ok {
				done++
			}
		}
		if done == len(want) {
			var sum time.Duration
			for d := range want {
				delay := arrived[d].Sub(committed[d])
				worst, sum = max(worst, delay), sum+delay
			}
			return worst, sum / time.Duration(len(want))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s: %d of %d events arrived while the other transaction was still open", name, len(b.events()), len(want))
	return 0, 0
}

// TestAForeignTransactionDoesNotHoldLiveDelivery: a transaction that has
// written in another database of the same PostgreSQL cluster and stays open
// (10 s here) holds back the cluster's oldest transaction id, which is where
// the feed used to stop reading; replies written meanwhile must reach the
// streams long before it ends, each once and in order.
func TestAForeignTransactionDoesNotHoldLiveDelivery(t *testing.T) {
	db := dbtest.New(t, dbtest.Postgres)
	f := newFixture(t, db, realtime.Options{})
	staff := openBrowser(t, f.srv.URL, realtime.Audience{Staff: true}, "")
	client := openBrowser(t, f.srv.URL, realtime.Audience{ClientID: f.clients[0]}, "")
	f.waitConns(t, 2)

	other := dbtest.Empty(t, dbtest.Postgres) // a scratch database of the same cluster
	foreign, pid := holdOpen(t, other, "CREATE TABLE held (n int); INSERT INTO held VALUES (1)")
	ends := time.Now().Add(10 * time.Second)

	wantClient, wantStaff, committed := replies(t, f, "reply ", 20, 100*time.Millisecond)
	worst, mean := arrivals(t, "staff", staff, wantStaff, committed, ends)
	cworst, cmean := arrivals(t, "client", client, wantClient, committed, ends)
	time.Sleep(50 * time.Millisecond)
	checkExactlyOnceInOrder(t, "staff", staff.events(), wantStaff)
	checkExactlyOnceInOrder(t, "client", client.events(), wantClient)
	if time.Now().After(ends) {
		t.Fatal("the replies arrived only after the foreign transaction's time was up")
	}
	t.Logf("foreign transaction (pid %d) open; 20 replies: staff delay worst %v mean %v, client worst %v mean %v",
		pid, worst.Round(time.Millisecond), mean.Round(time.Millisecond), cworst.Round(time.Millisecond), cmean.Round(time.Millisecond))
	time.Sleep(time.Until(ends))
	if err := foreign.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestALongTransactionIsPassedAndItsEventsFollow: a transaction of the
// portal's own database that has written an event and stays open holds
// delivery back for about a second at most; the feed then delivers past it,
// logs a warning naming its backend, and delivers its event once it
// commits: exactly once on every stream, including browsers that
// reconnected in between (their Last-Event-ID names the transaction), and
// on a second process that saw it all through its own pool.
func TestALongTransactionIsPassedAndItsEventsFollow(t *testing.T) {
	db := dbtest.New(t, dbtest.Postgres)
	logs := &logBuffer{}
	// Streams end every few hundred milliseconds, so browsers reconnect
	// with their Last-Event-ID while the transaction is open.
	f := newFixtureFeed(t, db, realtime.Options{MaxAge: 300 * time.Millisecond}, nil,
		slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
	staff := openBrowser(t, f.srv.URL, realtime.Audience{Staff: true}, "")
	client := openBrowser(t, f.srv.URL, realtime.Audience{ClientID: f.clients[0]}, "")
	f.waitConns(t, 2)

	long, pid := holdOpen(t, db, "SELECT 1")
	if err := models.RecordEvent(context.Background(), long, &models.ActivityEvent{ClientID: f.clients[0],
		Kind: models.EventMessagePosted, Audience: models.AudiencePublic, Detail: "late"}); err != nil {
		t.Fatal(err)
	}
	ends := time.Now().Add(8 * time.Second)
	wantClient, wantStaff, committed := replies(t, f, "reply ", 20, 100*time.Millisecond)
	worst, mean := arrivals(t, "staff", staff, wantStaff, committed, ends)
	cworst, cmean := arrivals(t, "client", client, wantClient, committed, ends)
	t.Logf("own transaction (pid %d) open; 20 replies: staff delay worst %v mean %v, client worst %v mean %v",
		pid, worst.Round(time.Millisecond), mean.Round(time.Millisecond), cworst.Round(time.Millisecond), cmean.Round(time.Millisecond))
	if time.Now().After(ends) {
		t.Fatal("the replies arrived only after the long transaction's time was up")
	}
	logged := logs.String()
	if !strings.Contains(logged, "held live delivery back") || !strings.Contains(logged, fmt.Sprint("pid=", pid)) ||
		!strings.Contains(logged, "xact_start=") || !strings.Contains(logged, "datname=") {
		t.Fatalf("no warning names the transaction's backend (pid %d); logged:\n%s", pid, logged)
	}
	// A browser that comes back now, from the position the others reached
	// while the transaction was open, still receives its event.
	comeback := openBrowser(t, f.srv.URL, realtime.Audience{ClientID: f.clients[0]}, staff.events()[len(staff.events())-1].ID)

	time.Sleep(time.Until(ends))
	if err := long.Commit(); err != nil {
		t.Fatal(err)
	}
	wantClient["client:late"], wantStaff["staff:late"] = true, true
	staff.waitFor(t, len(wantStaff), 30*time.Second)
	client.waitFor(t, len(wantClient), 30*time.Second)
	comeback.waitFor(t, 1, 30*time.Second)
	// One more reply, after which positions no longer name the transaction.
	f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, "after")
	wantClient["client:after"], wantStaff["staff:after"] = true, true
	staff.waitFor(t, len(wantStaff), 30*time.Second)
	client.waitFor(t, len(wantClient), 30*time.Second)
	comeback.waitFor(t, 2, 30*time.Second)
	time.Sleep(300 * time.Millisecond) // anything sent twice would be here by now
	checkExactlyOnceInOrder(t, "staff", staff.events(), wantStaff)
	checkExactlyOnceInOrder(t, "client", client.events(), wantClient)
	checkExactlyOnceInOrder(t, "comeback", comeback.events(), map[string]bool{"client:late": true, "client:after": true})
	if last := staff.events()[len(staff.events())-2]; last.Data != "staff:late" {
		t.Fatalf("the late event came at %+v", last)
	}
}

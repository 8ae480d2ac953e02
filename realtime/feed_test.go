package realtime_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
	"github.com/portal-msp/portal/realtime"
)

// process is one portal process: its own connection pool, hub and feed.
type process struct {
	hub *realtime.Hub
	srv *httptest.Server
}

func startProcess(t *testing.T, db *bun.DB) *process {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := realtime.NewHub(db, render, log, realtime.Options{})
	feed := realtime.NewFeed(db, hub, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { feed.Run(ctx); close(done) }()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hub.Serve(w, r, realtime.Audience{ClientID: 0, Staff: true}, r.Header.Get("Last-Event-ID"))
	}))
	t.Cleanup(func() {
		cancel()
		<-done
		hub.Close()
		srv.Close()
	})
	return &process{hub: hub, srv: srv}
}

func waitCount(t *testing.T, hub *realtime.Hub, n int) {
	t.Helper()
	for range 500 {
		if hub.Count() == n {
			time.Sleep(20 * time.Millisecond)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("hub has %d connections, want %d", hub.Count(), n)
}

// TestEventsCrossProcesses commits an event through one process's database
// pool and sees it arrive on a browser connected to another process; a
// rolled-back change announces nothing.
func TestEventsCrossProcesses(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db, realtime.Options{}) // for the clients
		dbs := []*bun.DB{db}
		if models.IsPostgres(db) {
			var name string
			if err := db.NewRaw("SELECT current_database()").Scan(ctx, &name); err != nil {
				t.Fatal(err)
			}
			other, err := models.OpenPostgres(ctx, dbtest.URLFor(t, name))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
			dbs = append(dbs, other)
		}
		var streams []*stream
		for _, pdb := range dbs {
			p := startProcess(t, pdb)
			streams = append(streams, open(t, p.srv, realtime.Audience{Staff: true}, ""))
			waitCount(t, p.hub, 1)
		}
		time.Sleep(100 * time.Millisecond) // listeners subscribed

		// Rolled back: nobody hears of it.
		errRollback := errors.New("rollback")
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			ev := &models.ActivityEvent{ClientID: f.clients[0], Kind: models.EventMessagePosted, Audience: models.AudiencePublic, Detail: "never"}
			if err := models.RecordEvent(ctx, tx, ev); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		// Committed through the first process's pool: every process delivers it.
		err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return models.RecordEvent(ctx, tx, &models.ActivityEvent{ClientID: f.clients[0], Kind: models.EventMessagePosted, Audience: models.AudiencePublic, Detail: "committed"})
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range streams {
			if ev := s.next(); ev.Data != "staff:committed" {
				t.Fatalf("process %d delivered %+v", i, ev)
			}
			s.none(200 * time.Millisecond)
		}
	})
}

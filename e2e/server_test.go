package e2e

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/mail/mailtest"
	"github.com/portal-msp/portal/models/dbtest"
	"github.com/portal-msp/portal/realtime"
)

// portal is the whole application as production runs it (cmd/portal/serve.go):
// handlers, the realtime hub and its feed, and mail through a real SMTP
// server, all in this process.
type portal struct {
	url  string // http://127.0.0.1:port, also the configured base URL
	db   *bun.DB
	smtp *mailtest.Server
	hub  *realtime.Hub
	// requests records the path of every request served (live_parts_test.go).
	requests *requestRecorder
}

// startPortal boots the portal on a fresh database of one kind: PostgreSQL
// when the tests have one, SQLite otherwise. The browser tests are slow
// enough that running each on both kinds is left to the handler tests.
func startPortal(t *testing.T) *portal { return startPortalWith(t, false) }

// startPortalWith is startPortal, over https (a self-signed certificate the
// test browser accepts) when tls is set.
func startPortalWith(t *testing.T, tls bool) *portal {
	t.Helper()
	db := dbtest.New(t, databaseKind())
	smtp := mailtest.Start(t)
	log := serverLog(t)

	// The listener exists before the handler so that the base URL, used in
	// e-mailed and copied links, is the address the browser really opens.
	srv := httptest.NewUnstartedServer(nil)
	url := "http://" + srv.Listener.Addr().String()
	if tls {
		url = "https://" + srv.Listener.Addr().String()
	}
	env := map[string]string{
		"PORTAL_BASE_URL": url, "PORTAL_DATA_DIR": t.TempDir(),
		"PORTAL_SMTP_HOST": smtp.Host, "PORTAL_SMTP_PORT": strconv.Itoa(smtp.Port), "PORTAL_SMTP_TLS": "none",
		"PORTAL_SMTP_FROM": "Northwind IT <portal@northwind.test>",
	}
	cfg, err := config.Load(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}

	hub := realtime.NewHub(db, nil, log, realtime.Options{})
	app, err := handlers.New(cfg, db, log, handlers.WithHub(hub))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stopFeed := context.WithCancel(context.Background())
	go func() {
		if err := realtime.NewFeed(db, hub, log).Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("realtime feed stopped", "error", err)
		}
	}()
	rec := &requestRecorder{}
	srv.Config.Handler = rec.wrap(app)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	// Cleanups run last-in first-out: close the event streams first, or
	// srv.Close would wait for them. The feed is not waited for: on
	// PostgreSQL it notices the cancellation only when its LISTEN wait ends
	// (up to 30 s); dropping the test database ends that wait anyway.
	t.Cleanup(stopFeed)
	t.Cleanup(srv.Close)
	t.Cleanup(hub.Close)
	return &portal{url: url, db: db, smtp: smtp, hub: hub, requests: rec}
}

func databaseKind() string {
	if os.Getenv("PORTAL_TEST_DATABASE_URL") != "" {
		return dbtest.Postgres
	}
	return dbtest.SQLite
}

// serverLog keeps the server's log in memory and prints it when the test
// fails: a browser test's failure often has its cause on the server side.
func serverLog(t *testing.T) *slog.Logger {
	buf := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

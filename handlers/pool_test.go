package handlers_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

// Pooled PostgreSQL connections that the server closed while they sat idle
// (a restart, a fail-over, pg_terminate_backend) are replaced without any
// request answering 500.
func TestDeadPooledConnectionsAreReplaced(t *testing.T) {
	db := dbtest.New(t, dbtest.Postgres)
	ctx := context.Background()
	s := seedWorkspace(t, db)
	a := newApp(t, db)
	a.signIn(s.clientUser.Email, testPassword)

	// Fill the pool: eight connections in use at once, then back to idle.
	var conns []bun.Conn
	for range 8 {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
	}
	for _, conn := range conns {
		conn.Close()
	}
	for i := 0; i < 20; i++ {
		if resp, _ := a.get("/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("dashboard before the fault: %d", resp.StatusCode)
		}
	}

	// Another connection ends every backend of this database but its own.
	ctl, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var killed int
	if err := ctl.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatal("no pooled backend to terminate")
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var left int
		if err := ctl.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d backends still alive", left)
		}
	}
	defer ctl.Close() // held, so the pool has only the dead connections to offer

	// Twenty requests at once, so that many pooled connections are tried.
	codes := make([]int, 20)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/", nil)
			resp, err := a.client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	for i, code := range codes {
		if code != http.StatusOK {
			t.Errorf("request %d after %d pooled connections died: %d, want 200", i+1, killed, code)
		}
	}
}

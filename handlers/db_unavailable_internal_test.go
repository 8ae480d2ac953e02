package handlers

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// The errors a real PostgreSQL gives while it restarts or is out of reach
// are told apart from statements that failed.
func TestDatabaseOutageErrorsAreRecognised(t *testing.T) {
	db := dbtest.New(t, dbtest.Postgres)
	ctx := context.Background()

	// A statement whose backend the server ends (a restart, an admin):
	// FATAL 57P01.
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var pid int
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := conn.ExecContext(ctx, "SELECT pg_sleep(60)")
		done <- err
	}()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var sleeping bool
		if err := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = ? AND query LIKE 'SELECT pg_sleep%')", pid).Scan(&sleeping); err != nil {
			t.Fatal(err)
		}
		if sleeping {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the statement never started")
		}
	}
	if _, err := db.ExecContext(ctx, "SELECT pg_terminate_backend(?)", pid); err != nil {
		t.Fatal(err)
	}
	terminated := <-done
	var pg pgdriver.Error
	if !errors.As(terminated, &pg) || pg.Field('C') != "57P01" {
		t.Logf("terminated statement: %v (not a 57P01 error)", terminated)
	}
	// The next use of that connection finds it broken.
	_, broken := conn.ExecContext(ctx, "SELECT 1")

	// A server that is not listening: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := ln.Addr().String()
	ln.Close()
	u, _ := url.Parse(dbtest.PostgresURL(t))
	u.Host = closedPort
	_, refused := models.OpenPostgres(ctx, u.String())

	for name, err := range map[string]error{
		"terminated backend (57P01)": terminated, "broken connection": broken, "connection refused": refused,
		"driver.ErrBadConn": fmt.Errorf("models: load session: %w", driver.ErrBadConn),
	} {
		if err == nil || !dbUnavailable(err) {
			t.Errorf("%s: %v not recognised as the database being unavailable", name, err)
		}
	}

	// Failures of the statement itself are not outages.
	_, syntax := db.ExecContext(ctx, "SELEC 1")
	_, unique := db.ExecContext(ctx, "INSERT INTO workspaces (id, name) SELECT id, name FROM workspaces")
	for name, err := range map[string]error{
		"syntax error": syntax, "constraint": unique, "not found": models.ErrNotFound, "cancelled": context.Canceled,
	} {
		if err == nil || dbUnavailable(err) {
			t.Errorf("%s: %v taken for the database being unavailable", name, err)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// migrationLockKey is migrations.advisoryLockKey ("portal" in ASCII).
const migrationLockKey = 0x706f7274616c

// A process that starts while another one migrates waits on the migration
// lock for as long as that migration lasts, and one statement of a backfill
// reads nothing back for as long. Both paths that migrate (serve's start-up
// and "portal migrate up") must outlast the pages' 5 s read timeout: here the
// lock is held for longer than that, and both must wait for it and succeed.
// Through the pages' connection they failed with an i/o timeout.
func TestMigrationsOutlastThePagesReadTimeout(t *testing.T) {
	t.Parallel()
	url := dbtest.URLFor(t, emptyDatabase(t))
	ctx := context.Background()
	// Advisory locks belong to one database: hold it in the one migrated.
	holder, err := models.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()

	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
		t.Fatal(err)
	}
	const hold = 6500 * time.Millisecond // more than models.OpenPostgres's 5 s
	start := time.Now()
	go func() {
		time.Sleep(hold)
		conn.ExecContext(ctx, "SELECT pg_advisory_unlock(?)", migrationLockKey) //nolint:errcheck
	}()

	done := make(chan error, 2)
	go func() { // "portal migrate up"
		var out bytes.Buffer
		done <- run(ctx, []string{"migrate", "up"}, envOf("DATABASE_URL="+url), &out)
	}()
	go func() { // serve's start-up, with the pool the pages use
		cfg := config.Config{DatabaseURL: url}
		db, err := openDB(ctx, cfg)
		if err != nil {
			done <- err
			return
		}
		defer db.Close()
		_, err = migrateUp(ctx, cfg, db)
		done <- err
	}()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatalf("migrating while another process holds the migration lock: %v", err)
		}
	}
	if waited := time.Since(start); waited < hold {
		t.Fatalf("migrations finished after %s, before the lock was released (%s): the test no longer waits on it", waited, hold)
	}
}

// Package dbtest gives tests real databases: a fresh, migrated SQLite file
// and a fresh PostgreSQL database per test, so tests run in parallel without
// seeing each other's rows.
//
// PostgreSQL comes from PORTAL_TEST_DATABASE_URL (a database the tests may
// connect to and create databases from). When it is unset the PostgreSQL half
// is skipped with a loud line, unless PORTAL_TEST_REQUIRE_POSTGRES=1 makes
// that a failure.
//
// PORTAL_TEST_CLOCK (a date such as 2031-06-15, or an RFC 3339 time) runs
// the tests that use these databases as if it were that day: models.Now
// starts there. Every test must pass on any day; this is how to try one.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/portal-msp/portal/migrations"
	"github.com/portal-msp/portal/models"
)

// Kinds of database a test can ask for.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Kinds lists both, in the order Run uses.
var Kinds = []string{SQLite, Postgres}

// Run calls fn once per database kind as parallel subtests named after the
// kind, each with its own freshly migrated database.
func Run(t *testing.T, fn func(t *testing.T, db *bun.DB)) {
	t.Helper()
	useTestClock(t)
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			fn(t, New(t, kind))
		})
	}
}

// New returns a freshly migrated database of the given kind, dropped when
// the test ends.
func New(t testing.TB, kind string) *bun.DB {
	t.Helper()
	useTestClock(t)
	if kind == SQLite {
		db := Empty(t, kind)
		if _, err := migrations.Up(context.Background(), db); err != nil {
			t.Fatalf("dbtest: migrate SQLite: %v", err)
		}
		return db
	}
	return openPostgres(t, createPostgresDB(t, migratedTemplate(t)))
}

// Empty returns a database with no tables, for migration tests.
func Empty(t testing.TB, kind string) *bun.DB {
	t.Helper()
	useTestClock(t)
	if kind == SQLite {
		db, err := models.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "portal.db"))
		if err != nil {
			t.Fatalf("dbtest: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	return openPostgres(t, createPostgresDB(t, "template0"))
}

// PostgresURL returns the base URL for PostgreSQL tests, skipping (or
// failing, when required) the test when none is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("PORTAL_TEST_DATABASE_URL")
	if u != "" {
		return u
	}
	msg := "dbtest: PORTAL_TEST_DATABASE_URL is not set: PostgreSQL tests are SKIPPED " +
		"(set it, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)"
	if os.Getenv("PORTAL_TEST_REQUIRE_POSTGRES") == "1" {
		t.Fatal(msg + " and PORTAL_TEST_REQUIRE_POSTGRES=1")
	}
	warnOnce.Do(func() { fmt.Fprintln(os.Stderr, "!!!", msg) })
	t.Skip(msg)
	return ""
}

var warnOnce sync.Once

var testClock struct {
	once sync.Once
	err  error
}

// useTestClock moves models.Now to PORTAL_TEST_CLOCK, once per process,
// before the first test database (and so the first server) exists.
func useTestClock(t testing.TB) {
	t.Helper()
	testClock.once.Do(func() {
		v := os.Getenv("PORTAL_TEST_CLOCK")
		if v == "" {
			return
		}
		at, err := parseClock(v)
		if err != nil {
			testClock.err = err
			return
		}
		models.ShiftClockTo(at)
		fmt.Fprintf(os.Stderr, "dbtest: PORTAL_TEST_CLOCK: the clock reads %s\n", models.Now().Format(time.RFC3339))
	})
	if testClock.err != nil {
		t.Fatal(testClock.err)
	}
}

// parseClock reads PORTAL_TEST_CLOCK: a date is taken at noon UTC, the
// same date in every zone from UTC-12 to UTC+11.
func parseClock(s string) (time.Time, error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.Add(12 * time.Hour), nil
	}
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("dbtest: PORTAL_TEST_CLOCK=%q: write a date (2031-06-15) or an RFC 3339 time", s)
	}
	return at, nil
}

// URLFor is the base URL pointed at another database on the same server.
func URLFor(t testing.TB, name string) string {
	u, err := url.Parse(PostgresURL(t))
	if err != nil {
		t.Fatalf("dbtest: PORTAL_TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

var admin struct {
	once sync.Once
	db   *bun.DB
	err  error
}

// adminDB is a connection to the configured database, used to create and
// drop the per-test databases. It lives for the whole test process.
func adminDB(t testing.TB) *bun.DB {
	base := PostgresURL(t)
	admin.once.Do(func() {
		admin.db, admin.err = openSlow(base)
	})
	if admin.err != nil {
		t.Fatalf("dbtest: connect to PORTAL_TEST_DATABASE_URL: %v", admin.err)
	}
	return admin.db
}

// slowTimeout bounds one statement that creates, migrates or drops a test
// database. CREATE DATABASE … TEMPLATE copies every file of the template and
// flushes it; while a whole test run (or two) keeps a small machine busy it
// has taken longer than the portal's 5 s read timeout (models.OpenPostgres),
// which is meant for the portal's own short statements.
const slowTimeout = 2 * time.Minute

// openSlow connects like models.OpenPostgres, but with slowTimeout for
// reading and writing, for the statements that set up test databases.
func openSlow(dsn string) (*bun.DB, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", dsn, err)
	}
	if u.Query().Get("sslmode") == "" {
		q := u.Query()
		q.Set("sslmode", "disable")
		u.RawQuery = q.Encode()
	}
	connector := pgdriver.NewConnector(pgdriver.WithDSN(u.String()),
		pgdriver.WithDialTimeout(10*time.Second),
		pgdriver.WithReadTimeout(slowTimeout), pgdriver.WithWriteTimeout(slowTimeout),
		pgdriver.WithApplicationName("portal-dbtest"),
		pgdriver.WithConnParams(map[string]any{"TimeZone": "UTC"}))
	db := bun.NewDB(sql.OpenDB(connector), pgdialect.New())
	ctx, cancel := context.WithTimeout(context.Background(), slowTimeout)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", u.Redacted(), err)
	}
	return db, nil
}

// migratedTemplate returns the name of a database holding the current schema,
// named after a hash of the migration files, creating it once. Test databases
// are copies of it, which is much faster than migrating each one. An advisory
// lock makes concurrent test processes (go test ./...) build it only once.
func migratedTemplate(t testing.TB) string {
	t.Helper()
	name := "portal_tpl_" + schemaHash(t)
	tpl.once.Do(func() { tpl.err = buildTemplate(adminDB(t), name) })
	if tpl.err != nil {
		t.Fatalf("dbtest: %v", tpl.err)
	}
	return name
}

var tpl struct {
	once sync.Once
	err  error
}

func buildTemplate(adm *bun.DB, name string) error {
	ctx := context.Background()
	conn, err := adm.Conn(ctx)
	if err != nil {
		return fmt.Errorf("template connection: %w", err)
	}
	defer conn.Close()
	const lockKey = 0x706f7274616c74 // "portalt"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", lockKey); err != nil {
		return fmt.Errorf("lock template: %w", err)
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock(?)", lockKey) //nolint:errcheck

	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look for template %s: %w", name, err)
	}
	if exists {
		return nil
	}
	building := name + "_building"
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop stale %s: %w", building, err)
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+building+" TEMPLATE template0"); err != nil {
		return fmt.Errorf("create %s: %w", building, err)
	}
	u, err := url.Parse(os.Getenv("PORTAL_TEST_DATABASE_URL"))
	if err != nil {
		return err
	}
	u.Path = "/" + building
	db, err := openSlow(u.String())
	if err != nil {
		return fmt.Errorf("template %s: %w", building, err)
	}
	_, err = migrations.Up(ctx, db)
	db.Close()
	if err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	// Renaming last means a half-built template is never used.
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return fmt.Errorf("publish template %s: %w", name, err)
	}
	return nil
}

// schemaHash identifies the PostgreSQL migration files' content.
func schemaHash(t testing.TB) string {
	h := sha256.New()
	err := fs.WalkDir(migrations.PostgresFiles(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.PostgresFiles(), p)
		h.Write([]byte(p))
		h.Write(b)
		return err
	})
	if err != nil {
		t.Fatalf("dbtest: hash migrations: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// createAttempts is how many databases createPostgresDB tries to make
// before it gives up.
const createAttempts = 3

// createPostgresDB makes a uniquely named database from template and drops
// it (forcibly, in case a connection leaked) when the test ends. A failed
// attempt (a timeout on a busy machine, a dropped connection) is tried again
// under a new name, since the server may still finish the first one; every
// name tried is dropped at the end.
func createPostgresDB(t testing.TB, template string) string {
	t.Helper()
	adm := adminDB(t)
	var tried []string
	t.Cleanup(func() {
		for _, name := range tried {
			dropPostgresDB(t, adm, name)
		}
	})
	for attempt := 1; ; attempt++ {
		b := make([]byte, 6)
		rand.Read(b) //nolint:errcheck
		name := "portal_test_" + hex.EncodeToString(b)
		tried = append(tried, name)
		err := createFromTemplate(adm, name, template)
		if err == nil {
			return name
		}
		if attempt == createAttempts {
			t.Fatalf("dbtest: create database %s (attempt %d of %d): %v", name, attempt, createAttempts, err)
		}
		t.Logf("dbtest: create database %s (attempt %d of %d): %v; trying again", name, attempt, createAttempts, err)
		time.Sleep(time.Second)
	}
}

// createFromTemplate runs CREATE DATABASE on one connection of its own.
func createFromTemplate(adm *bun.DB, name, template string) error {
	ctx := context.Background()
	conn, err := adm.Conn(ctx)
	if err != nil {
		return fmt.Errorf("admin connection: %w", err)
	}
	defer conn.Close()
	// Should the client give up, this makes the server stop copying (and
	// leave no database behind) instead of finishing a copy nobody drops.
	// Servers before PostgreSQL 14 do not know the setting: nothing to stop.
	_, _ = conn.ExecContext(ctx, "SET client_connection_check_interval = '1s'")
	// A template that was just closed may still show its last connection for
	// a moment ("being accessed by other users"): retry briefly.
	for range 50 {
		if _, err = conn.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err == nil ||
			!strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// dropPostgresDB drops a test database. On a machine busy with a whole test
// run a drop can be slow; the server goes on with a drop whose client gave
// up, so try again (IF EXISTS makes a finished drop succeed). A database
// left behind costs disk, not correctness: it is logged, not a failure of
// the test.
func dropPostgresDB(t testing.TB, adm *bun.DB, name string) {
	for attempt := 1; ; attempt++ {
		_, err := adm.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		if err == nil {
			return
		}
		if attempt == 3 {
			t.Logf("dbtest: drop database %s: %v", name, err)
			return
		}
		time.Sleep(time.Second)
	}
}

func openPostgres(t testing.TB, name string) *bun.DB {
	t.Helper()
	db, err := models.OpenPostgres(context.Background(), URLFor(t, name))
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

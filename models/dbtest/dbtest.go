// Package dbtest gives tests real databases: a fresh, migrated SQLite file
// and a fresh PostgreSQL database per test, so tests run in parallel without
// seeing each other's rows.
//
// PostgreSQL comes from PORTAL_TEST_DATABASE_URL (a database the tests may
// connect to and create databases from). When it is unset the PostgreSQL half
// is skipped with a loud line, unless PORTAL_TEST_REQUIRE_POSTGRES=1 makes
// that a failure.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
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
		admin.db, admin.err = models.OpenPostgres(context.Background(), base)
	})
	if admin.err != nil {
		t.Fatalf("dbtest: connect to PORTAL_TEST_DATABASE_URL: %v", admin.err)
	}
	return admin.db
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
	db, err := models.OpenPostgres(ctx, u.String())
	if err != nil {
		return err
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

// createPostgresDB makes a uniquely named database from template and drops
// it (forcibly, in case a connection leaked) when the test ends.
func createPostgresDB(t testing.TB, template string) string {
	t.Helper()
	adm := adminDB(t)
	b := make([]byte, 6)
	rand.Read(b) //nolint:errcheck
	name := "portal_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	// A template that was just closed may still show its last connection for
	// a moment ("being accessed by other users"): retry briefly.
	var err error
	for range 50 {
		if _, err = adm.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err == nil ||
			!strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("dbtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// On a machine busy with a whole test run a drop can outlast the
		// driver's read timeout; the server goes on with it, so try again
		// (IF EXISTS makes a finished drop succeed). A database left behind
		// costs disk, not correctness: it is logged, not a failure of the test.
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
	})
	return name
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

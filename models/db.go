package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	_ "modernc.org/sqlite" // pure-Go SQLite driver, registered as "sqlite"
)

// OpenPostgres connects to PostgreSQL through bun's pgdriver (whose listener
// carries LISTEN/NOTIFY for the realtime broker) and checks the server answers.
// A read that waits more than 5 s fails: the portal's own statements are short,
// and a page should fail rather than hang on a server that stopped answering.
func OpenPostgres(ctx context.Context, dsn string) (*bun.DB, error) {
	return openPostgres(ctx, dsn, pgdriver.WithTimeout(5*time.Second))
}

// OpenPostgresForMigrations connects like OpenPostgres but without the read
// timeout. A migration's backfill reads nothing back until it has rewritten
// every row (1 min 43 s for 300,000 requests), and a second process waits on
// the migration lock as long as the first one migrates; with the 5 s timeout
// either failed part-way through an upgrade. Cancelling ctx still stops it,
// and TCP keep-alives still notice a server that went away.
func OpenPostgresForMigrations(ctx context.Context, dsn string) (*bun.DB, error) {
	return openPostgres(ctx, dsn,
		pgdriver.WithDialTimeout(5*time.Second),
		pgdriver.WithReadTimeout(0),
		pgdriver.WithWriteTimeout(time.Minute))
}

func openPostgres(ctx context.Context, dsn string, timeouts ...pgdriver.Option) (*bun.DB, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("models: parse DATABASE_URL: %w", err)
	}
	// pgdriver tries TLS unless told otherwise; a local server usually has none.
	if u.Query().Get("sslmode") == "" {
		q := u.Query()
		q.Set("sslmode", "disable")
		u.RawQuery = q.Encode()
	}
	opts := append([]pgdriver.Option{
		pgdriver.WithDSN(u.String()),
		pgdriver.WithApplicationName("portal"),
		// Dates (periods, work dates) are compared with UTC midnights; the
		// session's time zone must not shift them.
		pgdriver.WithConnParams(map[string]any{"TimeZone": "UTC"}),
		// A pooled connection the server closed is replaced, not used (conn_check.go).
		pgdriver.WithResetSessionFunc(checkPooledConn),
	}, timeouts...)
	sqldb := sql.OpenDB(pgdriver.NewConnector(opts...))
	sqldb.SetMaxOpenConns(20)
	sqldb.SetMaxIdleConns(10)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	db := bun.NewDB(sqldb, pgdialect.New())
	if err := ping(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("models: connect to PostgreSQL at %s: %w", u.Redacted(), err)
	}
	return db, nil
}

// OpenSQLite opens (creating if needed) the embedded database file with WAL,
// foreign keys and a busy timeout, so the portal runs with no database server.
func OpenSQLite(ctx context.Context, path string) (*bun.DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("models: create data folder: %w", err)
		}
	}
	// _txlock=immediate takes the write lock when a transaction begins, so two
	// writers wait on busy_timeout instead of failing to upgrade a read lock.
	dsn := "file:" + filepath.ToSlash(path) +
		"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(NORMAL)&_txlock=immediate"
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("models: open SQLite %s: %w", path, err)
	}
	sqldb.SetMaxOpenConns(8)
	db := bun.NewDB(sqldb, sqlitedialect.New())
	if err := ping(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("models: open SQLite %s: %w", path, err)
	}
	return db, nil
}

func ping(ctx context.Context, db *bun.DB) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var one int
	return db.NewRaw("SELECT 1").Scan(ctx, &one)
}

// Ping is the readiness check: the database answers a trivial query.
func Ping(ctx context.Context, db *bun.DB) error { return ping(ctx, db) }

// IsPostgres reports whether db talks to PostgreSQL.
func IsPostgres(db bun.IDB) bool { return db.Dialect().Name() == dialect.PG }

// ErrNotFound is returned for a row that does not exist or that the caller's
// scope may not see; handlers answer both with 404.
var ErrNotFound = errors.New("not found")

// notFound turns sql.ErrNoRows into ErrNotFound, wrapping everything else.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("models: %s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("models: %s: %w", what, err)
}

// Package migrations holds the schema as SQL files, one set per dialect, and
// runs them with bun's migrator. A migration is marked applied only after it
// succeeded, and each file runs in one transaction (".tx." in its name).
package migrations

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// advisoryLockKey serialises migrations across processes that start at once
// on one PostgreSQL ("portal" in ASCII).
const advisoryLockKey = 0x706f7274616c

// Files returns the SQL files of the dialect db speaks.
func Files(db *bun.DB) (fs.FS, error) {
	dir := "sqlite"
	if db.Dialect().Name() == dialect.PG {
		dir = "postgres"
	}
	sub, err := fs.Sub(files, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations: %s files: %w", dir, err)
	}
	return sub, nil
}

func newMigrator(db *bun.DB) (*migrate.Migrator, error) {
	sqlFiles, err := Files(db)
	if err != nil {
		return nil, err
	}
	set := migrate.NewMigrations()
	if err := set.Discover(sqlFiles); err != nil {
		return nil, fmt.Errorf("migrations: discover: %w", err)
	}
	return migrate.NewMigrator(db, set, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// Up applies every pending migration and returns the names applied.
func Up(ctx context.Context, db *bun.DB) ([]string, error) {
	var applied []string
	err := locked(ctx, db, func(m *migrate.Migrator) error {
		group, err := m.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("migrations: up: %w", err)
		}
		for _, mig := range group.Migrations {
			applied = append(applied, mig.String())
		}
		return nil
	})
	return applied, err
}

// Down rolls back the most recently applied group and returns the names undone.
func Down(ctx context.Context, db *bun.DB) ([]string, error) {
	var undone []string
	err := locked(ctx, db, func(m *migrate.Migrator) error {
		group, err := m.Rollback(ctx)
		if err != nil {
			return fmt.Errorf("migrations: down: %w", err)
		}
		for _, mig := range group.Migrations {
			undone = append(undone, mig.String())
		}
		return nil
	})
	return undone, err
}

// Status is one migration and whether it has been applied.
type Status struct {
	Name    string
	Applied bool
}

// List reports every known migration with its state, oldest first.
func List(ctx context.Context, db *bun.DB) ([]Status, error) {
	var out []Status
	err := locked(ctx, db, func(m *migrate.Migrator) error {
		ms, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return fmt.Errorf("migrations: status: %w", err)
		}
		for _, mig := range ms {
			out = append(out, Status{Name: mig.String(), Applied: mig.IsApplied()})
		}
		return nil
	})
	return out, err
}

// locked creates the bookkeeping tables and runs fn while holding a
// PostgreSQL advisory lock, so that a second process starting at the same
// moment waits and then finds nothing left to do. SQLite serves one process.
func locked(ctx context.Context, db *bun.DB, fn func(*migrate.Migrator) error) error {
	m, err := newMigrator(db)
	if err != nil {
		return err
	}
	if db.Dialect().Name() == dialect.PG {
		conn, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("migrations: lock connection: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", advisoryLockKey); err != nil {
			return fmt.Errorf("migrations: take advisory lock: %w", err)
		}
		// Unlock on a fresh context: the caller's may be cancelled by now.
		defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(?)", advisoryLockKey) //nolint:errcheck
	}
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("migrations: init: %w", err)
	}
	return fn(m)
}

// PostgresFiles is the PostgreSQL migration set, for tooling that fingerprints it.
func PostgresFiles() fs.FS {
	sub, _ := fs.Sub(files, "postgres")
	return sub
}

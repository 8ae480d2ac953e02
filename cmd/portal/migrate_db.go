package main

import (
	"context"
	"path/filepath"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/migrations"
	"github.com/portal-msp/portal/models"
)

// openMigrationDB opens the database for migrating: on PostgreSQL a
// connection without the pages' 5 s read timeout, since a backfill on a large
// install or the wait for another process's migration lock lasts minutes
// (models.OpenPostgresForMigrations). SQLite has no read timeout to lift.
func openMigrationDB(ctx context.Context, cfg config.Config) (*bun.DB, error) {
	if cfg.Postgres() {
		return models.OpenPostgresForMigrations(ctx, cfg.DatabaseURL)
	}
	return models.OpenSQLite(ctx, filepath.Join(cfg.DataDir, "portal.db"))
}

// migrateUp applies pending migrations before the process uses db. On
// PostgreSQL they run through their own connection (openMigrationDB), closed
// once done; on SQLite through db itself, the one process's only handle.
func migrateUp(ctx context.Context, cfg config.Config, db *bun.DB) ([]string, error) {
	if !cfg.Postgres() {
		return migrations.Up(ctx, db)
	}
	mdb, err := openMigrationDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer mdb.Close()
	return migrations.Up(ctx, mdb)
}

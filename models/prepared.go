package models

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/uptrace/bun"
)

// bun writes each statement as text with its values in it, so PostgreSQL
// plans, and SQLite parses, every one afresh. For the few statements nearly
// every page runs, that cost more than running them (pg_stat_statements:
// planning twice the execution time), so they run as prepared statements,
// built once per database and shape.

// scanOnePrepared reads one row into dest. build makes the query for dest,
// writing arg(n) where the n-th of args goes; shape names what build makes
// for these options (it keys the prepared statement). In a transaction the
// query runs as text with the values in place. No row is sql.ErrNoRows.
func scanOnePrepared(ctx context.Context, db bun.IDB, shape string, dest any,
	build func(dest any, arg func(n int) any) *bun.SelectQuery, args ...any) error {
	d, ok := db.(*bun.DB)
	if !ok {
		return build(dest, func(n int) any { return args[n-1] }).Scan(ctx)
	}
	stmt, err := prepare(ctx, d, shape, func() string {
		return build(dest, func(n int) any { return placeholder(d, n) }).String()
	})
	if err != nil {
		return err
	}
	countStatement(ctx)
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("models: %s: %w", shape, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return fmt.Errorf("models: %s: %w", shape, err)
		}
		return sql.ErrNoRows
	}
	if err := d.ScanRow(ctx, rows, dest); err != nil {
		return fmt.Errorf("models: scan %s: %w", shape, err)
	}
	return rows.Close()
}

// placeholder is the n-th parameter in db's dialect; SQLite's numbered form
// lets a value appear more than once, in any order, as PostgreSQL's does.
func placeholder(db *bun.DB, n int) bun.Safe {
	if IsPostgres(db) {
		return bun.Safe(fmt.Sprintf("$%d", n))
	}
	return bun.Safe(fmt.Sprintf("?%d", n))
}

type preparedKey struct {
	db    *bun.DB
	shape string
}

type preparedStmt struct {
	once sync.Once
	stmt *sql.Stmt
	err  error
}

var preparedStmts sync.Map // preparedKey → *preparedStmt

// prepare is the prepared statement of shape on db, made from text() the
// first time. database/sql prepares it again on each pooled connection as
// needed. A failure (the database restarting) is not kept.
func prepare(ctx context.Context, db *bun.DB, shape string, text func() string) (*sql.Stmt, error) {
	key := preparedKey{db, shape}
	v, _ := preparedStmts.LoadOrStore(key, new(preparedStmt))
	p := v.(*preparedStmt)
	p.once.Do(func() {
		if p.stmt, p.err = db.DB.PrepareContext(ctx, text()); p.err != nil {
			p.err = fmt.Errorf("models: prepare %s: %w", shape, p.err)
		}
	})
	if p.err != nil {
		preparedStmts.CompareAndDelete(key, p)
	}
	return p.stmt, p.err
}

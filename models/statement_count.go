package models

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// StatementCount counts the SQL statements run with a context that carries
// it (CountStatements), so a page's cost in statements can be shown and
// asserted. Counting needs the hook on the database (AddStatementCounter).
type StatementCount struct{ n atomic.Int64 }

// N is the number of statements counted so far.
func (c *StatementCount) N() int64 { return c.n.Load() }

type statementCountKey struct{}

// CountStatements returns a context whose statements are counted in the
// returned StatementCount.
func CountStatements(ctx context.Context) (context.Context, *StatementCount) {
	c := new(StatementCount)
	return context.WithValue(ctx, statementCountKey{}, c), c
}

var counted sync.Map // *bun.DB with the hook installed

// AddStatementCounter installs the query hook that feeds StatementCount,
// once per database.
func AddStatementCounter(db *bun.DB) {
	if _, done := counted.LoadOrStore(db, true); !done {
		db.AddQueryHook(statementCounter{})
	}
}

type statementCounter struct{}

func (statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	if c, ok := ctx.Value(statementCountKey{}).(*StatementCount); ok {
		c.n.Add(1)
	}
	return ctx
}

func (statementCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

// countStatement counts a statement run outside bun's hooks (a prepared one).
func countStatement(ctx context.Context) {
	if c, ok := ctx.Value(statementCountKey{}).(*StatementCount); ok {
		c.n.Add(1)
	}
}

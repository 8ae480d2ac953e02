package migrations_test

import (
	"context"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/migrations"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestUpDownUp migrates each dialect up, all the way down and up again, and
// checks both dialects end with the same tables and columns.
func TestUpDownUp(t *testing.T) {
	t.Parallel()
	schemas := map[string][]string{}
	for _, kind := range dbtest.Kinds {
		db := dbtest.Empty(t, kind)
		ctx := context.Background()
		up, err := migrations.Up(ctx, db)
		if err != nil {
			t.Fatalf("%s: up: %v", kind, err)
		}
		if len(up) == 0 {
			t.Fatalf("%s: up applied nothing", kind)
		}
		again, err := migrations.Up(ctx, db)
		if err != nil || len(again) != 0 {
			t.Fatalf("%s: second up applied %v, %v; want nothing", kind, again, err)
		}
		first := columns(t, db)
		if _, err := migrations.Down(ctx, db); err != nil {
			t.Fatalf("%s: down: %v", kind, err)
		}
		if left := appTables(columns(t, db)); len(left) != 0 {
			t.Fatalf("%s: after down these columns remain: %v", kind, left)
		}
		status, err := migrations.List(ctx, db)
		if err != nil {
			t.Fatalf("%s: status: %v", kind, err)
		}
		for _, s := range status {
			if s.Applied {
				t.Errorf("%s: %s still marked applied after down", kind, s.Name)
			}
		}
		if _, err := migrations.Up(ctx, db); err != nil {
			t.Fatalf("%s: up again: %v", kind, err)
		}
		if second := columns(t, db); !slices.Equal(first, second) {
			t.Fatalf("%s: schema differs after up/down/up:\nfirst  %v\nsecond %v", kind, first, second)
		}
		schemas[kind] = appTables(first)
	}
	sq, pg := schemas[dbtest.SQLite], schemas[dbtest.Postgres]
	for _, c := range sq {
		if !slices.Contains(pg, c) {
			t.Errorf("only in SQLite: %s", c)
		}
	}
	for _, c := range pg {
		if !slices.Contains(sq, c) {
			t.Errorf("only in PostgreSQL: %s", c)
		}
	}
	if len(sq) < 100 {
		t.Errorf("SQLite schema has only %d columns; expected the whole domain", len(sq))
	}
}

// columns lists "table.column null|notnull" for every table, sorted.
func columns(t *testing.T, db *bun.DB) []string {
	t.Helper()
	ctx := context.Background()
	var rows []struct {
		Table   string `bun:"t"`
		Column  string `bun:"c"`
		NotNull bool   `bun:"nn"`
	}
	var err error
	if db.Dialect().Name().String() == "pg" {
		err = db.NewRaw(`SELECT table_name AS t, column_name AS c, is_nullable = 'NO' AS nn
			FROM information_schema.columns WHERE table_schema = 'public'`).Scan(ctx, &rows)
	} else {
		err = db.NewRaw(`SELECT m.name AS t, p.name AS c, (p."notnull" = 1 OR p.pk > 0) AS nn
			FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`).Scan(ctx, &rows)
	}
	if err != nil {
		t.Fatalf("list columns: %v", err)
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		null := "null"
		if r.NotNull {
			null = "notnull"
		}
		out = append(out, r.Table+"."+r.Column+" "+null)
	}
	slices.Sort(out)
	return out
}

// appTables drops the migrator's own bookkeeping tables.
func appTables(cols []string) []string {
	return slices.DeleteFunc(slices.Clone(cols), func(c string) bool {
		return len(c) > 4 && c[:4] == "bun_"
	})
}

// TestConcurrentStartOnPostgres starts two "processes" (separate connection
// pools) migrating one empty database at once: both succeed, the schema is
// applied exactly once.
func TestConcurrentStartOnPostgres(t *testing.T) {
	t.Parallel()
	first := dbtest.Empty(t, dbtest.Postgres)
	var name string
	if err := first.NewRaw("SELECT current_database()").Scan(context.Background(), &name); err != nil {
		t.Fatal(err)
	}
	second, err := models.OpenPostgres(context.Background(), dbtest.URLFor(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()

	results := make(chan []string, 2)
	errs := make(chan error, 2)
	for _, db := range []*bun.DB{first, second} {
		go func() {
			applied, err := migrations.Up(context.Background(), db)
			results <- applied
			errs <- err
		}()
	}
	total := 0
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent migrate: %v", err)
		}
		total += len(<-results)
	}
	list, err := migrations.List(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	if total != len(list) {
		t.Fatalf("the two processes applied %d migrations in all, want %d (each once)", total, len(list))
	}
}

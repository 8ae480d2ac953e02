package migrations_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/migrations"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestUpDownUp migrates each dialect up, all the way down and up again, and
// checks both dialects end with the same tables and columns, the same
// indexes (names, columns, uniqueness, partial or not) and the same
// triggers (see triggers).
func TestUpDownUp(t *testing.T) {
	t.Parallel()
	schemas, indexSets, triggerSets := map[string][]string{}, map[string][]string{}, map[string][]string{}
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
		first, firstIndexes, firstTriggers := columns(t, db), indexes(t, db), triggers(t, db)
		if _, err := migrations.Down(ctx, db); err != nil {
			t.Fatalf("%s: down: %v", kind, err)
		}
		if left := appTables(columns(t, db)); len(left) != 0 {
			t.Fatalf("%s: after down these columns remain: %v", kind, left)
		}
		if left := triggers(t, db); len(left) != 0 {
			t.Fatalf("%s: after down these triggers and functions remain: %v", kind, left)
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
		if second := indexes(t, db); !slices.Equal(firstIndexes, second) {
			t.Fatalf("%s: indexes differ after up/down/up:\nfirst  %v\nsecond %v", kind, firstIndexes, second)
		}
		if second := triggers(t, db); !slices.Equal(firstTriggers, second) {
			t.Fatalf("%s: triggers differ after up/down/up:\nfirst  %v\nsecond %v", kind, firstTriggers, second)
		}
		schemas[kind], indexSets[kind], triggerSets[kind] = appTables(first), firstIndexes, firstTriggers
	}
	sq, pg := schemas[dbtest.SQLite], schemas[dbtest.Postgres]
	onlyIn(t, "SQLite", sq, pg)
	onlyIn(t, "PostgreSQL", pg, sq)
	if len(sq) < 100 {
		t.Errorf("SQLite schema has only %d columns; expected the whole domain", len(sq))
	}
	sqi, pgi := indexSets[dbtest.SQLite], indexSets[dbtest.Postgres]
	onlyIn(t, "SQLite", sqi, pgi)
	onlyIn(t, "PostgreSQL", pgi, sqi)
	if len(sqi) < 20 {
		t.Errorf("SQLite has only %d indexes; expected the domain's", len(sqi))
	}
	sqt, pgt := triggerSets[dbtest.SQLite], triggerSets[dbtest.Postgres]
	// SQLite has no stored functions (a trigger's body is its own); that
	// each PostgreSQL function is called by a trigger is checked above.
	pgt = slices.DeleteFunc(slices.Clone(pgt), func(tr string) bool {
		return postgresOnly[tr] || strings.HasPrefix(tr, "function ")
	})
	onlyIn(t, "SQLite", sqt, pgt)
	onlyIn(t, "PostgreSQL", pgt, sqt)
	for tr := range postgresOnly {
		if !slices.Contains(triggerSets[dbtest.Postgres], tr) {
			t.Errorf("postgresOnly lists %q, which PostgreSQL no longer has", tr)
		}
	}
	if len(sqt) < 5 {
		t.Errorf("SQLite has only %d triggers; expected the revocation and counter triggers", len(sqt))
	}
}

// postgresOnly are the triggers and functions SQLite has no twin of, each
// for a reason: the settings cache is dropped by NOTIFY on PostgreSQL, where
// several processes share the database, and by the one process that made
// the change on SQLite (models/settings_cache.go).
var postgresOnly = map[string]bool{
	"sla_calendars: sla_calendars_settings_changed AFTER DELETE,INSERT,UPDATE": true,
	"sla_holidays: sla_holidays_settings_changed AFTER DELETE,INSERT,UPDATE":   true,
	"sla_policies: sla_policies_settings_changed AFTER DELETE,INSERT,UPDATE":   true,
	"sla_targets: sla_targets_settings_changed AFTER DELETE,INSERT,UPDATE":     true,
	"workspace: workspace_settings_changed AFTER DELETE,INSERT,UPDATE":         true,
}

// triggerDef reads a CREATE TRIGGER statement, as SQLite keeps it and as
// pg_get_triggerdef writes it: name, timing, events, table.
var triggerDef = regexp.MustCompile(`(?is)^CREATE\s+(?:OR\s+REPLACE\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?"?(\w+)"?\s+` +
	`(BEFORE|AFTER|INSTEAD\s+OF)\s+(.+?)\s+ON\s+(?:\w+\.)?"?(\w+)"?(?:\s|$)`)

// triggers lists the application's triggers, sorted, each as "table: name
// TIMING EVENTS" (events sorted, an UPDATE OF with its columns sorted), so
// that the two dialects can be held to one list; on PostgreSQL also its
// functions, as "function name", each of which some trigger must call (one
// no trigger calls is drift too). What a trigger does is not compared: a
// PL/pgSQL function and an SQLite trigger body share no syntax.
func triggers(t *testing.T, db *bun.DB) []string {
	t.Helper()
	ctx := context.Background()
	var defs []string
	var functions []string
	called := map[string]bool{}
	if db.Dialect().Name().String() == "pg" {
		var rows []struct {
			Def      string `bun:"def"`
			Function string `bun:"fn"`
		}
		if err := db.NewRaw(`SELECT pg_get_triggerdef(tg.oid) AS def, p.proname AS fn
			FROM pg_trigger tg
			JOIN pg_class c ON c.oid = tg.tgrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
			JOIN pg_proc p ON p.oid = tg.tgfoid
			WHERE n.nspname = 'public' AND NOT tg.tgisinternal`).Scan(ctx, &rows); err != nil {
			t.Fatalf("list triggers: %v", err)
		}
		for _, r := range rows {
			defs = append(defs, r.Def)
			called[r.Function] = true
		}
		// The schema's own functions, not those an extension brought.
		if err := db.NewRaw(`SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
			WHERE n.nspname = 'public'
				AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')`).
			Scan(ctx, &functions); err != nil {
			t.Fatalf("list functions: %v", err)
		}
	} else if err := db.NewRaw(`SELECT sql FROM sqlite_master WHERE type = 'trigger'`).Scan(ctx, &defs); err != nil {
		t.Fatalf("list triggers: %v", err)
	}
	out := make([]string, 0, len(defs)+len(functions))
	for _, def := range defs {
		m := triggerDef.FindStringSubmatch(strings.TrimSpace(def))
		if m == nil {
			t.Fatalf("cannot read trigger: %s", def)
		}
		var events []string
		for _, ev := range regexp.MustCompile(`(?i)\s+OR\s+`).Split(m[3], -1) {
			ev = strings.ToUpper(strings.Join(strings.Fields(ev), " "))
			if cols, ok := strings.CutPrefix(ev, "UPDATE OF "); ok {
				list := strings.Split(strings.ToLower(cols), ",")
				for i := range list {
					list[i] = strings.Trim(strings.TrimSpace(list[i]), `"`)
				}
				slices.Sort(list)
				ev = "UPDATE OF " + strings.Join(list, " ")
			}
			events = append(events, ev)
		}
		slices.Sort(events)
		timing := strings.ToUpper(strings.Join(strings.Fields(m[2]), " "))
		out = append(out, m[4]+": "+m[1]+" "+timing+" "+strings.Join(events, ","))
	}
	for _, fn := range functions {
		if !called[fn] {
			t.Errorf("function %s is called by no trigger", fn)
		}
		out = append(out, "function "+fn)
	}
	slices.Sort(out)
	return out
}

// onlyIn reports what a lists and b lacks.
func onlyIn(t *testing.T, name string, a, b []string) {
	t.Helper()
	for _, x := range a {
		if !slices.Contains(b, x) {
			t.Errorf("only in %s: %s", name, x)
		}
	}
}

// indexes lists the application tables' indexes and primary keys, sorted,
// each as "table: index name (columns) [unique] [partial]". An index made by
// CREATE INDEX is compared by name; one that backs a UNIQUE constraint or a
// primary key is named by each database its own way (t_col_key,
// sqlite_autoindex_t_1, or none for SQLite's INTEGER PRIMARY KEY, kept in the
// row id), so it is compared by its columns alone. A column that is an
// expression is listed as "expr".
func indexes(t *testing.T, db *bun.DB) []string {
	t.Helper()
	ctx := context.Background()
	var rows []struct {
		Table   string `bun:"t"`
		Name    string `bun:"i"`
		Columns string `bun:"cols"`
		Unique  bool   `bun:"u"`
		Partial bool   `bun:"partial"`
		Kind    string `bun:"kind"` // index, unique or primary
	}
	var err error
	if db.Dialect().Name().String() == "pg" {
		err = db.NewRaw(`SELECT t.relname AS t, i.relname AS i, ix.indisunique AS u, ix.indpred IS NOT NULL AS partial,
				CASE WHEN ix.indisprimary THEN 'primary'
					WHEN EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid) THEN 'unique'
					ELSE 'index' END AS kind,
				array_to_string(ARRAY(
					SELECT coalesce(a.attname, 'expr') FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
					LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0
					ORDER BY k.ord), ',') AS cols
			FROM pg_index ix
			JOIN pg_class i ON i.oid = ix.indexrelid
			JOIN pg_class t ON t.oid = ix.indrelid
			JOIN pg_namespace n ON n.oid = t.relnamespace
			WHERE n.nspname = 'public' AND t.relname NOT LIKE 'bun\_%'`).Scan(ctx, &rows)
	} else {
		// Primary keys from the table's columns, which also covers an
		// INTEGER PRIMARY KEY (no index of its own).
		err = db.NewRaw(`SELECT m.name AS t, il.name AS i, il."unique" AS u, il.partial AS partial,
				CASE il.origin WHEN 'c' THEN 'index' ELSE 'unique' END AS kind,
				(SELECT group_concat(coalesce(ii.name, 'expr'), ',')
					FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno) AS ii) AS cols
			FROM sqlite_master m JOIN pragma_index_list(m.name) il
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name NOT LIKE 'bun\_%' ESCAPE '\'
				AND il.origin <> 'pk'
			UNION ALL
			SELECT m.name, '', 1, 0, 'primary',
				(SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_table_info(m.name) WHERE pk > 0 ORDER BY pk))
			FROM sqlite_master m
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name NOT LIKE 'bun\_%' ESCAPE '\'
				AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE pk > 0)`).Scan(ctx, &rows)
	}
	if err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		s := r.Table + ": "
		switch r.Kind {
		case "primary":
			s += "primary key (" + r.Columns + ")"
		case "unique":
			s += "unique constraint (" + r.Columns + ")"
		default:
			s += "index " + r.Name + " (" + r.Columns + ")"
			if r.Unique {
				s += " unique"
			}
		}
		if r.Partial {
			s += " partial"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
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
	// Each "process" connects as portal serve and portal migrate do:
	// waiting on the other's lock may outlast the pages' 5 s read timeout
	// on a busy machine.
	var pools []*bun.DB
	for range 2 {
		db, err := models.OpenPostgresForMigrations(context.Background(), dbtest.URLFor(t, name))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		pools = append(pools, db)
	}

	results := make(chan []string, 2)
	errs := make(chan error, 2)
	for _, db := range pools {
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

package migrations_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/portal-msp/portal/migrations"
	"github.com/portal-msp/portal/models/dbtest"
)

// adoptionMigration is the migration that starts the adoption counters.
const adoptionMigration = "20261208040000"

// upTo applies the migrations named before name (a timestamp), as a
// database upgraded from an older release would have them.
func upTo(t *testing.T, db *bun.DB, name string) {
	t.Helper()
	all, err := migrations.Files(db)
	if err != nil {
		t.Fatal(err)
	}
	older := fstest.MapFS{}
	err = fs.WalkDir(all, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p >= name {
			return err
		}
		b, err := fs.ReadFile(all, p)
		older[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	set := migrate.NewMigrations()
	if err := set.Discover(older); err != nil {
		t.Fatal(err)
	}
	m := migrate.NewMigrator(db, set, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestAdoptionCountersStartFromHistory: upgrading a database that already
// has requests, messages and sign-ins counts them. A request is by staff
// when staff opened it, by e-mail when a client user's came by mail; a
// client message that came by mail is counted as one; a person's last
// sign-in becomes an event of unknown method and a day of one sign-in.
func TestAdoptionCountersStartFromHistory(t *testing.T) {
	t.Parallel()
	for _, kind := range dbtest.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := dbtest.Empty(t, kind)
			upTo(t, db, adoptionMigration)
			day := time.Date(2031, 3, 10, 22, 30, 0, 0, time.UTC)
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec("INSERT INTO clients (id, name, slug, request_prefix) VALUES (1, 'Acme', 'acme', 'ACME')")
			exec("INSERT INTO users (id, role, email, name) VALUES (1, 'admin', 'ada@msp.test', 'Ada')")
			exec("INSERT INTO users (id, client_id, role, email, name, last_sign_in_at) VALUES (2, 1, 'client', 'ann@acme.test', 'Ann', ?)", day)
			exec("INSERT INTO users (id, client_id, role, email, name) VALUES (3, 1, 'client', 'cat@acme.test', 'Cat')")
			for i, r := range []struct {
				channel string
				actor   int
			}{{"portal", 2}, {"email", 2}, {"phone", 1}, {"email", 1}} {
				exec("INSERT INTO requests (id, client_id, number, title, urgency, status, channel) VALUES (?, 1, ?, 'R', 'normal', 'submitted', ?)",
					i+1, i+1, r.channel)
				exec("INSERT INTO activity_events (client_id, request_id, actor_id, kind, created_at) VALUES (1, ?, ?, 'request_submitted', ?)",
					i+1, r.actor, day)
			}
			for i, m := range []struct {
				author   int
				internal bool
			}{{2, false}, {2, false}, {1, false}, {1, true}} {
				exec("INSERT INTO messages (id, client_id, request_id, author_id, body, internal, created_at) VALUES (?, 1, 1, ?, 'm', ?, ?)",
					i+1, m.author, m.internal, day)
			}
			exec("INSERT INTO inbound_mails (dedupe_key, route, received_at, status, message_id) VALUES ('k', 'smtp', ?, 'posted', 2)", day)

			if _, err := migrations.Up(ctx, db); err != nil {
				t.Fatal(err)
			}
			var c struct {
				Day                                          string
				RequestsPortal, RequestsStaff, RequestsEmail int
				ClientMessages, ClientMessagesEmail          int
			}
			if err := db.NewRaw(`SELECT CAST(day AS TEXT) AS day, requests_portal, requests_staff, requests_email,
				client_messages, client_messages_email FROM client_activity_days WHERE client_id = 1`).Scan(ctx, &c); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(c.Day, "2031-03-10") || c.RequestsPortal != 1 || c.RequestsStaff != 2 || c.RequestsEmail != 1 ||
				c.ClientMessages != 2 || c.ClientMessagesEmail != 1 {
				t.Errorf("counters from history: %+v; want 2031-03-10, requests 1 portal, 2 staff, 1 e-mail; messages 2, 1 by e-mail", c)
			}
			var ev struct {
				UserID, Signins int
				Method          string
			}
			if err := db.NewRaw(`SELECT e.user_id, e.method, d.signins FROM signin_events AS e
				JOIN user_signin_days AS d ON d.user_id = e.user_id`).Scan(ctx, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.UserID != 2 || ev.Method != "" || ev.Signins != 1 {
				t.Errorf("sign-in from history: %+v; want Ann's, method not recorded, one that day", ev)
			}
		})
	}
}

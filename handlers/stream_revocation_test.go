package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestEndedAccessEndsOpenStreams: whatever ends a session — signing out,
// being disabled by staff, a password change elsewhere, the client being
// archived — ends the event streams opened under it at once, on every
// process, and the stream cannot be reopened with the old cookie.
func TestEndedAccessEndsOpenStreams(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		second := db
		if models.IsPostgres(db) {
			var name string
			if err := db.NewRaw("SELECT current_database()").Scan(ctx, &name); err != nil {
				t.Fatal(err)
			}
			var err error
			if second, err = models.OpenPostgres(ctx, dbtest.URLFor(t, name)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { second.Close() })
		}
		procA, procB := newLiveApp(t, db), newLiveApp(t, second)

		// ended waits for a stream to end, far sooner than its maximum age.
		ended := func(what string, events <-chan sseEvent) {
			t.Helper()
			timeout := time.After(5 * time.Second)
			for {
				select {
				case _, ok := <-events:
					if !ok {
						return
					}
				case <-timeout:
					t.Fatalf("%s: the open stream kept going", what)
				}
			}
		}
		refused := func(what string, b *app) {
			t.Helper()
			resp, _ := b.get("/events")
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("%s: reopening the stream answered %d", what, resp.StatusCode)
			}
		}

		// Signing out in one tab (on process A) ends the stream on process B.
		tabB := procB.browser()
		tabB.signIn(s.clientUser.Email, testPassword)
		events := tabB.listen()
		bystander := procB.browser()
		bystander.signIn(s.admin.Email, testPassword)
		staffEvents := bystander.listen()
		tabA := procA.browser()
		tabA.client.Jar = tabB.client.Jar // the same browser, another process
		if resp, body := tabA.submit("/", "/signout", url.Values{}); resp.StatusCode != http.StatusOK {
			t.Fatalf("sign out: %d %s", resp.StatusCode, body)
		}
		ended("sign-out", events)
		refused("sign-out", tabB)

		// Disabled by staff.
		tab := procB.browser()
		tab.signIn(s.clientUser.Email, testPassword)
		events = tab.listen()
		if err := models.SetUserDisabled(ctx, db, s.clientUser.ID, &s.client.ID, true); err != nil {
			t.Fatal(err)
		}
		ended("disable", events)
		refused("disable", tab)
		if err := models.SetUserDisabled(ctx, db, s.clientUser.ID, &s.client.ID, false); err != nil {
			t.Fatal(err)
		}

		// Password changed elsewhere.
		tab = procB.browser()
		tab.signIn(s.clientUser.Email, testPassword)
		events = tab.listen()
		const newPassword = "a different long passphrase"
		if err := models.SetPassword(ctx, db, s.clientUser.ID, newPassword); err != nil {
			t.Fatal(err)
		}
		ended("password change", events)
		refused("password change", tab)

		// The client archived.
		tab = procB.browser()
		tab.signIn(s.clientUser.Email, newPassword)
		events = tab.listen()
		if err := models.SetClientArchived(ctx, db, s.client.ID, true); err != nil {
			t.Fatal(err)
		}
		ended("archive", events)
		refused("archive", tab)

		// Staff streams, opened under sessions that did not end, go on.
		select {
		case _, ok := <-staffEvents:
			if !ok {
				t.Fatal("a staff stream ended with the client's sessions")
			}
		case <-time.After(200 * time.Millisecond):
		}
	})
}

package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/jobs"
	"github.com/portal-msp/portal/mail/mailtest"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// newNotifier is the e-mail notifier of a portal whose mail goes to an
// in-process SMTP server.
func newNotifier(t *testing.T, db *bun.DB) (*jobs.Notifier, *mailtest.Server) {
	t.Helper()
	return newNotifierWith(t, db, nil)
}

// newNotifierWith is newNotifier with more configuration variables.
func newNotifierWith(t *testing.T, db *bun.DB, extra map[string]string) (*jobs.Notifier, *mailtest.Server) {
	t.Helper()
	smtp := mailtest.Start(t)
	vars := map[string]string{
		"PORTAL_SMTP_HOST": smtp.Host, "PORTAL_SMTP_PORT": strconv.Itoa(smtp.Port), "PORTAL_SMTP_TLS": "none",
		"PORTAL_SMTP_FROM": "Northwind IT <portal@northwind.test>", "PORTAL_DATA_DIR": t.TempDir(),
		"PORTAL_BASE_URL": "https://portal.northwind.test",
	}
	for k, v := range extra {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return jobs.NewNotifier(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil))), smtp
}

// tick runs one notifier round as if it were at.
func tick(t *testing.T, n *jobs.Notifier, at time.Time) {
	t.Helper()
	if err := n.Tick(context.Background(), at); err != nil {
		t.Fatal(err)
	}
}

func TestNotificationMailsAreBatchedAndNeverCarryNotes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		other := seedOtherClient(t, db)
		dave := addClientUser(t, db, s.client.ID, "dave@acme.test", "Dave Acme", false) // notifications off
		agent := addAgent(t, db, "alan@northwind.test")
		if _, err := db.NewUpdate().Model((*models.User)(nil)).Set("notify_email = ?", false).
			Where("id = ?", agent.ID).Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		n, smtp := newNotifier(t, db)

		// A new request: staff with notifications on hear of it, once the
		// event has settled and gone quiet.
		r := submitAs(t, db, s.clientUser, "Printer jam")
		t0 := models.Now()
		tick(t, n, t0)
		if len(smtp.Messages()) != 0 {
			t.Fatalf("mail sent before the event settled")
		}
		tick(t, n, t0.Add(5*time.Minute))
		msg := smtp.WaitFor(t, s.admin.Email, 1)
		if msg.Subject != "[ACME-1] Printer jam" {
			t.Errorf("staff subject = %q", msg.Subject)
		}
		if !strings.Contains(msg.Text, "https://portal.northwind.test/console/requests/"+itoa(r.ID)) {
			t.Errorf("staff mail lacks the console link:\n%s", msg.Text)
		}

		// A burst from staff, through the console: two replies and a note,
		// and a reply to the other client.
		admin := newApp(t, db)
		admin.signIn(s.admin.Email, testPassword)
		page := "/console/requests/" + itoa(r.ID)
		for _, f := range []url.Values{
			{"body": {"We are on it."}},
			{"body": {internalNote}, "kind": {"note"}},
			{"body": {"Fixed: the tray was <stuck>."}},
		} {
			if resp, body := admin.submit(page, page+"/reply", f); resp.StatusCode != 200 {
				t.Fatalf("reply: %d\n%s", resp.StatusCode, body)
			}
		}
		post(t, db, other.request, s.admin, "Globex vault is patched.", false)
		burst := models.Now()

		tick(t, n, burst.Add(time.Minute)) // settled, but not yet quiet for two minutes
		if got := smtp.Count(s.clientUser.Email); got != 0 {
			t.Fatalf("carol mailed %d times during the burst", got)
		}
		tick(t, n, burst.Add(3*time.Minute))
		tick(t, n, burst.Add(4*time.Minute)) // nothing twice

		carol := smtp.WaitFor(t, s.clientUser.Email, 1)
		if got := smtp.Count(s.clientUser.Email); got != 1 {
			t.Errorf("carol got %d mails, want one for the burst", got)
		}
		if carol.Subject != "[ACME-1] Printer jam" {
			t.Errorf("carol's subject = %q", carol.Subject)
		}
		for _, want := range []string{"We are on it.", "Fixed: the tray was <stuck>.", "ACME-1 Printer jam",
			"https://portal.northwind.test/requests/1", "Ada Admin"} {
			if !strings.Contains(carol.Text, want) {
				t.Errorf("carol's mail lacks %q:\n%s", want, carol.Text)
			}
		}
		if !strings.Contains(carol.HTML, "the tray was &lt;stuck&gt;.") {
			t.Errorf("HTML mail does not escape the message:\n%s", carol.HTML)
		}
		for _, body := range []string{carol.Raw, carol.Text, carol.HTML} {
			if m := contains(body, internalNote, "Globex", "GLOBEX", "vault"); m != "" {
				t.Errorf("carol's mail contains %q", m)
			}
		}
		gina := smtp.WaitFor(t, other.user.Email, 1)
		if m := contains(gina.Raw+gina.Text+gina.HTML, "Printer", "ACME", "We are on it", internalNote); m != "" {
			t.Errorf("gina's mail contains %q", m)
		}
		if got := smtp.Count(dave.Email); got != 0 {
			t.Errorf("dave (notifications off) got %d mails", got)
		}
		if got := smtp.Count(s.admin.Email); got != 1 {
			t.Errorf("staff mailed about staff replies: %d mails", got)
		}

		// A client reply reaches staff with notifications on, not the agent
		// who switched them off, and not the client's own users.
		post(t, db, r, s.clientUser, "Works now, thanks!", false)
		tick(t, n, models.Now().Add(10*time.Minute))
		reply := smtp.WaitFor(t, s.admin.Email, 2)
		if reply.Subject != "[ACME-1] Printer jam" || !strings.Contains(reply.Text, "Works now, thanks!") {
			t.Errorf("client reply mail: %q\n%s", reply.Subject, reply.Text)
		}
		if got := smtp.Count(agent.Email); got != 0 {
			t.Errorf("agent with notifications off got %d mails", got)
		}
		if got := smtp.Count(s.clientUser.Email); got != 1 {
			t.Errorf("carol mailed about her own reply")
		}
		if got := smtp.Count(dave.Email); got != 0 {
			t.Errorf("dave mailed")
		}
		if n := countRows(t, db, "pending_notifications", ""); n != 0 {
			t.Errorf("%d notification lines left after sending", n)
		}
	})
}

func TestNotesAndStaleEventsMailNobody(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		r := submitAs(t, db, s.clientUser, "Printer jam")
		n, smtp := newNotifier(t, db)
		tick(t, n, models.Now().Add(5*time.Minute)) // the new-request mail to staff
		smtp.WaitFor(t, s.admin.Email, 1)

		post(t, db, r, s.admin, internalNote, true)
		post(t, db, r, s.admin, "Second note", true)
		tick(t, n, models.Now().Add(time.Hour))
		time.Sleep(200 * time.Millisecond) // nothing is in flight: Send is synchronous
		if got := len(smtp.Messages()); got != 1 {
			t.Errorf("%d mails after internal notes, want only the first", got)
		}
		if n := countRows(t, db, "pending_notifications", ""); n != 0 {
			t.Errorf("internal notes queued %d lines", n)
		}

		// A reply first seen a day later (an outage, history loaded in bulk) is not news.
		post(t, db, r, s.admin, "Old news", false)
		tick(t, n, models.Now().Add(25*time.Hour))
		if got := smtp.Count(s.clientUser.Email); got != 0 {
			t.Errorf("a day-old reply was mailed")
		}
	})
}

// Only one process sends: a notifier that cannot take the advisory lock does nothing.
func TestNotifierTakesTheAdvisoryLock(t *testing.T) {
	db := dbtest.New(t, dbtest.Postgres)
	s := seedWorkspace(t, db)
	submitAs(t, db, s.clientUser, "Printer jam")
	n, smtp := newNotifier(t, db)

	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "SELECT pg_advisory_lock(?)", int64(0x6e6f74696679)); err != nil {
		t.Fatal(err)
	}
	tick(t, n, models.Now().Add(5*time.Minute))
	if got := len(smtp.Messages()); got != 0 {
		t.Fatalf("sent %d mails without the lock", got)
	}
	if _, err := conn.ExecContext(t.Context(), "SELECT pg_advisory_unlock(?)", int64(0x6e6f74696679)); err != nil {
		t.Fatal(err)
	}
	tick(t, n, models.Now().Add(5*time.Minute))
	smtp.WaitFor(t, s.admin.Email, 1)
}

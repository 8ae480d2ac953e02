package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portal-msp/portal/mail/mailtest"
	"github.com/portal-msp/portal/models"
)

// portal summaries run rebuilds a month in place, sends it on --send, and
// says plainly what is wrong with a bad month or an unknown slug.
func TestSummariesRunCommand(t *testing.T) {
	dir := t.TempDir()
	smtp := mailtest.Start(t)
	env := map[string]string{"PORTAL_DATA_DIR": dir, "PORTAL_BASE_URL": "https://portal.example.com",
		"PORTAL_SMTP_HOST": smtp.Host, "PORTAL_SMTP_PORT": strconv.Itoa(smtp.Port), "PORTAL_SMTP_TLS": "none",
		"PORTAL_SMTP_FROM": "Northwind IT <portal@northwind.test>"}
	ctx := context.Background()
	cmd := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, args, func(k string) string { return env[k] }, &out)
		return out.String(), err
	}
	if _, err := cmd("client", "create", "--name", "Acme Corp", "--slug", "acme", "--timezone", "Europe/Paris",
		"--contact-email", "ops@acme.test"); err != nil {
		t.Fatal(err)
	}
	db, err := models.OpenSQLite(ctx, filepath.Join(dir, "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The portal is set up (every mail carries the workspace's brand).
	if _, err := db.ExecContext(ctx, "INSERT INTO workspace (id, name) VALUES (1, 'Northwind IT')"); err != nil {
		t.Fatal(err)
	}
	// Acme has been a client since the summer, with October work.
	summer := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	if _, err := db.NewUpdate().Model((*models.Client)(nil)).Set("created_at = ?", summer).Where("slug = 'acme'").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	acme, err := models.GetClientBySlug(ctx, db, "acme")
	if err != nil {
		t.Fatal(err)
	}
	staff := &models.User{Role: models.RoleAdmin, Email: "ada@northwind.test", Name: "Ada", SignupMethod: "setup", CreatedAt: summer, UpdatedAt: summer}
	req := &models.Request{ClientID: acme.ID, Number: 1, Title: "Printer", Urgency: models.UrgencyNormal, Status: models.StatusSubmitted,
		CreatedAt: time.Date(2026, 10, 7, 9, 0, 0, 0, time.UTC), UpdatedAt: summer}
	for _, m := range []any{staff, req} {
		if _, err := db.NewInsert().Model(m).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	logTime := func(day string, minutes int) {
		d, _ := time.Parse(time.DateOnly, day)
		if _, err := db.NewInsert().Model(&models.TimeEntry{ClientID: acme.ID, RequestID: req.ID, StaffID: staff.ID, Minutes: minutes,
			WorkDate: d, Billing: models.BillingBillable, CreatedAt: d, UpdatedAt: d}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	logTime("2026-10-08", 90)

	out, err := cmd("summaries", "run", "--month", "2026-10", "--client", "acme")
	if err != nil || out != "built acme for October 2026: 1 submitted, 0 resolved, 1.5 h used\n" {
		t.Fatalf("first run: %v %q", err, out)
	}
	first, err := models.GetMonthlySummary(ctx, db, acme.ID, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	logTime("2026-10-09", 30) // logged late: a rebuild picks it up
	out, err = cmd("summaries", "run", "--month", "2026-10")
	if err != nil || out != "rebuilt acme for October 2026: 1 submitted, 0 resolved, 2 h used\n" {
		t.Fatalf("rebuild: %v %q", err, out)
	}
	again, err := models.GetMonthlySummary(ctx, db, acme.ID, first.Month)
	if err != nil || again.ID != first.ID || again.MinutesUsed != 120 {
		t.Fatalf("rebuild did not replace the stored row: %+v %v", again, err)
	}
	if smtp.Count("ops@acme.test") != 0 {
		t.Fatal("mailed without --send")
	}
	out, err = cmd("summaries", "run", "--month", "2026-10", "--client", "acme", "--send")
	if err != nil || !strings.Contains(out, "sent to 1 (ops@acme.test)") || smtp.Count("ops@acme.test") != 1 {
		t.Fatalf("--send: %v %q, %d mails", err, out, smtp.Count("ops@acme.test"))
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"summaries", "run"}, "--month is required"},
		{[]string{"summaries", "run", "--month", "2026-13"}, `--month "2026-13" is not a month; write it as 2026-10`},
		{[]string{"summaries", "run", "--month", "October"}, `--month "October" is not a month`},
		{[]string{"summaries", "run", "--month", "2026-10", "--client", "nope"}, `no client with the slug "nope"`},
		{[]string{"summaries", "run", "--month", "2099-01"}, "January 2099 has not begun"},
		{[]string{"summaries", "build"}, `want "summaries run`},
	} {
		if _, err := cmd(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error with %q", c.args, err, c.want)
		}
	}
	// The current month is not over in the client's zone.
	current := models.MonthDate(models.Now(), time.UTC).Format("2006-01")
	if _, err := cmd("summaries", "run", "--month", current, "--client", "acme"); err == nil || !strings.Contains(err.Error(), "is not over yet in Acme Corp's time zone") {
		t.Errorf("current month: %v", err)
	}
}

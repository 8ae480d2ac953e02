package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/mail"
	"github.com/portal-msp/portal/mail/mailtest"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// mailingSender is a sender that mails admins through the in-test SMTP
// server; the workspace also has an agent, who is not mailed.
func mailingSender(t *testing.T, w *hookWorld) *mailtest.Server {
	t.Helper()
	smtp := mailtest.Start(t)
	m, err := mail.New(mail.Config{Host: smtp.Host, Port: smtp.Port, TLS: mail.TLSNone, From: "Northwind IT <portal@northwind.test>"},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	w.sender.Mailer, w.sender.BaseURL = m, "https://portal.northwind.test"
	now := models.Now()
	agent := &models.User{Role: models.RoleAgent, Email: "al@northwind.test", Name: "Al Agent", SignupMethod: "invite", CreatedAt: now, UpdatedAt: now}
	if _, err := w.db.NewInsert().Model(agent).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return smtp
}

// An endpoint that answers 410 Gone is disabled at once and the admins
// (not the agents) are mailed, with the reason and a link to its page.
func TestWebhookGoneMailsAdmins(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newHookWorld(t, db)
		smtp := mailingSender(t, w)
		rcv := newReceiver(t, 410)
		ep := w.endpoint(t, rcv.srv.URL, false, models.HookRequestCreated)
		w.request(t, "VPN down")

		if n, err := w.sender.RunOnce(ctx, models.Now()); err != nil || n != 1 {
			t.Fatalf("send: %d attempts, %v", n, err)
		}
		m := smtp.WaitFor(t, w.admin.Email, 1)
		if !strings.Contains(m.Subject, "Webhook disabled") || !strings.Contains(m.Text, "410 Gone") ||
			!strings.Contains(m.Text, "https://portal.northwind.test/console/webhooks/"+itoa(ep.ID)) {
			t.Errorf("mail: %q\n%s", m.Subject, m.Text)
		}
		if n := smtp.Count("al@northwind.test"); n != 0 {
			t.Errorf("the agent got %d mails", n)
		}
	})
}

// Three days of failures disable the endpoint and mail each admin once,
// even when two deliveries to it fail in the same round (each read the
// endpoint as enabled when it was claimed; both used to report disabling
// it, so admins got two mails).
func TestWebhookThreeDaysOfFailuresMailsAdminsOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newHookWorld(t, db)
		smtp := mailingSender(t, w)
		rcv := newReceiver(t, 500, 500, 500, 500)
		ep := w.endpoint(t, rcv.srv.URL, false, models.HookRequestCreated)

		t0 := models.Now()
		if _, err := models.SendTestWebhook(ctx, db, ep.ID, t0); err != nil {
			t.Fatal(err)
		}
		if n, err := w.sender.RunOnce(ctx, t0); err != nil || n != 1 {
			t.Fatalf("first round: %d attempts, %v", n, err)
		}
		t1 := t0.Add(73 * time.Hour)
		if _, err := models.SendTestWebhook(ctx, db, ep.ID, t1); err != nil {
			t.Fatal(err)
		}
		if n, err := w.sender.RunOnce(ctx, t1); err != nil || n != 2 {
			t.Fatalf("round after three days: %d attempts, %v", n, err)
		}
		got, err := models.GetWebhookEndpoint(ctx, db, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.DisabledAt == nil || !strings.Contains(got.DisabledReason, "three days") {
			t.Fatalf("endpoint: disabled %v, reason %q", got.DisabledAt, got.DisabledReason)
		}
		if n := smtp.Count(w.admin.Email); n != 1 {
			t.Errorf("the admin got %d mails, want 1", n)
		}
	})
}

// A delivery that succeeds after an admin disabled its endpoint (it was
// claimed before) leaves the endpoint disabled.
func TestWebhookSuccessDoesNotReenable(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newHookWorld(t, db)
		ep := w.endpoint(t, "https://hooks.example.com/x", false, models.HookRequestCreated)
		now := models.Now()
		if _, err := models.SendTestWebhook(ctx, db, ep.ID, now); err != nil {
			t.Fatal(err)
		}
		ds, err := models.ClaimWebhookDeliveries(ctx, db, now, time.Minute, 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("claim: %d, %v", len(ds), err)
		}
		if err := models.DisableWebhookEndpoint(ctx, db, ep.ID, "Disabled by Ada."); err != nil {
			t.Fatal(err)
		}
		if _, err := models.RecordWebhookAttempt(ctx, db, &ds[0], models.WebhookOutcome{Attempt: models.WebhookAttempt{ResponseStatus: 200}}, now); err != nil {
			t.Fatal(err)
		}
		if got, _ := models.GetWebhookEndpoint(ctx, db, ep.ID); got.DisabledAt == nil {
			t.Error("a success re-enabled an endpoint the admin had disabled")
		}
	})
}

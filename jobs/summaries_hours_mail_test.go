package jobs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/mail/mailtest"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// octoberMail is the last October summary mail to addr.
func octoberMail(t *testing.T, smtp *mailtest.Server, addr string) mailtest.Message {
	t.Helper()
	var found mailtest.Message
	for _, m := range smtp.Messages() {
		if strings.EqualFold(m.To[0], addr) && strings.Contains(m.Subject, "October") {
			found = m
		}
	}
	if found.Subject == "" {
		t.Fatalf("no October summary mail to %s", addr)
	}
	return found
}

// The summary mail carries the hour bank as the Hours page has it, the
// 12-month trend as a table (no SVG: mail clients strip it) and a link to
// the summary's page.
func TestSummaryMailShowsHourBankAndTrend(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := seedSummaryWorld(t, db)
		seedOctober(t, db, w)
		// One hour a month included; October's 1.5 h goes half an hour over.
		if err := models.SaveHourPlan(ctx, db, w.staff, models.HourPlan{ClientID: w.acme.ID, Kind: models.PlanMonthly,
			IncludedMinutes: 60, StartDay: 1, AnchorMonth: 1, OverageRate: "€95 per hour", Rollover: models.RolloverOff}); err != nil {
			t.Fatal(err)
		}
		smtp := mailtest.Start(t)
		runDue(t, newSummaries(t, db, smtp), now)

		m := octoberMail(t, smtp, "ops@acme.test")
		for _, want := range []string{"Hour bank, period 1 Oct – 31 Oct 2026:", "Total:              1 h (1 h included)",
			"Used:               1.5 h", "Overage:            Over by 0.5 h (overage rate €95 per hour)",
			"Not charged:        0 h", "Nov 2025: no summary", "Sep 2026: 0 / 0 / 0.25 h", "Oct 2026: 2 / 1 / 1.5 h",
			"https://portal.northwind.test/reports/summaries/2026-10"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, m.Text)
			}
		}
		for _, want := range []string{`id="summary-trend"`, "<td style=\"padding:2px 12px 2px 0\">Oct 2026</td>",
			`href="https://portal.northwind.test/reports/summaries/2026-10"`, "Over by 0.5 h"} {
			if !strings.Contains(m.HTML, want) {
				t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
			}
		}
		if strings.Contains(strings.ToLower(m.HTML), "<svg") {
			t.Error("the mail carries inline SVG")
		}
		// Globex keeps no bank: its mail says nothing of one.
		if g := octoberMail(t, smtp, "ops@globex.test"); strings.Contains(g.Text, "Hour bank") {
			t.Errorf("Globex's mail shows an hour bank:\n%s", g.Text)
		}
	})
}

// A resend is a new mail round: everyone gets the summary again, recorded
// per recipient; a round that a refusal left open is continued by the next
// resend, reaching only the recipient still missing it.
func TestSummaryResendRounds(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := seedSummaryWorld(t, db)
		clientUser(t, db, w.acme, "carol@acme.test", true, false)
		smtp := mailtest.Start(t)
		job := newSummaries(t, db, smtp)
		runDue(t, job, now)
		oct := month(2026, 10)

		resend := func() (*models.MonthlySummary, []string, []string, []string) {
			t.Helper()
			sum, err := models.StartSummaryResend(ctx, db, w.staff, w.acme.ID, oct)
			if err != nil {
				t.Fatal(err)
			}
			d, err := job.Deliver(ctx, sum)
			if err != nil {
				t.Fatal(err)
			}
			return sum, d.Sent, d.Already, d.Refused
		}
		sum, sent, already, refused := resend()
		if sum.MailRound != 1 || len(sent) != 2 || len(already) != 0 || len(refused) != 0 {
			t.Fatalf("first resend: round %d sent %v already %v refused %v", sum.MailRound, sent, already, refused)
		}
		if smtp.Count("carol@acme.test") != 2+1 { // September and October (August is outside the mail window), then October again
			t.Fatalf("carol got %d mails, want 3", smtp.Count("carol@acme.test"))
		}

		smtp.Refuse("carol@acme.test", true)
		sum, sent, _, refused = resend()
		if sum.MailRound != 2 || len(sent) != 1 || len(refused) != 1 || summaryOf(t, db, w.acme, oct).EmailedAt != nil {
			t.Fatalf("second resend: round %d sent %v refused %v", sum.MailRound, sent, refused)
		}
		smtp.Refuse("carol@acme.test", false)
		sum, sent, already, _ = resend()
		if sum.MailRound != 2 || len(sent) != 1 || sent[0] != "carol@acme.test" || len(already) != 1 {
			t.Fatalf("continued round: round %d sent %v already %v", sum.MailRound, sent, already)
		}
		if got := smtp.Count("ops@acme.test"); got != 2+2 {
			t.Errorf("ops got %d mails, want 4 (two months, two resends that reached it)", got)
		}
		if summaryOf(t, db, w.acme, oct).EmailedAt == nil {
			t.Error("a complete round not marked e-mailed")
		}
		var events []models.ActivityEvent
		if err := db.NewSelect().Model(&events).Where("client_id = ? AND kind = ?", w.acme.ID, models.EventSummaryResent).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(events) != 3 || events[0].ActorID == nil || *events[0].ActorID != w.staff.ID || events[0].Audience != models.AudienceStaff ||
			events[0].Detail != "October 2026" {
			t.Fatalf("resend events: %+v", events)
		}
	})
}

package jobs_test

import (
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/mail/mailtest"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// One recipient's refusal leaves that recipient to the next run (here a
// fresh job, as after a restart) without mailing the others a second time.
func TestSummaryRefusalRetriesOnlyThatRecipient(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := seedSummaryWorld(t, db)
		clientUser(t, db, w.acme, "carol@acme.test", true, false)
		clientUser(t, db, w.acme, "dave@acme.test", true, false)
		smtp := mailtest.Start(t)
		smtp.Refuse("carol@acme.test", true)

		runDue(t, newSummaries(t, db, smtp), now)
		if got := smtp.Count("ops@acme.test"); got != 2 {
			t.Fatalf("contact got %d summaries, want September and October", got)
		}
		if got := smtp.Count("carol@acme.test"); got != 0 {
			t.Fatalf("refused recipient got %d", got)
		}
		if s := summaryOf(t, db, w.acme, month(2026, 10)); s.EmailedAt != nil {
			t.Fatal("summary marked e-mailed while a recipient lacks it")
		}

		smtp.Refuse("carol@acme.test", false)
		runDue(t, newSummaries(t, db, smtp), now)
		for addr, want := range map[string]int{"ops@acme.test": 2, "dave@acme.test": 2, "carol@acme.test": 2,
			"ops@globex.test": 2} {
			if got := smtp.Count(addr); got != want {
				t.Errorf("%s got %d summaries after the retry, want %d", addr, got, want)
			}
		}
		if s := summaryOf(t, db, w.acme, month(2026, 10)); s.EmailedAt == nil {
			t.Fatal("summary not marked e-mailed once every recipient has it")
		}
		if n := count(t, db, db.NewSelect().Model((*models.SummaryDelivery)(nil))); n != 2*3+2*1 {
			t.Fatalf("%d deliveries recorded, want 8 (two months: Acme's three recipients, Globex's one)", n)
		}
	})
}

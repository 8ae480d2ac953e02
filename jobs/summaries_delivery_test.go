package jobs_test

import (
	"context"
	"fmt"
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

// Summaries are mailed in batches, several senders at once: across more
// than one batch every contact gets its summary exactly once, each mail has
// its delivery row, every summary is marked e-mailed, and a second run
// (as after a restart) sends nothing more.
func TestSummaryBatchesMailEachRecipientOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		const clients = 250 // more than one batch (jobs.mailBatch)
		if _, err := db.ExecContext(context.Background(), "INSERT INTO workspace (id, name) VALUES (1, 'Northwind IT')"); err != nil {
			t.Fatal(err)
		}
		for i := range clients {
			c := &models.Client{Name: fmt.Sprintf("Client %d", i), Slug: fmt.Sprintf("client-%d", i), RequestPrefix: fmt.Sprintf("C%d", i),
				Timezone: "UTC", ContactEmail: fmt.Sprintf("ops@client%d.test", i), NextRequestNumber: 1,
				CreatedAt: month(2026, 10), UpdatedAt: month(2026, 10)}
			mustInsert(t, db, c)
		}
		smtp := mailtest.Start(t)
		runDue(t, newSummaries(t, db, smtp), now)
		runDue(t, newSummaries(t, db, smtp), now)
		if got := len(smtp.Messages()); got != clients {
			t.Fatalf("%d mails sent over two runs, want %d (one per client)", got, clients)
		}
		for i := range clients {
			if got := smtp.Count(fmt.Sprintf("ops@client%d.test", i)); got != 1 {
				t.Fatalf("client %d's contact got %d summaries, want 1", i, got)
			}
		}
		if n := count(t, db, db.NewSelect().Model((*models.SummaryDelivery)(nil))); n != clients {
			t.Fatalf("%d deliveries recorded, want %d", n, clients)
		}
		if n := count(t, db, db.NewSelect().Model((*models.MonthlySummary)(nil)).Where("emailed_at IS NULL")); n != 0 {
			t.Fatalf("%d summaries not marked e-mailed", n)
		}
	})
}

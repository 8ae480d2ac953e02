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

// The monthly summary lists the month's resolved requests with their
// resolution summaries, escaped in the HTML part, and the month's satisfaction.
func TestSummaryListsResolutions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := seedSummaryWorld(t, db)
		r := request(t, db, w.acme, 1, *utc("2026-10-05T10:00:00Z"), utc("2026-10-05T10:10:00Z"), 600, utc("2026-10-20T10:00:00Z"), 900)
		request(t, db, w.acme, 2, *utc("2026-10-06T10:00:00Z"), nil, 0, nil, 0) // open: not listed
		if _, err := db.NewUpdate().Model((*models.Request)(nil)).Set("resolution = ?", "Swapped the <switch> in rack 2.").
			Where("id = ?", r.ID).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewInsert().Model(&models.RequestRating{RequestID: r.ID, ClientID: w.acme.ID, Rating: models.RatingGood,
			RatedAt: *utc("2026-10-21T10:00:00Z")}).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		clientUser(t, db, w.acme, "carol@acme.test", true, false)
		smtp := mailtest.Start(t)
		runDue(t, newSummaries(t, db, smtp), now)
		var oct mailtest.Message
		for _, m := range smtp.Messages() {
			if m.To[0] == "carol@acme.test" && strings.Contains(m.Subject, "October") {
				oct = m
			}
		}
		if txt := strings.ReplaceAll(oct.Text, "\r\n", "\n"); !strings.Contains(txt, "Resolved this month:\n- ACME-1 Acme request 1\n  Swapped the <switch> in rack 2.") {
			t.Errorf("text part lacks the resolution:\n%s", oct.Text)
		}
		if !strings.Contains(oct.Text, "Satisfaction:       1 of 1 rated good (100 %)") {
			t.Errorf("text part lacks the satisfaction figure:\n%s", oct.Text)
		}
		if strings.Contains(oct.Text, "request 2") {
			t.Errorf("open request listed as resolved:\n%s", oct.Text)
		}
		if !strings.Contains(oct.HTML, "Swapped the &lt;switch&gt; in rack 2.") {
			t.Errorf("HTML part lacks the escaped resolution:\n%s", oct.HTML)
		}
	})
}

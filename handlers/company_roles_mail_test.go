package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/mail/mailtest"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestARestrictedMemberIsMailedOnlyAboutTheirRequests: Carol asked to hear
// about every request of her company, but her client's members see only
// their own. Staff reply to her colleague's request and to hers: her mail
// tells of hers alone, while the colleague hears of her own. Once the
// client lets members see all, the same setting mails Carol about the
// colleague's request too.
func TestARestrictedMemberIsMailedOnlyAboutTheirRequests(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedRestricted(t, db)
		if err := models.SetNotifyScope(ctx, db, s.clientUser.ID, models.NotifyAll); err != nil {
			t.Fatal(err)
		}
		n, smtp := newNotifier(t, db)
		post(t, db, s.theirs, s.admin, "Mail secret for Dora", false)
		post(t, db, s.own, s.admin, "Mail for Carol", false)
		tick(t, n, models.Now().Add(10*time.Minute))
		carol := smtp.WaitFor(t, s.clientUser.Email, 1)
		if !strings.Contains(carol.Text, "Mail for Carol") {
			t.Errorf("Carol's mail lacks her own request's reply:\n%s", carol.Text)
		}
		smtp.WaitFor(t, s.colleague.Email, 1)
		for _, m := range mailsTo(smtp, s.clientUser.Email) {
			if leak := contains(m.Subject+m.Text+m.HTML, "Mail secret", colleagueTitle); leak != "" {
				t.Errorf("Carol was mailed about her colleague's request (%q): %s", leak, m.Subject)
			}
		}

		setMembersSee(t, db, s.client.ID, models.MembersSeeAll, false)
		before := smtp.Count(s.clientUser.Email)
		post(t, db, s.theirs, s.admin, "Now shared with the company", false)
		tick(t, n, models.Now().Add(20*time.Minute))
		if m := smtp.WaitFor(t, s.clientUser.Email, before+1); !strings.Contains(m.Text, "Now shared with the company") {
			t.Errorf("members seeing all: Carol's mail lacks the colleague's request:\n%s", m.Text)
		}
	})
}

func mailsTo(smtp *mailtest.Server, addr string) []mailtest.Message {
	var out []mailtest.Message
	for _, m := range smtp.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

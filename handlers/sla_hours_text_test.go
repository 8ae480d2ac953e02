package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestClientRequestPageSaysWhenClocksRun: a client reading a request learns
// when its SLA clocks run and why they may stand still, as staff do.
func TestClientRequestPageSaysWhenClocksRun(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		sc, _ := models.ScopeFor(db, s.clientUser)
		r, err := sc.CreateRequest(ctx, models.NewRequest{Title: "Printer offline", Urgency: models.UrgencyHigh})
		if err != nil {
			t.Fatal(err)
		}
		policy, err := models.SLAPolicyOf(ctx, db, s.client)
		if err != nil {
			t.Fatal(err)
		}
		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)
		_, body := a.get(fmt.Sprintf("/requests/%d", r.Number))
		text := doc(t, body).Find("#sla-policy").Text()
		if !strings.Contains(text, policy.Calendar.HoursText()) || !strings.Contains(text, "paused") {
			t.Fatalf("the request page says %q, want when the clocks run (%s) and when they pause", text, policy.Calendar.HoursText())
		}
		if strings.Contains(text, policy.Policy.Name) && policy.Policy.Name != "" && strings.Contains(text, "Policy:") {
			t.Errorf("the client is shown the staff line: %q", text)
		}
	})
}

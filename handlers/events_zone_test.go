package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestLiveMessagesShowTimesInTheViewersZone: a message pushed over the event
// stream reads in the viewer's zone, like the page around it: the client's
// zone for its users, a staff member's own zone for them.
func TestLiveMessagesShowTimesInTheViewersZone(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		if _, err := db.NewUpdate().Model((*models.Client)(nil)).Set("timezone = ?", "America/New_York").
			Where("id = ?", s.client.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := models.SetStaffTimezone(ctx, db, s.admin.ID, "Asia/Tokyo"); err != nil {
			t.Fatal(err)
		}
		sc, _ := models.ScopeFor(db, s.clientUser)
		r, err := sc.CreateRequest(ctx, models.NewRequest{Title: "Printer offline", Urgency: models.UrgencyNormal})
		if err != nil {
			t.Fatal(err)
		}
		a := newLiveApp(t, db)
		client := a.browser()
		client.signIn(s.clientUser.Email, testPassword)
		staff := a.browser()
		staff.signIn(s.admin.Email, testPassword)
		clientEvents, staffEvents := client.listen(), staff.listen()
		time.Sleep(200 * time.Millisecond) // the streams are attached

		page := fmt.Sprintf("/console/requests/%d", r.ID)
		if resp, body := staff.submit(page, page+"/reply", url.Values{"body": {"On our way"}, "kind": {"reply"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("reply: %d %s", resp.StatusCode, body)
		}
		message := func(events []sseEvent) string {
			for _, ev := range events {
				if ev.name == fmt.Sprintf("message-%d", r.ID) {
					return ev.data
				}
			}
			return ""
		}
		ny, _ := time.LoadLocation("America/New_York")
		tokyo, _ := time.LoadLocation("Asia/Tokyo")
		// EST or EDT by the app's clock, not the machine's (PORTAL_TEST_CLOCK).
		nyZone, _ := models.Now().In(ny).Zone()
		tokyoZone, _ := models.Now().In(tokyo).Zone()
		if m := message(collect(t, clientEvents, "On our way")); !strings.Contains(m, nyZone) {
			t.Errorf("the client's live message does not read in %s: %q", nyZone, m)
		}
		if m := message(collect(t, staffEvents, "On our way")); !strings.Contains(m, tokyoZone) {
			t.Errorf("the staff member's live message does not read in %s: %q", tokyoZone, m)
		}
	})
}

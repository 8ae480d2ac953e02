package handlers_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestQueueCountsFollowEveryChange: the unfiltered queue's counts per status
// come from counter rows kept by triggers; after requests are created,
// moved between statuses, completed and reopened they still equal a count
// of the requests themselves, for every client and for one.
func TestQueueCountsFollowEveryChange(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		if _, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: "q", Requests: 30, Clients: 3, OtherRequests: 5, Messages: 1, Users: 1}); err != nil {
			t.Fatal(err)
		}
		a := newRequest(t, db, s.clientUser, "Printer jam")
		b := newRequest(t, db, s.clientUser, "VPN down")
		newRequest(t, db, s.clientUser, "New laptop")
		for _, step := range []struct {
			id     int64
			status string
		}{{a.ID, models.StatusInProgress}, {b.ID, models.StatusWaiting}, {a.ID, models.StatusCompleted},
			{b.ID, models.StatusInProgress}, {a.ID, models.StatusInProgress}} {
			var err error
			if step.status == models.StatusCompleted {
				err = models.CompleteRequest(ctx, db, step.id, s.admin, "Replaced the fuser.")
			} else {
				err = models.ChangeRequestStatus(ctx, db, step.id, s.admin, step.status)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		counted := func(clientID int64) map[string]int {
			var rows []struct {
				Status string `bun:"status"`
				N      int    `bun:"n"`
			}
			q := db.NewSelect().Table("requests").Column("status").ColumnExpr("count(*) AS n").
				Where("status <> ?", models.StatusCompleted).Group("status")
			if clientID != 0 {
				q = q.Where("client_id = ?", clientID)
			}
			if err := q.Scan(ctx, &rows); err != nil {
				t.Fatal(err)
			}
			out := map[string]int{}
			for _, r := range rows {
				out[r.Status] = r.N
			}
			return out
		}
		for _, clientID := range []int64{0, s.client.ID} {
			page, err := models.ListQueue(ctx, db, models.QueueFilter{ClientID: clientID}, models.Now())
			if err != nil {
				t.Fatal(err)
			}
			want := counted(clientID)
			for _, st := range models.OpenStatuses {
				if page.Counts[st] != want[st] {
					t.Errorf("client %d, %s: queue says %d, the requests %d", clientID, st, page.Counts[st], want[st])
				}
			}
			if clientID == s.client.ID && (want[models.StatusInProgress] != 2 || want[models.StatusSubmitted] != 1) {
				t.Errorf("client's requests by status = %v, want 2 in progress and 1 submitted", want)
			}
		}
	})
}

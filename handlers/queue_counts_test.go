package handlers_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestQueueCountsFollowEveryChange: after requests are created, moved
// between statuses, completed, reopened and moved to another client, the
// queue's counts per status (read through an index), the dashboard's open
// and closed counts and the lists' totals (the closed one from the counter
// row triggers keep) still equal a count of the requests themselves.
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

		// The client pages' counts, before and after a completed request
		// (and an open one) moves to another client.
		other := seedOtherClient(t, db)
		c := newRequest(t, db, s.clientUser, "Old printer")
		if err := models.CompleteRequest(ctx, db, c.ID, s.admin, "Recycled it."); err != nil {
			t.Fatal(err)
		}
		pagesAgree := func(step string, clientID int64) {
			t.Helper()
			var open, closed int
			if err := db.NewSelect().Table("requests").ColumnExpr("count(*)").Where("client_id = ?", clientID).
				Where("status <> ?", models.StatusCompleted).Scan(ctx, &open); err != nil {
				t.Fatal(err)
			}
			if err := db.NewSelect().Table("requests").ColumnExpr("count(*)").Where("client_id = ?", clientID).
				Where("status = ?", models.StatusCompleted).Scan(ctx, &closed); err != nil {
				t.Fatal(err)
			}
			sc := models.ScopeOfClient(db, clientID)
			stats, err := sc.Dashboard(ctx, models.Now())
			if err != nil {
				t.Fatal(err)
			}
			openList, err := sc.ListOpenRequests(ctx, models.RequestFilter{}, models.Now())
			if err != nil {
				t.Fatal(err)
			}
			closedList, err := sc.ListClosedRequests(ctx, models.RequestFilter{}, models.Now())
			if err != nil {
				t.Fatal(err)
			}
			if stats.Open != open || openList.Total != open || stats.Closed != closed || closedList.Total != closed {
				t.Errorf("%s, client %d: dashboard %d open %d closed, lists %d and %d; the requests: %d open, %d closed",
					step, clientID, stats.Open, stats.Closed, openList.Total, closedList.Total, open, closed)
			}
		}
		pagesAgree("before the move", s.client.ID)
		pagesAgree("before the move", other.client.ID)
		if _, err := db.NewUpdate().Table("requests").Set("client_id = ?", other.client.ID).Set("number = number + 1000").
			Where("id IN (?)", bun.List([]int64{a.ID, c.ID})).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		pagesAgree("after the move", s.client.ID)
		pagesAgree("after the move", other.client.ID)
	})
}

package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// addClient inserts a client with included minutes per month.
func addClient(t *testing.T, db *bun.DB, name, slug string, included int) *models.Client {
	t.Helper()
	now := models.Now()
	c := &models.Client{Name: name, Slug: slug, RequestPrefix: strings.ToUpper(slug), Timezone: "UTC",
		MonthlyIncludedMinutes: included, NextRequestNumber: 1, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(c).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestHoursOverview: every client's current period, closest to running out
// first, overage flagged, clients without a bank last; staff only.
func TestHoursOverview(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db) // Acme: no hours
		today := models.LocalDate(models.Now(), time.UTC)
		half := addClient(t, db, "Half Ltd", "half", 600)
		low := addClient(t, db, "Low Ltd", "low", 600)
		over := addClient(t, db, "Over Ltd", "over", 60)
		prepaid := addClient(t, db, "Prepaid Ltd", "prepaid", 0)
		if err := models.SaveHourPlan(ctx, db, s.admin, models.HourPlan{ClientID: prepaid.ID, Kind: models.PlanPrepaid,
			StartDay: 1, AnchorMonth: 1, Rollover: models.RolloverOff}); err != nil {
			t.Fatal(err)
		}
		if _, err := models.AddPurchase(ctx, db, s.admin, prepaid.ID, models.PurchaseInput{Minutes: 1200, On: today}); err != nil {
			t.Fatal(err)
		}
		for _, x := range []struct {
			c       *models.Client
			minutes int
		}{{half, 300}, {low, 540}, {over, 150}, {prepaid, 600}} {
			u := &models.User{ClientID: &x.c.ID, Role: models.RoleClient, Email: x.c.Slug + "@x.test", Name: x.c.Name,
				CreatedAt: models.Now(), UpdatedAt: models.Now()}
			if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			r := newRequest(t, db, u, "Work")
			insertTime(t, db, x.c.ID, r.ID, s.admin.ID, x.minutes, today)
		}

		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		resp, body := staff.get("/console/hours")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /console/hours: %d %s", resp.StatusCode, body)
		}
		var rows []string
		doc(t, body).Find("#hours-overview-table tbody tr").Each(func(_ int, r *goquery.Selection) {
			cells := r.Find("td").Map(func(_ int, c *goquery.Selection) string { return strings.Join(strings.Fields(c.Text()), " ") })
			rows = append(rows, strings.Join(append(cells[:1], cells[min(2, len(cells)-1):]...), " | "))
		})
		want := []string{
			"Over Ltd | 1 h | 2.5 h | Over by 1.5 h Overage | -150 % | —",
			"Low Ltd | 10 h | 9 h | 1 h | 10 % | —",
			"Half Ltd | 10 h | 5 h | 5 h | 50 % | —",
			"Prepaid Ltd | 20 h | 10 h | 10 h | 50 % | —",
			"Acme Corp | No hour bank",
		}
		if strings.Join(rows, "\n") != strings.Join(want, "\n") {
			t.Errorf("overview rows:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
		}
		if got := text(t, body, "#overage-count"); got != "1 in overage." {
			t.Errorf("overage count = %q", got)
		}
		a := staff.browser()
		a.signIn(s.clientUser.Email, testPassword)
		if resp, _ := a.get("/console/hours"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("client user GET /console/hours: %d, want 404", resp.StatusCode)
		}
	})
}

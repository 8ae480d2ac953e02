package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestClockHistorySection: the worked example of issue 21 on the client's
// and the console's request pages, as plain HTML: the weekend not counted,
// the wait for the client with links that land on the question, the
// status change and the answer on the same page, and nothing of the
// internal note; the activity export carries the same history.
func TestClockHistorySection(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		seedWorkspace(t, db)
		st, err := loaddata.NewClockStory(ctx, db, "page", models.Now())
		if err != nil {
			t.Fatal(err)
		}
		a := newApp(t, db)
		note := fmt.Sprintf("message-%d", st.Note)

		pages := map[string]string{
			"client": "/requests/" + strconv.Itoa(st.Request.Number),
			"staff":  "/console/requests/" + strconv.FormatInt(st.Request.ID, 10),
		}
		for who, path := range pages {
			token := st.ClientToken
			if who == "staff" {
				token = st.StaffToken
			}
			resp, body := getWith(t, a.srv.URL+path, token, false)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: GET %s: %d", who, path, resp.StatusCode)
			}
			page := doc(t, body)
			sec := page.Find("#clock-history")
			if sec.Length() != 1 {
				t.Fatalf("%s: no Clock history section", who)
			}
			if got := sec.Find("#clock-policy").Text(); !strings.Contains(got, "page office hours, version 1") {
				t.Errorf("%s: policy line %q", who, got)
			}
			stories := sec.Find("details.clock-story")
			if stories.Length() != 2 {
				t.Fatalf("%s: %d clocks in the history, want 2 (each a <details>)", who, stories.Length())
			}
			res := stories.Eq(1)
			if s := res.Find("summary").Text(); !strings.Contains(s, "Resolution") || !strings.Contains(s, "breached, still running") {
				t.Errorf("%s: resolution summary %q", who, s)
			}
			weekend := res.Find("li.clock-not-counted").First()
			if w := strings.Join(strings.Fields(weekend.Text()), " "); !strings.Contains(w, "Fri") || !strings.Contains(w, "17:00 UTC – Mon") ||
				!strings.Contains(w, "09:00 UTC") || !strings.Contains(w, "outside business hours") {
				t.Errorf("%s: first span not counted reads %q, want Fri 17:00 – Mon 09:00, outside business hours", who, w)
			}
			pause := res.Find("li.clock-paused")
			var anchors []string
			pause.Find("a").Each(func(_ int, l *goquery.Selection) {
				href, _ := l.Attr("href")
				anchors = append(anchors, href)
				if page.Find(href).Length() != 1 {
					t.Errorf("%s: the pause links to %s, which is not on the page", who, href)
				}
			})
			want := []string{fmt.Sprintf("#message-%d", st.StaffAsk), fmt.Sprintf("#event-%d", st.WaitEvent), fmt.Sprintf("#message-%d", st.ClientReply)}
			if strings.Join(anchors, " ") != strings.Join(want, " ") {
				t.Errorf("%s: pause links %v, want %v", who, anchors, want)
			}
			if strings.Contains(sec.Text(), "toner") || sec.Find(`a[href="#`+note+`"]`).Length() > 0 {
				t.Errorf("%s: the clock history shows the internal note", who)
			}
			if who == "client" && strings.Contains(body, "toner supplier") {
				t.Errorf("the client's page shows the internal note")
			}
		}

		// The client's activity export carries the clock history, without
		// the internal note.
		resp, csv := getWith(t, a.srv.URL+"/reports/activity.csv", st.ClientToken, false)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("activity export: %d", resp.StatusCode)
		}
		for _, want := range []string{
			`CLK-1,,"Resolution clock: Started: Submitted by Dana Client in the portal`,
			"policy page office hours, version 1",
			"Resolution clock: Not counted " + st.Friday.Format("2006-01-02") + " 17:00 – ",
			"Resolution clock: Paused: waiting for the client",
			"ended by Dana Client’s reply",
		} {
			if !strings.Contains(csv, want) {
				t.Errorf("activity export lacks %q:\n%s", want, csv)
			}
		}
		if strings.Contains(csv, "toner") || strings.Contains(strings.ToLower(csv), "internal") {
			t.Errorf("activity export shows the internal note:\n%s", csv)
		}
	})
}

package api_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// GET /requests/{id}/sla carries each clock's stored history: the worked
// example of a Friday 16:00 request on a 09:00–17:00 calendar, waiting on
// the client from Monday 10:00 to Tuesday 11:00, answers the weekend as not
// counted, the pause as a paused span, and counted spans that add up to the
// timer; the policy version it started under is named.
func TestSLAAnswersTheClocksStoredHistory(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		p := newPortal(t, db, nil)
		st, err := loaddata.NewClockStory(context.Background(), db, "api", models.Now())
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Resolution struct {
				UsedSecs int `json:"used_secs"`
			} `json:"resolution"`
			Policy *struct {
				Name    string `json:"name"`
				Version int    `json:"version"`
			} `json:"policy"`
			Clocks []struct {
				Label       string `json:"label"`
				CountedSecs int    `json:"counted_secs"`
				Spans       []struct {
					Kind   string     `json:"kind"`
					From   time.Time  `json:"from"`
					To     *time.Time `json:"to"`
					Secs   int        `json:"secs"`
					Reason string     `json:"reason"`
				} `json:"spans"`
			} `json:"clocks"`
		}
		p.call("GET", "/api/v1/requests/"+strconv.FormatInt(st.Request.ID, 10)+"/sla", p.token(p.admin, allScopes...), nil).
			want(t, 200).json(t, &got)
		if got.Policy == nil || got.Policy.Name != "api office hours" || got.Policy.Version != 1 {
			t.Fatalf("policy = %+v, want version 1 of api office hours", got.Policy)
		}
		if len(got.Clocks) != 2 || got.Clocks[1].Label != "Resolution" {
			t.Fatalf("clocks = %+v, want first response and resolution", got.Clocks)
		}
		res := got.Clocks[1]
		fri := st.Friday
		var weekend, pause bool
		counted := 0
		for _, s := range res.Spans {
			switch {
			case s.Kind == models.EntryCounted:
				counted += s.Secs
			case s.Kind == models.EntryNotCounted && s.From.Equal(fri.Add(time.Hour)) && s.To != nil && s.To.Equal(fri.Add(65*time.Hour)):
				weekend = true
			case s.Kind == models.EntryPaused && s.From.Equal(fri.Add(66*time.Hour)) && s.To != nil && s.To.Equal(fri.Add(91*time.Hour)):
				pause = true
			}
		}
		if !weekend || !pause {
			t.Fatalf("resolution spans lack the weekend (%v) or the pause (%v): %+v", weekend, pause, res.Spans)
		}
		if counted != res.CountedSecs || counted-got.Resolution.UsedSecs > 60 || got.Resolution.UsedSecs-counted > 60 {
			t.Fatalf("counted spans %ds, clock says %ds, timer %ds", counted, res.CountedSecs, got.Resolution.UsedSecs)
		}
	})
}

package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// historyLines writes a clock's entries one per line, for failure
// messages and for comparing two histories.
func historyLines(s models.ClockStory) string {
	var b strings.Builder
	for _, e := range s.Entries {
		fmt.Fprintf(&b, "%s %s", e.Title, e.From.UTC().Format("Mon 15:04"))
		if e.IsSpan() && !e.Open {
			fmt.Fprintf(&b, " – %s", e.To.UTC().Format("Mon 15:04"))
		}
		fmt.Fprintf(&b, " (%s)", e.Reason)
		for _, l := range e.Links {
			fmt.Fprintf(&b, " [#%s %s]", l.Anchor, l.Text)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func clientScopeOf(t *testing.T, ctx context.Context, db *bun.DB, st *loaddata.ClockStory) models.Scope {
	t.Helper()
	u := new(models.User)
	if err := db.NewSelect().Model(u).Where("id = ?", *st.Request.RequesterID).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	sc, err := models.ScopeFor(db, u)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestClockHistoryOfTheWorkedExample is the example of issue 21: a 09:00–17:00
// calendar, 8 h to resolve, a request on Friday at 16:00, waiting for the
// client from Monday 10:00 to Tuesday 11:00. The history tells the start,
// the weekend not counted, the pause with the question that started it and
// the answer that ended it, and its counted stretches add up to the timer.
func TestClockHistoryOfTheWorkedExample(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := models.Now()
		st, err := loaddata.NewClockStory(ctx, db, "worked", now)
		if err != nil {
			t.Fatal(err)
		}
		sc := clientScopeOf(t, ctx, db, st)
		d, err := sc.RequestByNumber(ctx, st.Request.Number, now)
		if err != nil {
			t.Fatal(err)
		}
		h, err := sc.ClockHistory(ctx, d, now)
		if err != nil {
			t.Fatal(err)
		}
		if h.Version == nil || h.Version.Label() != "worked office hours, version 1" || h.RecordedLate {
			t.Fatalf("policy of the history: %+v (recorded late %v), want version 1 of the client's policy", h.Version, h.RecordedLate)
		}
		if len(h.Clocks) != 2 {
			t.Fatalf("%d clocks, want response and resolution", len(h.Clocks))
		}
		res := h.Clocks[1]
		lines := historyLines(res)
		fri := st.Friday
		for _, want := range []string{
			"Started Fri 16:00 (Submitted by Dana Client in the portal; target 8h 0m of business time (high urgency))\n",
			"Counted Fri 16:00 – Fri 17:00 ()\n",
			"Not counted Fri 17:00 – Mon 09:00 (outside business hours)\n",
			"Counted Mon 09:00 – Mon 10:00 ()\n",
			fmt.Sprintf("Paused: waiting for the client Mon 10:00 – Tue 11:00 (Started when Sam Agent set the status to Waiting on client; ended by Dana Client’s reply) [#message-%d Sam Agent’s message] [#event-%d Sam Agent set Waiting on client] [#message-%d Dana Client’s reply]\n",
				st.StaffAsk, st.WaitEvent, st.ClientReply),
			"Counted Tue 11:00 – Tue 17:00 ()\nNot counted Tue 17:00 – Wed 09:00 (outside business hours)\n" +
				"Target passed Wed 09:00 (The counted time reached the target of 8h 0m)\nCounted Wed 09:00 – Wed 17:00 ()\n",
		} {
			if !strings.Contains(lines, want) {
				t.Errorf("resolution history lacks %q; it reads:\n%s", want, lines)
			}
		}
		if strings.Contains(lines, fmt.Sprintf("message-%d", st.Note)) || strings.Contains(lines, "Internal") {
			t.Errorf("the client's history shows the internal note:\n%s", lines)
		}
		counted := 0
		for _, e := range res.Entries {
			if e.Class == models.EntryCounted {
				counted += e.Secs
			}
		}
		if counted != res.CountedSecs {
			t.Errorf("counted stretches add up to %ds, the history says %ds", counted, res.CountedSecs)
		}
		if diff := counted - d.Resolution.UsedSecs; diff < -60 || diff > 60 {
			t.Errorf("counted stretches %ds, the resolution timer %ds: more than a minute apart", counted, d.Resolution.UsedSecs)
		}
		if res.BreachedAt == nil || !res.BreachedAt.Equal(fri.Add(113*time.Hour)) || res.Stopped {
			t.Errorf("resolution breached at %v (stopped %v), want Wednesday 09:00 (8 h used by Tuesday 17:00, over it from the next opening), still running", res.BreachedAt, res.Stopped)
		}
		if res.ElapsedSecs != int(now.Truncate(time.Second).Sub(fri)/time.Second) {
			t.Errorf("elapsed %ds, want the real time since Friday 16:00", res.ElapsedSecs)
		}

		resp := h.Clocks[0]
		rl := historyLines(resp)
		for _, want := range []string{
			"Target passed Mon 09:00 (The counted time reached the target of 1h 0m)\n",
			fmt.Sprintf("Stopped: target breached Mon 10:00 (First public reply, by Sam Agent) [#message-%d the reply]\n", st.StaffAsk),
		} {
			if !strings.Contains(rl, want) {
				t.Errorf("response history lacks %q; it reads:\n%s", want, rl)
			}
		}
		if !resp.Stopped || resp.Met || resp.CountedSecs != 2*3600 || resp.CountedSecs != d.Response.UsedSecs {
			t.Errorf("response: stopped %v met %v counted %ds (timer %ds); want stopped, breached, 2h", resp.Stopped, resp.Met, resp.CountedSecs, d.Response.UsedSecs)
		}

		// Staff see the same history: internal notes never move a clock.
		sd, err := models.GetRequestForStaff(ctx, db, st.Request.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		sh, err := models.StaffClockHistory(ctx, db, sd, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := historyLines(sh.Clocks[1]); got != lines {
			t.Errorf("staff history differs from the client's:\n%s\nclient's:\n%s", got, lines)
		}
	})
}

// TestClockHistoryKeepsThePolicyItStartedUnder: editing the policy later
// does not rewrite a request's history; the next request starts under a
// new version of the policy.
func TestClockHistoryKeepsThePolicyItStartedUnder(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := models.Now()
		st, err := loaddata.NewClockStory(ctx, db, "edited", now)
		if err != nil {
			t.Fatal(err)
		}
		sc := clientScopeOf(t, ctx, db, st)
		history := func(n int) (*models.ClockHistory, string) {
			t.Helper()
			d, err := sc.RequestByNumber(ctx, n, now)
			if err != nil {
				t.Fatal(err)
			}
			h, err := sc.ClockHistory(ctx, d, now)
			if err != nil {
				t.Fatal(err)
			}
			return h, historyLines(h.Clocks[1])
		}
		_, before := history(st.Request.Number)

		targets := map[string][2]int{}
		for _, u := range models.Urgencies {
			targets[u] = [2]int{30, 60}
		}
		if _, err := models.SaveSLAPolicy(ctx, db, st.Policy.ID, models.SLAPolicyInput{Name: "edited 24x7", WarningPercent: 50,
			AlwaysOpen: true, Timezone: "UTC", WorkDays: 0b1111111, StartMinute: 0, EndMinute: 24 * 60, Targets: targets}); err != nil {
			t.Fatal(err)
		}
		h, after := history(st.Request.Number)
		if after != before || h.Version.Label() != "edited office hours, version 1" {
			t.Errorf("the policy edit rewrote the history (%s):\n%s\nbefore:\n%s", h.Version.Label(), after, before)
		}

		r, err := sc.CreateRequest(ctx, models.NewRequest{Title: "Second", Urgency: models.UrgencyLow})
		if err != nil {
			t.Fatal(err)
		}
		h2, _ := history(r.Number)
		if h2.Version.Label() != "edited 24x7, version 2" || h2.Clocks[1].TargetSecs != 3600 {
			t.Errorf("a request after the edit runs under %s with target %ds; want version 2, 1h", h2.Version.Label(), h2.Clocks[1].TargetSecs)
		}
		r3, err := sc.CreateRequest(ctx, models.NewRequest{Title: "Third", Urgency: models.UrgencyLow})
		if err != nil {
			t.Fatal(err)
		}
		if h3, _ := history(r3.Number); h3.Version.ID != h2.Version.ID {
			t.Errorf("an unchanged policy wrote another version: %d then %d", h2.Version.ID, h3.Version.ID)
		}
	})
}

// TestClockHistoryFromTheModelFunctions: the history reads what the
// portal's own writers record (a reply, Waiting on client, the client's
// answer, completion), links each step, and never shows an internal note.
func TestClockHistoryFromTheModelFunctions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		st, err := loaddata.NewClockStory(ctx, db, "live", models.Now())
		if err != nil {
			t.Fatal(err)
		}
		sc := clientScopeOf(t, ctx, db, st)
		staff := new(models.User)
		if err := db.NewSelect().Model(staff).Where("id = ?", *st.Request.AssigneeID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		r, err := sc.CreateRequest(ctx, models.NewRequest{Title: "VPN drops", Urgency: models.UrgencyNormal})
		if err != nil {
			t.Fatal(err)
		}
		ask, err := models.PostMessage(ctx, db, models.PostMessageInput{ClientID: r.ClientID, RequestID: r.ID,
			AuthorID: staff.ID, ByStaff: true, Body: "Which office are you in?"})
		if err != nil {
			t.Fatal(err)
		}
		note, err := models.PostMessage(ctx, db, models.PostMessageInput{ClientID: r.ClientID, RequestID: r.ID,
			AuthorID: staff.ID, ByStaff: true, Internal: true, Body: "Secret: check the firewall."})
		if err != nil {
			t.Fatal(err)
		}
		if err := models.ChangeRequestStatus(ctx, db, r.ID, staff, models.StatusWaiting); err != nil {
			t.Fatal(err)
		}
		answer, err := models.PostMessage(ctx, db, models.PostMessageInput{ClientID: r.ClientID, RequestID: r.ID,
			AuthorID: *st.Request.RequesterID, Body: "Lyon."})
		if err != nil {
			t.Fatal(err)
		}
		if err := models.CompleteRequest(ctx, db, r.ID, staff, "Reset the tunnel."); err != nil {
			t.Fatal(err)
		}
		now := models.Now()
		d, err := sc.RequestByNumber(ctx, r.Number, now)
		if err != nil {
			t.Fatal(err)
		}
		h, err := sc.ClockHistory(ctx, d, now)
		if err != nil {
			t.Fatal(err)
		}
		res := historyLines(h.Clocks[1])
		for _, want := range []string{
			fmt.Sprintf("[#message-%d Sam Agent’s message]", ask.ID),
			"Sam Agent set Waiting on client]",
			fmt.Sprintf("ended by Dana Client’s reply) [#message-%d Sam Agent’s message]", ask.ID),
			fmt.Sprintf("[#message-%d Dana Client’s reply]\n", answer.ID),
			"Stopped: target met",
		} {
			if !strings.Contains(res, want) {
				t.Errorf("resolution history lacks %q; it reads:\n%s", want, res)
			}
		}
		if strings.Contains(res, fmt.Sprintf("message-%d", note.ID)) {
			t.Errorf("the history links the internal note:\n%s", res)
		}
		if !h.Clocks[1].Stopped || !h.Clocks[1].Met || !h.Clocks[0].Stopped {
			t.Errorf("both clocks should be decided and met: %+v", h.Clocks)
		}

		// Another client's scope cannot read this request's history.
		other, err := loaddata.NewClockStory(ctx, db, "other", now)
		if err != nil {
			t.Fatal(err)
		}
		osc := clientScopeOf(t, ctx, db, other)
		if _, err := osc.ClockHistory(ctx, d, now); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another client's scope read the history: %v", err)
		}
	})
}

package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// clientToday is today's date in the client's time zone, as the console's
// time form takes it.
func clientToday(t *testing.T, c *models.Client) string {
	t.Helper()
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	return models.Now().In(loc).Format("2006-01-02")
}

// logTimeInConsole logs duration on a request through the console's form.
func logTimeInConsole(t *testing.T, staff *app, requestID int64, duration, date string) {
	t.Helper()
	page := "/console/requests/" + itoa(requestID)
	form := url.Values{"duration": {duration}, "date": {date}, "note": {"Work"}}
	if resp, body := staff.submit(page, page+"/time", form); resp.StatusCode != http.StatusOK {
		t.Fatalf("log %s on request %d: %d %s", duration, requestID, resp.StatusCode, body)
	}
}

// insertTime logs time directly (work date as a UTC midnight, as stored).
func insertTime(t *testing.T, db *bun.DB, clientID, requestID, staffID int64, minutes int, day time.Time) {
	t.Helper()
	now := models.Now()
	e := &models.TimeEntry{ClientID: clientID, RequestID: requestID, StaffID: staffID, Minutes: minutes,
		WorkDate: time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC), CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(e).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func setIncluded(t *testing.T, db *bun.DB, c *models.Client, minutes int) {
	t.Helper()
	if _, err := db.NewUpdate().Model(c).Set("monthly_included_minutes = ?", minutes).WherePK().Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func newRequest(t *testing.T, db *bun.DB, u *models.User, title string) *models.Request {
	t.Helper()
	sc, err := models.ScopeFor(db, u)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.CreateRequest(context.Background(), models.NewRequest{Title: title, Urgency: models.UrgencyNormal})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// breakdown is the per-request table as ref → hours.
func breakdown(t *testing.T, body string) (refs []string, hours map[string]string) {
	t.Helper()
	hours = map[string]string{}
	doc(t, body).Find("#hours-breakdown tbody tr").Each(func(_ int, s *goquery.Selection) {
		ref, _ := s.Attr("data-request")
		refs = append(refs, ref)
		hours[ref] = strings.TrimSpace(s.Find("td.hours").Text())
	})
	return refs, hours
}

// TestHoursPage: a stored period with included hours and a top-up, time
// logged on two requests in the console: the client sees the balance, the
// top-up and each request's hours, largest first, with a total.
func TestHoursPage(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		setIncluded(t, db, s.client, 600)
		today, err := time.Parse(time.DateOnly, clientToday(t, s.client))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
		period := &models.HourBankPeriod{StartsOn: start, EndsOn: start.AddDate(0, 1, 0)}
		if _, err := models.AddPurchase(ctx, db, s.admin, s.client.ID, models.PurchaseInput{Minutes: 300, On: today,
			Note: "Project block"}); err != nil {
			t.Fatal(err)
		}
		small := newRequest(t, db, s.clientUser, "Printer jam")
		big := newRequest(t, db, s.clientUser, "New laptop")

		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		day := clientToday(t, s.client)
		logTimeInConsole(t, staff, small.ID, "1:00", day)
		logTimeInConsole(t, staff, big.ID, "2:00", day)
		logTimeInConsole(t, staff, big.ID, "0:30", day)
		// Time before the period counts in its own period, not this one.
		insertTime(t, db, s.client.ID, small.ID, s.admin.ID, 240, start.AddDate(0, 0, -1))

		a := staff.browser()
		a.signIn(s.clientUser.Email, testPassword)
		resp, body := a.get("/hours")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /hours: %d", resp.StatusCode)
		}
		last := period.EndsOn.AddDate(0, 0, -1)
		wantPeriod := start.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006")
		if start.Year() == last.Year() {
			wantPeriod = start.Format("2 Jan") + " – " + last.Format("2 Jan 2006")
		}
		for sel, want := range map[string]string{
			"h1": "Hours", "#hours-period": wantPeriod,
			"#hours-purchased": "15 h", "#hours-used": "3.5 h", "#hours-remaining": "11.5 h",
			"#hours-total td.hours": "3.5 h", `nav.nav-wide a[aria-current="page"]`: "Hours",
		} {
			if got := text(t, body, sel); got != want {
				t.Errorf("%s = %q, want %q", sel, got, want)
			}
		}
		d := doc(t, body)
		meter := d.Find("progress.meter#hours-meter")
		if max, _ := meter.Attr("max"); max != "100" {
			t.Errorf("meter max = %q, want 100", max)
		}
		if v, _ := meter.Attr("value"); v != "23" { // 3.5 of 15 h
			t.Errorf("meter value = %q, want 23", v)
		}
		if d.Find(".overage").Length() != 0 || meter.HasClass("meter-over") {
			t.Error("no overage expected")
		}
		if got := text(t, body, "#hours-meter-text"); !strings.Contains(got, "3.5 h used of 15 h in all") {
			t.Errorf("screen reader text = %q", got)
		}
		if d.Find("[style]").Length() != 0 {
			t.Error("inline style attribute on the page (the CSP forbids them)")
		}
		topUps := d.Find("#hours-topups tbody tr")
		if topUps.Length() != 1 || !strings.Contains(topUps.Text(), "Project block") || topUps.Find("td.hours").Text() != "5 h" {
			t.Errorf("top-ups = %q", topUps.Text())
		}

		refs, hours := breakdown(t, body)
		if strings.Join(refs, ",") != "ACME-2,ACME-1" {
			t.Fatalf("breakdown order = %v, want ACME-2 (2.5 h) then ACME-1 (1 h)", refs)
		}
		if hours["ACME-2"] != "2.5 h" || hours["ACME-1"] != "1 h" {
			t.Errorf("breakdown hours = %v", hours)
		}
		if href, _ := d.Find(`#hours-breakdown tr[data-request="ACME-2"] a`).Attr("href"); href != "/requests/2" {
			t.Errorf("link of ACME-2 = %q", href)
		}
		if !d.Find(".table-wrap #hours-breakdown").Is("table") {
			t.Error("breakdown not inside .table-wrap")
		}
	})
}

// TestHoursPageOverage: more time than included hours shows as overage, on
// the monthly hours of a client with no stored period.
func TestHoursPageOverage(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		setIncluded(t, db, s.client, 60)
		r := newRequest(t, db, s.clientUser, "Server down")
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		logTimeInConsole(t, staff, r.ID, "3:30", clientToday(t, s.client))

		a := staff.browser()
		a.signIn(s.clientUser.Email, testPassword)
		_, body := a.get("/hours")
		for sel, want := range map[string]string{
			"#hours-purchased": "1 h", "#hours-used": "3.5 h", "#hours-remaining.overage": "Over by 2.5 h",
		} {
			if got := text(t, body, sel); got != want {
				t.Errorf("%s = %q, want %q", sel, got, want)
			}
		}
		meter := doc(t, body).Find("#hours-meter")
		if v, _ := meter.Attr("value"); v != "100" || !meter.HasClass("meter-over") {
			t.Errorf("meter value %q, classes %q; want a full red bar", v, meter.AttrOr("class", ""))
		}
		if got := text(t, body, "#hours-meter-text"); !strings.Contains(got, "over by 2.5 h") {
			t.Errorf("screen reader text = %q", got)
		}
		if d := doc(t, body); d.Find("#hours-topups").Length() != 0 {
			t.Error("top-ups table shown with no top-ups")
		}
	})
}

// TestHoursPageEmpty: a client with no hour bank gets a friendly note.
func TestHoursPageEmpty(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)
		resp, body := a.get("/hours")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /hours: %d", resp.StatusCode)
		}
		if got := text(t, body, ".empty"); got != "Your provider has not set up an hour bank for you." {
			t.Errorf("empty state = %q", got)
		}
		if d := doc(t, body); d.Find(".stats, progress, #hours-breakdown").Length() != 0 {
			t.Error("balance shown for a client with no hour bank")
		}
	})
}

// TestHoursPageTenancy: another client's time is never counted or listed,
// and each client sees only its own.
func TestHoursPageTenancy(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		other := seedOtherClient(t, db)
		setIncluded(t, db, s.client, 600)
		setIncluded(t, db, other.client, 600)
		mine := newRequest(t, db, s.clientUser, "Printer jam")
		acmeToday, err := time.Parse(time.DateOnly, clientToday(t, s.client))
		if err != nil {
			t.Fatal(err)
		}
		insertTime(t, db, s.client.ID, mine.ID, s.admin.ID, 60, acmeToday)
		insertTime(t, db, other.client.ID, other.request.ID, s.admin.ID, 300, models.Now().UTC())

		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)
		_, body := a.get("/hours")
		if got := text(t, body, "#hours-used"); got != "1 h" {
			t.Errorf("Acme used = %q, want 1 h", got)
		}
		if refs, _ := breakdown(t, body); strings.Join(refs, ",") != "ACME-1" {
			t.Errorf("Acme breakdown = %v, want only ACME-1", refs)
		}
		if w := contains(body, foreignTitle, "GLOBEX", foreignName); w != "" {
			t.Errorf("Acme's hours page shows %q of another client", w)
		}

		g := a.browser()
		g.signIn(other.user.Email, testPassword)
		_, body = g.get("/hours")
		if got := text(t, body, "#hours-used"); got != "5 h" {
			t.Errorf("Globex used = %q, want 5 h", got)
		}
		if w := contains(body, "Printer jam", "ACME-"); w != "" {
			t.Errorf("Globex's hours page shows %q of Acme", w)
		}
	})
}

// TestHoursPageStaff: the page is the portal's; staff get 404 like on other
// portal pages, visitors are sent to sign in.
func TestHoursPageStaff(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newApp(t, db)
		if resp, _ := a.get("/hours"); resp.Request.URL.Path != "/signin" {
			t.Errorf("visitor at %s, want /signin", resp.Request.URL.Path)
		}
		a.signIn(s.admin.Email, testPassword)
		if resp, _ := a.get("/hours"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("staff GET /hours: %d, want 404", resp.StatusCode)
		}
	})
}

// TestHoursPeriodText: the end date is exclusive; the year shows once unless
// the period spans two.
func TestHoursPeriodText(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		from, to time.Time
		want     string
	}{
		{day(2026, 11, 1), day(2026, 12, 1), "1 Nov – 30 Nov 2026"},
		{day(2026, 12, 15), day(2027, 1, 15), "15 Dec 2026 – 14 Jan 2027"},
		{day(2026, 12, 1), day(2027, 1, 1), "1 Dec – 31 Dec 2026"},
	} {
		h := handlers.HoursPage{HasBank: true}
		h.Period = models.HourBankPeriod{StartsOn: c.from, EndsOn: c.to}
		if got := h.PeriodText(); got != c.want {
			t.Errorf("PeriodText(%s, %s) = %q, want %q", c.from.Format(time.DateOnly), c.to.Format(time.DateOnly), got, c.want)
		}
	}
}

// TestHoursPagePeriods: the client picks last period or this one; each
// lists its purchases, the rollover with its dates, time per request and
// per day, and states an overage plainly.
func TestHoursPagePeriods(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		today, _ := time.Parse(time.DateOnly, clientToday(t, s.client))
		cur := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
		prev := cur.AddDate(0, -1, 0)
		if err := models.SaveHourPlan(ctx, db, s.admin, models.HourPlan{ClientID: s.client.ID, Kind: models.PlanMonthly,
			IncludedMinutes: 600, StartDay: 1, AnchorMonth: 1, Rollover: models.RolloverCapped, RolloverCapMinutes: 240,
			RolloverExpiryPeriods: 1, OverageRate: "€95/h"}); err != nil {
			t.Fatal(err)
		}
		if _, err := models.AddPurchase(ctx, db, s.admin, s.client.ID, models.PurchaseInput{Minutes: 120, On: prev.AddDate(0, 0, 4),
			Reference: "INV-7", Note: "Top-up"}); err != nil {
			t.Fatal(err)
		}
		r := newRequest(t, db, s.clientUser, "Server move")
		insertTime(t, db, s.client.ID, r.ID, s.admin.ID, 420, prev.AddDate(0, 0, 9)) // 7 h last month
		insertTime(t, db, s.client.ID, r.ID, s.admin.ID, 60, prev.AddDate(0, 0, 10)) // 1 h
		insertTime(t, db, s.client.ID, r.ID, s.admin.ID, 1200, cur)                  // 20 h this month
		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)

		// Last month: 10 h included + 2 h bought, 8 h used (included first): 2 h of
		// included hours and the 2 h block left; 2 h roll over (cap 4 h).
		resp, body := a.get("/hours?period=" + prev.Format(time.DateOnly))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET last period: %d", resp.StatusCode)
		}
		for sel, want := range map[string]string{
			"#hours-purchased": "12 h", "#hours-used": "8 h", "#hours-remaining": "4 h",
			"#hours-topups tbody td.hours": "2 h",
		} {
			if got := text(t, body, sel); got != want {
				t.Errorf("last period %s = %q, want %q", sel, got, want)
			}
		}
		d := doc(t, body)
		if d.Find("#hours-days tbody tr").Length() != 2 {
			t.Errorf("last period has %d days listed, want 2", d.Find("#hours-days tbody tr").Length())
		}
		if n := d.Find("#period option").Length(); n != 2 {
			t.Errorf("%d periods to choose from, want 2", n)
		}

		// This month: 10 h included + 2 h rolled over (until the end of this
		// month) + 2 h left on the block = 14 h; 20 h used: over by 6 h.
		_, body = a.get("/hours")
		for sel, want := range map[string]string{
			"#hours-purchased": "14 h", "#hours-used": "20 h", "#hours-remaining": "Over by 6 h",
			"#hours-brought-in": "2 h",
			"#hours-overage":    "This period used 6 h more than its total, charged as overage at €95/h.",
		} {
			if got := text(t, body, sel); got != want {
				t.Errorf("this period %s = %q, want %q", sel, got, want)
			}
		}
		last := cur.AddDate(0, 1, -1)
		wantRoll := "Rolled over from " + prev.Format("2 Jan") + " – " + cur.AddDate(0, 0, -1).Format("2 Jan 2006") +
			", usable until " + last.Format("2 Jan 2006")
		if prev.Year() != cur.AddDate(0, 0, -1).Year() {
			wantRoll = "Rolled over from " + prev.Format("2 Jan 2006") + " – " + cur.AddDate(0, 0, -1).Format("2 Jan 2006") +
				", usable until " + last.Format("2 Jan 2006")
		}
		if got := text(t, body, "#hours-sources tr.rollover th"); got != wantRoll {
			t.Errorf("rollover = %q, want %q", got, wantRoll)
		}
		if resp, _ := a.get("/hours?period=1990-01-01"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown period: %d, want 404", resp.StatusCode)
		}
		if resp, _ := a.get("/hours?period=junk"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("bad period: %d, want 404", resp.StatusCode)
		}
	})
}

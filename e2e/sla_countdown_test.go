package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
)

// TestCountdownStandsStillOutsideBusinessHours: a timer whose clock runs in
// business hours does not count down on screen while the office is closed
// (today is a holiday of its calendar), and says it is paused; inside
// working time the page counts it down by itself.
func TestCountdownStandsStillOutsideBusinessHours(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	seedWorkspace(t, p.db)
	acme := seedClient(t, p.db, "Acme Corp", "acme")
	carol := seedClientUser(t, p.db, acme, "Carol Client", "carol@acme.test")
	closeToday(t, p.db, acme)
	seedRequest(t, p.db, carol, "Phones dead", "high")

	c := b.newPerson("Carol")
	c.signIn("carol@acme.test", password, "/", "#stat-open")
	c.open("/requests/1", "#timer-resolution [data-open]")
	var left int
	c.eval(`Number(document.querySelector("#timer-resolution [data-open]").getAttribute("data-left"))`, &left)
	// The script has run once the text is in its own format; it must be the
	// business time left, the same on every tick, with the reason beside it.
	want := countdownText(left)
	c.waitFor("the resolution timer standing at "+want, `(want) => {
		const el = document.querySelector("#timer-resolution [data-open]");
		return el.querySelector(".sla-text").textContent === want && !el.querySelector(".sla-why").hidden;
	}`, want)

	// The same script, given working time that has begun ten minutes ago,
	// counts down from where the server read it.
	now := time.Now().Unix()
	c.eval(fmt.Sprintf(`(() => {
		const el = document.querySelector("#timer-resolution [data-open]").cloneNode(true);
		el.id = "open-now";
		el.setAttribute("data-at", "%d");
		el.setAttribute("data-left", "3600");
		el.setAttribute("data-open", "%d-%d");
		el.querySelector(".sla-text").textContent = "";
		document.querySelector("#timer-resolution").appendChild(el);
		return true;
	})()`, now-600, now-600, now+3600), nil)
	c.waitFor("the open timer counting down", `() => {
		const el = document.getElementById("open-now");
		return /^(50|49)m \d+s left$/.test(el.querySelector(".sla-text").textContent) && el.querySelector(".sla-why").hidden;
	}`)
}

// closeToday makes the client's SLA calendar 09:00–17:00 UTC every day, with
// today a holiday: whatever the hour, its clocks stand still now.
func closeToday(t *testing.T, db *bun.DB, c *models.Client) {
	t.Helper()
	ctx := context.Background()
	policy, err := models.SLAPolicyOf(ctx, db, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewUpdate().Model((*models.SLACalendar)(nil)).Where("id = ?", policy.Calendar.ID).
		Set("timezone = 'UTC', always_open = ?, work_days = 127, start_minute = 540, end_minute = 1020", false).
		Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewInsert().Model(&models.SLAHoliday{CalendarID: policy.Calendar.ID,
		Day: models.Now().Truncate(24 * time.Hour), Name: "Closed"}).Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

// countdownText is the page script's text for secs left (portal.js span).
func countdownText(secs int) string {
	d, h, m, s := secs/86400, secs%86400/3600, secs%3600/60, secs%60
	switch {
	case d > 0:
		return fmt.Sprintf("%dd %dh left", d, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm left", h, m)
	case m > 0:
		return fmt.Sprintf("%dm %ds left", m, s)
	}
	return fmt.Sprintf("%ds left", s)
}

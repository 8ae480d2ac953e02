package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
)

// TestClockHistoryInTheBrowser: the worked example of issue 21 as the
// client and the agent see it. Each clock's history opens from its summary
// (a <details>, with or without JavaScript), reads the weekend as not
// counted, and its links land on the question and the answer in the
// thread; on a phone nothing scrolls sideways. The client never sees the
// internal note written during the wait.
func TestClockHistoryInTheBrowser(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	seedWorkspace(t, p.db)
	st, err := loaddata.NewClockStory(context.Background(), p.db, "browser", models.Now())
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/requests/%d", st.Request.Number)
	resolution := "#clock-history details.clock-story:last-of-type"

	dana := b.newPerson("Dana")
	dana.never = []string{"toner supplier"}
	dana.signIn("dana@browser.clock.test", loaddata.ClockStoryPassword, "/", "#stat-open")
	dana.open(page, "#clock-history summary")
	var open bool
	dana.eval(`document.querySelector("`+resolution+`").open`, &open)
	if open {
		t.Fatalf("the resolution history is open before it is asked for")
	}
	dana.click(resolution + " > summary")
	dana.waitText(resolution+" li.clock-not-counted", "outside business hours")
	weekend := strings.Join(strings.Fields(dana.text(resolution+" li.clock-not-counted")), " ")
	if !strings.Contains(weekend, "Fri") || !strings.Contains(weekend, "17:00 UTC – Mon") || !strings.Contains(weekend, "09:00 UTC") {
		t.Errorf("the first stretch not counted reads %q, want Friday 17:00 to Monday 09:00", weekend)
	}
	// The pause's link to the client's answer lands on it in the thread.
	dana.click(fmt.Sprintf(`%s li.clock-paused a[href="#message-%d"]`, resolution, st.ClientReply))
	dana.waitFor("the answer scrolled into view", `(id) => {
		const el = document.getElementById(id);
		if (!el || location.hash !== "#" + id) return false;
		const r = el.getBoundingClientRect();
		return r.top >= 0 && r.top < window.innerHeight;
	}`, fmt.Sprintf("message-%d", st.ClientReply))
	dana.click(resolution + " > summary") // scroll back and keep it open for the pictures
	dana.click(resolution + " > summary")
	dana.click("#clock-history details.clock-story:first-of-type > summary")
	dana.waitText("#clock-history details.clock-story:first-of-type li.clock-stopped", "First public reply")
	noSeriousViolations(t, dana, page)
	dana.run("scroll to the top", chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))
	shoot(t, dana, "portal-clock-history")

	dana.run("use a phone screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	dana.open(page, "#clock-history summary")
	dana.click(resolution + " > summary")
	dana.waitText(resolution+" li.clock-paused", "Dana Client’s reply")
	checkPhone(t, dana, page+" (clock history open)")

	// Without JavaScript the history is the same plain HTML.
	plain := b.newPerson("Dana without JavaScript")
	plain.never = []string{"toner supplier"}
	plain.run("switch JavaScript off", emulation.SetScriptExecutionDisabled(true))
	plain.signIn("dana@browser.clock.test", loaddata.ClockStoryPassword, "/", "#stat-open")
	plain.open(page, "#clock-history summary")
	plain.click(resolution + " > summary")
	plain.waitText(resolution+" li.clock-paused", "Sam Agent’s message")

	sam := b.newPerson("Sam")
	sam.signIn("sam@browser.clock.test", loaddata.ClockStoryPassword, "/console", "#queue-list")
	console := fmt.Sprintf("/console/requests/%d", st.Request.ID)
	sam.open(console, "#clock-history summary")
	sam.click(resolution + " > summary")
	sam.click(fmt.Sprintf(`%s li.clock-paused a[href="#event-%d"]`, resolution, st.WaitEvent))
	sam.waitFor("the status change in the history", `(id) => location.hash === "#" + id && !!document.getElementById(id)`,
		fmt.Sprintf("event-%d", st.WaitEvent))
	sam.click("#clock-history details.clock-story:first-of-type > summary")
	noSeriousViolations(t, sam, console)
	sam.run("scroll to the top", chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))
	shoot(t, sam, "console-clock-history")
	sam.run("use a phone screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	sam.settle()
	checkPhone(t, sam, console+" (clock history open)")
}

// noSeriousViolations runs axe-core on what p shows (the clock histories
// open) and fails on any serious or critical violation.
func noSeriousViolations(t *testing.T, p *person, path string) {
	t.Helper()
	var found []string
	p.eval(axeSource+";0", nil)
	p.run("run axe on "+path, awaitEval(axeRunJS, &found))
	if len(found) > 0 {
		t.Errorf("%s with the clock history open: %d serious or critical accessibility violations:\n    %s",
			path, len(found), strings.Join(found, "\n    "))
	}
}

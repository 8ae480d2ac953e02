package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/portal-msp/portal/models"
)

// TestPhoneWidth checks the client's everyday pages on a 390×844 phone: no
// page scrolls sideways, and every form field has a label.
func TestPhoneWidth(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	admin := seedWorkspace(t, p.db)
	acme := seedClient(t, p.db, "Acme Corp", "acme")
	carolUser := seedClientUser(t, p.db, acme, "Carol Client", "carol@acme.test")
	r := seedRequest(t, p.db, carolUser, "VPN drops every few minutes when working from the Lyon office", "high")
	// A realistic thread: a pasted link is the usual way a page gets too wide.
	for _, m := range []struct {
		author *models.User
		body   string
	}{
		{carolUser, "It started after the firewall update. Log: https://files.acme.example/support/vpn-logs/2026-11-24/lyon-office-gateway-01.log"},
		{admin, "Thanks Carol. Could you try reconnecting with the new profile and tell us whether it still drops?"},
	} {
		if _, err := models.PostMessage(context.Background(), p.db, models.PostMessageInput{ClientID: acme.ID,
			RequestID: r.ID, AuthorID: m.author.ID, ByStaff: m.author.IsStaff(), Body: m.body}); err != nil {
			t.Fatal(err)
		}
	}

	carol := b.newPerson("Carol (phone)")
	carol.run("use a phone screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(3)))
	carol.signIn("carol@acme.test", password, "/", "#stat-open")
	var width int
	carol.eval(`document.documentElement.clientWidth`, &width)
	if width != 390 {
		t.Fatalf("the phone screen is %d px wide, want 390", width)
	}
	for _, page := range []struct{ path, sel string }{
		{"/", "#stat-open"},
		{"/requests", "#request-list tr[data-request='ACME-1']"},
		{"/requests/1", "#reply-form"},
	} {
		carol.open(page.path, page.sel)
		var problems []string
		carol.eval(phoneProblemsJS, &problems)
		if len(problems) > 0 {
			t.Errorf("%s at 390 px wide:\n  %s", page.path, strings.Join(problems, "\n  "))
		}
	}
}

// phoneProblemsJS lists what makes the current page hard to use on a phone:
// content wider than the screen (naming the elements that stick out) and
// form fields without a label.
//
// The screen is the layout viewport (documentElement.clientWidth), not
// innerWidth: a mobile browser zooms out to show a page that is too wide, and
// innerWidth grows with it, so scrollWidth <= innerWidth would always hold.
const phoneProblemsJS = `(() => {
	const problems = [];
	const width = document.documentElement.clientWidth;
	if (document.documentElement.scrollWidth > width) {
		problems.push("the page is " + document.documentElement.scrollWidth + " px wide on a " + width + " px screen");
		const describe = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
			(el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
		const wide = Array.from(document.body.querySelectorAll("*"))
			.filter(el => el.getBoundingClientRect().right > width + 1)
			.filter(el => !el.parentElement || el.parentElement.getBoundingClientRect().right <= width + 1);
		for (const el of wide.slice(0, 5)) {
			problems.push("  sticks out: " + describe(el) + " (right edge at " + Math.round(el.getBoundingClientRect().right) + " px)");
		}
	}
	for (const el of document.querySelectorAll("input, select, textarea")) {
		if (el.type === "hidden") continue;
		if ((el.labels && el.labels.length) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")) continue;
		problems.push("no label: <" + el.tagName.toLowerCase() + " name=" + el.name + " id=" + el.id + ">");
	}
	return problems;
})()`

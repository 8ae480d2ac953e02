package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/portal-msp/portal/models"
)

// TestPhoneWidth checks the client's everyday pages and the staff queue on a
// 390×844 phone: no page scrolls sideways, every form field has a label, and
// what matters is on the screen — the menu with its unread count, and both
// SLA timers of every request in a list.
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
		{"/messages", "#threads tr[data-request='ACME-1']"},
		{"/requests/1", "#reply-form"},
	} {
		carol.open(page.path, page.sel)
		// The unread count rides on the menu button (Carol has not read
		// the admin's reply yet, except on the request page itself).
		if page.path != "/requests/1" {
			carol.waitText("#menu-badge", "1")
		}
		checkPhone(t, carol, page.path)
	}
	// The menu opens without JavaScript's help and shows every page.
	carol.open("/", "#stat-open")
	carol.click(".nav-menu > summary")
	carol.click(".nav-menu-panel a[href='/account']")
	carol.at("/account", "#profile-form")
	carol.signOut()

	staff := b.newPerson("Ada (phone)")
	staff.run("use a phone screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(3)))
	staff.signIn(adminEmail, password, "/console", "#queue-list tr[data-request='ACME-1']")
	checkPhone(t, staff, "/console")
	staff.open("/console/requests/1", "#reply-form")
	checkPhone(t, staff, "/console/requests/1")
	// A webhook's delivery log, an attempt opened: long URLs, headers and
	// bodies wrap instead of widening the page.
	hook := fmt.Sprintf("/console/webhooks/%d", seedWebhook(t, p, adminEmail))
	staff.open("/console/webhooks", "#webhook-list")
	checkPhone(t, staff, "/console/webhooks")
	staff.open(hook, "#deliveries details.attempt")
	staff.click("#deliveries details.attempt > summary")
	checkPhone(t, staff, hook)
}

// checkPhone fails the test if the page has phone problems (phoneProblemsJS)
// or anything that matters is off the screen (onScreenJS).
func checkPhone(t *testing.T, p *person, path string) {
	t.Helper()
	var problems, hidden []string
	p.eval(phoneProblemsJS, &problems)
	p.eval(onScreenJS, &hidden)
	if problems = append(problems, hidden...); len(problems) > 0 {
		t.Errorf("%s at 390 px wide:\n  %s", path, strings.Join(problems, "\n  "))
	}
}

// onScreenJS lists what matters that a person cannot see without scrolling
// sideways: the menu button and its unread badge, and every SLA timer,
// status and urgency badge.
const onScreenJS = `(() => {
	const width = document.documentElement.clientWidth;
	const out = [];
	const must = ".nav-menu > summary, .sla, main .badge";
	for (const el of document.querySelectorAll(must)) {
		const r = el.getBoundingClientRect();
		if (!r.width || !r.height) { out.push("not shown: " + el.outerHTML.slice(0, 120)); continue; }
		if (r.left < 0 || r.right > width + 1) out.push("off the screen (" + Math.round(r.left) + "–" + Math.round(r.right) + " px): " + el.outerHTML.slice(0, 120));
	}
	const badge = document.getElementById("menu-badge");
	if (badge && badge.textContent.trim()) {
		const r = badge.getBoundingClientRect();
		if (!r.width || r.right > width + 1) out.push("the unread badge is not on the screen");
	}
	return out;
})()`

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
		// A field hidden from people and screen readers alike (the account
		// name a password manager files a new password under) needs no label.
		if (el.type === "hidden" || el.getAttribute("aria-hidden") === "true") continue;
		if ((el.labels && el.labels.length) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")) continue;
		problems.push("no label: <" + el.tagName.toLowerCase() + " name=" + el.name + " id=" + el.id + ">");
	}
	return problems;
})()`

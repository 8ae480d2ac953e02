package e2e

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestOnboarding is issue 3's "done when": a staff member creates a client and
// a portal link; someone at the client joins through it, signs out and in,
// resets a forgotten password from the e-mailed link and signs in with the
// new one. Another client's name never shows on any page they see.
func TestOnboarding(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	seedWorkspace(t, p.db)
	other := seedClient(t, p.db, "Globex Industries", "globex")
	seedRequest(t, p.db, seedClientUser(t, p.db, other, "Gary Globex", "gary@globex.test"), "Globex VPN outage", "high")

	// Staff: Clients → New client → Generate link.
	staff := b.newPerson("Ada (staff)")
	staff.signIn(adminEmail, password, "/console", "#queue-list")
	staff.click("nav a[href='/console/clients']")
	staff.at("/console/clients", "a[href='/console/clients/new']")
	staff.click("a[href='/console/clients/new']")
	staff.at("/console/clients/new", "#client-form")
	staff.fill("#name", "Contoso Ltd")
	staff.fill("#slug", "contoso")
	staff.choose("#timezone", "Europe/London")
	staff.click("#client-form button[type=submit]")
	staff.waitText("h1", "Contoso Ltd")
	staff.at(staff.path(), "#links")
	staff.click("#links form button[type=submit]")
	staff.at(staff.path(), "#new-link-url")
	link := staff.value("#new-link-url")
	if !strings.HasPrefix(link, p.url+"/join/") {
		t.Fatalf("portal link %q is not a %s/join/… URL", link, p.url)
	}

	// Someone at Contoso, on another computer, joins through the link.
	dana := b.newPerson("Dana (client)")
	dana.never = []string{other.Name}
	joinPath := pathOf(t, link)
	dana.open(joinPath, "#join-form")
	if got := dana.text("h1"); got != "Contoso Ltd" {
		t.Errorf("join page names %q, want Contoso Ltd", got)
	}
	dana.fill("#join-name", "Dana Contoso")
	dana.fill("#join-email", "dana@contoso.test")
	dana.fill("#join-password", password)
	dana.click("#join-form button[type=submit]")
	dana.at(joinPath, "#join-sent")
	// The account is finished from the link e-mailed to the address.
	welcome := regexp.MustCompile(`https?://[^\s"<>]+/welcome/[A-Za-z0-9_-]+`).FindString(p.smtp.WaitFor(t, "dana@contoso.test", 1).Text)
	dana.open(pathOf(t, welcome), "#welcome-form")
	dana.click("#welcome-form button[type=submit]")
	dana.at("/", "#stat-open")
	if got := dana.text("main h1"); got != "Contoso Ltd" {
		t.Errorf("dashboard heading is %q, want Contoso Ltd", got)
	}

	dana.signOut()
	dana.signIn("dana@contoso.test", password, "/", "#stat-open")
	dana.signOut()

	// Forgot password → e-mailed link → new password → sign in with it.
	dana.click("a[href='/forgot']")
	dana.at("/forgot", "#forgot form")
	dana.fill("#email", "dana@contoso.test")
	dana.click("#forgot button[type=submit]")
	dana.at("/forgot", "#forgot-sent")
	mail := p.smtp.WaitFor(t, "dana@contoso.test", 2)
	reset := resetLinkPattern.FindString(mail.Text)
	if !strings.HasPrefix(reset, p.url+"/reset/") {
		t.Fatalf("no %s/reset/… link in the e-mail:\n%s", p.url, mail.Text)
	}
	const newPassword = "a-brand-new-passphrase"
	dana.open(pathOf(t, reset), "#reset-form")
	dana.fill("#password", newPassword)
	dana.fill("#confirm", newPassword)
	dana.click("#reset-form button[type=submit]")
	dana.at("/signin", ".flash-success")
	dana.signIn("dana@contoso.test", newPassword, "/", "#stat-open")
	if got := dana.text("main h1"); got != "Contoso Ltd" {
		t.Errorf("dashboard heading after the reset is %q, want Contoso Ltd", got)
	}
}

var resetLinkPattern = regexp.MustCompile(`https?://[^\s"<>]+/reset/[A-Za-z0-9_-]+`)

// pathOf is the path of an absolute URL the portal showed or e-mailed; the
// browser opens it on the test server.
func pathOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("bad link %q: %v", link, err)
	}
	return u.Path
}

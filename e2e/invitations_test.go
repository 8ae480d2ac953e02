package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/portal-msp/portal/models"
)

var invitationLinkPattern = regexp.MustCompile(`https?://[^\s"<>]+/invite/[A-Za-z0-9_-]+`)

// TestInviteByEmail is invitations by e-mail in a real browser: staff invite
// two addresses from a client's page (a mistyped one first, named beside the
// field), the invitation arrives at the SMTP server, the invited person
// opens its link, chooses a name and password and lands on the portal; the
// console then shows the invitation as joined.
func TestInviteByEmail(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	seedWorkspace(t, p.db)
	acme := seedClient(t, p.db, "Acme Corp", "acme")
	other := seedClient(t, p.db, "Globex Industries", "globex")
	page := fmt.Sprintf("/console/clients/%d", acme.ID)

	staff := b.newPerson("Ada (staff)")
	staff.signIn(adminEmail, password, "/console", "#queue-list")
	staff.open(page, "#invitations")
	staff.fill("#invite-addresses", "dana@acme.test\nnot-an-address")
	staff.click("#invitations form button[type=submit]")
	staff.at(page, "#addresses-error")
	if got := staff.text("#addresses-error"); !strings.Contains(got, "not-an-address") {
		t.Errorf("the refused address is not named: %q", got)
	}
	staff.fill("#invite-addresses", "dana@acme.test, eli@acme.test")
	staff.click("#invitations form button[type=submit]")
	staff.at(page, "#invitation-list")
	staff.waitText("#invitation-list", "eli@acme.test")

	mail := p.smtp.WaitFor(t, "dana@acme.test", 1)
	link := invitationLinkPattern.FindString(mail.Text)
	if !strings.HasPrefix(link, p.url+"/invite/") {
		t.Fatalf("no %s/invite/… link in the invitation:\n%s", p.url, mail.Text)
	}

	dana := b.newPerson("Dana (invited)")
	dana.never = []string{other.Name}
	invitePath := pathOf(t, link)
	dana.open(invitePath, "#invite-form")
	if got := dana.value("#invite-email"); got != "dana@acme.test" {
		t.Errorf("the page offers the address %q", got)
	}
	shoot(t, dana, "invite")
	dana.fill("#invite-name", "Dana Acme")
	dana.fill("#invite-password", password)
	dana.click("#invite-form button[type=submit]")
	dana.at("/", "#stat-open")
	if got := dana.text("main h1"); got != "Acme Corp" {
		t.Errorf("dashboard heading is %q, want Acme Corp", got)
	}

	// The link is spent; the console says Joined.
	dana.open(invitePath, "#invite-closed")
	staff.open(page, "#invitation-list")
	staff.waitText("#invitation-list", "Joined")
	shoot(t, staff, "console-invitations")
}

// shoot saves a full-page screenshot of what p shows, at 1366 and 390 px
// wide, into $PORTAL_SCREENSHOTS when it is set (then leaves the window at
// desktop width).
func shoot(t *testing.T, p *person, name string) {
	t.Helper()
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range []screen{screens[1], screens[0]} {
		opts := []chromedp.EmulateViewportOption{}
		if s.phone {
			opts = append(opts, chromedp.EmulateMobile)
		}
		p.run("use a "+s.name+" screen", chromedp.EmulateViewport(s.width, s.height, opts...))
		p.settle()
		var img []byte
		p.run("screenshot "+name, chromedp.FullScreenshot(&img, 85))
		if err := os.WriteFile(filepath.Join(dir, name+"-"+s.name+".jpg"), img, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// seedInvitation invites an address to the client as adminEmail would from
// its page, and returns the token of its link (for the screenshots).
func seedInvitation(t *testing.T, p *portal, clientID int64, adminEmail string) string {
	t.Helper()
	ctx := context.Background()
	var admin models.User
	if err := p.db.NewSelect().Model(&admin).Where("email = ?", adminEmail).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	made, err := models.InviteToClient(ctx, p.db, clientID, admin.ID, []string{"new.colleague@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return made[0].Token
}

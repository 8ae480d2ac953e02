package handlers_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestAdminInvitesAClientThroughALink is the story of issue 3: an admin
// creates a client and a link, a contact opens it, creates an account, signs
// out and back in, and sees only their company.
func TestAdminInvitesAClientThroughALink(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		seedOtherClient(t, db)
		a := newAuthApp(t, db, nil)
		admin := a.other()
		admin.signIn(s.admin.Email, testPassword)

		// Bad input is answered beside the fields, nothing written.
		resp, body := admin.submit("/console/clients/new", "/console/clients", url.Values{
			"name": {""}, "slug": {"Not A Slug"}, "timezone": {"Mars/Olympus"}, "monthly_hours": {"lots"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("invalid client: %d", resp.StatusCode)
		}
		for _, f := range []string{"name", "slug", "timezone", "monthly_hours"} {
			if doc(t, body).Find("#"+f).Closest(".field").Find(".field-error").Length() != 1 {
				t.Errorf("no error beside %s", f)
			}
		}
		resp, _ = admin.submit("/console/clients/new", "/console/clients", url.Values{
			"name": {"Initech"}, "slug": {"initech"}, "timezone": {"America/Chicago"},
			"contact_email": {"boss@initech.test"}, "monthly_hours": {"7.5"}})
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/console/clients/") {
			t.Fatalf("create client: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		clientPage := resp.Request.URL.Path
		client, err := models.GetClientBySlug(t.Context(), db, "initech")
		if err != nil || client.MonthlyIncludedMinutes != 450 || client.RequestPrefix != "INITECH" {
			t.Fatalf("client stored as %+v, %v", client, err)
		}
		// The slug is unique.
		resp, body = admin.submit("/console/clients/new", "/console/clients", url.Values{
			"name": {"Other"}, "slug": {"initech"}, "timezone": {"UTC"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, ".field-error"), "slug") {
			t.Errorf("duplicate slug: %d %q", resp.StatusCode, text(t, body, ".field-error"))
		}

		// Generate a link: the URL is shown once, with a copy button and the embed snippet.
		resp, body = admin.submit(clientPage, clientPage+"/links", url.Values{"label": {"Website"}, "days": {"30"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("generate link: %d", resp.StatusCode)
		}
		d := doc(t, body)
		linkURL, _ := d.Find("#new-link-url").Attr("value")
		if !strings.Contains(linkURL, "/join/") {
			t.Fatalf("no link URL shown: %q", linkURL)
		}
		if target, _ := d.Find(".copy-box button[data-copy-target]").First().Attr("data-copy-target"); target != "#new-link-url" {
			t.Errorf("copy button targets %q", target)
		}
		if embed := d.Find("#new-link-embed").Text(); !strings.Contains(embed, `<iframe src="`+linkURL+`"`) {
			t.Errorf("embed snippet = %q", embed)
		}
		token := linkURL[strings.LastIndex(linkURL, "/")+1:]
		var stored models.PortalLink
		if err := db.NewSelect().Model(&stored).Where("client_id = ?", client.ID).Scan(t.Context()); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(token))
		if string(stored.TokenHash) != string(sum[:]) || strings.Contains(string(stored.TokenHash), token) {
			t.Errorf("link not stored as the token's hash")
		}
		if days := stored.ExpiresAt.Sub(stored.CreatedAt).Hours() / 24; days != 30 {
			t.Errorf("link valid for %v days, want 30", days)
		}
		// Shown once: the client page never shows it again.
		if _, page := admin.get(clientPage); strings.Contains(page, token) {
			t.Errorf("the link URL is shown again")
		} else if got := text(t, page, "#link-list tbody tr td"); got != "Website" {
			t.Errorf("link list label = %q", got)
		} else if !strings.Contains(text(t, page, "#link-list tbody"), "Ada Admin") {
			t.Errorf("link list lacks the creator")
		}

		// A contact opens the link in a fresh browser.
		contact := a.other()
		resp, body = contact.get(pathOf(t, linkURL))
		if resp.StatusCode != http.StatusOK || text(t, body, "h1") != "Initech" {
			t.Fatalf("join page: %d %q", resp.StatusCode, text(t, body, "h1"))
		}
		resp, body = contact.submit(pathOf(t, linkURL), pathOf(t, linkURL), url.Values{
			"name": {"Peter Gibbons"}, "email": {"Peter@Initech.test"}, "password": {"tps-reports-2026"}})
		if resp.StatusCode != http.StatusOK || doc(t, body).Find("#join-sent").Length() != 1 || contact.sessionCookie() != "" {
			t.Fatalf("join: %d, session %q\n%s", resp.StatusCode, contact.sessionCookie(), body)
		}
		// The e-mailed link finishes the sign-up and signs in.
		welcome := regexp.MustCompile(`https?://[^\s"<>]+/welcome/[A-Za-z0-9_-]+`).FindString(a.smtp.WaitFor(t, "peter@initech.test", 1).Text)
		if welcome == "" {
			t.Fatalf("no /welcome/ link e-mailed")
		}
		resp, body = contact.submit(pathOf(t, welcome), pathOf(t, welcome), url.Values{})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" {
			t.Fatalf("finish sign-up: %d at %s\n%s", resp.StatusCode, resp.Request.URL.Path, body)
		}
		if h := text(t, body, "h1"); h != "Initech" {
			t.Errorf("dashboard of the new user shows %q", h)
		}
		peter, err := models.GetUserByEmail(t.Context(), db, "peter@initech.test")
		if err != nil || peter.ClientID == nil || *peter.ClientID != client.ID || peter.Role != models.RoleClient {
			t.Fatalf("new user not bound to Initech: %+v %v", peter, err)
		}
		if n := countRows(t, db, "portal_links", "id = ? AND uses = 1", stored.ID); n != 1 {
			t.Errorf("link use not counted")
		}
		// Sign out and back in; nothing of another client anywhere.
		contact.submit("/", "/signout", url.Values{})
		contact.signIn("peter@initech.test", "tps-reports-2026")
		for _, p := range []string{"/", "/account"} {
			if _, page := contact.get(p); contains(page, foreignName, "Acme Corp", foreignTitle) != "" {
				t.Errorf("%s shows another client's data", p)
			}
		}
		// The console lists the user with how they signed up.
		if _, page := admin.get(clientPage); !strings.Contains(text(t, page, "#client-users"), "peter@initech.test") ||
			!strings.Contains(text(t, page, "#client-users"), "Portal link") {
			t.Errorf("client page does not list the new user")
		}
	})
}

func TestInvalidLinksShowOneIdenticalPage(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		ctx := context.Background()
		expired, el := makeLink(t, db, s.client.ID, 7)
		past(t, db, "portal_links", "expires_at", time.Minute, "id = ?", el.ID)
		revoked, rl := makeLink(t, db, s.client.ID, 90)
		if err := models.RevokePortalLink(ctx, db, s.client.ID, rl.ID); err != nil {
			t.Fatal(err)
		}
		unknown := "/join/" + strings.Repeat("x", 43)

		a.get("/signin") // settle the CSRF cookie so every page carries the same token
		var bodies []string
		var statuses []int
		for _, p := range []string{expired, revoked, unknown, "/join/short"} {
			resp, body := a.get(p)
			statuses = append(statuses, resp.StatusCode)
			bodies = append(bodies, body)
			if strings.Contains(body, "Acme") {
				t.Errorf("%s names the client", p)
			}
		}
		for i := range bodies {
			if statuses[i] != http.StatusNotFound || bodies[i] != bodies[0] {
				t.Errorf("invalid link %d: status %d, identical=%v", i, statuses[i], bodies[i] == bodies[0])
			}
		}
		if !strings.Contains(bodies[0], "Ask your provider for a new link") {
			t.Errorf("invalid link page does not say what to do")
		}
		// Posting to them changes nothing either.
		token := a.csrfOf("/signin")
		for _, p := range []string{expired, revoked, unknown} {
			resp, body := a.post(p, url.Values{"csrf": {token}, "name": {"X"}, "email": {"x@x.test"}, "password": {"long-enough-pass"}})
			if resp.StatusCode != http.StatusNotFound || body != bodies[0] {
				t.Errorf("POST %s: %d", p, resp.StatusCode)
			}
		}
		if n := countRows(t, db, "users", "email = ?", "x@x.test"); n != 0 {
			t.Errorf("an invalid link created an account")
		}
		// An archived client's links stop working too; a new link leaves older ones working.
		older, _ := makeLink(t, db, s.client.ID, 90)
		newer, _ := makeLink(t, db, s.client.ID, 90)
		for _, p := range []string{older, newer} {
			if resp, _ := a.get(p); resp.StatusCode != http.StatusOK {
				t.Errorf("valid link %s: %d", p, resp.StatusCode)
			}
		}
		if err := models.SetClientArchived(ctx, db, s.client.ID, true); err != nil {
			t.Fatal(err)
		}
		if resp, body := a.get(older); resp.StatusCode != http.StatusNotFound || body != bodies[0] {
			t.Errorf("archived client's link: %d", resp.StatusCode)
		}
	})
}

func TestAnotherClientsUserIsRefusedAtALink(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		o := seedOtherClient(t, db)
		a := newAuthApp(t, db, nil)
		link, l := makeLink(t, db, s.client.ID, 90)

		gina := a.other()
		gina.signIn(o.user.Email, testPassword)
		resp, body := gina.get(link)
		if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "Acme") {
			t.Errorf("signed-in user of another client: %d, names Acme: %v", resp.StatusCode, strings.Contains(body, "Acme"))
		}
		token := gina.csrfOf("/")
		if resp, _ := gina.post(link, url.Values{"csrf": {token}, "name": {"G"}, "email": {"g2@globex.test"}, "password": {"long-enough-pass"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("join while signed in elsewhere: %d", resp.StatusCode)
		}
		// Signing in through the link with a foreign account is refused too.
		anon := a.other()
		resp, body = anon.submit(link, link+"/signin", url.Values{"email": {o.user.Email}, "password": {testPassword}})
		if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "Acme") || anon.sessionCookie() != "" {
			t.Errorf("foreign sign-in through link: %d, session %q", resp.StatusCode, anon.sessionCookie())
		}
		u, _ := models.GetUser(t.Context(), db, o.user.ID)
		if *u.ClientID != o.client.ID {
			t.Fatalf("user was re-bound to client %d", *u.ClientID)
		}
		if n := countRows(t, db, "portal_links", "id = ? AND uses = 0", l.ID); n != 1 {
			t.Errorf("refused attempts counted as uses")
		}
		// Staff are not turned into client users either.
		staff := a.other()
		staff.signIn(s.admin.Email, testPassword)
		if resp, _ := staff.get(link); resp.StatusCode != http.StatusForbidden {
			t.Errorf("staff at a link: %d", resp.StatusCode)
		}
		// The link's own users sign in through it, and it counts.
		carol := a.other()
		resp, _ = carol.submit(link, link+"/signin", url.Values{"email": {s.clientUser.Email}, "password": {testPassword}})
		if resp.Request.URL.Path != "/" || carol.sessionCookie() == "" {
			t.Errorf("own user sign-in through link landed on %s", resp.Request.URL.Path)
		}
		if n := countRows(t, db, "portal_links", "id = ? AND uses = 1", l.ID); n != 1 {
			t.Errorf("sign-in through the link not counted")
		}
	})
}

func TestDisabledUserAndArchivedClientLoseAccess(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		admin := a.other()
		admin.signIn(s.admin.Email, testPassword)
		carol := a.other()
		carol.signIn(s.clientUser.Email, testPassword)
		page := "/console/clients/" + itoa(s.client.ID)

		admin.submit(page, page+"/users/"+itoa(s.clientUser.ID)+"/disable", url.Values{})
		if resp, _ := carol.get("/"); resp.Request.URL.Path != "/signin" {
			t.Errorf("disabled user still in: %s", resp.Request.URL.Path)
		}
		if n := countRows(t, db, "sessions", "user_id = ?", s.clientUser.ID); n != 0 {
			t.Errorf("disabled user keeps %d sessions", n)
		}
		resp, _ := carol.submit("/signin", "/signin", url.Values{"email": {s.clientUser.Email}, "password": {testPassword}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("disabled user can sign in: %d", resp.StatusCode)
		}
		admin.submit(page, page+"/users/"+itoa(s.clientUser.ID)+"/enable", url.Values{})
		carol.signIn(s.clientUser.Email, testPassword)

		// Another client's user cannot be touched through this client's page.
		o := seedOtherClient(t, db)
		if resp, _ := admin.submit(page, page+"/users/"+itoa(o.user.ID)+"/disable", url.Values{}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("disable through the wrong client: %d", resp.StatusCode)
		}

		admin.submit(page, page+"/archive", url.Values{})
		if resp, _ := carol.get("/"); resp.Request.URL.Path != "/signin" {
			t.Errorf("user of an archived client still in: %s", resp.Request.URL.Path)
		}
		admin.submit(page, page+"/unarchive", url.Values{})
		carol.signIn(s.clientUser.Email, testPassword)
	})
}

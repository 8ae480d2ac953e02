package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

var invitePattern = regexp.MustCompile(`https?://[^\s"<>]+/invite/[A-Za-z0-9_-]+`)

// inviteLinkIn is the invitation link of the n-th mail to addr, checked to
// be the same in the text and the HTML part.
func inviteLinkIn(t *testing.T, a *authApp, addr string, n int) string {
	t.Helper()
	m := a.smtp.WaitFor(t, addr, n)
	link := invitePattern.FindString(m.Text)
	if link == "" || !strings.Contains(m.HTML, `href="`+link+`"`) {
		t.Fatalf("mail %d to %s carries no invitation link (text %q)", n, addr, m.Text)
	}
	if !strings.Contains(m.Raw, "Auto-Submitted: auto-generated") {
		t.Errorf("the invitation is not marked Auto-Submitted")
	}
	return pathOf(t, link)
}

// TestStaffInviteByEmail is the whole story: staff invite two addresses on
// a client's page, each gets a mail from the SMTP server with its own link,
// one follows it, sets a name and password and lands signed in on the
// portal; the used, resent-away, revoked and expired links answer with a
// page that says why, never a 500.
func TestStaffInviteByEmail(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		other := seedOtherClient(t, db)
		a := newAuthApp(t, db, nil)
		staff := a.other()
		staff.signIn(s.admin.Email, testPassword)
		page := fmt.Sprintf("/console/clients/%d", s.client.ID)
		action := page + "/invitations"

		// Bad input: each address named, 422, nothing written or sent.
		resp, body := staff.submit(page, action, url.Values{"addresses": {"dan@acme.test\nnot an address, erin@acme"}})
		problems := text(t, body, "#addresses-error")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(problems, "not an address") || !strings.Contains(problems, "erin@acme") || strings.Contains(problems, "dan@acme.test") {
			t.Errorf("bad addresses: %d %q", resp.StatusCode, problems)
		}
		resp, body = staff.submit(page, action, url.Values{"addresses": {"dan@acme.test, carol@acme.test"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, "#addresses-error"), "carol@acme.test already has an account") {
			t.Errorf("existing account: %d %q", resp.StatusCode, text(t, body, "#addresses-error"))
		}
		var many []string
		for i := range models.MaxInvitesAtOnce + 1 {
			many = append(many, "p"+strconv.Itoa(i)+"@acme.test")
		}
		resp, body = staff.submit(page, action, url.Values{"addresses": {strings.Join(many, "\n")}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, "#addresses-error"), "at most 50") {
			t.Errorf("51 addresses: %d %q", resp.StatusCode, text(t, body, "#addresses-error"))
		}
		if n := countRows(t, db, "client_invitations", "1 = 1"); n != 0 {
			t.Fatalf("refused forms wrote %d invitations", n)
		}

		// Two addresses at once.
		resp, body = staff.submit(page, action, url.Values{"addresses": {"Dan@Acme.test\nerin@acme.test"}})
		if resp.StatusCode != http.StatusOK || text(t, body, "#invitations-sent") != "Invitations sent to 2 addresses." {
			t.Fatalf("invite: %d %q\n%s", resp.StatusCode, text(t, body, "#invitations-sent"), body)
		}
		list := text(t, body, "#invitation-list")
		if !strings.Contains(list, "dan@acme.test") || !strings.Contains(list, "erin@acme.test") || !strings.Contains(list, "Invited") || !strings.Contains(list, "Ada Admin") {
			t.Errorf("invitation list: %q", list)
		}
		danLink := inviteLinkIn(t, a, "dan@acme.test", 1)
		erinLink := inviteLinkIn(t, a, "erin@acme.test", 1)
		m := a.smtp.WaitFor(t, "dan@acme.test", 1)
		if !strings.Contains(m.Raw, "Reply-To: <ada@northwind.test>") {
			t.Errorf("an answer to the invitation does not reach the staff member who sent it:\n%s", m.Raw)
		}
		if !strings.Contains(m.Subject, "Acme Corp") || !strings.Contains(m.Text, "Northwind IT") || !strings.Contains(m.Text, "Ada Admin") {
			t.Errorf("invitation mail: %q\n%s", m.Subject, m.Text)
		}
		token := danLink[strings.LastIndex(danLink, "/")+1:]
		if n := countRows(t, db, "client_invitations", "token_hash = ?", models.HashToken(token)); n != 1 {
			t.Errorf("the token is not stored as its hash")
		}
		// Another client's page lists none of them.
		if _, other := staff.get(fmt.Sprintf("/console/clients/%d", other.client.ID)); strings.Contains(other, "dan@acme.test") {
			t.Errorf("another client's page lists Acme's invitations")
		}

		// Dan follows the link in a fresh browser.
		dan := a.other()
		resp, body = dan.get(danLink)
		if email, _ := doc(t, body).Find("#invite-email").Attr("value"); resp.StatusCode != http.StatusOK || email != "dan@acme.test" || text(t, body, "h1") != "Acme Corp" {
			t.Fatalf("invitation page: %d %q %q", resp.StatusCode, email, text(t, body, "h1"))
		}
		resp, body = dan.submit(danLink, danLink, url.Values{"name": {"Dan"}, "password": {"short"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || text(t, body, "#password-error") == "" || countRows(t, db, "users", "email = ?", "dan@acme.test") != 0 {
			t.Errorf("short password: %d %q", resp.StatusCode, text(t, body, "#password-error"))
		}
		resp, body = dan.submit(danLink, danLink, url.Values{"name": {"Dan Dare"}, "email": {"evil@elsewhere.test"}, "password": {"a-long-password-2031"}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" || text(t, body, "h1") != "Acme Corp" {
			t.Fatalf("accept: %d at %s %q", resp.StatusCode, resp.Request.URL.Path, text(t, body, "h1"))
		}
		u, err := models.GetUserByEmail(t.Context(), db, "dan@acme.test")
		if err != nil || u.ClientID == nil || *u.ClientID != s.client.ID || u.Name != "Dan Dare" || u.SignupMethod != models.SignupInvite {
			t.Fatalf("account %+v %v", u, err)
		}
		if countRows(t, db, "users", "email = ?", "evil@elsewhere.test") != 0 {
			t.Errorf("the address came from the form, not the invitation")
		}
		// Used: a second browser is told so.
		if resp, body := a.other().get(danLink); resp.StatusCode != http.StatusGone || !strings.Contains(body, "already used") {
			t.Errorf("used link: %d %q", resp.StatusCode, text(t, body, "h1"))
		}

		// Resend Erin's: the first link is gone, the new one works.
		erinID := idOfInvitation(t, db, "erin@acme.test")
		if resp, _ := staff.submit(page, fmt.Sprintf("%s/%d/resend", action, erinID), url.Values{}); resp.StatusCode != http.StatusOK {
			t.Fatalf("resend: %d", resp.StatusCode)
		}
		newErin := inviteLinkIn(t, a, "erin@acme.test", 2)
		if resp, body := a.other().get(erinLink); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "newer invitation") {
			t.Errorf("link replaced by a resend: %d %q", resp.StatusCode, text(t, body, "h1"))
		}
		if resp, _ := a.other().get(newErin); resp.StatusCode != http.StatusOK {
			t.Errorf("resent link: %d", resp.StatusCode)
		}
		// A client user gets 404 on every staff route of it.
		carol := a.other()
		carol.signIn(s.clientUser.Email, testPassword)
		csrf := carol.csrfOf("/")
		for _, p := range []string{action, fmt.Sprintf("%s/%d/resend", action, erinID), fmt.Sprintf("%s/%d/revoke", action, erinID), "/console/settings/invitation"} {
			if resp, _ := carol.post(p, url.Values{"csrf": {csrf}, "addresses": {"x@acme.test"}}); resp.StatusCode != http.StatusNotFound {
				t.Errorf("client user POST %s: %d", p, resp.StatusCode)
			}
		}
		if resp, _ := carol.get("/console/settings/invitation"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("client user GET settings: %d", resp.StatusCode)
		}
		// Through another client's address, Acme's invitation is not found.
		otherAction := fmt.Sprintf("/console/clients/%d/invitations/%d/revoke", other.client.ID, erinID)
		if resp, _ := staff.submit(page, otherAction, url.Values{}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("revoke through another client: %d", resp.StatusCode)
		}
		// Revoke: the link says it was withdrawn; the list says Revoked.
		resp, body = staff.submit(page, fmt.Sprintf("%s/%d/revoke", action, erinID), url.Values{})
		if resp.StatusCode != http.StatusOK || !strings.Contains(text(t, body, "#invitation-list"), "Revoked") {
			t.Errorf("revoke: %d %q", resp.StatusCode, text(t, body, "#invitation-list"))
		}
		if resp, body := a.other().get(newErin); resp.StatusCode != http.StatusGone || !strings.Contains(body, "withdrawn") {
			t.Errorf("revoked link: %d %q", resp.StatusCode, text(t, body, "h1"))
		}
		if resp, _ := staff.submit(page, fmt.Sprintf("%s/%d/revoke", action, erinID), url.Values{}); resp.StatusCode != http.StatusConflict {
			t.Errorf("second revoke: %d", resp.StatusCode)
		}

		// Expired: computed from the clock, explained, renewable by a resend.
		staff.submit(page, action, url.Values{"addresses": {"fay@acme.test"}})
		fayLink := inviteLinkIn(t, a, "fay@acme.test", 1)
		past(t, db, "client_invitations", "expires_at", time.Minute, "email = ?", "fay@acme.test")
		if resp, body := a.other().get(fayLink); resp.StatusCode != http.StatusGone || !strings.Contains(body, "expired") {
			t.Errorf("expired link: %d %q", resp.StatusCode, text(t, body, "h1"))
		}
		fay := a.other()
		if resp, _ := fay.post(fayLink, url.Values{"csrf": {fay.csrfOf("/signin")}, "name": {"Fay"}, "password": {"a-long-password-2031"}}); resp.StatusCode != http.StatusGone ||
			countRows(t, db, "users", "email = ?", "fay@acme.test") != 0 {
			t.Errorf("POST to an expired link: %d", resp.StatusCode)
		}
		if _, body := staff.get(page); !strings.Contains(text(t, body, "#invitation-list"), "Expired") {
			t.Errorf("the list does not show Expired: %q", text(t, body, "#invitation-list"))
		}
		// Meanwhile Fay got an account elsewhere: the renewed link says so and makes none.
		staff.submit(page, fmt.Sprintf("%s/%d/resend", action, idOfInvitation(t, db, "fay@acme.test")), url.Values{})
		fayLink = inviteLinkIn(t, a, "fay@acme.test", 2)
		if _, err := models.CreateUser(t.Context(), db, models.NewUser{ClientID: &other.client.ID, Role: models.RoleClient, Email: "fay@acme.test", Name: "Fay", Password: testPassword}); err != nil {
			t.Fatal(err)
		}
		if resp, body := a.other().get(fayLink); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "already has an account") {
			t.Errorf("link of an address with an account: %d %q", resp.StatusCode, text(t, body, "h1"))
		}
		if n := countRows(t, db, "users", "email = ?", "fay@acme.test"); n != 1 {
			t.Errorf("%d accounts for fay", n)
		}
		if resp, _ := a.other().get("/invite/" + strings.Repeat("x", 43)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown token: %d", resp.StatusCode)
		}
	})
}

func idOfInvitation(t *testing.T, db *bun.DB, email string) int64 {
	t.Helper()
	var id int64
	if err := db.NewSelect().Table("client_invitations").Column("id").Where("email = ?", email).Scan(t.Context(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestInvitationTextInSettings: admins word the mail, see a preview, save
// it (refused without {link}), invitations use it; reset brings the default
// back.
func TestInvitationTextInSettings(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		admin := a.other()
		admin.signIn(s.admin.Email, testPassword)
		const page = "/console/settings/invitation"
		resp, body := admin.get(page)
		if resp.StatusCode != http.StatusOK || !strings.Contains(text(t, body, "#preview-body"), "Example Client") || doc(t, body).Find("#invitation-text-reset").Length() != 0 {
			t.Fatalf("text page: %d %q", resp.StatusCode, text(t, body, "#preview-body"))
		}
		// The example link is shown as the mail will show it, but is not
		// followed: it leads nowhere (each person gets their own).
		if link := text(t, body, "#preview-body .mail-link"); !strings.Contains(link, "/invite/") || doc(t, body).Find("#preview-body a").Length() != 0 {
			t.Errorf("the preview's link: %q (and %d anchors, want none)", link, doc(t, body).Find("#preview-body a").Length())
		}
		resp, body = admin.submit(page, page, url.Values{"subject": {"Hi"}, "body": {"No link"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, "#body-error"), "{link}") {
			t.Errorf("text without link: %d %q", resp.StatusCode, text(t, body, "#body-error"))
		}
		resp, body = admin.submit(page, page+"/preview", url.Values{"subject": {"Welcome to {client}"}, "body": {"Here: {link}\n\n<b>{sender}</b>"}})
		if resp.StatusCode != http.StatusOK || text(t, body, "#preview-subject") != "Welcome to Example Client" ||
			!strings.Contains(text(t, body, "#preview-body"), "<b>Ada Admin</b>") || countRows(t, db, "invitation_text", "1 = 1") != 0 {
			t.Errorf("preview: %d %q %q", resp.StatusCode, text(t, body, "#preview-subject"), text(t, body, "#preview-body"))
		}
		if resp, _ := admin.submit(page, page, url.Values{"subject": {"Welcome to {client}"}, "body": {"Here: {link}\n\n<b>{sender}</b>"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("save: %d", resp.StatusCode)
		}
		admin.submit(fmt.Sprintf("/console/clients/%d", s.client.ID), fmt.Sprintf("/console/clients/%d/invitations", s.client.ID), url.Values{"addresses": {"gus@acme.test"}})
		m := a.smtp.WaitFor(t, "gus@acme.test", 1)
		if m.Subject != "Welcome to Acme Corp" || !strings.Contains(m.Text, "<b>Ada Admin</b>") || !strings.Contains(m.HTML, "&lt;b&gt;Ada Admin&lt;/b&gt;") {
			t.Errorf("mail in the admins' words: %q\n%s\n%s", m.Subject, m.Text, m.HTML)
		}
		resp, body = admin.submit(page, page+"/reset", url.Values{})
		if resp.StatusCode != http.StatusOK || !strings.Contains(text(t, body, "#preview-subject"), "service portal") {
			t.Errorf("reset: %d %q", resp.StatusCode, text(t, body, "#preview-subject"))
		}
	})
}

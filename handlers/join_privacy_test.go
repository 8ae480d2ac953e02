package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

var welcomeLink = regexp.MustCompile(`https?://[^\s"<>]+/welcome/[A-Za-z0-9_-]+`)

// The join form used to say "This e-mail already has an account" for any
// existing address, another client's user or staff alike. Now every address
// gets the same answer and only its owner's mailbox learns more.
func TestJoinAnswersAlikeForExistingAddresses(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		o := seedOtherClient(t, db)
		a := newAuthApp(t, db, nil)
		link, _ := makeLink(t, db, s.client.ID, 90)

		answer := func(email string) (int, string) {
			resp, body := a.other().submit(link, link, url.Values{"name": {"Someone"}, "email": {email}, "password": {"a-long-enough-pass"}})
			main := text(t, body, "main")
			return resp.StatusCode, strings.ReplaceAll(main, email, "EMAIL")
		}
		freshStatus, fresh := answer("newcomer@acme.test")
		for _, email := range []string{o.user.Email, s.admin.Email, s.clientUser.Email} {
			status, got := answer(email)
			if status != freshStatus || got != fresh {
				t.Errorf("%s answered %d %q; a new address %d %q", email, status, got, freshStatus, fresh)
			}
		}
		if freshStatus != http.StatusOK || !strings.Contains(fresh, "We sent an e-mail to EMAIL") {
			t.Errorf("answer: %d %q", freshStatus, fresh)
		}
		// The owners are told instead, and nothing of theirs changed.
		for _, u := range []*models.User{o.user, s.admin, s.clientUser} {
			msg := a.smtp.WaitFor(t, u.Email, 1)
			if !strings.Contains(msg.Text, "already has an account") || welcomeLink.MatchString(msg.Text) {
				t.Errorf("mail to %s:\n%s", u.Email, msg.Text)
			}
			// Whose link it was is the link client's business: only its own
			// users are told the company's name.
			ownClient := u.ClientID != nil && *u.ClientID == s.client.ID
			if named := strings.Contains(msg.Text+msg.HTML, s.client.Name); named != ownClient {
				t.Errorf("mail to %s names %q: %v, want %v:\n%s", u.Email, s.client.Name, named, ownClient, msg.Text)
			}
			got, _ := models.GetUser(t.Context(), db, u.ID)
			if got.Name != u.Name || (u.ClientID != nil && *got.ClientID != *u.ClientID) || got.SignupPending {
				t.Errorf("existing account %s changed: %+v", u.Email, got)
			}
		}
		a.other().signIn(o.user.Email, testPassword)
		// The new address gets a link; until it is opened the account cannot sign in.
		msg := a.smtp.WaitFor(t, "newcomer@acme.test", 1)
		welcome := welcomeLink.FindString(msg.Text)
		if welcome == "" {
			t.Fatalf("no /welcome/ link:\n%s", msg.Text)
		}
		if resp, _ := a.other().submit("/signin", "/signin", url.Values{"email": {"newcomer@acme.test"}, "password": {"a-long-enough-pass"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("pending account signed in: %d", resp.StatusCode)
		}
		b := a.other()
		resp, _ := b.submit(pathOf(t, welcome), pathOf(t, welcome), url.Values{})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" || b.sessionCookie() == "" {
			t.Fatalf("welcome link: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		if resp, _ := b.get(pathOf(t, welcome)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("welcome link works twice: %d", resp.StatusCode)
		}
	})
}

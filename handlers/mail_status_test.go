package handlers_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

// With no mail server configured the portal's mail only reaches the outbox
// folder. Admins are told so (the console banner, the portal links panel),
// agents are not bothered with it, and a person asking for a reset link or
// joining through a portal link is told nothing was sent and whom to ask.
// With a mail server, none of that shows.
func TestMailOffIsSaid(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		addAgent(t, db, "andy@northwind.test")
		link, _ := makeLink(t, db, s.client.ID, 90)
		clientPage := "/console/clients/" + itoa(s.client.ID)
		check := func(t *testing.T, a *app, off bool) {
			admin := a.browser()
			admin.signIn(s.admin.Email, testPassword)
			_, body := admin.get("/console")
			if got := doc(t, body).Find("#mail-off").Length() == 1; got != off {
				t.Errorf("admin's console banner shown %v, want %v", got, off)
			}
			if off && !strings.Contains(text(t, body, "#mail-off"), "outbox") {
				t.Errorf("the banner does not say where mail goes: %q", text(t, body, "#mail-off"))
			}
			_, body = admin.get(clientPage)
			if got := doc(t, body).Find("#links #links-mail-off").Length() == 1; got != off {
				t.Errorf("portal links panel warns %v, want %v", got, off)
			}
			agent := a.browser()
			agent.signIn("andy@northwind.test", testPassword)
			if _, body = agent.get("/console"); doc(t, body).Find("#mail-off").Length() != 0 {
				t.Errorf("an agent is shown the mail banner")
			}

			_, body = a.browser().submit("/forgot", "/forgot", url.Values{"email": {s.clientUser.Email}})
			sent := text(t, body, "#forgot-sent")
			if honest := strings.Contains(sent, "no link was sent"); honest != off || strings.Contains(sent, "we have sent") == off {
				t.Errorf("forgot password answer with mail off %v: %q", off, sent)
			}
			_, body = a.browser().submit(link, link, url.Values{"name": {"Nina New"}, "email": {"nina@acme.test"},
				"password": {"a-long-enough-pass"}})
			joined := text(t, body, "#join-sent")
			if honest := strings.Contains(joined, "was not sent"); honest != off || strings.Contains(joined, "We sent") == off {
				t.Errorf("join answer with mail off %v: %q", off, joined)
			}
		}
		t.Run("no mail server", func(t *testing.T) { check(t, newApp(t, db), true) })
		if _, err := db.NewDelete().Table("users").Where("email = ?", "nina@acme.test").Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Run("mail server", func(t *testing.T) { check(t, newAuthApp(t, db, nil).app, false) })
	})
}

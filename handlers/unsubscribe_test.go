package handlers_test

import (
	"io"
	"net/http"
	netmail "net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// An hour alert carries List-Unsubscribe (https and mailto) and one-click
// List-Unsubscribe-Post. Opening the link changes nothing; a POST without
// cookies, as a mail program sends it, turns hour alerts off for that
// address only; a changed token is refused.
func TestHourAlertUnsubscribesInOneClick(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := t.Context()
		s := seedWorkspace(t, db)
		setIncluded(t, db, s.client, 600)
		r := newRequest(t, db, s.clientUser, "Server move")
		staff := newAuthApp(t, db, nil)
		staff.signIn(s.admin.Email, testPassword)
		page := "/console/clients/" + itoa(s.client.ID) + "/hours"
		if resp, body := staff.submit(page, page+"/alerts", url.Values{"thresholds": {"5h"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("save thresholds: %d %s", resp.StatusCode, body)
		}
		req := "/console/requests/" + itoa(r.ID)
		if resp, body := staff.submit(req, req+"/time", url.Values{"duration": {"6:00"}, "date": {clientToday(t, s.client)}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("log time: %d %s", resp.StatusCode, body)
		}
		m := staff.smtp.WaitFor(t, s.clientUser.Email, 1)
		msg, err := netmail.ReadMessage(strings.NewReader(m.Raw))
		if err != nil {
			t.Fatal(err)
		}
		list := msg.Header.Get("List-Unsubscribe")
		if got := msg.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe-Post %q", got)
		}
		found := regexp.MustCompile(`^<(https?://[^>]+/unsubscribe/[^>]+)>, <mailto:[^>]+>$`).FindStringSubmatch(list)
		if found == nil {
			t.Fatalf("List-Unsubscribe %q, want <https…/unsubscribe/…>, <mailto:…>", list)
		}
		link, err := url.Parse(found[1])
		if err != nil {
			t.Fatal(err)
		}
		path := link.Path
		off := func(kind, email string) bool {
			t.Helper()
			o, err := models.OptedOut(ctx, db, kind, email)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		// A mail program's request: no cookies, no CSRF token.
		post := func(path string) (int, string) {
			t.Helper()
			resp, err := http.Post(staff.srv.URL+path, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode, string(b)
		}
		get := func(path string) (int, string) {
			t.Helper()
			resp, err := http.Get(staff.srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode, string(b)
		}

		// Opening the link (a mail scanner does) shows a button, nothing more.
		if code, body := get(path); code != http.StatusOK || !strings.Contains(body, "hour bank alerts") || !strings.Contains(body, `id="unsubscribe-confirm"`) {
			t.Fatalf("GET: %d\n%s", code, body)
		}
		if off(models.MailHours, s.clientUser.Email) {
			t.Fatal("opening the link unsubscribed")
		}
		// A changed token is refused and changes nothing.
		// (Not the last character: in base64 its low bits may be padding,
		// and a changed one can decode to the same bytes.)
		i := len(path) - 3
		tampered := path[:i] + map[bool]string{true: "B", false: "A"}[path[i] == 'A'] + path[i+1:]
		if code, _ := post(tampered); code != http.StatusNotFound {
			t.Errorf("tampered token: %d, want 404", code)
		}
		if code, _ := get("/unsubscribe/nonsense"); code != http.StatusNotFound {
			t.Errorf("nonsense token: %d, want 404", code)
		}
		if off(models.MailHours, s.clientUser.Email) {
			t.Fatal("a tampered token unsubscribed")
		}

		if code, body := post(path); code != http.StatusOK || !strings.Contains(body, "will no longer receive hour bank alerts") {
			t.Fatalf("one-click POST: %d\n%s", code, body)
		}
		if !off(models.MailHours, s.clientUser.Email) {
			t.Fatal("the one-click POST did not unsubscribe")
		}
		// That kind of mail, for that person only.
		if off(models.MailSummary, s.clientUser.Email) || off(models.MailDigest, s.clientUser.Email) || off(models.MailHours, s.admin.Email) {
			t.Error("the unsubscribe reached another kind of mail or another person")
		}
		us, err := models.AlertRecipients(ctx, db, s.client.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			if u.ID == s.clientUser.ID {
				t.Error("an unsubscribed user is still an alert recipient")
			}
		}
	})
}

// A summary's unsubscribe works for the client's contact address too,
// which belongs to no account; the page's second button subscribes again.
func TestSummaryUnsubscribeLeavesOutTheAddress(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := t.Context()
		s := seedWorkspace(t, db)
		if _, err := db.NewUpdate().Model(s.client).Set("contact_email = ?", "boss@acme.test").WherePK().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		s.client.ContactEmail = "boss@acme.test"
		token, err := models.UnsubscribeToken(ctx, db, models.MailSummary, "Boss@Acme.test")
		if err != nil {
			t.Fatal(err)
		}
		a := newAuthApp(t, db, nil)
		if resp, _ := a.post("/unsubscribe/"+token, url.Values{}); resp.StatusCode != http.StatusOK {
			t.Fatalf("unsubscribe: %d", resp.StatusCode)
		}
		to, err := models.SummaryRecipients(ctx, db, s.client)
		if err != nil {
			t.Fatal(err)
		}
		for _, addr := range to {
			if strings.EqualFold(addr, "boss@acme.test") {
				t.Errorf("recipients %v still include the unsubscribed contact", to)
			}
		}
		if resp, body := a.post("/unsubscribe/"+token, url.Values{"resubscribe": {"1"}}); resp.StatusCode != http.StatusOK || !strings.Contains(body, "again") {
			t.Fatalf("subscribe again: %d", resp.StatusCode)
		}
		if o, _ := models.OptedOut(ctx, db, models.MailSummary, "boss@acme.test"); o {
			t.Error("still unsubscribed after subscribing again")
		}
	})
}

// A digest (one mail about several requests) carries List-Unsubscribe; a
// mail about one request, a conversation, does not. After unsubscribing,
// digests stop for that person; mail about one request still comes.
func TestDigestCarriesListUnsubscribe(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := t.Context()
		s := seedWorkspace(t, db)
		n, smtp := newNotifier(t, db)
		one := submitAs(t, db, s.clientUser, "Printer jam")
		two := submitAs(t, db, s.clientUser, "VPN down")
		tick(t, n, models.Now().Add(5*time.Minute))
		digest := smtp.WaitFor(t, s.admin.Email, 1)
		msg, err := netmail.ReadMessage(strings.NewReader(digest.Raw))
		if err != nil {
			t.Fatal(err)
		}
		list := msg.Header.Get("List-Unsubscribe")
		if !strings.HasPrefix(list, "<https://portal.northwind.test/unsubscribe/") || !strings.Contains(list, "<mailto:portal@northwind.test?") ||
			msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("digest %q: List-Unsubscribe %q", digest.Subject, list)
		}

		post(t, db, one, s.clientUser, "Any news?", false)
		tick(t, n, models.Now().Add(10*time.Minute))
		single := smtp.WaitFor(t, s.admin.Email, 2)
		if m, _ := netmail.ReadMessage(strings.NewReader(single.Raw)); m.Header.Get("List-Unsubscribe") != "" {
			t.Errorf("a mail about one request carries List-Unsubscribe")
		}

		if err := models.SetMailOptOut(ctx, db, models.MailDigest, s.admin.Email, true); err != nil {
			t.Fatal(err)
		}
		post(t, db, one, s.clientUser, "Still jammed", false)
		post(t, db, two, s.clientUser, "VPN too", false)
		tick(t, n, models.Now().Add(20*time.Minute))
		post(t, db, two, s.clientUser, "Only the VPN now", false)
		tick(t, n, models.Now().Add(30*time.Minute))
		last := smtp.WaitFor(t, s.admin.Email, 3)
		if got := smtp.Count(s.admin.Email); got != 3 || !strings.Contains(last.Text, "Only the VPN now") {
			t.Errorf("after unsubscribing from digests: %d mails, the last %q; want the digest left out and the single mail sent", got, last.Subject)
		}
	})
}

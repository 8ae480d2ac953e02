package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestTimeQuestionThread: a client user questions an entry, it shows on
// the console overview, the agent voids it with a reason the client reads,
// and the balance follows; another client's people get 404 for the entry,
// hidden time cannot be questioned, and bad input is refused in place.
func TestTimeQuestionThread(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		other := seedOtherClient(t, db)
		setIncluded(t, db, s.client, 600)
		r := newRequest(t, db, s.clientUser, "Printer jam")
		day := clientToday(t, s.client)
		insertEntry(t, db, s.client.ID, r.ID, s.admin.ID, 120, day, "billable", "Driver reinstall")
		insertEntry(t, db, s.client.ID, r.ID, s.admin.ID, 30, day, "hidden", "Internal check")
		var entries []models.TimeEntry
		if err := db.NewSelect().Model(&entries).Where("client_id = ?", s.client.ID).Order("id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		entry, hidden := itoa(entries[0].ID), itoa(entries[1].ID)

		a := newApp(t, db)
		a.signIn(s.clientUser.Email, testPassword)
		_, body := a.get("/hours")
		if href, _ := doc(t, body).Find(`#hours-entries tr[data-entry="` + entry + `"] a.btn`).Attr("href"); href != "/hours/entries/"+entry {
			t.Fatalf("question link = %q", href)
		}
		if doc(t, body).Find(`#hours-entries tr[data-entry="`+hidden+`"]`).Length() != 0 {
			t.Error("hidden time listed to the client")
		}
		page := "/hours/entries/" + entry
		if resp, body := a.submit(page, page, url.Values{"body": {"  "}}); resp.StatusCode != http.StatusUnprocessableEntity || text(t, body, "#body-error") == "" {
			t.Errorf("empty question: %d", resp.StatusCode)
		}
		if resp, _ := a.submit(page, page, url.Values{"body": {"Why two hours for a driver?"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("ask: %d", resp.StatusCode)
		}
		if resp, _ := a.get("/hours/entries/" + hidden); resp.StatusCode != http.StatusNotFound {
			t.Errorf("hidden entry for the client: %d, want 404", resp.StatusCode)
		}

		g := a.browser()
		g.signIn(other.user.Email, testPassword)
		if resp, _ := g.get(page); resp.StatusCode != http.StatusNotFound {
			t.Errorf("other client GET %s: %d, want 404", page, resp.StatusCode)
		}
		if resp, _ := g.submit("/hours", page, url.Values{"body": {"Let me in"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("other client POST %s: %d, want 404", page, resp.StatusCode)
		}

		staff := a.browser()
		staff.signIn(s.admin.Email, testPassword)
		_, body = staff.get("/console/hours")
		link := "/console/clients/" + itoa(s.client.ID) + "/entries/" + entry
		if href, _ := doc(t, body).Find("#open-questions a").Attr("href"); href != link {
			t.Fatalf("open question link = %q, want %q", href, link)
		}
		// The entry's client in the path must be its own.
		if resp, _ := staff.get("/console/clients/" + itoa(other.client.ID) + "/entries/" + entry); resp.StatusCode != http.StatusNotFound {
			t.Errorf("entry under another client: %d, want 404", resp.StatusCode)
		}
		if resp, body := staff.submit(link, link, url.Values{"outcome": {"adjusted"}, "minutes": {"abc"}, "reason": {""}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			text(t, body, "#minutes-error") == "" || text(t, body, "#reason-error") == "" {
			t.Errorf("bad answer: %d", resp.StatusCode)
		}
		if resp, body := staff.submit(link, link, url.Values{"outcome": {"voided"}, "reason": {"Driver was our mistake."}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("void: %d %s", resp.StatusCode, body)
		}
		if resp, _ := staff.submit(link, link, url.Values{"outcome": {"answered"}, "reason": {"Again"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("answer to a closed question: %d, want 422", resp.StatusCode)
		}
		_, body = staff.get("/console/hours")
		if doc(t, body).Find("#open-questions").Length() != 0 {
			t.Error("answered question still listed as open")
		}

		_, body = a.get(page)
		msgs := doc(t, body).Find("#question-thread li")
		if msgs.Length() != 2 || !strings.Contains(msgs.Eq(1).Text(), "Driver was our mistake.") || !strings.Contains(msgs.Eq(1).Text(), "Ada Admin") {
			t.Errorf("thread = %q", msgs.Text())
		}
		if got := text(t, body, "#question-status"); got != "Voided" {
			t.Errorf("status = %q", got)
		}
		_, body = a.get("/hours")
		if got := text(t, body, "#hours-used"); got != "0 h" {
			t.Errorf("used after void = %q, want 0 h", got)
		}
	})
}

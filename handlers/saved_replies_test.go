package handlers_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

func TestSavedRepliesInsertWithoutJavaScriptAndPlaceholdersStayText(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		// A hostile client name: markup and a placeholder of its own.
		if _, err := db.NewUpdate().Model((*models.Client)(nil)).Set("name = ?", `Acme <script>alert(1)</script> {{requester}}`).
			Where("id = ?", s.client.ID).Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		r := submitAs(t, db, s.clientUser, "Printer jam")
		agent := addAgent(t, db, "alan@northwind.test")
		other := addAgent(t, db, "olga@northwind.test")
		admin := newApp(t, db)
		admin.signIn(s.admin.Email, testPassword)
		alan := newApp(t, db)
		alan.signIn(agent.Email, testPassword)
		olga := newApp(t, db)
		olga.signIn(other.Email, testPassword)

		// Admin adds one for the whole team, with hostile template text.
		body := `Hello {{requester}} at {{client}}: {{.Secret}} {{template "x"}} <b>done</b>`
		if resp, _ := admin.submit("/console/saved-replies", "/console/saved-replies", url.Values{"title": {"Greeting"},
			"body": {body}, "shared": {"on"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("admin add: %d", resp.StatusCode)
		}
		// An agent keeps their own; may not share, nor delete the team's.
		resp, page := alan.submit("/console/saved-replies", "/console/saved-replies", url.Values{"title": {"Mine"}, "body": {"Alan's text"}, "shared": {"on"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Only admins") {
			t.Errorf("agent shares: %d", resp.StatusCode)
		}
		if resp, _ := alan.submit("/console/saved-replies", "/console/saved-replies", url.Values{"title": {"Mine"}, "body": {"Alan's text"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("agent add: %d", resp.StatusCode)
		}
		resp, page = alan.submit("/console/saved-replies", "/console/saved-replies", url.Values{"title": {""}, "body": {""}})
		if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, page).Find("#saved-reply-form .has-error").Length() != 2 {
			t.Errorf("empty saved reply: %d", resp.StatusCode)
		}
		var greeting, mine models.SavedReply
		db.NewSelect().Model(&greeting).Where("title = 'Greeting'").Scan(t.Context()) //nolint:errcheck
		db.NewSelect().Model(&mine).Where("title = 'Mine'").Scan(t.Context())         //nolint:errcheck
		if resp, _ := alan.post("/console/saved-replies/"+itoa(greeting.ID)+"/delete", url.Values{"csrf": {alan.csrfOf("/console/saved-replies")}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("agent deletes the team's reply: %d", resp.StatusCode)
		}
		if _, page := olga.get("/console/saved-replies"); strings.Contains(page, "Alan's text") {
			t.Errorf("another agent sees Alan's own reply")
		}

		// Insert, as a browser without JavaScript submits the Insert button.
		reqPage := "/console/requests/" + itoa(r.ID)
		_, page = alan.get(reqPage)
		action, _ := doc(t, page).Find("#insert-saved-reply").Attr("formaction")
		if action != reqPage+"/saved-reply" || doc(t, page).Find(`#saved_reply_id option`).Length() != 3 {
			t.Fatalf("composer picker: action %q, %d options", action, doc(t, page).Find(`#saved_reply_id option`).Length())
		}
		form := url.Values{"csrf": {alan.csrfOf(reqPage)}, "body": {"Hi,"}, "saved_reply_id": {itoa(greeting.ID)}, "kind": {"insert"}}
		resp, page = alan.post(action, form)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("insert: %d", resp.StatusCode)
		}
		want := "Hi,\n\nHello Carol Client at Acme <script>alert(1)</script> {{requester}}: {{.Secret}} {{template \"x\"}} <b>done</b>"
		if got := doc(t, page).Find("#reply-form textarea#body").Text(); got != want {
			t.Errorf("composer after insert:\n got %q\nwant %q", got, want)
		}
		if strings.Contains(page, "<script>alert(1)") || strings.Contains(page, "<b>done</b>") {
			t.Errorf("inserted text not escaped")
		}
		if n := countRows(t, db, "messages", "request_id = ?", r.ID); n != 0 {
			t.Errorf("insert posted %d messages", n)
		}
		// The Insert button posts the whole composer, files chosen included:
		// above the plain form limit, it is still an insert, not a 413.
		big := upload{name: "trace.log", data: bytes.Repeat([]byte("x"), 2<<20)}
		resp, page = alan.postFiles(reqPage, action, url.Values{"body": {"Hi,"}, "saved_reply_id": {itoa(greeting.ID)}, "kind": {"insert"}}, []upload{big}, false)
		if resp.StatusCode != http.StatusOK || !strings.Contains(doc(t, page).Find("#reply-form textarea#body").Text(), "Hello Carol") {
			t.Errorf("insert with a 2 MiB file chosen: %d", resp.StatusCode)
		}
		// Another agent's reply, or nonsense: refused beside the picker.
		for _, id := range []string{itoa(mine.ID), "x", ""} {
			form.Set("saved_reply_id", id)
			resp, page := olga.post(action, url.Values{"csrf": {olga.csrfOf(reqPage)}, "body": {"Hi"}, "saved_reply_id": {id}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Choose a saved reply") {
				t.Errorf("insert %q by another agent: %d", id, resp.StatusCode)
			}
		}
		// Deleting one's own works.
		if resp, _ := alan.post("/console/saved-replies/"+itoa(mine.ID)+"/delete", url.Values{"csrf": {alan.csrfOf("/console/saved-replies")}}); resp.StatusCode != http.StatusOK {
			t.Errorf("delete own: %d", resp.StatusCode)
		}
	})
}

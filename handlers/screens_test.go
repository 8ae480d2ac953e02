package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

// A "Completed" refused for want of a resolution summary shows the form
// again with everything the agent chose, and leaves the browser's address
// on the request page: the form's action only takes posts, and reloading it
// said "Page not found".
func TestRefusedCompletionKeepsTheChoices(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		r := submitAs(t, db, s.clientUser, "Printer jams")
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		page := "/console/requests/" + itoa(r.ID)
		_, body := staff.get(page)
		csrf := doc(t, body).Find(`input[name="csrf"]`).First().AttrOr("value", "")
		form := url.Values{"csrf": {csrf}, "status": {"completed"}, "urgency": {"high"},
			"assignee_id": {itoa(s.admin.ID)}, "resolution": {"  "}}
		for _, boosted := range []bool{false, true} {
			var headers []string
			if boosted {
				headers = []string{"HX-Request", "true", "HX-Boosted", "true", "HX-Current-URL", staff.srv.URL + page}
			}
			resp, body := staff.post(page+"/properties", form, headers...)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("boosted %v: status %d, want 422", boosted, resp.StatusCode)
			}
			d := doc(t, body)
			for sel, want := range map[string]string{
				"#status option[selected]":      "completed",
				"#urgency option[selected]":     "high",
				"#assignee_id option[selected]": itoa(s.admin.ID),
			} {
				if got := d.Find(sel).AttrOr("value", ""); got != want {
					t.Errorf("boosted %v: %s is %q, want %q", boosted, sel, got, want)
				}
			}
			if text(t, body, "#request-status") != "Submitted" {
				t.Errorf("boosted %v: the request's status shows %q", boosted, text(t, body, "#request-status"))
			}
			if got := resp.Header.Get("HX-Push-Url"); boosted && got != "false" {
				t.Errorf("boosted: HX-Push-Url %q, want false (the address bar keeps %s)", got, page)
			}
		}
	})
}

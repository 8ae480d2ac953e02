package handlers_test

import (
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

var rateLinkPattern = regexp.MustCompile(`https://portal\.northwind\.test(/rate/[A-Za-z0-9_-]+/(good|bad))`)

func TestRatingBySignedLinkFromTheCompletionMail(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		r := submitAs(t, db, s.clientUser, "Laptop slow")
		n, smtp := newNotifier(t, db)
		tick(t, n, models.Now().Add(5*time.Minute))
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		completeAs(t, staff, r, "Replaced the disk.")
		tick(t, n, models.Now().Add(5*time.Minute))
		msg := smtp.WaitFor(t, s.clientUser.Email, 1)
		links := rateLinkPattern.FindAllStringSubmatch(msg.Text, -1)
		if len(links) != 2 || links[0][2] != "good" || links[1][2] != "bad" {
			t.Fatalf("completion mail rating links %v:\n%s", links, msg.Text)
		}
		events := countRows(t, db, "activity_events", "request_id = ?", r.ID)

		// Tampered: refused, nothing written.
		anon := newApp(t, db)
		good, bad := links[0][1], links[1][1]
		action := strings.TrimSuffix(good, "/good")
		tampered := strings.Replace(good, "/rate/", "/rate/x", 1)
		if resp, _ := anon.get(tampered); resp.StatusCode != http.StatusNotFound {
			t.Errorf("tampered link: %d", resp.StatusCode)
		}
		if resp, _ := anon.get(action + "/great"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown rating: %d", resp.StatusCode)
		}
		// Opened, as a mail scanner or a link preview does: the choice is
		// shown, pre-selected from the link, and nothing is recorded.
		for _, link := range []string{good, good, bad} {
			resp, body := anon.get(link)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", link, resp.StatusCode)
			}
			want := strings.TrimPrefix(link, action+"/")
			if got := doc(t, body).Find(`#rate-form input[name="rating"][checked]`).AttrOr("value", ""); got != want {
				t.Errorf("GET %s: %q pre-selected, want %q", link, got, want)
			}
			if got := doc(t, body).Find("#rate-form").AttrOr("action", ""); got != action {
				t.Errorf("GET %s: the form posts to %q, want %q", link, got, action)
			}
		}
		if n := countRows(t, db, "request_ratings", "1 = 1"); n != 0 {
			t.Fatalf("opening the rating links wrote %d ratings", n)
		}
		if n := countRows(t, db, "rating_tokens", "used_at IS NOT NULL"); n != 0 {
			t.Fatalf("opening the rating links spent %d tokens", n)
		}
		// Another site cannot post it: without this browser's form token
		// the post is refused, even with the link's token in the address.
		if resp, _ := anon.post(action, url.Values{"rating": {"bad"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("post without a form token: %d", resp.StatusCode)
		}
		if resp, _ := newApp(t, db).post(action, url.Values{"rating": {"bad"}, "csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site post: %d", resp.StatusCode)
		}
		if n := countRows(t, db, "request_ratings", "1 = 1"); n != 0 {
			t.Fatalf("a refused post wrote %d ratings", n)
		}
		// No choice: asked again, nothing spent.
		if resp, body := anon.submit(good, action, url.Values{"rating": {"meh"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			doc(t, body).Find("#rate-form .has-error").Length() == 0 {
			t.Errorf("post without a valid choice: %d", resp.StatusCode)
		}
		// One click on the page, no sign-in: rated good.
		resp, body := anon.submit(good, action, url.Values{"rating": {"good"}, "comment": {"Quick, thanks"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(text(t, body, "#rated-message"), "ACME-1 as good") {
			t.Fatalf("rate by link: %d %q", resp.StatusCode, text(t, body, "#rated-message"))
		}
		// Replayed (even the other link of the same mail): refused.
		if resp, _ := anon.get(good); resp.StatusCode != http.StatusGone {
			t.Errorf("replayed link: %d", resp.StatusCode)
		}
		if resp, _ := anon.get(bad); resp.StatusCode != http.StatusGone {
			t.Errorf("second link of a used token: %d", resp.StatusCode)
		}
		if resp, _ := anon.post(action, url.Values{"rating": {"bad"}, "csrf": {anon.csrfOf("/signin")}}); resp.StatusCode != http.StatusGone {
			t.Errorf("second post of a used token: %d", resp.StatusCode)
		}
		rating, err := models.RatingOf(t.Context(), db, r.ID)
		if err != nil || rating == nil || rating.Rating != "good" || rating.Comment != "Quick, thanks" ||
			rating.UserID == nil || *rating.UserID != s.clientUser.ID {
			t.Fatalf("rating %+v (%v)", rating, err)
		}
		// Nothing else changed: still completed, no message, no event.
		if got := loadRequest(t, db, r.ID); got.Status != models.StatusCompleted {
			t.Errorf("status %s after rating", got.Status)
		}
		if got := countRows(t, db, "activity_events", "request_id = ?", r.ID); got != events {
			t.Errorf("rating wrote %d events", got-events)
		}
		// Expired: refused.
		token, err := models.NewRatingToken(t.Context(), db, r.ID, s.clientUser.ID, models.Now().Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if resp, _ := anon.get("/rate/" + token + "/bad"); resp.StatusCode != http.StatusGone {
			t.Errorf("expired link: %d", resp.StatusCode)
		}
		if resp, _ := anon.post("/rate/"+token, url.Values{"rating": {"bad"}, "csrf": {anon.csrfOf("/signin")}}); resp.StatusCode != http.StatusGone {
			t.Errorf("post of an expired link: %d", resp.StatusCode)
		}
		if rating, _ := models.RatingOf(t.Context(), db, r.ID); rating.Rating != "good" {
			t.Errorf("expired link changed the rating to %s", rating.Rating)
		}
		// The console shows it.
		if _, body := staff.get("/console/requests/" + itoa(r.ID)); !strings.Contains(text(t, body, "#rating"), "Good") {
			t.Errorf("console rating %q", text(t, body, "#rating"))
		}
	})
}

func TestRatingFromTheRequestPageWithinTheWindow(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		agent := addAgent(t, db, "alan@northwind.test")
		r := submitAs(t, db, s.clientUser, "Wi-Fi drops")
		staff := newApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		client := newApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)

		// Open: no rating form; a post is refused.
		if _, body := client.get("/requests/1"); doc(t, body).Find("#rating-form").Length() != 0 {
			t.Errorf("rating form on an open request")
		}
		if resp, _ := client.post("/requests/1/rate", url.Values{"csrf": {client.csrfOf("/requests/1")}, "rating": {"good"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("rating an open request: %d", resp.StatusCode)
		}
		completeAs(t, staff, r, "New access point.")
		if err := models.ChangeRequestAssignee(t.Context(), db, r.ID, s.admin, &agent.ID); err != nil {
			t.Fatal(err)
		}
		resp, body := client.submit("/requests/1", "/requests/1/rate", url.Values{"rating": {"meh"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || doc(t, body).Find("#rating-form .has-error").Length() == 0 {
			t.Errorf("bad rating: %d", resp.StatusCode)
		}
		resp, body = client.submit("/requests/1", "/requests/1/rate", url.Values{"rating": {"bad"}, "comment": {"Took <b>days</b>"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(text(t, body, "#current-rating"), "rated it bad") {
			t.Fatalf("rate: %d %q", resp.StatusCode, text(t, body, "#current-rating"))
		}
		// Changed within the window; it never reopens.
		client.submit("/requests/1", "/requests/1/rate", url.Values{"rating": {"good"}, "comment": {"Fine after all"}})
		_, body = staff.get("/console/requests/" + itoa(r.ID))
		if got := text(t, body, "#rating"); !strings.Contains(got, "Good") || !strings.Contains(got, "Fine after all") {
			t.Errorf("console rating %q", got)
		}
		if got := loadRequest(t, db, r.ID).Status; got != models.StatusCompleted {
			t.Errorf("rating changed the status to %s", got)
		}
		// Monthly figures per client and per agent.
		_, body = staff.get("/console/satisfaction")
		if got := text(t, body, "#satisfaction-clients"); !strings.Contains(got, "Acme Corp") || !strings.Contains(got, "1 of 1") {
			t.Errorf("per client %q", got)
		}
		if got := text(t, body, "#satisfaction-agents"); !strings.Contains(got, "Andy Agent") || !strings.Contains(got, "100 %") {
			t.Errorf("per agent %q", got)
		}
		if resp, _ := staff.get("/console/satisfaction?month=nonsense"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("bad month: %d", resp.StatusCode)
		}
		// After the window: refused, unchanged.
		past(t, db, "requests", "completed_at", 15*24*time.Hour, "id = ?", r.ID)
		resp, _ = client.post("/requests/1/rate", url.Values{"csrf": {client.csrfOf("/requests/1")}, "rating": {"bad"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("rating after the window: %d", resp.StatusCode)
		}
		if rating, _ := models.RatingOf(t.Context(), db, r.ID); rating.Rating != "good" {
			t.Errorf("rating after the window changed it to %s", rating.Rating)
		}
	})
}

package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

// Request numbers are INTEGER columns on PostgreSQL: a number past 2^31-1
// in the address used to reach the query and fail there with a 500. Every
// number beyond the column's range is a request that does not exist.
func TestRequestNumbersBeyondTheIntegerRangeAreNotFound(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		r := submitAs(t, db, s.clientUser, "Printer jammed")
		a := newAuthApp(t, db, nil)
		client := a.other()
		client.signIn(s.clientUser.Email, testPassword)
		csrf := client.csrfOf("/")
		staff := a.other()
		staff.signIn(s.admin.Email, testPassword)
		staffCSRF := staff.csrfOf("/console")

		form := url.Values{"body": {"Still jammed."}, "rating": {"good"}, "reason": {"x"}}
		for _, n := range []string{"2147483648", "4294967296", "9223372036854775807", "9223372036854775808"} {
			for _, path := range []string{"/requests/" + n} {
				if resp, _ := client.send(http.MethodGet, path, csrf, nil); resp.StatusCode != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
				}
			}
			for _, action := range []string{"reply", "fixed", "reopen", "follow-up", "follow", "rate"} {
				path := "/requests/" + n + "/" + action
				if resp, _ := client.send(http.MethodPost, path, csrf, form); resp.StatusCode != http.StatusNotFound {
					t.Errorf("POST %s: %d, want 404", path, resp.StatusCode)
				}
			}
			if resp, _ := staff.send(http.MethodGet, "/console/requests/"+n, staffCSRF, nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET /console/requests/%s: %d, want 404", n, resp.StatusCode)
			}
			if resp, _ := staff.send(http.MethodPost, "/console/requests/"+n+"/reply", staffCSRF, form); resp.StatusCode != http.StatusNotFound {
				t.Errorf("POST /console/requests/%s/reply: %d, want 404", n, resp.StatusCode)
			}
		}
		// The real request is still found, so the check is not "always 404".
		if resp, _ := client.send(http.MethodGet, "/requests/"+strconv.Itoa(r.Number), csrf, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /requests/%d: %d", r.Number, resp.StatusCode)
		}
	})
}

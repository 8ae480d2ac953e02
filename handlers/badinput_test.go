package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

// garbageParams replace every path parameter: not numbers, out of range
// (past INTEGER and BIGINT columns too), negative, odd characters.
var garbageParams = []string{"abc", "-1", "0", "99999999999999999999", "2147483648", "9223372036854775807", "1%27%22%3C", "%00"}

// garbageForm fills every field any form asks for with values no form
// accepts: too long, wrong type, out of range, unknown choices.
var garbageForm = func() url.Values {
	long := strings.Repeat("x", 30000)
	v := url.Values{}
	for _, f := range []string{"title", "description", "body", "message", "name", "email", "password", "current_password",
		"new_password", "confirm_password", "confirm", "slug", "timezone", "contact_email", "monthly_hours", "label", "days",
		"duration", "date", "note", "minutes", "frame_origins", "staff_domains", "role", "kind", "q", "page", "sort",
		"workspace_name", "admin_name", "admin_email", "warning_percent", "calendar", "start", "end", "holidays",
		"response_low", "resolution_low", "client_id", "policy_id", "assignee_id", "category_id", "after"} {
		v.Set(f, long)
	}
	v.Set("urgency", "apocalyptic")
	v.Set("status", "vanished")
	return v
}()

// TestGarbageNeverBreaksTheServer walks every route as an admin and as a
// client user with nonsense in the path and in every form field: each answer
// is a 2xx, 3xx or 4xx page, never a server error.
func TestGarbageNeverBreaksTheServer(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		admin := a.other()
		admin.signIn(s.admin.Email, testPassword)
		adminCSRF := admin.csrfOf("/console")
		client := a.other()
		client.signIn(s.clientUser.Email, testPassword)
		clientCSRF := client.csrfOf("/")

		sent := 0
		for _, r := range appRoutes(a.echo) {
			if r.Path == "/signout" || strings.HasSuffix(r.Path, "/disable") || strings.HasPrefix(r.Path, "/auth/") {
				continue // would end the session the walk is using, or leave for a provider
			}
			paths := []string{r.Path}
			if paramPattern.MatchString(r.Path) {
				paths = paths[:0]
				for _, g := range garbageParams {
					paths = append(paths, paramPattern.ReplaceAllString(r.Path, g))
				}
			}
			for _, path := range paths {
				for _, who := range []struct {
					b    *app
					csrf string
				}{{admin, adminCSRF}, {client, clientCSRF}} {
					sent++
					var form url.Values
					if r.Method != http.MethodGet {
						form = garbageForm
					} else {
						path += "?q=" + url.QueryEscape(garbageForm.Get("q")[:300]) + "&page=-5&sort=nonsense&status=x&after=zz"
					}
					resp, _ := who.b.send(r.Method, path, who.csrf, form)
					if resp.StatusCode >= 500 {
						t.Errorf("%s %s: %d", r.Method, path, resp.StatusCode)
					}
				}
			}
		}
		t.Logf("sent %d requests", sent)
		if sent < 100 {
			t.Fatalf("only %d requests sent: is the route table empty?", sent)
		}
	})
}

package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

// TestFormsShowWhatWasSaved: origins entered one per line come back one per
// line; adding a category says so; reloading the address a new portal link
// was shown at (without JavaScript) leads back to the client, not a 404.
func TestFormsShowWhatWasSaved(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		admin := newApp(t, db)
		admin.signIn(s.admin.Email, testPassword)

		origins := "https://www.acme.example\nhttps://intranet.acme.example"
		if resp, body := admin.submit("/console/settings", "/console/settings", url.Values{"name": {"Northwind IT"},
			"frame_origins": {origins}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("save settings: %d %s", resp.StatusCode, body)
		}
		_, body := admin.get("/console/settings")
		if got := strings.TrimSpace(doc(t, body).Find("#frame_origins").Text()); got != origins {
			t.Errorf("origins come back as %q, want one per line %q", got, origins)
		}

		resp, body := admin.submit("/console/categories", "/console/categories", url.Values{"name": {"Hardware"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(text(t, body, ".flash"), "Hardware") {
			t.Errorf("adding a category: %d, flash %q", resp.StatusCode, text(t, body, ".flash"))
		}

		links := "/console/clients/" + itoa(s.client.ID) + "/links"
		resp, _ = admin.get(links)
		if resp.StatusCode != http.StatusOK || !strings.HasSuffix(resp.Request.URL.Path, "/console/clients/"+itoa(s.client.ID)) {
			t.Errorf("GET %s: %d at %s", links, resp.StatusCode, resp.Request.URL)
		}
	})
}

// TestFieldErrorsAreLinked: a field with an error says so to assistive
// technology, and points at its message (and keeps pointing at its hint).
func TestFieldErrorsAreLinked(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		admin := newApp(t, db)
		admin.signIn(s.admin.Email, testPassword)
		resp, body := admin.submit("/console/clients/new", "/console/clients", url.Values{"name": {""}, "slug": {"Not A Slug"},
			"timezone": {"Europe/Paris"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad client: %d", resp.StatusCode)
		}
		d := doc(t, body)
		for field, hint := range map[string]string{"name": "", "slug": "slug-hint"} {
			in := d.Find("#" + field)
			if v, _ := in.Attr("aria-invalid"); v != "true" {
				t.Errorf("#%s has no aria-invalid", field)
			}
			ids, _ := in.Attr("aria-describedby")
			if !strings.Contains(ids, field+"-error") || (hint != "" && !strings.Contains(ids, hint)) {
				t.Errorf("#%s aria-describedby=%q", field, ids)
			}
			if d.Find("#"+field+"-error").Text() == "" {
				t.Errorf("no message #%s-error", field)
			}
		}
	})
}

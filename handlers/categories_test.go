package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

// TestCategoriesAppearOnTheRequestFormOnceConfigured: no category field until
// an admin adds one; archived ones disappear again; bad input is a 422.
func TestCategoriesAppearOnTheRequestFormOnceConfigured(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newApp(t, db)
		client := a.browser()
		client.signIn(s.clientUser.Email, testPassword)
		if _, body := client.get("/requests/new"); doc(t, body).Find("select#category_id").Length() != 0 {
			t.Fatal("category field shown with no categories configured")
		}

		admin := a.browser()
		admin.signIn(s.admin.Email, testPassword)
		resp, body := admin.submit("/console/categories", "/console/categories", url.Values{"name": {""}})
		if resp.StatusCode != http.StatusUnprocessableEntity || text(t, body, ".field-error") == "" {
			t.Fatalf("empty name: %d", resp.StatusCode)
		}
		for _, name := range []string{"Hardware", "Accounts & access"} {
			if resp, _ := admin.submit("/console/categories", "/console/categories", url.Values{"name": {name}}); resp.StatusCode != http.StatusOK {
				t.Fatalf("add %s: %d", name, resp.StatusCode)
			}
		}
		resp, body = admin.submit("/console/categories", "/console/categories", url.Values{"name": {"hardware"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, ".field-error"), "already") {
			t.Fatalf("duplicate name: %d", resp.StatusCode)
		}

		_, body = client.get("/requests/new")
		options := doc(t, body).Find("select#category_id option")
		if !strings.Contains(options.Text(), "Hardware") || !strings.Contains(options.Text(), "Accounts & access") {
			t.Fatalf("category options: %q", options.Text())
		}

		// Agents and client users cannot manage categories.
		if resp, _ := client.get("/console/categories"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("client user GET /console/categories: %d", resp.StatusCode)
		}

		_, page := admin.get("/console/categories")
		// Archive links to its confirmation page, which posts to itself.
		action, _ := doc(t, page).Find(`a[href$="/archive"]`).First().Attr("href")
		if resp, _ := admin.submit(action, action, url.Values{}); resp.StatusCode != http.StatusOK {
			t.Fatalf("archive: %d", resp.StatusCode)
		}
		_, body = client.get("/requests/new")
		if strings.Contains(doc(t, body).Find("select#category_id").Text(), "Hardware") {
			t.Error("archived category still offered")
		}
	})
}

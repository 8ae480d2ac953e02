package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

func TestEditAndArchiveAClient(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		a.signIn(s.admin.Email, testPassword)
		page := "/console/clients/" + itoa(s.client.ID)

		resp, body := a.get(page + "/edit")
		if v, _ := doc(t, body).Find("select#timezone option[selected]").Attr("value"); resp.StatusCode != http.StatusOK || v != "Europe/Paris" {
			t.Fatalf("edit form: %d, timezone %q", resp.StatusCode, v)
		}
		resp, _ = a.submit(page+"/edit", page, url.Values{"name": {"Acme Corporation"}, "slug": {"acme"},
			"timezone": {"Europe/Berlin"}, "contact_email": {"it@acme.test"}, "monthly_hours": {"12"}})
		if resp.Request.URL.Path != page {
			t.Fatalf("save landed on %s", resp.Request.URL.Path)
		}
		c, _ := models.GetClient(t.Context(), db, s.client.ID)
		if c.Name != "Acme Corporation" || c.Timezone != "Europe/Berlin" || c.MonthlyIncludedMinutes != 720 || c.RequestPrefix != "ACME" {
			t.Errorf("saved client: %+v", c)
		}
		if resp, _ := a.get("/console/clients/999999"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown client: %d", resp.StatusCode)
		}
		if resp, _ := a.get("/console/clients/abc"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("non-numeric client id: %d", resp.StatusCode)
		}

		a.submit(page, page+"/archive", url.Values{})
		_, list := a.get("/console/clients")
		if !strings.Contains(text(t, list, "main"), "Archived") {
			t.Errorf("archived client not listed as archived")
		}
		// An archived client gets no new links.
		resp, _ = a.submit(page, page+"/links", url.Values{"days": {"90"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("link for an archived client: %d", resp.StatusCode)
		}
		for _, p := range []string{"/console/account", "/console/staff", "/console/settings", "/console/clients/new"} {
			if resp, _ := a.get(p); resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d", p, resp.StatusCode)
			}
		}
	})
}

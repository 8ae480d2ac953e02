package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

// One-line fields used to take CR/LF, which then made lines of their own in
// the plain-text e-mails to staff (a title "Printer\r\nBcc: …"). Every
// one-line field now refuses control characters beside the field, with a 422.
func TestOneLineFieldsRefuseControlCharacters(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		admin := a.other()
		admin.signIn(s.admin.Email, testPassword)
		client := a.other()
		client.signIn(s.clientUser.Email, testPassword)
		link, _ := makeLink(t, db, s.client.ID, 90)
		clientPage := "/console/clients/" + itoa(s.client.ID)

		const evil = "Printer broken\r\nBcc: everyone@example.test"
		cases := []struct {
			who                 *app
			page, action, field string
			form                url.Values
		}{
			{client, "/requests/new", "/requests", "title", url.Values{"title": {evil}, "description": {"x"}, "urgency": {"normal"}}},
			{client, "/account", "/account/profile", "name", url.Values{"name": {evil}}},
			{admin, "/console/account", "/account/profile", "name", url.Values{"name": {"Ada\x00Admin"}}},
			{admin, "/console/clients/new", "/console/clients", "name", url.Values{"name": {evil}, "slug": {"evil"}, "timezone": {"UTC"}}},
			{admin, "/console/clients/" + itoa(s.client.ID) + "/edit", clientPage, "name", url.Values{"name": {"Acme\nCorp"}, "slug": {"acme"}, "timezone": {"UTC"}}},
			{admin, "/console/categories", "/console/categories", "name", url.Values{"name": {"Hardware\rBcc"}}},
			{admin, clientPage, clientPage + "/links", "label", url.Values{"label": {"Web\nsite"}, "days": {"30"}}},
			{admin, "/console/staff", "/console/staff", "name", url.Values{"name": {evil}, "email": {"new@northwind.test"}, "role": {"agent"}}},
			{admin, "/console/settings", "/console/settings", "name", url.Values{"name": {"Northwind\u2028IT"}}},
			{admin, "/console/sla-policies/new", "/console/sla-policies", "name", url.Values{"name": {evil}, "warning_percent": {"75"}, "always_open": {"1"}, "timezone": {"UTC"}}},
			{a.other(), link, link, "name", url.Values{"name": {evil}, "email": {"new@acme.test"}, "password": {"a-long-enough-pass"}}},
		}
		for _, tc := range cases {
			resp, body := tc.who.submit(tc.page, tc.action, tc.form)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s %s: status %d, want 422", tc.action, tc.field, resp.StatusCode)
				continue
			}
			msg := strings.TrimSpace(doc(t, body).Find(`[name="` + tc.field + `"]`).Closest(".field").Find(".field-error").Text())
			if !strings.Contains(msg, "single line") {
				t.Errorf("%s %s: message beside the field %q", tc.action, tc.field, msg)
			}
		}
		for table, column := range map[string]string{"requests": "title", "users": "name", "clients": "name", "categories": "name",
			"portal_links": "label", "sla_policies": "name", "workspace": "name"} {
			if n := countRows(t, db, table, column+" LIKE ? OR "+column+" LIKE ?", "%\n%", "%\r%"); n != 0 {
				t.Errorf("%s.%s holds a line break", table, column)
			}
		}
	})
}

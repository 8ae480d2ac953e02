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

// TestConfirmationPages: archiving a client and disabling a user each go
// through a page that states the consequence and how to undo it, and work
// as plain forms (no JavaScript). Only admins archive clients; the undo is
// one button away.
func TestConfirmationPages(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		hash, _ := models.HashPassword(testPassword)
		agent := &models.User{Role: models.RoleAgent, Email: "alan@northwind.test", Name: "Alan Agent", PasswordHash: &hash,
			SignupMethod: "invite", CreatedAt: models.Now(), UpdatedAt: models.Now()}
		if _, err := db.NewInsert().Model(agent).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		admin := newApp(t, db)
		admin.signIn(s.admin.Email, testPassword)
		page := "/console/clients/" + itoa(s.client.ID)

		_, body := admin.get(page)
		if doc(t, body).Find(`a[href="`+page+`/archive"]`).Length() != 1 {
			t.Fatalf("no link to archive the client on its page")
		}
		resp, body := admin.get(page + "/archive")
		if resp.StatusCode != http.StatusOK || !strings.Contains(text(t, body, "#confirm-consequence"), "can no longer sign in") ||
			!strings.Contains(text(t, body, "#confirm-undo"), "restore") {
			t.Fatalf("archive confirmation: %d %s", resp.StatusCode, text(t, body, "main"))
		}
		if doc(t, body).Find(`form[method="post"][action="`+page+`/archive"] button`).Length() != 1 {
			t.Fatalf("the confirmation has no form posting to the archive action")
		}

		alan := admin.browser()
		alan.signIn(agent.Email, testPassword)
		if resp, _ := alan.get(page + "/archive"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an agent asking to archive a client: %d, want 404", resp.StatusCode)
		}
		if _, body := alan.get(page); doc(t, body).Find(`a[href$="/archive"]`).Length() != 0 {
			t.Errorf("an agent is offered to archive the client")
		}

		if resp, _ := admin.submit(page+"/archive", page+"/archive", url.Values{}); resp.StatusCode != http.StatusOK {
			t.Fatalf("archive: %d", resp.StatusCode)
		}
		if c, _ := models.GetClient(ctx, db, s.client.ID); c.ArchivedAt == nil {
			t.Fatal("the client is not archived")
		}
		// Undo is the Restore button on the client's page.
		admin.submit(page, page+"/unarchive", url.Values{})
		if c, _ := models.GetClient(ctx, db, s.client.ID); c.ArchivedAt != nil {
			t.Fatal("the client is still archived after Restore")
		}

		disable := page + "/users/" + itoa(s.clientUser.ID) + "/disable"
		if _, body := admin.get(disable); !strings.Contains(text(t, body, "#confirm-consequence"), s.clientUser.Email) {
			t.Errorf("the disable confirmation does not name who: %s", text(t, body, "main"))
		}
		admin.submit(disable, disable, url.Values{})
		if u, _ := models.GetUser(ctx, db, s.clientUser.ID); u.DisabledAt == nil {
			t.Error("the user is not disabled")
		}
	})
}

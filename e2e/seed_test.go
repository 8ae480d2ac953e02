package e2e

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
)

const (
	password   = "correct-horse-battery"
	adminEmail = "ada@northwind.test"
)

// seedWorkspace sets the portal up with the admin ada@northwind.test, as the
// setup page would.
func seedWorkspace(t *testing.T, db *bun.DB) *models.User {
	t.Helper()
	admin, err := models.Setup(context.Background(), db, models.SetupInput{WorkspaceName: "Northwind IT",
		AdminName: "Ada Admin", AdminEmail: adminEmail, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return admin
}

func seedClient(t *testing.T, db *bun.DB, name, slug string) *models.Client {
	t.Helper()
	c, err := models.CreateClient(context.Background(), db, models.ClientInput{Name: name, Slug: slug,
		Timezone: "Europe/Paris", MonthlyIncludedMinutes: 600})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seedClientUser adds a person to a client, as a portal link would.
func seedClientUser(t *testing.T, db *bun.DB, c *models.Client, name, email string) *models.User {
	t.Helper()
	hash, err := models.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	now := models.Now()
	u := &models.User{ClientID: &c.ID, Role: models.RoleClient, Email: email, Name: name, PasswordHash: &hash,
		SignupMethod: "invite", NotifyEmail: true, NotifyLowBalance: true, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(u).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return u
}

// seedRequest submits a request as u, through u's Scope like the portal does.
func seedRequest(t *testing.T, db *bun.DB, u *models.User, title, urgency string) *models.Request {
	t.Helper()
	sc, err := models.ScopeFor(db, u)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.CreateRequest(context.Background(), models.NewRequest{Title: title, Urgency: urgency,
		Description: "Seeded by the end-to-end test."})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

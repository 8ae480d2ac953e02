package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/portal-msp/portal/models"
)

// TestAdoptionInTheBrowser: staff reach Adoption from the client list; the
// least adopted client comes first and the order follows the period
// chosen; a client's row opens its people, with each one's last sign-in
// and how. At 390 px neither page scrolls sideways. (The pages'
// screenshots come from TestScreenshots.)
func TestAdoptionInTheBrowser(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	ctx := context.Background()
	seedWorkspace(t, p.db)
	acme := seedClient(t, p.db, "Acme Corp", "acme")
	globex := seedClient(t, p.db, "Globex Industries", "globex")
	seedClientUser(t, p.db, acme, "Carol Client", "carol@acme.test")
	seedClientUser(t, p.db, acme, "Dan Never", "dan@acme.test")
	gina := seedClientUser(t, p.db, globex, "Gina Globex", "gina@globex.test")
	// Gina last signed in 40 days ago, with Microsoft.
	if err := models.RecordSignin(ctx, p.db, gina, models.SigninMicrosoft, models.Now().AddDate(0, 0, -40)); err != nil {
		t.Fatal(err)
	}
	carol := b.newPerson("Carol")
	carol.signIn("carol@acme.test", password, "/", "#stat-open")

	staff := b.newPerson("Ada")
	staff.signIn(adminEmail, password, "/console", "#queue-list")
	staff.open("/console/clients", "#adoption-link")
	staff.click("#adoption-link")
	staff.at("/console/clients/adoption", "#adoption-table")
	// 30 days: Globex has nobody active (0 of 1), Acme one of two.
	if got := staff.text("#adoption-table tbody tr:first-child .card-title"); got != globex.Name {
		t.Errorf("first over 30 days: %q, want %s", got, globex.Name)
	}
	staff.click("#adoption-periods a[href$='days=90']")
	staff.waitText("#adoption-periods a[aria-current='page']", "90")
	// 90 days: Gina's sign-in counts, Globex is at 100 %, Acme at 50 %.
	if got := staff.text("#adoption-table tbody tr:first-child .card-title"); got != acme.Name {
		t.Errorf("first over 90 days: %q, want %s", got, acme.Name)
	}
	staff.click(fmt.Sprintf("#adoption-table tr[data-client='%d'] .card-title a", acme.ID))
	people := fmt.Sprintf("/console/clients/%d/adoption", acme.ID)
	staff.at(people, "#adoption-people")
	staff.waitText("#adoption-people tbody tr:first-child", "Dan Never")
	staff.waitText("#adoption-people tbody tr:first-child .last-signin", "Never")
	staff.waitText("#adoption-people tbody tr:last-child .method", "Password")
	staff.waitText("#adoption-people tbody tr:last-child .last-signin", "just now")

	staff.use(screens[1])
	staff.open(people, "#adoption-people")
	checkPhone(t, staff, people)
	staff.open("/console/clients/adoption", "#adoption-table")
	checkPhone(t, staff, "/console/clients/adoption")
}

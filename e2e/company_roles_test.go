package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/portal-msp/portal/models"
)

// TestCompanyRoles in a real browser: Carol, her company's admin, sees her
// colleagues on the People page and disables one; Dora, a member of a
// client whose members see only their own requests, finds only her own
// request on her dashboard and lists, and no page she is shown carries
// Carol's. Screenshots of both pages at desktop and phone width.
func TestCompanyRoles(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	ctx := context.Background()
	seedWorkspace(t, p.db)
	acme := seedClient(t, p.db, "Acme Corp", "acme")
	carolUser := seedClientUser(t, p.db, acme, "Carol Acme", "carol@acme.test")
	doraUser := seedClientUser(t, p.db, acme, "Dora Acme", "dora@acme.test")
	seedClientUser(t, p.db, acme, "Eve Acme", "eve@acme.test")
	if err := models.SetCompanyRole(ctx, p.db, acme.ID, carolUser.ID, models.CompanyAdmin); err != nil {
		t.Fatal(err)
	}
	if err := models.SetMembersSee(ctx, p.db, acme.ID, models.MembersSeeOwn, false); err != nil {
		t.Fatal(err)
	}
	seedRequest(t, p.db, carolUser, "Carol's budget spreadsheet", models.UrgencyHigh)
	seedRequest(t, p.db, doraUser, "Dora's printer is jammed", models.UrgencyNormal)

	carol := b.newPerson("Carol (company admin)")
	carol.signIn("carol@acme.test", password, "/", "#stat-open")
	carol.open("/people", "#people")
	for _, who := range []string{"dora@acme.test", "eve@acme.test"} {
		if !strings.Contains(carol.text("#people"), who) {
			t.Errorf("the People page lacks %s", who)
		}
	}
	shoot(t, carol, "portal-people")
	carol.click(`tr[data-person="eve@acme.test"] form[action$="/disable"] button`)
	carol.at("/people", "#people")
	carol.waitText(`tr[data-person="eve@acme.test"]`, "Disabled")

	dora := b.newPerson("Dora (member, own requests)")
	dora.never = []string{"Carol's budget spreadsheet"}
	dora.signIn("dora@acme.test", password, "/", "#stat-open")
	if got := dora.text("#stat-open"); got != "1" {
		t.Errorf("Dora's open count is %q, want 1 (her own request)", got)
	}
	if strings.Contains(dora.text("nav"), "People") {
		t.Error("a member's navigation offers the People page")
	}
	shoot(t, dora, "portal-dashboard-member")
	dora.open("/requests", "main")
	dora.waitText("main", "Dora's printer is jammed")
	dora.open("/messages", "main")
	dora.open("/reports", "main")
}

package e2e

import (
	"fmt"
	"testing"
)

// TestPlanFormShowsTheChosenPlansFields: the hour plan form shows only the
// fields that mean something for the plan chosen.
func TestPlanFormShowsTheChosenPlansFields(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	seedWorkspace(t, p.db)
	acme := seedClient(t, p.db, "Acme Corp", "acme")
	ada := b.newPerson("Ada")
	ada.signIn(adminEmail, password, "/console", "main")
	ada.open(fmt.Sprintf("/console/clients/%d/hours", acme.ID), "#plan-form")

	shown := func(id string) bool {
		var ok bool
		ada.eval(fmt.Sprintf(`document.getElementById(%q).getClientRects().length > 0`, id), &ok)
		return ok
	}
	for _, c := range []struct {
		kind, rollover string
		want           map[string]bool
	}{
		{"monthly", "off", map[string]bool{"plan-hours": true, "start_day": true, "overage_rate": true, "rollover": true,
			"anchor_month": false, "rollover_cap": false, "rollover_expiry": false}},
		{"quarterly", "capped", map[string]bool{"plan-hours": true, "anchor_month": true, "rollover_cap": true, "rollover_expiry": true}},
		{"yearly", "all", map[string]bool{"anchor_month": true, "rollover_cap": false, "rollover_expiry": true}},
		{"prepaid", "all", map[string]bool{"start_day": true, "overage_rate": true, "plan-hours": false, "rollover": false, "anchor_month": false}},
		{"none", "all", map[string]bool{"kind": true, "plan-hours": false, "start_day": false, "overage_rate": false, "rollover": false}},
	} {
		ada.choose("#kind", c.kind)
		ada.choose("#rollover", c.rollover)
		for id, want := range c.want {
			if got := shown(id); got != want {
				t.Errorf("plan %s, rollover %s: #%s shown %v, want %v", c.kind, c.rollover, id, got, want)
			}
		}
	}
}

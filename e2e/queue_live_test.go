package e2e

import "testing"

// TestLiveQueueKeepsItsView: an agent looking at "My requests" keeps that
// view when the queue refreshes itself live; a new unassigned request does
// not slip into it.
func TestLiveQueueKeepsItsView(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	seedWorkspace(t, p.db)
	acme := seedClient(t, p.db, "Acme Corp", "acme")
	carol := seedClientUser(t, p.db, acme, "Carol Client", "carol@acme.test")
	seedRequest(t, p.db, carol, "Printer offline", "normal")

	ada := b.newPerson("Ada (staff)")
	ada.signIn(adminEmail, password, "/console", "#queue-list")
	ada.click("#queue-views a[href*='assignee=me']")
	ada.waitFor("the My requests view", `() => location.search.includes("assignee=me") && !document.querySelector("#queue-list tr[data-request='ACME-1']")`)
	waitForStreams(t, p, 1, "the queue to open its event stream")
	ada.eval(`(() => { window.__queueRefreshed = false;
		document.body.addEventListener("htmx:afterSettle", e => {
			if (document.querySelector("#queue-list") && e.detail.elt && e.detail.elt.id === "queue-list") window.__queueRefreshed = true;
		}); return true })()`, nil)

	// A change anywhere refreshes the list; the view must hold.
	seedRequest(t, p.db, carol, "Scanner jammed", "high")
	ada.waitFor("the queue to refresh itself", `() => window.__queueRefreshed === true`)
	var leaked bool
	ada.eval(`!!document.querySelector("#queue-list tr[data-request='ACME-2']")`, &leaked)
	if leaked {
		t.Fatalf("the live refresh dropped the My requests view: an unassigned request appeared in it")
	}
}

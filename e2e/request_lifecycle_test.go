package e2e

import (
	"testing"
)

// TestRequestLifecycle is issue 4's "done when": a client submits a Critical
// request and watches its response timer count down; staff find it at the top
// of the queue, reply (the response clock is met), wait on the client, who
// answers, log 1:30 and complete it; the client finds it closed with 1.5 h.
func TestRequestLifecycle(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	seedWorkspace(t, p.db)
	acme := seedClient(t, p.db, "Acme Corp", "acme")
	carolUser := seedClientUser(t, p.db, acme, "Carol Client", "carol@acme.test")
	globex := seedClient(t, p.db, "Globex Industries", "globex")
	// Older, less urgent requests that a Critical one must overtake in the queue.
	seedRequest(t, p.db, seedClientUser(t, p.db, globex, "Gary Globex", "gary@globex.test"), "Printer toner is low", "low")
	seedRequest(t, p.db, carolUser, "New laptop for Sam", "normal")

	// The client submits a Critical request: it becomes ACME-2.
	carol := b.newPerson("Carol (client)")
	carol.never = []string{globex.Name}
	carol.signIn("carol@acme.test", password, "/", "#stat-open")
	carol.click("nav a[href='/requests/new']")
	carol.at("/requests/new", "#request-form")
	carol.fill("#title", "Mail server is down")
	carol.fill("#description", "Nobody can send or receive e-mail since 9:00.")
	carol.click("#request-form label.choice:has(input[value=critical])")
	carol.click("#request-form button[type=submit]")
	carol.at("/requests/2", "#reply-form")

	// Open requests: the page's script turns the response deadline into a countdown.
	carol.click("nav a[href='/requests']")
	carol.at("/requests", "#request-list tr[data-request='ACME-2']")
	carol.waitText("tr[data-request='ACME-2'] [data-clock='Response'] .sla-text", "left")

	// Staff: top of the queue, public reply, Waiting on client.
	staff := b.newPerson("Ada (staff)")
	staff.signIn(adminEmail, password, "/console", "#queue-list")
	var top string
	staff.eval(`document.querySelector("#queue-list tbody tr").dataset.request`, &top)
	if top != "ACME-2" {
		t.Errorf("top of the queue is %q, want the Critical ACME-2", top)
	}
	staff.click("#queue-list tr[data-request='ACME-2'] a")
	staff.waitText("h1", "ACME-2")
	request := staff.path()
	staff.at(request, "#reply-form")
	const reply = "We are restarting the mail server now."
	staff.fill("#reply-form textarea", reply)
	staff.click("#reply-form button[value=reply]")
	staff.waitText("#thread", reply)
	staff.waitText("#timer-response", "met") // the page updates itself: no reload
	staff.choose("#properties-form #status", "waiting")
	staff.click("#properties-form button[type=submit]")
	staff.waitText("#request-status", "Waiting on client")
	staff.waitText("#timer-resolution", "paused")

	// The client reads the reply and answers.
	carol.open("/requests", "#request-list")
	carol.click("tr[data-request='ACME-2'] a")
	carol.at("/requests/2", "#reply-form")
	carol.waitText("#thread", reply)
	carol.waitText("#request-status", "Waiting on client")
	const answer = "Thanks, mail is flowing again."
	carol.fill("#reply-form textarea", answer)
	carol.click("#reply-form button[type=submit]")
	carol.waitText("#thread", answer)

	// Staff log 1:30 and complete the request.
	staff.open(request, "#time-form")
	staff.waitText("#thread", answer)
	staff.fill("#duration", "1:30")
	staff.click("#time-form button[type=submit]")
	staff.waitText("#hours-logged", "1.5 h")
	staff.choose("#properties-form #status", "completed")
	staff.fill("#properties-form #resolution", "Renewed the relay certificate.")
	staff.click("#properties-form button[type=submit]")
	staff.waitText("#request-status", "Completed")

	// The client finds it under Closed requests with its hours and resolution.
	carol.click("nav a[href='/requests/closed']")
	carol.at("/requests/closed", "#request-list tr[data-request='ACME-2']")
	carol.waitText("tr[data-request='ACME-2'] td.hours", "1.5 h")
	carol.waitText("tr[data-request='ACME-2'] .resolution-summary", "Renewed the relay certificate.")

	// Within the reopen window the composer says a reply reopens it; it does.
	carol.click("tr[data-request='ACME-2'] a")
	carol.at("/requests/2", "#reply-form")
	carol.waitText("#composer-effect", "reopens")
	carol.fill("#reply-form textarea", "It failed again this morning.")
	carol.click("#reply-form button[type=submit]")
	carol.waitText("#request-status", "In Progress")
	staff.waitText("#request-status", "In Progress")
}

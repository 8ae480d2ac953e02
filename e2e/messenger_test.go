package e2e

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

// TestLiveMessenger: a client has a request open while staff write on it.
// Public replies appear in the client's thread without a reload, each
// exactly once, as does the client's own message; an internal note never
// reaches the client's page.
func TestLiveMessenger(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	seedWorkspace(t, p.db)
	acme := seedClient(t, p.db, "Acme Corp", "acme")
	carolUser := seedClientUser(t, p.db, acme, "Carol Client", "carol@acme.test")
	r := seedRequest(t, p.db, carolUser, "Shared drive is read-only", "normal")

	const (
		note   = "Internal: the NAS firmware is two versions behind."
		reply1 = "We are looking at the shared drive now."
		answer = "Thanks! It is the S: drive on every PC."
		reply2 = "Fixed: the drive is writable again."
	)

	carol := b.newPerson("Carol (client)")
	carol.never = []string{note}
	carol.signIn("carol@acme.test", password, "/", "#stat-open")
	carol.open("/requests/"+strconv.Itoa(r.Number), "#thread")
	// A full reload would lose this mark.
	carol.eval(`window.e2eNoReload = true`, nil)
	waitForStreams(t, p, 1, "the client's request page to open its event stream")

	staff := b.newPerson("Ada (staff)")
	staff.signIn(adminEmail, password, "/console", "#queue-list")
	staff.open(fmt.Sprintf("/console/requests/%d", r.ID), "#reply-form")
	post := func(kind, body string) {
		t.Helper()
		staff.fill("#reply-form textarea", body)
		staff.click("#reply-form button[value=" + kind + "]")
		staff.waitText("#thread", body)
		// The message may arrive over the event stream before the form's
		// own answer replaces the composer: wait for that too.
		staff.waitFor("an empty reply box", `() => { const t = document.querySelector("#reply-form textarea"); return t && t.value.trim() === "" }`)
	}
	post("note", note)
	post("reply", reply1)
	carol.waitText("#thread", reply1)

	carol.fill("#reply-form textarea", answer)
	carol.click("#reply-form button[type=submit]")
	carol.waitText("#thread", answer)
	carol.waitFor("an empty reply box", `() => { const t = document.querySelector("#reply-form textarea"); return t && t.value.trim() === "" }`)

	// Events arrive in order: once reply2 is shown, anything the note, reply1
	// or the answer could have caused has arrived too.
	post("reply", reply2)
	carol.waitText("#thread", reply2)

	var reloaded bool
	carol.eval(`window.e2eNoReload !== true`, &reloaded)
	if reloaded {
		t.Errorf("the client's page was reloaded to show the replies; they should arrive live")
	}
	for _, body := range []string{reply1, answer, reply2} {
		if ids := carol.messagesWith(body); len(ids) != 1 {
			t.Errorf("the client's thread shows %q %d times (%v), want once", body, len(ids), ids)
		}
	}
	var leaked bool
	carol.eval(fmt.Sprintf(`document.documentElement.outerHTML.includes(%q)`, note), &leaked)
	if leaked {
		t.Errorf("the client's page shows the internal note %q", note)
	}

	// Staff see the client's answer arrive too, and each message once.
	staff.waitText("#thread", answer)
	for _, body := range []string{note, reply1, answer, reply2} {
		if ids := staff.messagesWith(body); len(ids) != 1 {
			t.Errorf("the staff thread shows %q %d times (%v), want once", body, len(ids), ids)
		}
	}
}

// messagesWith lists the ids of the messages in #thread whose body is
// exactly body.
func (p *person) messagesWith(body string) []string {
	p.t.Helper()
	var ids []string
	p.eval(fmt.Sprintf(`Array.from(document.querySelectorAll("#thread .message"))
		.filter(el => el.querySelector(".message-body").textContent.trim() === %q)
		.map(el => el.id)`, body), &ids)
	return ids
}

// waitForStreams waits until the portal has n open event streams. A page's
// stream connects a moment after it loads; a message posted before that
// would rightly not be pushed to it, so the test waits for the server to
// see the connection.
func waitForStreams(t *testing.T, p *portal, n int, what string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for p.hub.Count() < n {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %d open event streams, want %d", what, p.hub.Count(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

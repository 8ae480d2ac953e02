package e2e

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/portal-msp/portal/models"
)

// TestRequestLifeInTheBrowser is issue 10 in a real browser: the client
// marks a request fixed and reopens it; after the reopen window the
// composer starts a linked follow-up; the agent takes a request from the
// queue's Unassigned view with "Assign to me" and inserts a saved reply,
// the client's and requester's names filled in.
func TestRequestLifeInTheBrowser(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	admin := seedWorkspace(t, p.db)
	acme := seedClient(t, p.db, "Acme Corp", "acme")
	carolUser := seedClientUser(t, p.db, acme, "Carol Client", "carol@acme.test")
	first := seedRequest(t, p.db, carolUser, "Scanner offline", "normal")
	old := seedRequest(t, p.db, carolUser, "Old printer issue", "low")
	ctx := context.Background()
	// "Is it fixed?" is asked once the team has answered.
	if _, err := models.PostMessage(ctx, p.db, models.PostMessageInput{ClientID: acme.ID, RequestID: first.ID,
		AuthorID: admin.ID, ByStaff: true, Body: "We restarted the scanner's service."}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.CreateSavedReply(ctx, p.db, admin, "Greeting", "Hello {{requester}} of {{client}},", true); err != nil {
		t.Fatal(err)
	}

	carol := b.newPerson("Carol (client)")
	carol.signIn("carol@acme.test", password, "/", "#stat-open")
	// "This is fixed", then reopen within the window.
	carol.open("/requests/1", "#fixed-form")
	carol.click("#fixed-form button[type=submit]")
	carol.waitText("#request-status", "Completed")
	carol.waitText("#resolution-text", "Marked as fixed by Carol Client.")
	carol.click("#reopen-form button[type=submit]")
	carol.waitText("#request-status", "In Progress")

	// The old request, completed three weeks ago: the composer says a
	// message starts a follow-up, and it does, linked.
	if err := models.CompleteRequest(ctx, p.db, old.ID, admin, "Replaced the fuser."); err != nil {
		t.Fatal(err)
	}
	if _, err := p.db.NewUpdate().Model((*models.Request)(nil)).Set("completed_at = ?", models.Now().Add(-21*24*time.Hour)).
		Where("id = ?", old.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	carol.open("/requests/2", "#reply-form")
	carol.waitText("#composer-effect", "new request linked")
	carol.fill("#reply-form textarea", "The printer jams again.")
	carol.click("#reply-form button[type=submit]")
	carol.at("/requests/3", "#follow-up-of")
	carol.waitText("#follow-up-of", "Follow-up to ACME-2")

	// Staff: Unassigned view, Assign to me, saved reply inserted.
	staff := b.newPerson("Ada (staff)")
	staff.signIn(adminEmail, password, "/console", "#queue-list")
	staff.click("#queue-views a[href='/console?assignee=none']")
	staff.at("/console", "#queue-views a[aria-current='page'][href='/console?assignee=none']")
	staff.click("#queue-list tr[data-request='ACME-1'] form button")
	staff.waitText(".flash", "Assigned to you.")
	staff.click("#queue-views a[href='/console?assignee=me']")
	staff.at("/console", "#queue-views a[aria-current='page'][href='/console?assignee=me']")
	staff.waitText("#queue-list tr[data-request='ACME-1'] td[data-label='Assignee']", "Ada Admin")
	staff.open("/console/requests/"+strconv.FormatInt(first.ID, 10), "#reply-form")
	staff.choose("#saved_reply_id", "1")
	staff.click("#insert-saved-reply")
	staff.waitFor("the saved reply in the composer", `() => document.querySelector("#reply-form textarea").value === "Hello Carol Client of Acme Corp,"`)
}

package handlers_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// submitUrgent creates a request of the given urgency as a client user.
func submitUrgent(t *testing.T, db *bun.DB, u *models.User, title, urgency string) *models.Request {
	t.Helper()
	sc, err := models.ScopeFor(db, u)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.CreateRequest(context.Background(), models.NewRequest{Title: title, Urgency: urgency})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestUrgentRequestsMailStaffAtOnceAndOthersWaitForTheDigest(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		agent := addAgent(t, db, "alan@northwind.test")
		// Staff invited who never set a password: never mailed.
		now := models.Now()
		invited := &models.User{Role: models.RoleAgent, Email: "ivy@northwind.test", Name: "Ivy Invited",
			SignupMethod: "invite", NotifyEmail: true, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(invited).Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		n, smtp := newNotifier(t, db)

		critical := submitUrgent(t, db, s.clientUser, "Server room flooded", models.UrgencyCritical)
		submitUrgent(t, db, s.clientUser, "New mouse please", models.UrgencyLow)
		t0 := models.Now()
		tick(t, n, t0.Add(n.Settle+time.Second)) // settled, long before the digest's quiet time
		msg := smtp.WaitFor(t, agent.Email, 1)
		if msg.Subject != "[Critical] [ACME-1] Server room flooded" {
			t.Errorf("urgent subject %q", msg.Subject)
		}
		if !strings.Contains(msg.Text, "urgency: critical") {
			t.Errorf("urgent mail does not name the urgency:\n%s", msg.Text)
		}
		smtp.WaitFor(t, s.admin.Email, 1) // unassigned: every staff member
		for _, m := range smtp.Messages() {
			if strings.Contains(m.Subject, "New mouse") {
				t.Errorf("Low request mailed at once: %q", m.Subject)
			}
		}
		// The Low one comes with the digest, once quiet.
		tick(t, n, t0.Add(5*time.Minute))
		if m := smtp.WaitFor(t, agent.Email, 2); m.Subject != "[ACME-2] New mouse please" {
			t.Errorf("digest subject %q", m.Subject)
		}
		if got := smtp.Count(invited.Email); got != 0 {
			t.Errorf("staff without a password got %d mails", got)
		}

		// Assigned: a client reply on the Critical request goes to the
		// assignee alone, at once.
		if err := models.ChangeRequestAssignee(t.Context(), db, critical.ID, s.admin, &agent.ID); err != nil {
			t.Fatal(err)
		}
		adminBefore := smtp.Count(s.admin.Email)
		post(t, db, critical, s.clientUser, "Water is rising.", false)
		tick(t, n, models.Now().Add(n.Settle+time.Second))
		if m := smtp.WaitFor(t, agent.Email, 3); m.Subject != "[Critical] [ACME-1] Server room flooded" {
			t.Errorf("urgent reply subject %q", m.Subject)
		}
		tick(t, n, models.Now().Add(10*time.Minute))
		if got := smtp.Count(s.admin.Email); got != adminBefore {
			t.Errorf("unassigned staff mailed about an assigned urgent request (%d mails)", got-adminBefore)
		}

		// A breach warning (a clock turning yellow) on a High request: at once.
		high := submitUrgent(t, db, s.clientUser, "VPN slow", models.UrgencyHigh)
		if err := models.ChangeRequestAssignee(t.Context(), db, high.ID, s.admin, &agent.ID); err != nil {
			t.Fatal(err)
		}
		tick(t, n, models.Now().Add(n.Settle+time.Second)) // its new-request mail
		before := smtp.Count(agent.Email)
		if err := models.RecordEvent(t.Context(), db, &models.ActivityEvent{ClientID: s.client.ID, RequestID: &high.ID,
			Kind: models.EventSLAChanged, Audience: models.AudiencePublic, Detail: "yellow green"}); err != nil {
			t.Fatal(err)
		}
		tick(t, n, models.Now().Add(n.Settle+time.Second))
		if m := smtp.WaitFor(t, agent.Email, before+1); m.Subject != "[High] [ACME-3] VPN slow" {
			t.Errorf("breach warning subject %q", m.Subject)
		}
		// …but not on a Low request.
		low := submitUrgent(t, db, s.clientUser, "Toner", models.UrgencyLow)
		if err := models.RecordEvent(t.Context(), db, &models.ActivityEvent{ClientID: s.client.ID, RequestID: &low.ID,
			Kind: models.EventSLAChanged, Audience: models.AudiencePublic, Detail: "yellow green"}); err != nil {
			t.Fatal(err)
		}
		tick(t, n, models.Now().Add(10*time.Minute))
		for _, m := range smtp.Messages() {
			if strings.HasPrefix(m.Subject, "[Low]") {
				t.Errorf("breach warning on a Low request")
			}
		}
	})
}

func TestClientMailGoesToFollowersAndByChoiceToAll(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		dave := addClientUser(t, db, s.client.ID, "dave@acme.test", "Dave Acme", true)
		erin := addClientUser(t, db, s.client.ID, "erin@acme.test", "Erin Acme", true)
		r := submitAs(t, db, s.clientUser, "Printer jam") // Carol asks: she follows
		n, smtp := newNotifier(t, db)

		// Erin chooses all of her company's requests on her Account page.
		erinApp := newApp(t, db)
		erinApp.signIn(erin.Email, testPassword)
		if resp, body := erinApp.submit("/account", "/account/profile", url.Values{"name": {"Erin Acme"},
			"notify_email": {"on"}, "notify_scope": {"all"}}); resp.StatusCode != 200 {
			t.Fatalf("save notify scope: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := erinApp.submit("/account", "/account/profile", url.Values{"name": {"Erin Acme"},
			"notify_email": {"on"}, "notify_scope": {"everything"}}); resp.StatusCode != 422 {
			t.Errorf("bad notify scope: %d", resp.StatusCode)
		}

		post(t, db, r, s.admin, "We are on it.", false)
		tick(t, n, models.Now().Add(10*time.Minute))
		smtp.WaitFor(t, s.clientUser.Email, 1)
		smtp.WaitFor(t, erin.Email, 1)
		if got := smtp.Count(dave.Email); got != 0 {
			t.Errorf("dave (not following) got %d mails", got)
		}

		// Dave follows it from the request page; Carol stops following.
		daveApp := newApp(t, db)
		daveApp.signIn(dave.Email, testPassword)
		if resp, body := daveApp.submit("/requests/1", "/requests/1/follow", url.Values{"follow": {"on"}}); resp.StatusCode != 200 ||
			!strings.Contains(text(t, body, "#follow-form"), "Stop following") {
			t.Fatalf("follow: %d %q", resp.StatusCode, text(t, body, "#follow-form"))
		}
		carolApp := newApp(t, db)
		carolApp.signIn(s.clientUser.Email, testPassword)
		if resp, _ := carolApp.submit("/requests/1", "/requests/1/follow", url.Values{"follow": {"off"}}); resp.StatusCode != 200 {
			t.Fatalf("unfollow: %d", resp.StatusCode)
		}
		post(t, db, r, s.admin, "Fixed the tray.", false)
		tick(t, n, models.Now().Add(10*time.Minute))
		smtp.WaitFor(t, dave.Email, 1)
		smtp.WaitFor(t, erin.Email, 2)
		if got := smtp.Count(s.clientUser.Email); got != 1 {
			t.Errorf("carol (unfollowed) got %d mails, want 1", got)
		}
	})
}

package e2e

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/portal-msp/portal/models"
)

// TestStaffReplyUpdatesTheDashboardInPlace: a client has the dashboard
// open when staff answer one of their requests. The figures (the response
// target now met) and the unread badge change without a reload, and the
// server sees no request for the dashboard page: the figures come rendered
// in the event, the badge fetches its own fragment.
func TestStaffReplyUpdatesTheDashboardInPlace(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	admin := seedWorkspace(t, p.db)
	acme := seedClient(t, p.db, "Acme Corp", "acme")
	carolUser := seedClientUser(t, p.db, acme, "Carol Client", "carol@acme.test")
	r := seedRequest(t, p.db, carolUser, "VPN drops every hour", "high")

	carol := b.newPerson("Carol (client)")
	carol.signIn("carol@acme.test", password, "/", "#stat-open")
	waitForStreams(t, p, 1, "the dashboard to open its event stream")
	carol.waitFor("the unread badge to load", `() => document.querySelector("#unread-badge") && !document.querySelector("#unread-badge.htmx-request")`)
	carol.eval(`window.e2eNoReload = true`, nil)
	if got := carol.text("#stat-sla"); got != "—" {
		t.Fatalf("before any reply the SLA figure reads %q, want —", got)
	}

	p.requests.reset()
	if _, err := models.PostMessage(context.Background(), p.db, models.PostMessageInput{ClientID: acme.ID,
		RequestID: r.ID, AuthorID: admin.ID, ByStaff: true, Body: "We are replacing the VPN profile now."}); err != nil {
		t.Fatal(err)
	}
	carol.waitText("#stat-sla-cover", "1 of 1 targets met")
	carol.waitText("#unread-badge", "1")

	var reloaded bool
	carol.eval(`window.e2eNoReload !== true`, &reloaded)
	if reloaded {
		t.Errorf("the dashboard was reloaded; its parts should change in place")
	}
	got := p.requests.paths()
	for _, path := range got {
		if path != "/messages/unread" && !strings.HasPrefix(path, "/fragments/") {
			t.Errorf("the staff reply made the dashboard request %s, not a fragment (all: %v)", path, got)
		}
	}
	if !contains(got, "/messages/unread") {
		t.Errorf("the unread badge did not fetch itself (requests: %v)", got)
	}
	t.Logf("requests after the staff reply: %v", got)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// requestRecorder notes the path of every request the test server answers
// (event streams included), so a test can say what a page asked for.
type requestRecorder struct {
	mu   sync.Mutex
	seen []string
}

func (rec *requestRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.seen = append(rec.seen, r.URL.Path)
		rec.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (rec *requestRecorder) reset() {
	rec.mu.Lock()
	rec.seen = nil
	rec.mu.Unlock()
}

func (rec *requestRecorder) paths() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.seen...)
}

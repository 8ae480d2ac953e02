package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestARestrictedMembersStreamCarriesOnlyTheirRequests: staff answer a
// colleague's request and then the member's own. The member's live stream
// carries the second and nothing of the first (no message, no request
// signal, and dashboard figures counting their own request only), the
// colleague's carries the first; a reconnect replaying everything from the
// start carries nothing of the colleague's either.
func TestARestrictedMembersStreamCarriesOnlyTheirRequests(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedRestricted(t, db)
		live := newLiveApp(t, db)
		carol := live.browser()
		carol.signIn(s.clientUser.Email, testPassword)
		dora := live.browser()
		dora.signIn(s.colleague.Email, testPassword)
		carolEvents, doraEvents := carol.listen(), dora.listen()
		time.Sleep(200 * time.Millisecond) // the streams are attached

		staff := live.browser()
		staff.signIn(s.admin.Email, testPassword)
		for _, post := range []struct {
			id   int64
			body string
		}{{s.theirs.ID, "Secret reply to Dora"}, {s.own.ID, "Reply to Carol"}} {
			page := fmt.Sprintf("/console/requests/%d", post.id)
			if resp, body := staff.submit(page, page+"/reply", url.Values{"body": {post.body}, "kind": {"reply"}}); resp.StatusCode != http.StatusOK {
				t.Fatalf("reply: %d %s", resp.StatusCode, body)
			}
		}

		got := collect(t, carolEvents, "Reply to Carol")
		// The reply's figures come after its message.
		got = append(got, collect(t, carolEvents, `id="stat-open"`)...)
		sawStats := false
		for _, ev := range got {
			if strings.Contains(ev.data, "Secret reply") || strings.Contains(ev.data, colleagueTitle) ||
				ev.name == fmt.Sprintf("message-%d", s.theirs.ID) || ev.name == fmt.Sprintf("request-%d", s.theirs.ID) {
				t.Errorf("the restricted member's stream carried the colleague's request: %+v", ev)
			}
			if ev.name == "stats" {
				sawStats = true
				if !strings.Contains(ev.data, `id="stat-open">1<`) {
					t.Errorf("live figures count the colleague's request: %s", ev.data)
				}
			}
		}
		if !sawStats {
			t.Error("no live figures reached the member")
		}
		if doraGot := collect(t, doraEvents, "Secret reply to Dora"); len(doraGot) == 0 {
			t.Error("the colleague's own stream lacks her reply")
		}

		// A reconnect from the very start replays what the member may see.
		req, _ := http.NewRequest(http.MethodGet, live.srv.URL+"/events", nil)
		req.Header.Set("Last-Event-ID", "0")
		resp, err := carol.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		replayed := readUntil(t, resp.Body, "Reply to Carol")
		for _, leak := range []string{"Secret reply", colleagueTitle, colleagueTime, fmt.Sprintf("request-%d", s.theirs.ID)} {
			if strings.Contains(replayed, leak) {
				t.Errorf("the replay carried the colleague's request (%q)", leak)
			}
		}
	})
}

// TestAChangeOfSightEndsOpenStreams: a stream decides what it carries when
// it opens, so when staff narrow what members see, or change someone's
// company role, the open streams of those people end at once (the browser
// reconnects with the new sight); a company admin's stream, whose sight the
// members' setting does not change, goes on.
func TestAChangeOfSightEndsOpenStreams(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedRestricted(t, db)
		setMembersSee(t, db, s.client.ID, models.MembersSeeAll, false)
		if err := models.SetCompanyRole(t.Context(), db, s.client.ID, s.colleague.ID, models.CompanyAdmin); err != nil {
			t.Fatal(err)
		}
		live := newLiveApp(t, db)
		carol, dora := live.browser(), live.browser()
		carol.signIn(s.clientUser.Email, testPassword)
		dora.signIn(s.colleague.Email, testPassword)
		carolEvents, doraEvents := carol.listen(), dora.listen()
		time.Sleep(200 * time.Millisecond) // the streams are attached

		ended := func(who string, events <-chan sseEvent, want bool) {
			t.Helper()
			timeout := time.After(3 * time.Second)
			for {
				select {
				case _, ok := <-events:
					if !ok {
						if !want {
							t.Errorf("%s: the stream ended", who)
						}
						return
					}
				case <-timeout:
					if want {
						t.Errorf("%s: the stream kept going after the change", who)
					}
					return
				}
			}
		}
		setMembersSee(t, db, s.client.ID, models.MembersSeeOwn, false)
		ended("member", carolEvents, true)
		ended("company admin", doraEvents, false)

		if err := models.SetCompanyRole(t.Context(), db, s.client.ID, s.colleague.ID, models.CompanyMember); err != nil {
			t.Fatal(err)
		}
		ended("company admin made member", doraEvents, true)
	})
}

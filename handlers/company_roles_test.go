package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// What a colleague's request is made of: none of it may reach a member
// restricted to their own requests.
const (
	colleagueTitle   = "Colleague payroll server"
	colleagueMessage = "Colleague salary spreadsheet"
	colleagueTime    = "Colleague overtime fix"
	colleagueFile    = "colleague-payroll.pdf"
	ownTitle         = "Own printer jam"
)

var colleagueMarkers = []string{colleagueTitle, colleagueMessage, colleagueTime, colleagueFile}

// restrictedSeed is seedWorkspace with roles: Carol (the seed's client
// user) a member of a client whose members see only their own requests;
// Dora, her colleague, with a request of her own carrying a staff reply, an
// attachment and logged time; Carol with one request.
type restrictedSeed struct {
	seed
	colleague        *models.User
	own, theirs      *models.Request
	theirAttachment  int64
	theirTimeEntryID int64
}

func seedRestricted(t *testing.T, db *bun.DB) restrictedSeed {
	t.Helper()
	ctx := context.Background()
	s := seedWorkspace(t, db)
	dora, err := models.CreateUser(ctx, db, models.NewUser{ClientID: &s.client.ID, Role: models.RoleClient,
		Email: "dora@acme.test", Name: "Dora Colleague", Password: testPassword, SignupMethod: models.SignupInvite})
	if err != nil {
		t.Fatal(err)
	}
	doraScope, err := models.ScopeFor(db, dora)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := doraScope.CreateRequest(ctx, models.NewRequest{Title: colleagueTitle, Description: "private", Urgency: models.UrgencyNormal})
	if err != nil {
		t.Fatal(err)
	}
	carolScope, err := models.ScopeFor(db, s.clientUser)
	if err != nil {
		t.Fatal(err)
	}
	own, err := carolScope.CreateRequest(ctx, models.NewRequest{Title: ownTitle, Description: "jammed", Urgency: models.UrgencyNormal})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := models.PostMessageOnce(ctx, db, models.PostMessageInput{ClientID: s.client.ID, RequestID: theirs.ID,
		AuthorID: s.admin.ID, ByStaff: true, Body: colleagueMessage})
	if err != nil {
		t.Fatal(err)
	}
	att := &models.Attachment{ClientID: s.client.ID, RequestID: theirs.ID, MessageID: &m.ID, Name: colleagueFile, Size: 3,
		ContentType: "application/pdf", SHA256: "x", StorageKey: "nowhere", CreatedAt: models.Now()}
	if _, err := db.NewInsert().Model(att).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	entry, err := models.LogTime(ctx, db, s.admin, theirs.ID, models.TimeEntryInput{Minutes: 90,
		WorkDate: models.LocalDate(models.Now(), models.LoadLocation(s.client.Timezone)), Note: colleagueTime})
	if err != nil {
		t.Fatal(err)
	}
	setMembersSee(t, db, s.client.ID, models.MembersSeeOwn, false)
	return restrictedSeed{seed: s, colleague: dora, own: own, theirs: theirs, theirAttachment: att.ID, theirTimeEntryID: entry.ID}
}

func setMembersSee(t *testing.T, db *bun.DB, clientID int64, see string, hoursHidden bool) {
	t.Helper()
	if err := models.SetMembersSee(context.Background(), db, clientID, see, hoursHidden); err != nil {
		t.Fatal(err)
	}
}

// TestEveryClientRouteHidesAColleaguesRequestFromARestrictedMember walks
// the whole client route table as a member who sees only their own
// requests: every route naming the colleague's request (its number, its
// attachment, its time entry) answers 404, and no page, fragment or export
// carries a trace of it. The same member with the client's default (all
// requests) does see it, so the walk can fail.
func TestEveryClientRouteHidesAColleaguesRequestFromARestrictedMember(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedRestricted(t, db)
		a := newAuthApp(t, db, nil)
		a.signIn(s.clientUser.Email, testPassword)
		csrf := a.csrfOf("/")

		foreign := []string{strconv.Itoa(s.theirs.Number), itoa(s.theirAttachment), itoa(s.theirTimeEntryID)}
		walked := 0
		for _, r := range appRoutes(a.echo) {
			if strings.HasPrefix(r.Path, "/console") || strings.HasPrefix(r.Path, "/api/") || isPublic(r.Path) {
				continue
			}
			if !paramPattern.MatchString(r.Path) {
				if r.Method != http.MethodGet {
					continue
				}
				for _, path := range []string{r.Path, r.Path + "?q=payroll", r.Path + "?status=submitted"} {
					walked++
					resp, body := a.send(r.Method, path, csrf, nil)
					if resp.StatusCode >= 500 {
						t.Errorf("%s %s: %d", r.Method, path, resp.StatusCode)
					}
					if m := contains(body, colleagueMarkers...); m != "" {
						t.Errorf("%s %s shows the colleague's request: %q", r.Method, path, m)
					}
				}
				continue
			}
			for _, id := range foreign {
				walked++
				path := paramPattern.ReplaceAllString(r.Path, id)
				resp, body := a.send(r.Method, path, csrf, someForm)
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s %s: %d, want 404", r.Method, path, resp.StatusCode)
				}
				if m := contains(body, colleagueMarkers...); m != "" {
					t.Errorf("%s %s shows the colleague's request: %q", r.Method, path, m)
				}
			}
		}
		t.Logf("walked %d client requests", walked)
		if walked < 30 {
			t.Fatalf("only %d client requests walked: is the route table empty?", walked)
		}
		// Nothing was written into the colleague's request.
		if n := countRows(t, db, "messages", "request_id = ?", s.theirs.ID); n != 1 {
			t.Errorf("the colleague's request has %d messages, want its 1", n)
		}
		if n := countRows(t, db, "request_followers", "request_id = ? AND user_id = ?", s.theirs.ID, s.clientUser.ID); n != 0 {
			t.Error("the member started following the colleague's request")
		}

		// Their own request is theirs: listed, shown, counted.
		_, list := a.send(http.MethodGet, "/requests", csrf, nil)
		if !strings.Contains(list, ownTitle) {
			t.Error("the open list lacks the member's own request")
		}
		if resp, _ := a.send(http.MethodGet, "/requests/"+strconv.Itoa(s.own.Number), csrf, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("own request: %d", resp.StatusCode)
		}
		_, stats := a.send(http.MethodGet, "/fragments/stats", csrf, nil)
		if !strings.Contains(stats, `id="stat-open">1<`) {
			t.Errorf("dashboard figures count more than the member's own request: %s", stats)
		}

		// The client's default: the same member sees the colleague's request.
		setMembersSee(t, db, s.client.ID, models.MembersSeeAll, false)
		_, list = a.send(http.MethodGet, "/requests", csrf, nil)
		_, messages := a.send(http.MethodGet, "/messages", csrf, nil)
		resp, _ := a.send(http.MethodGet, "/requests/"+strconv.Itoa(s.theirs.Number), csrf, nil)
		if !strings.Contains(list, colleagueTitle) || !strings.Contains(messages, colleagueMessage) || resp.StatusCode != http.StatusOK {
			t.Errorf("members seeing all: the colleague's request is not shown (list %t, messages %t, page %d)",
				strings.Contains(list, colleagueTitle), strings.Contains(messages, colleagueMessage), resp.StatusCode)
		}
	})
}

// TestHoursHiddenFromMembers: with hours and summaries hidden from
// members (while they see every request), a member gets 404 for the Hours
// page, its export and a time entry, no Hours link and no bank on the
// dashboard, and no time in the activity export; the company admin still
// has all of it.
func TestHoursHiddenFromMembers(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedRestricted(t, db)
		setMembersSee(t, db, s.client.ID, models.MembersSeeAll, true)
		a := newAuthApp(t, db, nil)
		a.signIn(s.clientUser.Email, testPassword)
		csrf := a.csrfOf("/")
		for _, path := range []string{"/hours", "/hours/time.csv", "/hours/entries/" + itoa(s.theirTimeEntryID), "/reports/summaries/2031-05"} {
			if resp, _ := a.send(http.MethodGet, path, csrf, nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("member, hours hidden: GET %s: %d, want 404", path, resp.StatusCode)
			}
		}
		_, home := a.send(http.MethodGet, "/", csrf, nil)
		if strings.Contains(home, `href="/hours"`) {
			t.Error("the member's pages link to Hours")
		}
		_, theirPage := a.send(http.MethodGet, "/requests/"+strconv.Itoa(s.theirs.Number), csrf, nil)
		_, closed := a.send(http.MethodGet, "/requests/closed", csrf, nil)
		if strings.Contains(theirPage, `id="hours-logged"`) || strings.Contains(closed, "Hours logged") {
			t.Error("a request's hours are shown to a member they are hidden from")
		}
		_, activity := a.send(http.MethodGet, "/reports/activity.csv", csrf, nil)
		if !strings.Contains(activity, colleagueTitle) || strings.Contains(activity, models.EventTimeLogged) || strings.Contains(strings.ToLower(activity), "1 h 30") {
			t.Errorf("activity export: requests shown %t, time hidden %t:\n%s", strings.Contains(activity, colleagueTitle),
				!strings.Contains(activity, models.EventTimeLogged), activity)
		}

		if err := models.SetCompanyRole(t.Context(), db, s.client.ID, s.clientUser.ID, models.CompanyAdmin); err != nil {
			t.Fatal(err)
		}
		a.signIn(s.clientUser.Email, testPassword)
		if resp, _ := a.send(http.MethodGet, "/hours", csrf, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("company admin: GET /hours: %d", resp.StatusCode)
		}
	})
}

// TestStaffSetWhatMembersSee: the client's console page saves what its
// members see and its users' company roles; a value that is not one of the
// choices is refused with a message and changes nothing.
func TestStaffSetWhatMembersSee(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		a.signIn(s.admin.Email, testPassword)
		page := "/console/clients/" + itoa(s.client.ID)
		csrf := a.csrfOf(page)
		if _, body := a.send(http.MethodGet, page, csrf, nil); !strings.Contains(body, `id="members-see"`) {
			t.Fatal("the client's page has no members section")
		}
		if resp, _ := a.send(http.MethodPost, page+"/members", csrf, url.Values{"members_see": {"everything"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a made-up choice: %d, want 422", resp.StatusCode)
		}
		if resp, _ := a.send(http.MethodPost, page+"/members", csrf, url.Values{"members_see": {"own"}, "members_hours_hidden": {"on"}}); resp.StatusCode != http.StatusOK {
			t.Errorf("save: %d", resp.StatusCode)
		}
		if n := countRows(t, db, "clients", "id = ? AND members_see = 'own' AND members_hours_hidden = ?", s.client.ID, true); n != 1 {
			t.Error("the members' setting was not saved")
		}
		a.send(http.MethodPost, page+"/users/"+itoa(s.clientUser.ID)+"/role", csrf, url.Values{"role": {"admin"}})
		if n := countRows(t, db, "users", "id = ? AND company_role = 'admin'", s.clientUser.ID); n != 1 {
			t.Error("Carol is not company admin")
		}
		if resp, _ := a.send(http.MethodPost, page+"/users/"+itoa(s.admin.ID)+"/role", csrf, url.Values{"role": {"admin"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a staff user as the client's user: %d, want 404", resp.StatusCode)
		}
	})
}

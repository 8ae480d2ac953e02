package handlers_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// signinMethods lists the recorded sign-in methods of a user, oldest first.
func signinMethods(t *testing.T, db *bun.DB, userID int64) []string {
	t.Helper()
	var ms []string
	if err := db.NewSelect().Table("signin_events").Column("method").Where("user_id = ?", userID).
		Order("signed_in_at", "id").Scan(context.Background(), &ms); err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestSignInsAreRecordedWhenTheSessionStarts: a password sign-in is
// recorded; a two-factor one only once the code is right, with the
// password as its method; staff sign-ins and the new session of a password
// change are not sign-ins of a client's people.
func TestSignInsAreRecordedWhenTheSessionStarts(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)
		carol := a.other()
		carol.signIn(s.clientUser.Email, testPassword)
		if got := signinMethods(t, db, s.clientUser.ID); len(got) != 1 || got[0] != "password" {
			t.Fatalf("after a password sign-in: %v", got)
		}
		a.other().signIn(s.admin.Email, testPassword)
		if n := countRows(t, db, "signin_events", ""); n != 1 {
			t.Errorf("%d sign-in events after a staff sign-in, want 1 (staff are not counted)", n)
		}

		secret, _ := enableTOTP(t, carol, "/account")
		b := a.other()
		b.submit("/signin", "/signin", url.Values{"email": {s.clientUser.Email}, "password": {testPassword}})
		if got := signinMethods(t, db, s.clientUser.ID); len(got) != 1 {
			t.Fatalf("a password waiting for its second factor was counted: %v", got)
		}
		code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		if resp, _ := b.submit("/signin/code", "/signin/code", url.Values{"code": {code}}); resp.Request.URL.Path != "/" {
			t.Fatalf("code: landed on %s", resp.Request.URL.Path)
		}
		if got := signinMethods(t, db, s.clientUser.ID); len(got) != 2 || got[1] != "password" {
			t.Errorf("after the second factor: %v, want one more password sign-in", got)
		}
		resp, _ := b.submit("/account", "/account/password", url.Values{"current_password": {testPassword},
			"new_password": {testPassword + "-2"}, "confirm_password": {testPassword + "-2"}})
		if resp.StatusCode != http.StatusOK || b.sessionCookie() == "" {
			t.Fatalf("password change: %d", resp.StatusCode)
		}
		if got := signinMethods(t, db, s.clientUser.ID); len(got) != 2 {
			t.Errorf("the password change's new session was counted as a sign-in: %v", got)
		}
	})
}

// TestGoogleSignInIsRecordedAsGoogle: signing up and in through a provider
// records the provider.
func TestGoogleSignInIsRecordedAsGoogle(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a, idp := newOAuthApp(t, db)
		link, _ := makeLink(t, db, s.client.ID, 90)
		b := a.browser()
		_, page := b.get(link)
		href, _ := doc(t, page).Find("a.provider-google").Attr("href")
		idp.QueueUser(googleUser("g-ursula", "ursula@acme.test", true))
		if resp, _ := b.get(href); resp.Request.URL.Path != "/" {
			t.Fatalf("Google sign-up landed on %s", resp.Request.URL.Path)
		}
		u, err := models.GetUserByEmail(t.Context(), db, "ursula@acme.test")
		if err != nil {
			t.Fatal(err)
		}
		if got := signinMethods(t, db, u.ID); len(got) != 1 || got[0] != "google" {
			t.Errorf("Google sign-up recorded %v", got)
		}
	})
}

// TestAdoptionPages: the list, a client's people and the CSV show what
// happened, in the staff member's zone; browsing them as staff counts
// nothing; client users get 404; an unknown period is a 400 with a message.
func TestAdoptionPages(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		now := models.Now()
		evil := &models.Client{Name: "=HYPERLINK(\"http://x.test\")", Slug: "evil", RequestPrefix: "EVIL", Timezone: "UTC",
			NextRequestNumber: 1, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(evil).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		a := newAuthApp(t, db, nil)
		carol := a.other()
		carol.signIn(s.clientUser.Email, testPassword)
		staff := a.other()
		staff.signIn(s.admin.Email, testPassword)

		resp, body := staff.get("/console/clients/adoption")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("adoption list: %d", resp.StatusCode)
		}
		d := doc(t, body)
		rows := d.Find("#adoption-table tbody tr")
		if rows.Length() != 2 || strings.TrimSpace(rows.Eq(0).Find(".card-title").Text()) != evil.Name {
			t.Fatalf("want the client with nobody first, then Acme; got %d rows, first %q", rows.Length(), rows.Eq(0).Find(".card-title").Text())
		}
		acme := rows.Eq(1)
		for sel, want := range map[string]string{".joined": "1", ".never": "0", ".signins": "1", ".requests-portal": "0"} {
			if got := strings.TrimSpace(acme.Find(sel).Text()); got != want {
				t.Errorf("Acme %s: %q, want %q", sel, got, want)
			}
		}
		if got := strings.Join(strings.Fields(acme.Find(".active").Text()), " "); got != "1 (100 %)" {
			t.Errorf("Acme active: %q", got)
		}

		resp, body = staff.get("/console/clients/" + itoa(s.client.ID) + "/adoption?days=90")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("drill-down: %d", resp.StatusCode)
		}
		person := doc(t, body).Find("#adoption-people tbody tr")
		if person.Length() != 1 || person.Find(".method").Text() != "Password" ||
			!strings.Contains(person.Find(".last-signin").Text(), "just now") ||
			!strings.Contains(person.Find(".last-signin").Text(), now.Format("2 Jan 2006")) {
			t.Errorf("drill-down person: %q", strings.Join(strings.Fields(person.Text()), " "))
		}
		_, body = staff.get("/console/clients/" + itoa(s.client.ID))
		if line := strings.Join(strings.Fields(text(t, body, "#adoption-line")), " "); !strings.Contains(line, "1 of 1 person active, 1 sign-in") {
			t.Errorf("client page adoption line: %q", line)
		}

		resp, body = staff.get("/console/clients/adoption.csv?days=365")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(recs) != 3 {
			t.Fatalf("CSV: %d records, %v\n%s", len(recs), err, body)
		}
		if recs[0][0] != "Client" || recs[1][0] != "'"+evil.Name || recs[2][0] != "Acme Corp" || recs[2][2] != "1" || recs[2][4] != "1" || recs[2][6] != "1" {
			t.Errorf("CSV rows: %q", recs)
		}

		if n := countRows(t, db, "signin_events", ""); n != 1 {
			t.Errorf("%d sign-in events after staff browsed the client's pages, want 1", n)
		}
		if resp, body := staff.get("/console/clients/adoption?days=7"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "30, 90 or 365") {
			t.Errorf("days=7: %d", resp.StatusCode)
		}
		for _, path := range []string{"/console/clients/adoption", "/console/clients/adoption.csv", "/console/clients/" + itoa(s.client.ID) + "/adoption"} {
			if resp, _ := carol.get(path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("client user GET %s: %d, want 404", path, resp.StatusCode)
			}
		}
	})
}

// TestAdoptionStatementsDoNotGrowWithSignins: the list and a client's
// people cost the same statements with 20 sign-ins and with 400.
func TestAdoptionStatementsDoNotGrowWithSignins(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		seedWorkspace(t, db)
		set, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: "adopt", Requests: 20, Clients: 2, OtherRequests: 2, Messages: 2, Users: 3})
		if err != nil {
			t.Fatal(err)
		}
		var people []models.User
		if err := db.NewSelect().Model(&people).Where("client_id = ?", set.Client.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		signIns := func(n int) {
			t.Helper()
			for i := 0; i < n; i++ {
				at := models.Now().Add(-time.Duration(i) * 21 * time.Hour) // spread over a year and more
				if err := models.RecordSignin(ctx, db, &people[i%len(people)], models.SigninPassword, at); err != nil {
					t.Fatal(err)
				}
			}
		}
		base := countingServer(t, db)
		pages := []string{"/console/clients/adoption?days=365", "/console/clients/" + itoa(set.Client.ID) + "/adoption?days=365"}
		counts := map[string][]int{}
		for _, n := range []int{20, 380} {
			signIns(n)
			for _, p := range pages {
				statementsOf(t, base, p, set.StaffToken) // warms the settings cache
				counts[p] = append(counts[p], statementsOf(t, base, p, set.StaffToken))
			}
		}
		for _, p := range pages {
			if c := counts[p]; c[0] != c[1] || c[1] > 6 {
				t.Errorf("%s: %d statements at 20 sign-ins, %d at 400 (budget 6)", p, c[0], c[1])
			}
			t.Logf("%s: %v statements", p, counts[p])
		}
	})
}

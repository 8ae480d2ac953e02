package models_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestRolesSeeEventsAlikeInGoAndSQL: for each kind of client viewer, the
// events the replay query reads (the SQL twin, whereSeesEvents) are exactly
// those the live feed lets through (the Go twin, SeesEvent on events read
// with their watchers), and exactly the expected ones: a restricted member
// sees their own request, one they follow and the company's hour bank, never
// a colleague's request; hidden hours take time and summaries away.
func TestRolesSeeEventsAlikeInGoAndSQL(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := models.Now()
		c := &models.Client{Name: "Acme", Slug: "acme", RequestPrefix: "ACME", Timezone: "UTC", NextRequestNumber: 1,
			CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		user := func(email string) *models.User {
			u, err := models.CreateUser(ctx, db, models.NewUser{ClientID: &c.ID, Role: models.RoleClient, Email: email, Name: email})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		carol, dora := user("carol@acme.test"), user("dora@acme.test")
		open := func(u *models.User, title string) *models.Request {
			sc, err := models.ScopeFor(db, u)
			if err != nil {
				t.Fatal(err)
			}
			r, err := sc.CreateRequest(ctx, models.NewRequest{Title: title, Urgency: models.UrgencyNormal})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		own, theirs, shared := open(carol, "own"), open(dora, "theirs"), open(dora, "shared")
		if _, err := db.NewInsert().Model(&models.RequestFollower{RequestID: shared.ID, UserID: carol.ID, CreatedAt: now}).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		record := func(kind, audience, detail string, r *models.Request) {
			ev := &models.ActivityEvent{ClientID: c.ID, Kind: kind, Audience: audience, Detail: detail}
			if r != nil {
				ev.RequestID = &r.ID
			}
			if err := models.RecordEvent(ctx, db, ev); err != nil {
				t.Fatal(err)
			}
		}
		record(models.EventStatusChanged, models.AudiencePublic, "own status", own)
		record(models.EventStatusChanged, models.AudiencePublic, "their status", theirs)
		record(models.EventStatusChanged, models.AudiencePublic, "shared status", shared)
		record(models.EventStatusChanged, models.AudienceStaff, "own staff-only", own)
		record(models.EventTimeLogged, models.AudiencePublic, "own time", own)
		record(models.EventHoursPurchased, models.AudiencePublic, "bank top-up", nil)
		record(models.EventSummaryBuilt, models.AudiencePublic, "summary", nil)

		viewerOf := func(u *models.User, see string, hoursHidden bool) models.Viewer {
			cl := *c
			cl.MembersSee, cl.MembersHoursHidden = see, hoursHidden
			v := *u
			v.Client = &cl
			return models.ViewerOf(&v)
		}
		all := []string{"own status", "their status", "shared status", "own time", "bank top-up", "summary"}
		for _, tc := range []struct {
			name string
			v    models.Viewer
			want []string
		}{
			{"member, all", viewerOf(carol, models.MembersSeeAll, false), all},
			{"member, own", viewerOf(carol, models.MembersSeeOwn, false), []string{"own status", "shared status", "own time", "bank top-up"}},
			{"member, own, hours hidden", viewerOf(carol, models.MembersSeeOwn, true), []string{"own status", "shared status"}},
			{"member, all, hours hidden", viewerOf(carol, models.MembersSeeAll, true), []string{"own status", "their status", "shared status"}},
			{"member, client not loaded", models.ViewerOf(carol), []string{"own status", "shared status"}},
			{"company admin of a restricted client", viewerOf(&models.User{ID: carol.ID, ClientID: &c.ID, Role: models.RoleClient,
				CompanyRole: models.CompanyAdmin}, models.MembersSeeOwn, true), all},
		} {
			// Other tests' databases in the cluster hold nothing back, as
			// the feed passes them.
			var in models.InFlight
			if models.IsPostgres(db) {
				txs, err := models.OpenTransactions(ctx, db)
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range txs {
					if x.Foreign {
						in.Foreign = append(in.Foreign, x.XID)
					}
				}
			}
			replayed, err := models.EventsAfter(ctx, db, models.Position{}, tc.v, 100, in)
			if err != nil {
				t.Fatal(err)
			}
			fed, err := models.EventsAfter(ctx, db, models.Position{}, models.StaffViewer(), 100, in)
			if err != nil {
				t.Fatal(err)
			}
			var sql, goTwin []string
			for _, ev := range replayed {
				if ev.ClientID == c.ID && ev.Kind != models.EventRequestSubmitted {
					sql = append(sql, ev.Detail)
				}
			}
			for i := range fed {
				if fed[i].ClientID == c.ID && fed[i].Kind != models.EventRequestSubmitted && tc.v.SeesEvent(&fed[i]) {
					goTwin = append(goTwin, fed[i].Detail)
				}
			}
			want := tc.want
			if !slices.Equal(sql, want) || !slices.Equal(goTwin, want) {
				t.Errorf("%s:\n  replay (SQL) %v\n  live (Go)    %v\n  want         %v", tc.name, sql, goTwin, want)
			}
		}
	})
}

// TestARestrictedMemberCannotReplyByMailIntoAColleaguesRequest: a reply by
// e-mail naming a colleague's request is refused as not found (the mail
// processor then holds it for staff) and writes nothing; the same member's
// reply to their own request is posted.
func TestARestrictedMemberCannotReplyByMailIntoAColleaguesRequest(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		now := models.Now()
		c := &models.Client{Name: "Acme", Slug: "acme", RequestPrefix: "ACME", Timezone: "UTC", NextRequestNumber: 1,
			MembersSee: models.MembersSeeOwn, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		var users []*models.User
		var requests []*models.Request
		for _, email := range []string{"carol@acme.test", "dora@acme.test"} {
			u, err := models.CreateUser(ctx, db, models.NewUser{ClientID: &c.ID, Role: models.RoleClient, Email: email, Name: email})
			if err != nil {
				t.Fatal(err)
			}
			sc, err := models.ScopeFor(db, u)
			if err != nil {
				t.Fatal(err)
			}
			r, err := sc.CreateRequest(ctx, models.NewRequest{Title: email, Urgency: models.UrgencyNormal})
			if err != nil {
				t.Fatal(err)
			}
			users, requests = append(users, u), append(requests, r)
		}
		carol, own, theirs := users[0], requests[0], requests[1]
		mail := func(key string) *models.InboundMail {
			return &models.InboundMail{DedupeKey: key, Route: "smtp", ReceivedAt: now, FromAddr: carol.Email}
		}
		if _, _, err := models.PostMailReply(ctx, db, mail("mid:1"), carol, theirs.ID, "Into Dora's request", nil); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("reply into the colleague's request: err = %v, want ErrNotFound", err)
		}
		if n, err := db.NewSelect().Model((*models.Message)(nil)).Where("request_id = ?", theirs.ID).Count(ctx); err != nil || n != 0 {
			t.Fatalf("the colleague's request has %d messages (%v), want none", n, err)
		}
		if _, _, err := models.PostMailReply(ctx, db, mail("mid:2"), carol, own.ID, "Into my own", nil); err != nil {
			t.Fatalf("reply into her own request: %v", err)
		}
	})
}

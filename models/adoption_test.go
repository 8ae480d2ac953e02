package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// adoptionWorld is three clients with people in every state, sign-ins on
// both sides of the 30-day boundary, and requests and messages by every
// channel, written through the model functions the pages use.
type adoptionWorld struct {
	staff                *models.User
	acme, bravo, cobalt  *models.Client
	ann, bob, cat, fay   *models.User
	dan, eve, bravoOwner *models.User
}

func newAdoptionWorld(t *testing.T, db *bun.DB) adoptionWorld {
	t.Helper()
	ctx := context.Background()
	staff, err := models.Setup(ctx, db, models.SetupInput{WorkspaceName: "Northwind IT", AdminName: "Ada Admin",
		AdminEmail: "ada@northwind.test", Password: "correct-horse-battery"})
	if err != nil {
		t.Fatal(err)
	}
	w := adoptionWorld{staff: staff}
	w.acme, w.bravo, w.cobalt = addClient(t, db, "Acme", "ACME"), addClient(t, db, "Bravo", "BRAVO"), addClient(t, db, "Cobalt", "COB")
	w.ann, w.bob = addPerson(t, db, w.acme, "ann"), addPerson(t, db, w.acme, "bob")
	w.cat, w.fay = addPerson(t, db, w.acme, "cat"), addPerson(t, db, w.acme, "fay")
	w.dan, w.eve = addPerson(t, db, w.acme, "dan"), addPerson(t, db, w.acme, "eve")
	w.bravoOwner = addPerson(t, db, w.bravo, "bert")
	now := models.Now()
	today := now.UTC().Truncate(24 * time.Hour)
	signIn := func(u *models.User, m models.SigninMethod, at time.Time) {
		t.Helper()
		if err := models.RecordSignin(ctx, db, u, m, at); err != nil {
			t.Fatal(err)
		}
	}
	signIn(w.ann, models.SigninPassword, now.Add(-time.Minute))
	signIn(w.ann, models.SigninGoogle, now)
	signIn(w.ann, models.SigninPassword, now.AddDate(0, 0, -10))
	signIn(w.bob, models.SigninMicrosoft, today.AddDate(0, 0, -29).Add(-time.Second)) // last second before a 30-day period
	signIn(w.fay, models.SigninOpenID, today.AddDate(0, 0, -29))                      // its first second
	signIn(w.dan, models.SigninPassword, now)
	signIn(w.bravoOwner, models.SigninPassword, now)
	signIn(staff, models.SigninPassword, now) // staff belong to no client: not recorded
	if _, err := db.NewUpdate().Model((*models.User)(nil)).Set("disabled_at = ?", now).Where("id = ?", w.dan.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.NewUpdate().Model((*models.User)(nil)).Set("signup_pending = TRUE").Where("id = ?", w.eve.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	// A session started without a sign-in (what a preview or support
	// access would be) is not one.
	if _, err := models.CreateSession(ctx, db, w.cat.ID, "127.0.0.1", "test", models.SessionPolicy{Idle: time.Hour, Max: time.Hour}); err != nil {
		t.Fatal(err)
	}

	sc, err := models.ScopeFor(db, w.ann)
	if err != nil {
		t.Fatal(err)
	}
	portal, err := sc.CreateRequest(ctx, models.NewRequest{Title: "Printer", Description: "Jammed", Urgency: models.UrgencyNormal})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.CreateRequest(ctx, models.NewRequest{Title: "Mailed in", Description: "By mail", Urgency: models.UrgencyNormal,
		Channel: models.ChannelEmail}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.CreateRequestOnBehalf(ctx, db, staff, models.OnBehalfRequest{ClientID: w.acme.ID, RequesterID: w.ann.ID,
		NewRequest: models.NewRequest{Title: "Phoned", Description: "Call", Urgency: models.UrgencyNormal, Channel: models.ChannelEmail}}); err != nil {
		t.Fatal(err)
	}
	post := func(author *models.User, internal bool) *models.Message {
		t.Helper()
		m, err := models.PostMessage(ctx, db, models.PostMessageInput{ClientID: w.acme.ID, RequestID: portal.ID, AuthorID: author.ID,
			ByStaff: author.ClientID == nil, Internal: internal, Body: "a message"})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	post(w.ann, false)
	post(staff, false)
	post(staff, true)
	mailed := post(w.ann, false)
	rec := &models.InboundMail{DedupeKey: "<m1@acme.test>", Route: "smtp", ReceivedAt: now, Status: models.InboundPosted}
	if err := models.RecordInboundMail(ctx, db, rec); err != nil {
		t.Fatal(err)
	}
	if err := models.SetInboundMailPosted(ctx, db, rec.ID, portal.ID, mailed.ID); err != nil {
		t.Fatal(err)
	}
	invs, err := models.InviteToClient(ctx, db, w.acme.ID, staff.ID, []string{"newbie@acme.test", "gone@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := models.RevokeInvitation(ctx, db, w.acme.ID, invs[1].Invitation.ID); err != nil {
		t.Fatal(err)
	}
	return w
}

func addClient(t *testing.T, db *bun.DB, name, prefix string) *models.Client {
	t.Helper()
	now := models.Now()
	c := &models.Client{Name: name, Slug: prefix, RequestPrefix: prefix, Timezone: "UTC", NextRequestNumber: 1, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(c).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

func addPerson(t *testing.T, db *bun.DB, c *models.Client, name string) *models.User {
	t.Helper()
	now := models.Now()
	u := &models.User{ClientID: &c.ID, Role: models.RoleClient, Email: name + "@" + c.Slug + ".test", Name: name,
		SignupMethod: "invite", CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(u).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestAdoptionCounts: people invited (invitations not revoked), joined, never signed in and active; sign-ins;
// requests and messages by channel, per client, least adopted first; the
// 30-day period starts at the first second of the 30th day back and the
// 90-day one reaches further.
func TestAdoptionCounts(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newAdoptionWorld(t, db)
		rows, err := models.ListAdoption(ctx, db, models.Now(), 30)
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, r := range rows {
			order = append(order, r.ClientName)
		}
		if len(order) != 3 || order[0] != "Cobalt" || order[1] != "Acme" || order[2] != "Bravo" {
			t.Fatalf("order %v, want Cobalt (nobody), Acme (2 of 4 active), Bravo (1 of 1)", order)
		}
		got := rows[1]
		want := models.ClientAdoption{ClientID: w.acme.ID, ClientName: "Acme", Invited: 1, Joined: 4, NeverSignedIn: 1, Active: 2, Signins: 4,
			RequestsPortal: 1, RequestsStaff: 1, RequestsEmail: 1, MessagesPortal: 1, MessagesEmail: 1}
		if got != want {
			t.Errorf("Acme over 30 days:\n got %+v\nwant %+v", got, want)
		}
		if b := rows[2]; b.Joined != 1 || b.Active != 1 || b.Signins != 1 || b.Requests() != 0 {
			t.Errorf("Bravo over 30 days: %+v", b)
		}
		long, err := models.AdoptionOf(ctx, db, w.acme.ID, models.Now(), 90)
		if err != nil {
			t.Fatal(err)
		}
		if long.Active != 3 || long.Signins != 5 || long.NeverSignedIn != 1 {
			t.Errorf("Acme over 90 days: %d active, %d sign-ins, %d never; want 3, 5, 1", long.Active, long.Signins, long.NeverSignedIn)
		}
	})
}

// TestAdoptionPeople: the drill-down lists every person, the one who never
// signed in first, each with the last sign-in and how; a session begun
// without a sign-in counts for nothing.
func TestAdoptionPeople(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newAdoptionWorld(t, db)
		ps, err := models.AdoptionPeople(ctx, db, w.acme.ID, models.Now(), 30)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 6 {
			t.Fatalf("%d people, want 6", len(ps))
		}
		if ps[0].Name != "cat" && ps[0].Name != "eve" || ps[0].LastSigninAt != nil {
			t.Errorf("first %q signed in at %v; want one who never signed in", ps[0].Name, ps[0].LastSigninAt)
		}
		byName := map[string]models.PersonAdoption{}
		for _, p := range ps {
			byName[p.Name] = p
		}
		ann := byName["ann"]
		if ann.LastMethod != models.SigninGoogle || ann.Signins != 3 || ann.LastSigninAt == nil ||
			ann.LastSigninAt.Sub(models.Now()) > time.Second || models.Now().Sub(*ann.LastSigninAt) > time.Minute {
			t.Errorf("ann: %+v; want her Google sign-in just now, 3 in the period", ann)
		}
		if bob := byName["bob"]; bob.Signins != 0 || bob.LastMethod != models.SigninMicrosoft {
			t.Errorf("bob: %+v; want 0 sign-ins in the period, last by Microsoft", bob)
		}
		if cat := byName["cat"]; cat.LastSigninAt != nil || cat.Signins != 0 {
			t.Errorf("cat, who only had a session started for her: %+v", cat)
		}
		if dan := byName["dan"]; dan.Joined() {
			t.Error("a disabled person counts as joined")
		}
	})
}

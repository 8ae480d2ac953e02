package models_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestParseInviteAddresses: lines, commas and semicolons; each address once
// (case aside); every entry that is not a plain address named.
func TestParseInviteAddresses(t *testing.T) {
	addrs, problems := models.ParseInviteAddresses(" Ann@Acme.test,bob@acme.test\r\n\nann@acme.test; Carl <carl@acme.test>\nnot-an-address\nx@localhost")
	if strings.Join(addrs, " ") != "ann@acme.test bob@acme.test" {
		t.Errorf("addresses %q", addrs)
	}
	if len(problems) != 3 || problems[0].Address != "Carl <carl@acme.test>" || problems[1].Address != "not-an-address" || problems[2].Address != "x@localhost" {
		t.Errorf("problems %+v", problems)
	}
}

func invitationFixture(t *testing.T, db *bun.DB) (admin *models.User, acme, globex *models.Client) {
	t.Helper()
	ctx := context.Background()
	admin, err := models.Setup(ctx, db, models.SetupInput{WorkspaceName: "W", AdminName: "Ada", AdminEmail: "ada@w.test", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"acme", "globex"} {
		c, err := models.CreateClient(ctx, db, models.ClientInput{Name: strings.ToUpper(slug[:1]) + slug[1:], Slug: slug, Timezone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		if slug == "acme" {
			acme = c
		} else {
			globex = c
		}
	}
	return admin, acme, globex
}

// TestInvitationLife: an invitation is accepted once, by its token only,
// into its own client; resend kills the old token; revoke and expiry stop it;
// a submission with one bad address writes nothing.
func TestInvitationLife(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		admin, acme, globex := invitationFixture(t, db)

		made, err := models.InviteToClient(ctx, db, acme.ID, admin.ID, []string{"ann@acme.test", "bob@acme.test"})
		if err != nil || len(made) != 2 {
			t.Fatalf("invite: %v %v", made, err)
		}
		var hash []byte
		if err := db.NewSelect().Table("client_invitations").Column("token_hash").Where("email = 'ann@acme.test'").Scan(ctx, &hash); err != nil {
			t.Fatal(err)
		}
		if string(hash) == made[0].Token || string(hash) != string(models.HashToken(made[0].Token)) {
			t.Errorf("the token is not stored as its hash only")
		}
		now := models.Now()
		if st := made[0].Invitation.Status(now); st != models.InvitationInvited {
			t.Errorf("new invitation is %s", st)
		}
		if d := made[0].Invitation.ExpiresAt.Sub(made[0].Invitation.SentAt); d != 14*24*time.Hour {
			t.Errorf("valid for %v, want 14 days", d)
		}

		// The same address again, to the same client: refused, nothing written.
		_, err = models.InviteToClient(ctx, db, acme.ID, admin.ID, []string{"carl@acme.test", "ann@acme.test"})
		var refusal *models.InviteRefusal
		if !errors.As(err, &refusal) || len(refusal.Problems) != 1 || refusal.Problems[0].Address != "ann@acme.test" {
			t.Fatalf("second invitation of ann: %v", err)
		}
		if n, _ := db.NewSelect().Table("client_invitations").Where("email = 'carl@acme.test'").Count(ctx); n != 0 {
			t.Errorf("a refused submission wrote %d invitation(s)", n)
		}
		// The staff member's own address has an account: refused.
		if _, err := models.InviteToClient(ctx, db, acme.ID, admin.ID, []string{"ada@w.test"}); !errors.As(err, &refusal) {
			t.Errorf("invitation of an existing account: %v", err)
		}

		// Resend: the old token is dead, the new one works.
		renewed, err := models.ResendInvitation(ctx, db, acme.ID, made[0].Invitation.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.AcceptInvitation(ctx, db, made[0].Token, "Ann", "correct horse battery"); !errors.Is(err, models.ErrInvitationUnusable) {
			t.Errorf("old token after a resend: %v", err)
		}
		// Another client's page cannot act on it.
		if _, err := models.ResendInvitation(ctx, db, globex.ID, made[0].Invitation.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("resend through another client: %v", err)
		}
		if err := models.RevokeInvitation(ctx, db, globex.ID, made[0].Invitation.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("revoke through another client: %v", err)
		}

		u, err := models.AcceptInvitation(ctx, db, renewed.Token, "Ann Smith", "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		if u.ClientID == nil || *u.ClientID != acme.ID || u.Email != "ann@acme.test" || u.SignupPending || u.Role != models.RoleClient {
			t.Errorf("account %+v", u)
		}
		if _, err := models.Authenticate(ctx, db, "ann@acme.test", "correct horse battery"); err != nil {
			t.Errorf("the new account cannot sign in: %v", err)
		}
		if _, err := models.AcceptInvitation(ctx, db, renewed.Token, "Ann again", "correct horse battery"); !errors.Is(err, models.ErrInvitationUnusable) {
			t.Errorf("second use: %v", err)
		}
		list, err := models.ListInvitations(ctx, db, acme.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %v %v", list, err)
		}
		for _, inv := range list {
			want := map[string]string{"ann@acme.test": models.InvitationJoined, "bob@acme.test": models.InvitationInvited}[inv.Email]
			if st := inv.Status(models.Now()); st != want {
				t.Errorf("%s is %s, want %s", inv.Email, st, want)
			}
		}
		if other, _ := models.ListInvitations(ctx, db, globex.ID); len(other) != 0 {
			t.Errorf("another client lists %d invitations", len(other))
		}
		if _, err := models.ResendInvitation(ctx, db, acme.ID, made[0].Invitation.ID); !errors.Is(err, models.ErrInvitationClosed) {
			t.Errorf("resend of a joined invitation: %v", err)
		}

		// Revoke: Bob's link stops working.
		if err := models.RevokeInvitation(ctx, db, acme.ID, made[1].Invitation.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := models.AcceptInvitation(ctx, db, made[1].Token, "Bob", "correct horse battery"); !errors.Is(err, models.ErrInvitationUnusable) {
			t.Errorf("revoked token: %v", err)
		}
		if err := models.RevokeInvitation(ctx, db, acme.ID, made[1].Invitation.ID); !errors.Is(err, models.ErrInvitationClosed) {
			t.Errorf("second revoke: %v", err)
		}
	})
}

// TestInvitationExpiresAndAccountsAreNotDoubled: an invitation past its
// expiry is expired without anyone writing it and cannot be used (a resend
// renews it); an address that got an account meanwhile is not made twice.
func TestInvitationExpiresAndAccountsAreNotDoubled(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		admin, acme, globex := invitationFixture(t, db)
		made, err := models.InviteToClient(ctx, db, acme.ID, admin.ID, []string{"dee@acme.test"})
		if err != nil {
			t.Fatal(err)
		}
		inv := made[0].Invitation
		if _, err := db.NewUpdate().Table("client_invitations").Set("expires_at = ?", models.Now().Add(-time.Minute)).
			Where("id = ?", inv.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := models.InvitationByToken(ctx, db, made[0].Token)
		if err != nil || got.Status(models.Now()) != models.InvitationExpired || got.Usable(models.Now()) {
			t.Fatalf("expired invitation: %+v %v", got, err)
		}
		if _, err := models.AcceptInvitation(ctx, db, made[0].Token, "Dee", "correct horse battery"); !errors.Is(err, models.ErrInvitationUnusable) {
			t.Errorf("expired token: %v", err)
		}
		// An expired invitation does not block a new one, and can be resent.
		renewed, err := models.ResendInvitation(ctx, db, acme.ID, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Meanwhile Dee got an account with another client.
		if _, err := models.CreateUser(ctx, db, models.NewUser{ClientID: &globex.ID, Role: models.RoleClient, Email: "dee@acme.test", Name: "Dee", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		if _, err := models.AcceptInvitation(ctx, db, renewed.Token, "Dee", "correct horse battery"); !errors.Is(err, models.ErrInvitationAccountExists) {
			t.Errorf("accept for an existing account: %v", err)
		}
		if n, _ := db.NewSelect().Table("users").Where("email = 'dee@acme.test'").Count(ctx); n != 1 {
			t.Errorf("%d accounts for one address", n)
		}
		// The failed accept left the invitation open (one transaction).
		if again, _ := models.InvitationByToken(ctx, db, renewed.Token); again.JoinedAt != nil {
			t.Errorf("a refused accept marked the invitation joined")
		}
	})
}

// TestInvitationAcceptedOnceUnderRace: two browsers posting the same link at
// once make one account.
func TestInvitationAcceptedOnceUnderRace(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		admin, acme, _ := invitationFixture(t, db)
		made, err := models.InviteToClient(ctx, db, acme.ID, admin.ID, []string{"eve@acme.test"})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = models.AcceptInvitation(ctx, db, made[0].Token, "Eve", "correct horse battery")
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if !errors.Is(err, models.ErrInvitationUnusable) && !strings.Contains(err.Error(), "locked") {
				t.Errorf("concurrent accept: %v", err)
			}
		}
		if n, _ := db.NewSelect().Table("users").Where("email = 'eve@acme.test'").Count(ctx); ok != 1 || n != 1 {
			t.Errorf("%d accepts succeeded, %d accounts", ok, n)
		}
	})
}

// TestInvitationText: the default names the link; admins' text is checked,
// kept and reset; values fill placeholders once.
func TestInvitationText(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		admin, _, _ := invitationFixture(t, db)
		def, err := models.GetInvitationText(ctx, db)
		if err != nil || !def.Default || len(models.CheckInvitationText(def.Subject, def.Body)) != 0 {
			t.Fatalf("default text: %+v %v", def, err)
		}
		if errs := models.CheckInvitationText("Hi", "no link here"); errs["body"] == "" {
			t.Errorf("a body without {link} passed")
		}
		if errs := models.CheckInvitationText("Hi {nmae}", "{link}"); !strings.Contains(errs["subject"], "{nmae}") {
			t.Errorf("unknown placeholder: %v", errs)
		}
		if errs := models.CheckInvitationText("a\nb", "{link}"); errs["subject"] == "" {
			t.Errorf("a two-line subject passed")
		}
		if err := models.SaveInvitationText(ctx, db, "Join {client}", "Go to {link} by {expires}.", admin.ID); err != nil {
			t.Fatal(err)
		}
		if err := models.SaveInvitationText(ctx, db, "Join {client} now", "Go to {link} by {expires}.", admin.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := models.GetInvitationText(ctx, db)
		subject, body := got.Fill(models.InvitationValues{Client: "{link}", Link: "https://p.test/invite/x", Expires: "1 July"})
		if got.Default || subject != "Join {link} now" || body != "Go to https://p.test/invite/x by 1 July." {
			t.Errorf("filled %q / %q", subject, body)
		}
		if err := models.ResetInvitationText(ctx, db); err != nil {
			t.Fatal(err)
		}
		if got, _ := models.GetInvitationText(ctx, db); !got.Default {
			t.Errorf("reset kept the admins' text")
		}
	})
}

package jobs_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// hookBody is the part of a webhook body these tests read.
type hookBody struct {
	Type string         `json:"type"`
	Data map[string]any `json:"data"`
}

func bodiesOf(t *testing.T, r *receiver) []hookBody {
	t.Helper()
	var out []hookBody
	for _, got := range r.all() {
		var b hookBody
		if err := json.Unmarshal(got.Body, &b); err != nil {
			t.Fatalf("webhook body %q: %v", got.Body, err)
		}
		out = append(out, b)
	}
	return out
}

// Time webhooks name their entry (created, corrected, voided), so a PSA can
// keep its own copy of the entry in step; hidden time reaches only endpoints
// that take internal events.
func TestWebhookTimeEntriesNameTheEntry(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newHookWorld(t, db)
		plain, inside := newReceiver(t), newReceiver(t)
		types := []string{models.HookTimeCreated, models.HookTimeUpdated, models.HookTimeVoided}
		w.endpoint(t, plain.srv.URL, false, types...)
		w.endpoint(t, inside.srv.URL, true, types...)
		r := w.request(t, "Server room")
		day := models.Now().UTC().Truncate(24 * 60 * 60 * 1e9)
		e, err := models.LogTime(ctx, db, w.admin, r.ID, models.TimeEntryInput{Minutes: 45, WorkDate: day})
		if err != nil {
			t.Fatal(err)
		}
		if err := models.UpdateTimeEntry(ctx, db, w.admin, r.ID, e.ID, models.TimeEntryInput{Minutes: 60, WorkDate: day}); err != nil {
			t.Fatal(err)
		}
		if err := models.DeleteTimeEntry(ctx, db, w.admin, r.ID, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := models.LogTime(ctx, db, w.admin, r.ID, models.TimeEntryInput{Minutes: 15, WorkDate: day, Billing: models.BillingHidden}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.sender.RunOnce(ctx, models.Now()); err != nil {
			t.Fatal(err)
		}
		got := bodiesOf(t, plain)
		wantTypes := []string{models.HookTimeCreated, models.HookTimeUpdated, models.HookTimeVoided}
		if len(got) != len(wantTypes) {
			t.Fatalf("plain endpoint got %d webhooks (%+v), want %d: hidden time reached it", len(got), got, len(wantTypes))
		}
		byType := map[string]map[string]any{}
		for _, b := range got {
			entry, _ := b.Data["time_entry"].(map[string]any)
			if entry == nil || entry["id"] != float64(e.ID) {
				t.Fatalf("%s names %v, want entry %d", b.Type, b.Data["time_entry"], e.ID)
			}
			byType[b.Type] = entry
		}
		for _, typ := range wantTypes {
			if byType[typ] == nil {
				t.Fatalf("no %s webhook among %+v", typ, got)
			}
		}
		if voided := byType[models.HookTimeVoided]; voided["voided"] != true {
			t.Fatalf("voided webhook's entry = %v, want voided: true", voided)
		}
		if n := len(bodiesOf(t, inside)); n != 4 {
			t.Fatalf("endpoint taking internal events got %d webhooks, want 4 (the hidden entry too)", n)
		}
	})
}

// A client user who joins (created ready, or a pending sign-up confirmed)
// is sent as client.user_joined with the user; a pending sign-up is not,
// and staff accounts never are.
func TestWebhookUserJoined(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newHookWorld(t, db)
		rec := newReceiver(t)
		w.endpoint(t, rec.srv.URL, false, models.HookUserJoined)
		link, _, err := models.CreatePortalLink(ctx, db, w.client.ID, &w.admin.ID, "Office", 7)
		if err != nil {
			t.Fatal(err)
		}
		pending, err := models.JoinThroughLink(ctx, db, link, models.NewUser{Email: "dan@acme.test", Name: "Dan",
			Password: "a long enough password", SignupMethod: models.SignupLink})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.CreateUser(ctx, db, models.NewUser{Role: models.RoleAgent, Email: "sam@northwind.test",
			Name: "Sam", SignupMethod: models.SignupCLI}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.sender.RunOnce(ctx, models.Now()); err != nil {
			t.Fatal(err)
		}
		if got := bodiesOf(t, rec); len(got) != 0 {
			t.Fatalf("before the sign-up is confirmed: %+v, want nothing", got)
		}
		if _, err := models.ConfirmSignup(ctx, db, pending.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := w.sender.RunOnce(ctx, models.Now()); err != nil {
			t.Fatal(err)
		}
		got := bodiesOf(t, rec)
		if len(got) != 1 || got[0].Type != models.HookUserJoined {
			t.Fatalf("after the confirmation: %+v, want one %s", got, models.HookUserJoined)
		}
		user, _ := got[0].Data["user"].(map[string]any)
		if user == nil || user["email"] != "dan@acme.test" || user["client_id"] != float64(w.client.ID) {
			t.Fatalf("user_joined data = %v", got[0].Data)
		}
	})
}

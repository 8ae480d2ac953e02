package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

func TestViewerSeesEventsFailingClosed(t *testing.T) {
	ev := func(client int64, audience string) *models.ActivityEvent {
		return &models.ActivityEvent{ClientID: client, Audience: audience}
	}
	for _, tc := range []struct {
		name string
		v    models.Viewer
		ev   *models.ActivityEvent
		want bool
	}{
		{"staff, public", models.StaffViewer(), ev(1, models.AudiencePublic), true},
		{"staff, staff-only", models.StaffViewer(), ev(1, models.AudienceStaff), true},
		{"client, own public", models.ClientViewer(1), ev(1, models.AudiencePublic), true},
		{"client, own staff-only", models.ClientViewer(1), ev(1, models.AudienceStaff), false},
		{"client, own of no audience", models.ClientViewer(1), ev(1, ""), false},
		{"client, own of unknown audience", models.ClientViewer(1), ev(1, "everyone"), false},
		{"client, another client's public", models.ClientViewer(1), ev(2, models.AudiencePublic), false},
		{"nobody", models.Viewer{}, ev(0, models.AudiencePublic), false},
		{"no user", models.ViewerOf(nil), ev(0, models.AudiencePublic), false},
		{"client user without a client", models.ViewerOf(&models.User{Role: models.RoleClient}), ev(0, models.AudiencePublic), false},
	} {
		if got := tc.v.SeesEvent(tc.ev); got != tc.want {
			t.Errorf("%s: SeesEvent = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestViewerSeesMessages(t *testing.T) {
	public := &models.Message{ClientID: 1}
	note := &models.Message{ClientID: 1, Internal: true}
	other := &models.Message{ClientID: 2}
	if !models.StaffViewer().SeesMessage(note) || !models.StaffViewer().SeesMessage(other) {
		t.Error("staff must see every message")
	}
	if !models.ClientViewer(1).SeesMessage(public) {
		t.Error("a client user must see their client's public message")
	}
	if models.ClientViewer(1).SeesMessage(note) || models.ClientViewer(1).SeesMessage(other) {
		t.Error("a client user must see no internal note and no other client's message")
	}
	if (models.Viewer{}).SeesMessage(&models.Message{}) {
		t.Error("the zero viewer must see nothing")
	}
}

func TestViewerSeesAttachmentsAsTheirMessages(t *testing.T) {
	own := &models.Attachment{ClientID: 1}
	ofNote := &models.Attachment{ClientID: 1, Internal: true}
	other := &models.Attachment{ClientID: 2}
	if !models.StaffViewer().SeesAttachment(ofNote) || !models.ClientViewer(1).SeesAttachment(own) {
		t.Error("staff see every file; a client user their own client's public ones")
	}
	if models.ClientViewer(1).SeesAttachment(ofNote) || models.ClientViewer(1).SeesAttachment(other) ||
		(models.Viewer{}).SeesAttachment(own) {
		t.Error("a client user must see no internal note's file and no other client's; the zero viewer nothing")
	}
}

// An event written without an audience is refused, not taken to be public.
func TestRecordEventRefusesAnEventWithoutAudience(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		c := &models.Client{Name: "Acme", Slug: "acme", RequestPrefix: "ACME", Timezone: "UTC", NextRequestNumber: 1,
			CreatedAt: models.Now(), UpdatedAt: models.Now()}
		if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for _, audience := range []string{"", "everyone"} {
			err := models.RecordEvent(ctx, db, &models.ActivityEvent{ClientID: c.ID, Kind: models.EventStatusChanged, Audience: audience})
			if !errors.Is(err, models.ErrNoAudience) {
				t.Errorf("audience %q: err = %v, want ErrNoAudience", audience, err)
			}
		}
		n, err := db.NewSelect().Model((*models.ActivityEvent)(nil)).Where("client_id = ?", c.ID).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d events written; want none", n)
		}
		if err := models.RecordEvent(ctx, db, &models.ActivityEvent{ClientID: c.ID, Kind: models.EventStatusChanged,
			Audience: models.AudienceStaff}); err != nil {
			t.Fatalf("a staff-only event: %v", err)
		}
	})
}

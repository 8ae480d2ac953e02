package models_test

import (
	"context"
	"testing"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestLatestPositionIgnoresOtherDatabases: a page's starting point is not
// held back by a transaction open in another database of the cluster (it
// can never write our events), but is by one open in ours.
func TestLatestPositionIgnoresOtherDatabases(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t, dbtest.Postgres)
	other := dbtest.Empty(t, dbtest.Postgres)

	foreign, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer foreign.Rollback()
	if _, err := foreign.ExecContext(ctx, "CREATE TABLE held (n int); INSERT INTO held VALUES (1)"); err != nil {
		t.Fatal(err)
	}

	now := models.Now()
	client := &models.Client{Name: "Acme", Slug: "acme", RequestPrefix: "ACME", Timezone: "UTC", NextRequestNumber: 1, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(client).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	first := &models.ActivityEvent{ClientID: client.ID, Kind: "k", Audience: models.AudienceStaff, Detail: "first"}
	if err := models.RecordEvent(ctx, db, first); err != nil {
		t.Fatal(err)
	}
	got, err := models.LatestPosition(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != first.ID {
		t.Fatalf("with a transaction open in another database the latest position is %v, want the committed event's (id %d)", got, first.ID)
	}

	// One of ours, in flight with an event, holds later events back: a
	// page must not start past what it may still commit.
	own, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer own.Rollback()
	if err := models.RecordEvent(ctx, own, &models.ActivityEvent{ClientID: client.ID, Kind: "k", Audience: models.AudienceStaff, Detail: "held"}); err != nil {
		t.Fatal(err)
	}
	if err := models.RecordEvent(ctx, db, &models.ActivityEvent{ClientID: client.ID, Kind: "k", Audience: models.AudienceStaff, Detail: "after"}); err != nil {
		t.Fatal(err)
	}
	if got, err = models.LatestPosition(ctx, db); err != nil {
		t.Fatal(err)
	}
	if got.ID != first.ID {
		t.Fatalf("with our own transaction in flight the latest position is %v, want it held at the first event (id %d)", got, first.ID)
	}
}

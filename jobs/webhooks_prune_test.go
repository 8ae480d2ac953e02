package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// Prune, at a time the test chooses, forgets Idempotency-Key answers older
// than 24 hours (more than one batch of them) and finished deliveries and
// attempts older than 30 days, and keeps everything younger, and pending
// deliveries whatever their age.
func TestWebhooksPruneByAge(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newHookWorld(t, db)
		now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
		tok, _, err := models.CreateAPIToken(ctx, db, models.NewAPIToken{Kind: models.TokenPersonal, UserID: w.admin.ID,
			Name: "script", Scopes: []string{"requests:write"}})
		if err != nil {
			t.Fatal(err)
		}
		var keys []models.APIIdempotency
		for i := 0; i < 1203; i++ { // over one batch
			keys = append(keys, models.APIIdempotency{TokenID: tok.ID, Key: "old-" + itoa(int64(i)), RequestHash: []byte{1},
				Status: 201, CreatedAt: now.Add(-25 * time.Hour)})
		}
		keys = append(keys, models.APIIdempotency{TokenID: tok.ID, Key: "fresh", RequestHash: []byte{1}, Status: 201,
			CreatedAt: now.Add(-23 * time.Hour)})
		if _, err := db.NewInsert().Model(&keys).Exec(ctx); err != nil {
			t.Fatal(err)
		}

		ep := w.endpoint(t, "https://hooks.example.com/x", false, models.HookRequestCreated)
		delivery := func(id string, status string, age time.Duration) *models.WebhookDelivery {
			at := now.Add(-age)
			d := &models.WebhookDelivery{EndpointID: ep.ID, MsgID: id, EventType: models.HookTest, Payload: "{}", Status: status,
				Attempts: 1, NextAttemptAt: at, CreatedAt: at, UpdatedAt: at}
			if _, err := db.NewInsert().Model(d).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			a := &models.WebhookAttempt{DeliveryID: d.ID, EndpointID: ep.ID, Attempt: 1, ResponseStatus: 200, CreatedAt: at}
			if _, err := db.NewInsert().Model(a).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			return d
		}
		old := delivery("msg_old", models.DeliveryDelivered, 31*24*time.Hour)
		recent := delivery("msg_recent", models.DeliveryFailed, 29*24*time.Hour)
		stuck := delivery("msg_pending", models.DeliveryPending, 31*24*time.Hour)

		if err := w.sender.Prune(ctx, now); err != nil {
			t.Fatal(err)
		}
		var left []string
		if err := db.NewSelect().Model((*models.APIIdempotency)(nil)).Column("idem_key").Scan(ctx, &left); err != nil {
			t.Fatal(err)
		}
		if len(left) != 1 || left[0] != "fresh" {
			t.Errorf("idempotency keys left: %d (%v…)", len(left), left[:min(len(left), 3)])
		}
		var ids []int64
		if err := db.NewSelect().Model((*models.WebhookDelivery)(nil)).Column("id").Order("id").Scan(ctx, &ids); err != nil {
			t.Fatal(err)
		}
		if len(ids) != 2 || ids[0] != recent.ID || ids[1] != stuck.ID {
			t.Errorf("deliveries left %v, want %d and %d (not %d)", ids, recent.ID, stuck.ID, old.ID)
		}
		var attempts []int64
		if err := db.NewSelect().Model((*models.WebhookAttempt)(nil)).Column("delivery_id").Scan(ctx, &attempts); err != nil {
			t.Fatal(err)
		}
		if len(attempts) != 1 || attempts[0] != recent.ID {
			t.Errorf("attempts left for deliveries %v, want only %d's", attempts, recent.ID)
		}
	})
}

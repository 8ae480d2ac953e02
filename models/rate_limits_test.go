package models_test

import (
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

func TestRateLimitCountsPerBucketAndPrunes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := t.Context()
		limit := models.RateLimit{Max: 2, Window: time.Minute}
		for i, want := range []bool{true, true, false, false} {
			ok, err := models.AllowAttempt(ctx, db, limit, "test-ip:1.2.3.4")
			if err != nil || ok != want {
				t.Fatalf("attempt %d: %v %v, want %v", i, ok, err, want)
			}
		}
		// Another bucket is counted apart.
		if ok, _ := models.AllowAttempt(ctx, db, limit, "test-ip:5.6.7.8"); !ok {
			t.Errorf("other bucket blocked")
		}
		// Old hits leave the window, and pruning deletes them.
		if _, err := db.NewUpdate().Model((*models.RateLimitHit)(nil)).Set("created_at = ?", models.Now().Add(-25*time.Hour)).
			Where("bucket = ?", "test-ip:1.2.3.4").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, _ := models.AllowAttempt(ctx, db, limit, "test-ip:1.2.3.4"); !ok {
			t.Errorf("still blocked after the window")
		}
		if err := models.PruneRateLimitHits(ctx, db, models.Now()); err != nil {
			t.Fatal(err)
		}
		n, _ := db.NewSelect().Model((*models.RateLimitHit)(nil)).Count(ctx)
		if n != 2 {
			t.Errorf("%d hits after pruning, want 2", n)
		}
	})
}

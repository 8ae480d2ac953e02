package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/jobs"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// The orphan sweep deletes stored files (and thumbnails) no attachment
// row names, once they are older than the grace period, and keeps every
// file an attachment names, however old.
func TestOrphanSweepDeletesOnlyUnrecordedFiles(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if _, err := models.CreateDefaultSLAPolicy(ctx, db); err != nil {
			t.Fatal(err)
		}
		now := models.Now()
		c := &models.Client{Name: "Acme", Slug: "acme", RequestPrefix: "ACME", Timezone: "UTC", NextRequestNumber: 1, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		u := &models.User{ClientID: &c.ID, Role: models.RoleClient, Email: "c@acme.test", Name: "C", SignupMethod: "invite", CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		store := attachments.New("file://" + filepath.ToSlash(t.TempDir()) + "?no_tmp_dir=1&metadata=skip")
		defer store.Close()
		put := func(key string) {
			if err := store.Put(ctx, key, strings.NewReader("bytes of "+key), "application/octet-stream"); err != nil {
				t.Fatal(err)
			}
		}
		kept := attachments.NewFileKey()
		put(kept)
		put(attachments.ThumbKey(kept))
		orphan := attachments.NewFileKey()
		put(orphan)
		put(attachments.ThumbKey(orphan))
		sc, _ := models.ScopeFor(db, u)
		if _, err := sc.CreateRequest(ctx, models.NewRequest{Title: "With a file", Urgency: models.UrgencyLow,
			Attachments: []models.NewAttachment{{Name: "kept.png", Size: 10, ContentType: "image/png", SHA256: strings.Repeat("a", 64),
				StorageKey: kept, ThumbKey: attachments.ThumbKey(kept)}}}); err != nil {
			t.Fatal(err)
		}
		sweeper := &jobs.OrphanSweeper{DB: db, Store: store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Grace: time.Hour}

		// Within the grace period nothing goes: the orphan may be an
		// upload whose row is still being written.
		if n, err := sweeper.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("fresh files: deleted %d (%v), want 0", n, err)
		}
		sweeper.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		if n, err := sweeper.Sweep(ctx); err != nil || n != 2 {
			t.Fatalf("after the grace period: deleted %d (%v), want the orphan and its thumbnail", n, err)
		}
		for key, want := range map[string]bool{kept: true, attachments.ThumbKey(kept): true, orphan: false, attachments.ThumbKey(orphan): false} {
			if ok, err := store.Exists(ctx, key); err != nil || ok != want {
				t.Errorf("%s exists: %v (%v), want %v", key, ok, err, want)
			}
		}
		if n, err := sweeper.Sweep(ctx); err != nil || n != 0 {
			t.Errorf("second sweep deleted %d (%v)", n, err)
		}
	})
}

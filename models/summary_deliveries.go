package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// SummaryDelivery records that the mail server accepted a monthly summary
// for one recipient. A summary is marked e-mailed only once every recipient
// has a delivery, and a retry skips the recipients that already have one, so
// one refused address never makes the others receive the summary twice.
type SummaryDelivery struct {
	bun.BaseModel `bun:"table:summary_deliveries"`

	SummaryID int64     `bun:"summary_id,pk"`
	Email     string    `bun:"email,pk"` // normalized (NormalizeEmail)
	SentAt    time.Time `bun:"sent_at"`
}

// SummaryDeliveredTo is the set of normalized addresses a summary has been
// delivered to.
func SummaryDeliveredTo(ctx context.Context, db bun.IDB, summaryID int64) (map[string]bool, error) {
	var emails []string
	if err := db.NewSelect().Model((*SummaryDelivery)(nil)).Column("email").
		Where("summary_id = ?", summaryID).Scan(ctx, &emails); err != nil {
		return nil, fmt.Errorf("models: deliveries of summary %d: %w", summaryID, err)
	}
	done := make(map[string]bool, len(emails))
	for _, e := range emails {
		done[e] = true
	}
	return done, nil
}

// RecordSummaryDelivery stores that the summary went to email; recording
// the same delivery twice is harmless.
func RecordSummaryDelivery(ctx context.Context, db bun.IDB, summaryID int64, email string, at time.Time) error {
	d := &SummaryDelivery{SummaryID: summaryID, Email: NormalizeEmail(email), SentAt: at}
	if _, err := db.NewInsert().Model(d).On("CONFLICT (summary_id, email) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("models: record delivery of summary %d: %w", summaryID, err)
	}
	return nil
}

package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// SummaryDelivery records that the mail server accepted a monthly summary
// for one recipient, in one mail round. A summary is marked e-mailed only
// once every recipient has a delivery of its current round, and a retry
// skips the recipients that already have one, so one refused address never
// makes the others receive the summary twice. A resend starts a new round
// (StartSummaryResend): the same rows then count again only once rewritten.
type SummaryDelivery struct {
	bun.BaseModel `bun:"table:summary_deliveries"`

	SummaryID int64     `bun:"summary_id,pk"`
	Email     string    `bun:"email,pk"` // normalized (NormalizeEmail)
	SentAt    time.Time `bun:"sent_at"`
	MailRound int       `bun:"mail_round"`
}

// SummaryDeliveredTo is the set of normalized addresses a summary has been
// delivered to in mail round `round`.
func SummaryDeliveredTo(ctx context.Context, db bun.IDB, summaryID int64, round int) (map[string]bool, error) {
	var emails []string
	if err := db.NewSelect().Model((*SummaryDelivery)(nil)).Column("email").
		Where("summary_id = ?", summaryID).Where("mail_round = ?", round).Scan(ctx, &emails); err != nil {
		return nil, fmt.Errorf("models: deliveries of summary %d: %w", summaryID, err)
	}
	done := make(map[string]bool, len(emails))
	for _, e := range emails {
		done[e] = true
	}
	return done, nil
}

// RecordSummaryDelivery stores that the summary went to email in round;
// recording the same delivery twice is harmless, and a later round's
// delivery replaces an earlier one's.
func RecordSummaryDelivery(ctx context.Context, db bun.IDB, summaryID int64, round int, email string, at time.Time) error {
	d := &SummaryDelivery{SummaryID: summaryID, Email: NormalizeEmail(email), SentAt: at, MailRound: round}
	if _, err := db.NewInsert().Model(d).
		On("CONFLICT (summary_id, email) DO UPDATE").Set("sent_at = EXCLUDED.sent_at").Set("mail_round = EXCLUDED.mail_round").
		Exec(ctx); err != nil {
		return fmt.Errorf("models: record delivery of summary %d: %w", summaryID, err)
	}
	return nil
}

// EventSummaryResent is staff sending a summary again (staff only: it names
// who did it for the team, the client sees the e-mail itself).
const EventSummaryResent = "summary_resent"

// StartSummaryResend opens a new mail round of a summary on actor's word
// and records who asked (actor nil: the operator's command line). A summary
// whose round is still unfinished (some recipient refused) keeps that
// round, so asking again reaches only those still missing it instead of
// mailing everyone twice.
func StartSummaryResend(ctx context.Context, db bun.IDB, actor *User, clientID int64, month time.Time) (*MonthlySummary, error) {
	var sum *MonthlySummary
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if sum, err = GetMonthlySummary(ctx, tx, clientID, month); err != nil {
			return err
		}
		if sum.EmailedAt != nil {
			if _, err := tx.NewUpdate().Model((*MonthlySummary)(nil)).Set("mail_round = mail_round + 1").Set("emailed_at = NULL").
				Where("id = ?", sum.ID).Where("mail_round = ?", sum.MailRound).Exec(ctx); err != nil {
				return fmt.Errorf("models: new mail round of summary %d: %w", sum.ID, err)
			}
			if sum, err = GetMonthlySummary(ctx, tx, clientID, month); err != nil {
				return err
			}
		}
		ev := &ActivityEvent{ClientID: clientID, Kind: EventSummaryResent, Audience: AudienceStaff, Detail: sum.MonthLabel()}
		if actor != nil {
			ev.ActorID = &actor.ID
		}
		return RecordEvent(ctx, tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return sum, nil
}

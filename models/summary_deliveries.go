package models

import (
	"context"
	"database/sql/driver"
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
// delivery replaces an earlier one's. A run that mails many records through
// a DeliveryRecorder instead.
func RecordSummaryDelivery(ctx context.Context, db bun.IDB, summaryID int64, round int, email string, at time.Time) error {
	d := &SummaryDelivery{SummaryID: summaryID, Email: NormalizeEmail(email), SentAt: at, MailRound: round}
	if _, err := db.NewInsert().Model(d).
		On("CONFLICT (summary_id, email) DO UPDATE").Set("sent_at = EXCLUDED.sent_at").Set("mail_round = EXCLUDED.mail_round").
		Exec(ctx); err != nil {
		return fmt.Errorf("models: record delivery of summary %d: %w", summaryID, err)
	}
	return nil
}

// DeliveryRecorder records summary deliveries one by one, each as soon as
// the mail server accepted the mail and before the next is sent, so that a
// crash of the process resends at most the one mail in flight.
//
// On PostgreSQL it writes through one connection whose commits do not wait
// for the disk (synchronous_commit off): each row is committed and visible
// at once and survives the portal process dying; only a crash of the
// database server itself in the next fraction of a second could lose one
// (that recipient would get the summary twice). MarkSummariesEmailed after
// each batch commits synchronously, which flushes them all. A flushed commit
// per mail cost 2-4 ms, with its transaction four round trips; this is one.
// SQLite in WAL mode does not flush on commit anyway.
type DeliveryRecorder struct {
	db   bun.IDB
	conn *bun.Conn // PostgreSQL: the connection with asynchronous commits
}

// NewDeliveryRecorder opens a recorder; Close gives its connection back.
func NewDeliveryRecorder(ctx context.Context, db *bun.DB) (*DeliveryRecorder, error) {
	if !IsPostgres(db) {
		return &DeliveryRecorder{db: db}, nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: delivery recorder connection: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SET synchronous_commit TO OFF"); err != nil {
		conn.Close()
		return nil, fmt.Errorf("models: delivery recorder: %w", err)
	}
	return &DeliveryRecorder{db: conn, conn: &conn}, nil
}

// Record is RecordSummaryDelivery through the recorder.
func (r *DeliveryRecorder) Record(ctx context.Context, summaryID int64, round int, email string, at time.Time) error {
	return RecordSummaryDelivery(ctx, r.db, summaryID, round, email, at)
}

// Close puts the connection's commits back to synchronous before the pool
// reuses it, or discards the connection when that fails.
func (r *DeliveryRecorder) Close() {
	if r.conn == nil {
		return
	}
	if _, err := r.conn.ExecContext(context.Background(), "RESET synchronous_commit"); err != nil {
		r.conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // it reports the ErrBadConn it was given
	}
	r.conn.Close()
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

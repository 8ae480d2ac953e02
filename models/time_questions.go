package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Statuses of a question on a time entry: open until staff answer it,
// adjust the entry or void it (no longer charged).
const (
	QuestionOpen     = "open"
	QuestionAnswered = "answered"
	QuestionAdjusted = "adjusted"
	QuestionVoided   = "voided"
)

// Activity of questions on time entries: public, naming who.
const (
	EventTimeQuestioned     = "time_questioned"
	EventTimeQuestionAnswer = "time_question_answered"
)

// MaxQuestionLength bounds one message of a question thread.
const MaxQuestionLength = 2000

// TimeQuestion is a client's question on one time entry, with its thread.
type TimeQuestion struct {
	bun.BaseModel `bun:"table:time_questions,alias:time_question"`

	ID          int64      `bun:"id,pk,autoincrement"`
	ClientID    int64      `bun:"client_id"`
	TimeEntryID int64      `bun:"time_entry_id"`
	OpenedBy    int64      `bun:"opened_by"`
	Status      string     `bun:"status"`
	CreatedAt   time.Time  `bun:"created_at"`
	ClosedAt    *time.Time `bun:"closed_at"`

	Messages []TimeQuestionMessage `bun:"rel:has-many,join:id=question_id"`
}

// Open reports whether staff have yet to answer.
func (q *TimeQuestion) Open() bool { return q.Status == QuestionOpen }

// TimeQuestionMessage is one message of a question thread.
type TimeQuestionMessage struct {
	bun.BaseModel `bun:"table:time_question_messages,alias:time_question_message"`

	ID         int64     `bun:"id,pk,autoincrement"`
	QuestionID int64     `bun:"question_id"`
	ClientID   int64     `bun:"client_id"`
	AuthorID   int64     `bun:"author_id"`
	Body       string    `bun:"body"`
	CreatedAt  time.Time `bun:"created_at"`

	Author *User `bun:"rel:belongs-to,join:author_id=id"`
}

// QuestionedEntry is a time entry with its request and question (if any).
type QuestionedEntry struct {
	Entry    TimeEntry
	Number   int
	Title    string
	Question *TimeQuestion
}

// ErrQuestionClosed is returned when staff act on a question already closed.
var ErrQuestionClosed = errors.New("models: the question is closed")

// loadQuestionedEntry loads an entry of client (hidden ones only for staff)
// with its request and question thread.
func loadQuestionedEntry(ctx context.Context, db bun.IDB, clientID, entryID int64, staff bool) (*QuestionedEntry, error) {
	q := &QuestionedEntry{}
	sel := db.NewSelect().Model(&q.Entry).Relation("Staff", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name") }).
		Where("time_entry.id = ?", entryID).Where("time_entry.client_id = ?", clientID)
	if !staff {
		sel = sel.Where("time_entry.billing <> ?", BillingHidden)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load time entry %d", entryID))
	}
	var r Request
	if err := db.NewSelect().Model(&r).Column("number", "title").Where("id = ?", q.Entry.RequestID).
		Where("client_id = ?", clientID).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load request of time entry %d", entryID))
	}
	q.Number, q.Title = r.Number, r.Title
	tq := new(TimeQuestion)
	err := db.NewSelect().Model(tq).Where("time_question.time_entry_id = ?", entryID).
		Where("time_question.client_id = ?", clientID).
		Relation("Messages", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("time_question_message.id") }).
		Relation("Messages.Author", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "role") }).Scan(ctx)
	switch {
	case err == nil:
		q.Question = tq
	case !errors.Is(notFound(err, ""), ErrNotFound):
		return nil, fmt.Errorf("models: question on time entry %d: %w", entryID, err)
	}
	return q, nil
}

// QuestionedEntry is one of the scope's time entries with its question.
func (s Scope) QuestionedEntry(ctx context.Context, entryID int64) (*QuestionedEntry, error) {
	if err := s.requireHours(); err != nil {
		return nil, err
	}
	qe, err := loadQuestionedEntry(ctx, s.db, s.clientID, entryID, false)
	if err != nil {
		return nil, err
	}
	if err := s.requireRequest(ctx, qe.Entry.RequestID); err != nil {
		return nil, err
	}
	return qe, nil
}

// AskAboutEntry opens (or adds to) the question thread on one of the
// scope's time entries; a message on a closed question reopens it.
func (s Scope) AskAboutEntry(ctx context.Context, entryID int64, body string) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := s.requireHours(); err != nil {
			return err
		}
		qe, err := loadQuestionedEntry(ctx, tx, s.clientID, entryID, false)
		if err != nil {
			return err
		}
		in := s
		in.db = tx
		if err := in.requireRequest(ctx, qe.Entry.RequestID); err != nil {
			return err
		}
		now := Now()
		q := qe.Question
		if q == nil {
			q = &TimeQuestion{ClientID: s.clientID, TimeEntryID: entryID, OpenedBy: s.userID, Status: QuestionOpen, CreatedAt: now}
			if _, err := tx.NewInsert().Model(q).Exec(ctx); err != nil {
				return fmt.Errorf("models: open question on time entry %d: %w", entryID, err)
			}
		} else if !q.Open() {
			if _, err := tx.NewUpdate().Model(q).Set("status = ?", QuestionOpen).Set("closed_at = NULL").WherePK().Exec(ctx); err != nil {
				return fmt.Errorf("models: reopen question %d: %w", q.ID, err)
			}
		}
		m := &TimeQuestionMessage{QuestionID: q.ID, ClientID: s.clientID, AuthorID: s.userID, Body: body, CreatedAt: now}
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			return fmt.Errorf("models: question message on time entry %d: %w", entryID, err)
		}
		return RecordEvent(ctx, tx, &ActivityEvent{ClientID: s.clientID, RequestID: &qe.Entry.RequestID, ActorID: &s.userID,
			Kind: EventTimeQuestioned, Audience: AudiencePublic, Detail: HoursText(qe.Entry.Minutes) + " on " + qe.Entry.WorkDate.Format("2 Jan 2006")})
	})
}

// StaffQuestionedEntry loads any client's entry with its question, for staff.
func StaffQuestionedEntry(ctx context.Context, db bun.IDB, clientID, entryID int64) (*QuestionedEntry, error) {
	return loadQuestionedEntry(ctx, db, clientID, entryID, true)
}

// QuestionAnswer is staff's answer: a reason shown to the client and what
// was done (QuestionAnswered, QuestionAdjusted with the new minutes, or
// QuestionVoided: the entry is no longer charged).
type QuestionAnswer struct {
	Outcome string
	Minutes int
	Reason  string
}

// AnswerQuestion closes an open question on a client's entry with staff's
// reason, adjusting or voiding the entry, in one transaction.
func AnswerQuestion(ctx context.Context, db bun.IDB, actor *User, clientID, entryID int64, a QuestionAnswer) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		qe, err := loadQuestionedEntry(ctx, tx, clientID, entryID, true)
		if err != nil {
			return err
		}
		if qe.Question == nil {
			return ErrNotFound
		}
		if !qe.Question.Open() {
			return ErrQuestionClosed
		}
		now := Now()
		e := &qe.Entry
		detail := HoursText(e.Minutes) + " on " + e.WorkDate.Format("2 Jan 2006")
		switch a.Outcome {
		case QuestionAdjusted:
			detail += " adjusted to " + HoursText(a.Minutes)
			e.Minutes = a.Minutes
		case QuestionVoided:
			detail += " voided, no longer charged"
			e.Billing = BillingNotCharged
		default:
			a.Outcome = QuestionAnswered
			detail += " answered"
		}
		e.UpdatedAt = now
		if _, err := tx.NewUpdate().Model(e).Column("minutes", "billing", "updated_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: settle time entry %d: %w", entryID, err)
		}
		if _, err := tx.NewUpdate().Model(qe.Question).Set("status = ?", a.Outcome).Set("closed_at = ?", now).
			WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: close question %d: %w", qe.Question.ID, err)
		}
		m := &TimeQuestionMessage{QuestionID: qe.Question.ID, ClientID: clientID, AuthorID: actor.ID, Body: a.Reason, CreatedAt: now}
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			return fmt.Errorf("models: answer on time entry %d: %w", entryID, err)
		}
		return RecordEvent(ctx, tx, &ActivityEvent{ClientID: clientID, RequestID: &e.RequestID, ActorID: &actor.ID,
			Kind: EventTimeQuestionAnswer, Audience: AudiencePublic, Detail: detail + ": " + a.Reason})
	})
}

// OpenQuestion is an open question for the console overview.
type OpenQuestion struct {
	ClientID    int64     `bun:"client_id"`
	ClientName  string    `bun:"client_name"`
	TimeEntryID int64     `bun:"time_entry_id"`
	RequestID   int64     `bun:"request_id"`
	Number      int       `bun:"number"`
	Prefix      string    `bun:"request_prefix"`
	Minutes     int       `bun:"minutes"`
	WorkDate    time.Time `bun:"work_date"`
	CreatedAt   time.Time `bun:"created_at"`
}

// OpenQuestions lists every open question, oldest first.
func OpenQuestions(ctx context.Context, db bun.IDB) ([]OpenQuestion, error) {
	var qs []OpenQuestion
	err := db.NewSelect().Model((*TimeQuestion)(nil)).
		Join("JOIN time_entries AS e ON e.id = time_question.time_entry_id").
		Join("JOIN requests AS r ON r.id = e.request_id").
		Join("JOIN clients AS c ON c.id = time_question.client_id").
		ColumnExpr("time_question.client_id, c.name AS client_name, c.request_prefix, time_question.time_entry_id").
		ColumnExpr("e.request_id, r.number, e.minutes, e.work_date, time_question.created_at").
		Where("time_question.status = ?", QuestionOpen).Order("time_question.created_at", "time_question.id").Scan(ctx, &qs)
	if err != nil {
		return nil, fmt.Errorf("models: open questions: %w", err)
	}
	return qs, nil
}

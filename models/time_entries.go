package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// TimeEntry is staff time logged on a request; it counts against the client's
// hour bank for the period its work date falls in.
type TimeEntry struct {
	bun.BaseModel `bun:"table:time_entries"`

	ID        int64     `bun:"id,pk,autoincrement"`
	ClientID  int64     `bun:"client_id"`
	RequestID int64     `bun:"request_id"`
	StaffID   int64     `bun:"staff_id"`
	Minutes   int       `bun:"minutes"`
	WorkDate  time.Time `bun:"work_date"`
	Note      string    `bun:"note"`
	Billing   string    `bun:"billing"` // BillingBillable, BillingNotCharged or BillingHidden
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`

	Staff *User `bun:"rel:belongs-to,join:staff_id=id"`
}

var _ bun.BeforeAppendModelHook = (*TimeEntry)(nil)

// BeforeAppendModel makes an entry inserted without a billing billable.
func (e *TimeEntry) BeforeAppendModel(_ context.Context, q bun.Query) error {
	if _, ok := q.(*bun.InsertQuery); ok && e.Billing == "" {
		e.Billing = BillingBillable
	}
	return nil
}

// MaxEntryMinutes bounds one entry: a day of work.
const MaxEntryMinutes = 24 * 60

// ParseWorkDuration reads time worked as minutes ("90") or hours and minutes
// ("1:30"); ok is false for anything else, zero, or more than a day.
func ParseWorkDuration(s string) (minutes int, ok bool) {
	s = strings.TrimSpace(s)
	if h, m, found := strings.Cut(s, ":"); found {
		hours, err1 := strconv.Atoi(h)
		mins, err2 := strconv.Atoi(m)
		if err1 != nil || err2 != nil || hours < 0 || mins < 0 || mins > 59 || len(m) != 2 {
			return 0, false
		}
		minutes = hours*60 + mins
	} else {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, false
		}
		minutes = n
	}
	return minutes, minutes > 0 && minutes <= MaxEntryMinutes
}

// HoursText shows minutes as hours for event details, e.g. 90 → "1.5 h".
func HoursText(minutes int) string {
	return hoursNumber(float64(minutes)/60) + " h"
}

// hoursNumber is hours with at most two decimals, trailing zeros dropped:
// 0.33, 1.5, 2. Every page, e-mail and activity item shows hours this way.
func hoursNumber(h float64) string {
	s := strconv.FormatFloat(h, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// NormalizeHoursText rewrites the hours in a text stored by an older version
// (e.g. "0.3333333333333333 h") in the one format of HoursText.
func NormalizeHoursText(s string) string {
	return hoursInText.ReplaceAllStringFunc(s, func(m string) string {
		h, err := strconv.ParseFloat(strings.TrimSuffix(m, " h"), 64)
		if err != nil {
			return m
		}
		return hoursNumber(h) + " h"
	})
}

var hoursInText = regexp.MustCompile(`-?\d+(\.\d+)? h\b`)

// ErrNotAuthor is returned when someone other than an entry's author or an
// admin tries to change it.
var ErrNotAuthor = errors.New("models: only the author or an admin may change this time entry")

// TimeEntryInput is the log time form.
type TimeEntryInput struct {
	Minutes  int
	WorkDate time.Time // a calendar date (UTC midnight)
	Note     string
	Billing  string // empty: billable
	// ConfirmClosed is the agent's yes to changing time in a period that
	// has closed; without it such a change is ErrClosedPeriod.
	ConfirmClosed bool
}

func (in TimeEntryInput) billing() string {
	if in.Billing == "" {
		return BillingBillable
	}
	return in.Billing
}

// ValidBilling reports whether b is one of the billing choices.
func ValidBilling(b string) bool {
	return b == BillingBillable || b == BillingNotCharged || b == BillingHidden
}

// timeEventDetail is the hours of an entry for its event, saying when they
// are not charged.
func timeEventDetail(minutes int, billing string) string {
	if billing == BillingBillable || billing == "" {
		return HoursText(minutes)
	}
	return HoursText(minutes) + " (not charged)"
}

// timeEventAudience: time hidden from the client is a staff-only event.
func timeEventAudience(billing string) string {
	if billing == BillingHidden {
		return AudienceStaff
	}
	return AudiencePublic
}

// ClosedPeriodError is returned when a change touches time in a closed
// period and was not confirmed.
type ClosedPeriodError struct{ Period BankPeriod }

func (e ClosedPeriodError) Error() string {
	return "models: the hour bank period " + e.Period.Start.Format(time.DateOnly) + " is closed"
}

// LogTime records staff time on a request with a public time_logged event,
// in one transaction.
func LogTime(ctx context.Context, db bun.IDB, staff *User, requestID int64, in TimeEntryInput) (*TimeEntry, error) {
	e := new(TimeEntry)
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockRequest(ctx, tx, requestID)
		if err != nil {
			return err
		}
		now := Now()
		*e = TimeEntry{ClientID: r.ClientID, RequestID: r.ID, StaffID: staff.ID, Minutes: in.Minutes,
			WorkDate: in.WorkDate, Note: in.Note, Billing: in.billing(), CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(e).Exec(ctx); err != nil {
			return fmt.Errorf("models: log time on request %d: %w", r.ID, err)
		}
		if _, err := tx.NewUpdate().Model(r).Set("updated_at = ?", now).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: touch request %d: %w", r.ID, err)
		}
		return RecordEvent(ctx, tx, &ActivityEvent{ClientID: r.ClientID, RequestID: &r.ID, ActorID: &staff.ID, TimeEntryID: &e.ID,
			Kind: EventTimeLogged, Audience: timeEventAudience(e.Billing), Detail: timeEventDetail(in.Minutes, e.Billing), CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// lockEntry loads an entry of a request that actor may change.
func lockEntry(ctx context.Context, tx bun.IDB, actor *User, requestID, id int64) (*TimeEntry, error) {
	e := new(TimeEntry)
	if err := forUpdate(tx, tx.NewSelect().Model(e).Where("id = ?", id).Where("request_id = ?", requestID)).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load time entry %d", id))
	}
	if e.StaffID != actor.ID && !actor.IsAdmin() {
		return nil, ErrNotAuthor
	}
	return e, nil
}

// UpdateTimeEntry changes an entry; only its author or an admin may.
func UpdateTimeEntry(ctx context.Context, db bun.IDB, actor *User, requestID, id int64, in TimeEntryInput) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		e, err := lockEntry(ctx, tx, actor, requestID, id)
		if err != nil {
			return err
		}
		closed, err := closedPeriodOf(ctx, tx, e.ClientID, e.WorkDate, in.WorkDate)
		if err != nil {
			return err
		}
		if closed != nil && !in.ConfirmClosed {
			return ClosedPeriodError{Period: *closed}
		}
		was := timeEventDetail(e.Minutes, e.Billing) + " on " + e.WorkDate.Format("2 Jan 2006")
		e.Minutes, e.WorkDate, e.Note, e.Billing, e.UpdatedAt = in.Minutes, in.WorkDate, in.Note, in.billing(), Now()
		if _, err := tx.NewUpdate().Model(e).Column("minutes", "work_date", "note", "billing", "updated_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: update time entry %d: %w", id, err)
		}
		if closed != nil {
			if err := RecordEvent(ctx, tx, &ActivityEvent{ClientID: e.ClientID, RequestID: &e.RequestID, ActorID: &actor.ID,
				Kind: EventTimeClosedEdited, Audience: AudienceStaff,
				Detail: was + " → " + timeEventDetail(e.Minutes, e.Billing) + " on " + e.WorkDate.Format("2 Jan 2006") +
					" (period " + closed.Start.Format("2 Jan 2006") + " – " + closed.LastDay().Format("2 Jan 2006") + ")"}); err != nil {
				return err
			}
		}
		return RecordEvent(ctx, tx, &ActivityEvent{ClientID: e.ClientID, RequestID: &e.RequestID, ActorID: &actor.ID, TimeEntryID: &e.ID,
			Kind: EventTimeLogged, Audience: AudienceStaff, Detail: "corrected to " + timeEventDetail(in.Minutes, e.Billing)})
	})
}

// DeleteTimeEntry removes an entry; only its author or an admin may.
func DeleteTimeEntry(ctx context.Context, db bun.IDB, actor *User, requestID, id int64) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		e, err := lockEntry(ctx, tx, actor, requestID, id)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(e).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: delete time entry %d: %w", id, err)
		}
		return RecordEvent(ctx, tx, &ActivityEvent{ClientID: e.ClientID, RequestID: &e.RequestID, ActorID: &actor.ID, TimeEntryID: &e.ID,
			Kind: EventTimeDeleted, Audience: AudienceStaff, Detail: HoursText(e.Minutes)})
	})
}

// closedPeriodOf returns the closed hour bank period either date falls in
// (the earlier one), or nil when both fall in open periods.
func closedPeriodOf(ctx context.Context, db bun.IDB, clientID int64, days ...time.Time) (*BankPeriod, error) {
	var found *BankPeriod
	for _, d := range days {
		p, closed, err := PeriodOf(ctx, db, clientID, d, Now())
		if err != nil {
			return nil, err
		}
		if closed && (found == nil || p.Index < found.Index) {
			found = &p
		}
	}
	return found, nil
}

// EventTimeDeleted is the staff-only record of a removed time entry.
const EventTimeDeleted = "time_deleted"

// requestTimeEntries lists a request's entries, newest work first.
func requestTimeEntries(ctx context.Context, db bun.IDB, requestID int64) ([]TimeEntry, error) {
	var es []TimeEntry
	err := db.NewSelect().Model(&es).
		Relation("Staff", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name") }).
		Where("time_entry.request_id = ?", requestID).
		Order("time_entry.work_date DESC", "time_entry.id DESC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: time entries of request %d: %w", requestID, err)
	}
	return es, nil
}

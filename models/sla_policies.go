package models

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/uptrace/bun"
)

// Urgency levels of a request, lowest first.
const (
	UrgencyLow      = "low"
	UrgencyNormal   = "normal"
	UrgencyHigh     = "high"
	UrgencyCritical = "critical"
)

// Urgencies lists the levels in the order forms show them.
var Urgencies = []string{UrgencyLow, UrgencyNormal, UrgencyHigh, UrgencyCritical}

// SLACalendar says when the SLA clocks run: always, or on work days between
// StartMinute and EndMinute of the day in Timezone, except holidays.
type SLACalendar struct {
	bun.BaseModel `bun:"table:sla_calendars"`

	ID          int64     `bun:"id,pk,autoincrement"`
	Name        string    `bun:"name"`
	Timezone    string    `bun:"timezone"`
	AlwaysOpen  bool      `bun:"always_open"`
	WorkDays    int       `bun:"work_days"` // bit i set = time.Weekday(i) is a work day
	StartMinute int       `bun:"start_minute"`
	EndMinute   int       `bun:"end_minute"`
	CreatedAt   time.Time `bun:"created_at"`
}

// SLAHoliday is a day the calendar's clocks do not run.
type SLAHoliday struct {
	bun.BaseModel `bun:"table:sla_holidays"`

	ID         int64     `bun:"id,pk,autoincrement"`
	CalendarID int64     `bun:"calendar_id"`
	Day        time.Time `bun:"day"`
	Name       string    `bun:"name"`
}

// SLAPolicy groups per-urgency targets with a calendar and a warning threshold.
type SLAPolicy struct {
	bun.BaseModel `bun:"table:sla_policies"`

	ID             int64     `bun:"id,pk,autoincrement"`
	Name           string    `bun:"name"`
	CalendarID     int64     `bun:"calendar_id"`
	WarningPercent int       `bun:"warning_percent"`
	IsDefault      bool      `bun:"is_default"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
}

// SLATarget is a policy's first-response and resolution target for one urgency,
// in business minutes.
type SLATarget struct {
	bun.BaseModel `bun:"table:sla_targets"`

	PolicyID          int64  `bun:"policy_id,pk"`
	Urgency           string `bun:"urgency,pk"`
	ResponseMinutes   int    `bun:"response_minutes"`
	ResolutionMinutes int    `bun:"resolution_minutes"`
}

// defaultTargets are sensible starting targets for a new MSP, in business minutes.
var defaultTargets = map[string][2]int{
	UrgencyLow:      {8 * 60, 5 * 8 * 60},
	UrgencyNormal:   {4 * 60, 3 * 8 * 60},
	UrgencyHigh:     {60, 8 * 60},
	UrgencyCritical: {15, 4 * 60},
}

// DefaultSLATarget is the standard (response, resolution) target of an
// urgency, in business minutes.
func DefaultSLATarget(urgency string) [2]int { return defaultTargets[urgency] }

// CreateDefaultSLAPolicy makes the business-hours calendar (Mon–Fri 09:00–17:00
// UTC) and the default policy with the standard targets.
func CreateDefaultSLAPolicy(ctx context.Context, db bun.IDB) (*SLAPolicy, error) {
	now := Now()
	cal := &SLACalendar{Name: "Business hours", Timezone: "UTC", WorkDays: weekdaysMask,
		StartMinute: 9 * 60, EndMinute: 17 * 60, CreatedAt: now}
	if _, err := db.NewInsert().Model(cal).Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: create default calendar: %w", err)
	}
	p := &SLAPolicy{Name: "Standard", CalendarID: cal.ID, WarningPercent: 75, IsDefault: true, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(p).Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: create default SLA policy: %w", err)
	}
	targets := make([]SLATarget, 0, len(Urgencies))
	for _, u := range Urgencies {
		t := defaultTargets[u]
		targets = append(targets, SLATarget{PolicyID: p.ID, Urgency: u, ResponseMinutes: t[0], ResolutionMinutes: t[1]})
	}
	if _, err := db.NewInsert().Model(&targets).Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: create default SLA targets: %w", err)
	}
	return p, nil
}

// weekdaysMask is Monday to Friday.
const weekdaysMask = 1<<time.Monday | 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday | 1<<time.Friday

// SLAPolicyBundle is a policy with everything the clocks need: its calendar
// (stored and ready for arithmetic) and its targets by urgency.
type SLAPolicyBundle struct {
	Policy   SLAPolicy
	Calendar SLACalendar
	Holidays []SLAHoliday
	Targets  map[string]SLATarget
	Business BusinessCalendar
}

// TargetSecs returns the response and resolution targets for an urgency in
// business seconds; zero when the policy has none.
func (b *SLAPolicyBundle) TargetSecs(urgency string) (response, resolution int) {
	if b == nil {
		return 0, 0
	}
	t, ok := b.Targets[urgency]
	if !ok {
		return 0, 0
	}
	return t.ResponseMinutes * 60, t.ResolutionMinutes * 60
}

// WarningPercent is the policy's yellow threshold, or the default.
func (b *SLAPolicyBundle) WarningPercent() int {
	if b == nil || b.Policy.WarningPercent <= 0 {
		return DefaultWarningPercent
	}
	return b.Policy.WarningPercent
}

// Cal is the business calendar, 24x7 for a missing policy.
func (b *SLAPolicyBundle) Cal() BusinessCalendar {
	if b == nil {
		return AlwaysOpenCalendar()
	}
	return b.Business
}

// Live brings a request's stored clocks up to now without writing them:
// what a page shows.
func (b *SLAPolicyBundle) Live(r *Request, now time.Time) ClockState {
	return r.Clock().Apply(b.Cal(), b.WarningPercent(), ClockEvent{Kind: ClockTick, At: now})
}

// LoadSLAPolicy loads a policy with its calendar, holidays and targets.
func LoadSLAPolicy(ctx context.Context, db bun.IDB, id int64) (*SLAPolicyBundle, error) {
	b := &SLAPolicyBundle{Targets: map[string]SLATarget{}}
	if err := db.NewSelect().Model(&b.Policy).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load SLA policy %d", id))
	}
	return b, fillSLABundle(ctx, db, b)
}

func fillSLABundle(ctx context.Context, db bun.IDB, b *SLAPolicyBundle) error {
	id := b.Policy.ID
	if err := db.NewSelect().Model(&b.Calendar).Where("id = ?", b.Policy.CalendarID).Scan(ctx); err != nil {
		return fmt.Errorf("models: load calendar of SLA policy %d: %w", id, err)
	}
	if err := db.NewSelect().Model(&b.Holidays).Where("calendar_id = ?", b.Calendar.ID).Order("day").Scan(ctx); err != nil {
		return fmt.Errorf("models: load holidays of SLA policy %d: %w", id, err)
	}
	var targets []SLATarget
	if err := db.NewSelect().Model(&targets).Where("policy_id = ?", id).Scan(ctx); err != nil {
		return fmt.Errorf("models: load targets of SLA policy %d: %w", id, err)
	}
	for _, t := range targets {
		b.Targets[t.Urgency] = t
	}
	b.Business = NewBusinessCalendar(b.Calendar, b.Holidays)
	return nil
}

// ResolveSLAPolicy returns the policy that applies to a client: its own
// override, else the default policy. With neither, it returns nil (no
// targets: clocks show no deadline).
func ResolveSLAPolicy(ctx context.Context, db bun.IDB, clientID int64) (*SLAPolicyBundle, error) {
	b := &SLAPolicyBundle{Targets: map[string]SLATarget{}}
	err := db.NewSelect().Model(&b.Policy).
		Where("id = (SELECT sla_policy_id FROM clients WHERE id = ?) OR is_default", clientID).
		OrderExpr("is_default ASC").Limit(1).Scan(ctx)
	if err != nil {
		if errors.Is(notFound(err, ""), ErrNotFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("models: resolve SLA policy of client %d: %w", clientID, err)
	}
	return b, fillSLABundle(ctx, db, b)
}

// SLAPolicyOf is the policy that applies to client c (ResolveSLAPolicy),
// read from the per-process SLA book: no statement once the book is cached.
// Writes that must see the policy under their transaction use
// ResolveSLAPolicy.
func SLAPolicyOf(ctx context.Context, db bun.IDB, c *Client) (*SLAPolicyBundle, error) {
	if cacheOf(db) == nil {
		return ResolveSLAPolicy(ctx, db, c.ID)
	}
	book, err := CachedSLABook(ctx, db)
	if err != nil {
		return nil, err
	}
	return book.For(c), nil
}

// SLABook holds every policy for pages that show many requests of many
// clients: the queue. It costs four queries however many rows are shown.
type SLABook struct {
	byID    map[int64]*SLAPolicyBundle
	Default *SLAPolicyBundle
}

// LoadSLABook loads all policies.
func LoadSLABook(ctx context.Context, db bun.IDB) (*SLABook, error) {
	var policies []SLAPolicy
	if err := db.NewSelect().Model(&policies).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: load SLA policies: %w", err)
	}
	book := &SLABook{byID: map[int64]*SLAPolicyBundle{}}
	if len(policies) == 0 {
		return book, nil
	}
	calIDs := make([]int64, 0, len(policies))
	for _, p := range policies {
		calIDs = append(calIDs, p.CalendarID)
	}
	var cals []SLACalendar
	var holidays []SLAHoliday
	var targets []SLATarget
	if err := db.NewSelect().Model(&cals).Where("id IN (?)", bun.List(calIDs)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: load SLA calendars: %w", err)
	}
	if err := db.NewSelect().Model(&holidays).Where("calendar_id IN (?)", bun.List(calIDs)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: load SLA holidays: %w", err)
	}
	if err := db.NewSelect().Model(&targets).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: load SLA targets: %w", err)
	}
	for _, p := range policies {
		b := &SLAPolicyBundle{Policy: p, Targets: map[string]SLATarget{}}
		for _, c := range cals {
			if c.ID == p.CalendarID {
				b.Calendar = c
			}
		}
		for _, h := range holidays {
			if h.CalendarID == p.CalendarID {
				b.Holidays = append(b.Holidays, h)
			}
		}
		for _, t := range targets {
			if t.PolicyID == p.ID {
				b.Targets[t.Urgency] = t
			}
		}
		b.Business = NewBusinessCalendar(b.Calendar, b.Holidays)
		book.byID[p.ID] = b
		if p.IsDefault {
			book.Default = b
		}
	}
	return book, nil
}

// For returns the policy of a client (override or default); nil if none.
func (b *SLABook) For(c *Client) *SLAPolicyBundle {
	if c != nil && c.SLAPolicyID != nil {
		if p, ok := b.byID[*c.SLAPolicyID]; ok {
			return p
		}
	}
	return b.Default
}

// Policies lists the policies, default first, then by name.
func (b *SLABook) Policies() []*SLAPolicyBundle {
	out := make([]*SLAPolicyBundle, 0, len(b.byID))
	for _, p := range b.byID {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Policy.IsDefault != out[j].Policy.IsDefault {
			return out[i].Policy.IsDefault
		}
		return out[i].Policy.Name < out[j].Policy.Name
	})
	return out
}

// SLAPolicyInput is what the SLA policy form saves. Targets are in business
// minutes by urgency: [response, resolution].
type SLAPolicyInput struct {
	Name           string
	WarningPercent int
	IsDefault      bool
	AlwaysOpen     bool
	Timezone       string
	WorkDays       int
	StartMinute    int
	EndMinute      int
	Holidays       []SLAHoliday // Day and Name
	Targets        map[string][2]int
}

// SaveSLAPolicy creates (id 0) or updates a policy with its calendar,
// holidays and targets in one transaction. Making a policy the default
// takes the flag from the previous one; the default cannot be un-defaulted
// (another policy is made default instead), so there is always one.
// Existing requests keep their targets until their urgency changes.
func SaveSLAPolicy(ctx context.Context, db *bun.DB, id int64, in SLAPolicyInput) (*SLAPolicy, error) {
	p := new(SLAPolicy)
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := Now()
		cal := new(SLACalendar)
		if id != 0 {
			if err := forUpdate(tx, tx.NewSelect().Model(p).Where("id = ?", id)).Scan(ctx); err != nil {
				return notFound(err, fmt.Sprintf("load SLA policy %d", id))
			}
			if err := tx.NewSelect().Model(cal).Where("id = ?", p.CalendarID).Scan(ctx); err != nil {
				return fmt.Errorf("models: load calendar of SLA policy %d: %w", id, err)
			}
		} else {
			p.CreatedAt, cal.CreatedAt = now, now
		}
		cal.Name, cal.Timezone, cal.AlwaysOpen = in.Name, in.Timezone, in.AlwaysOpen
		cal.WorkDays, cal.StartMinute, cal.EndMinute = in.WorkDays, in.StartMinute, in.EndMinute
		if cal.ID == 0 {
			if _, err := tx.NewInsert().Model(cal).Exec(ctx); err != nil {
				return fmt.Errorf("models: create SLA calendar: %w", err)
			}
		} else if _, err := tx.NewUpdate().Model(cal).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: update SLA calendar %d: %w", cal.ID, err)
		}

		makeDefault := in.IsDefault || p.IsDefault
		if makeDefault {
			if _, err := tx.NewUpdate().Model((*SLAPolicy)(nil)).Set("is_default = ?", false).
				Where("is_default").Where("id <> ?", id).Exec(ctx); err != nil {
				return fmt.Errorf("models: clear default SLA policy: %w", err)
			}
		}
		p.Name, p.CalendarID, p.WarningPercent, p.IsDefault, p.UpdatedAt = in.Name, cal.ID, in.WarningPercent, makeDefault, now
		if p.ID == 0 {
			if _, err := tx.NewInsert().Model(p).Exec(ctx); err != nil {
				return fmt.Errorf("models: create SLA policy: %w", err)
			}
		} else if _, err := tx.NewUpdate().Model(p).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: update SLA policy %d: %w", p.ID, err)
		}

		if _, err := tx.NewDelete().Model((*SLAHoliday)(nil)).Where("calendar_id = ?", cal.ID).Exec(ctx); err != nil {
			return fmt.Errorf("models: clear holidays of calendar %d: %w", cal.ID, err)
		}
		if len(in.Holidays) > 0 {
			hs := make([]SLAHoliday, len(in.Holidays))
			for i, h := range in.Holidays {
				hs[i] = SLAHoliday{CalendarID: cal.ID, Day: h.Day, Name: h.Name}
			}
			if _, err := tx.NewInsert().Model(&hs).Exec(ctx); err != nil {
				return fmt.Errorf("models: save holidays of calendar %d: %w", cal.ID, err)
			}
		}
		if _, err := tx.NewDelete().Model((*SLATarget)(nil)).Where("policy_id = ?", p.ID).Exec(ctx); err != nil {
			return fmt.Errorf("models: clear targets of SLA policy %d: %w", p.ID, err)
		}
		targets := make([]SLATarget, 0, len(Urgencies))
		for _, u := range Urgencies {
			if t, ok := in.Targets[u]; ok {
				targets = append(targets, SLATarget{PolicyID: p.ID, Urgency: u, ResponseMinutes: t[0], ResolutionMinutes: t[1]})
			}
		}
		if len(targets) > 0 {
			if _, err := tx.NewInsert().Model(&targets).Exec(ctx); err != nil {
				return fmt.Errorf("models: save targets of SLA policy %d: %w", p.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	SettingsChanged(db)
	return p, nil
}

// SetClientSLAPolicy sets a client's policy override; nil means the default.
func SetClientSLAPolicy(ctx context.Context, db bun.IDB, clientID int64, policyID *int64) error {
	if _, err := db.NewUpdate().Model((*Client)(nil)).Set("sla_policy_id = ?", policyID).
		Set("updated_at = ?", Now()).Where("id = ?", clientID).Exec(ctx); err != nil {
		return fmt.Errorf("models: set SLA policy of client %d: %w", clientID, err)
	}
	return nil
}

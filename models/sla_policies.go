package models

import (
	"context"
	"fmt"
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

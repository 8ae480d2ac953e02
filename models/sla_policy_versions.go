package models

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/uptrace/bun"
)

// SLAPolicyVersion is an immutable snapshot of an SLA policy: its name,
// calendar, holidays and targets as they stood when a request's clocks
// started under it. Policies are edited in place; a request keeps pointing
// at its version, so its clock history is told with the rules it ran under.
type SLAPolicyVersion struct {
	bun.BaseModel `bun:"table:sla_policy_versions"`

	ID             int64     `bun:"id,pk,autoincrement"`
	PolicyID       *int64    `bun:"policy_id"`
	Version        int       `bun:"version"`
	Name           string    `bun:"name"`
	WarningPercent int       `bun:"warning_percent"`
	Timezone       string    `bun:"timezone"`
	AlwaysOpen     bool      `bun:"always_open"`
	WorkDays       int       `bun:"work_days"`
	StartMinute    int       `bun:"start_minute"`
	EndMinute      int       `bun:"end_minute"`
	HolidaysJSON   string    `bun:"holidays"` // [{"day":"2026-12-25","name":"…"}]
	TargetsJSON    string    `bun:"targets"`  // {"normal":[response, resolution]}, business minutes
	CreatedAt      time.Time `bun:"created_at"`
}

// versionHoliday is one holiday as a version stores it.
type versionHoliday struct {
	Day  string `json:"day"` // yyyy-mm-dd
	Name string `json:"name"`
}

// Label names the version for people: "Standard, version 2"; a policy's
// current settings that no version records are "Standard, current settings".
func (v *SLAPolicyVersion) Label() string {
	if v.Version == 0 {
		return v.Name + ", current settings"
	}
	return fmt.Sprintf("%s, version %d", v.Name, v.Version)
}

// Calendar is the version's calendar as a stored SLACalendar (for
// businessHours text).
func (v *SLAPolicyVersion) Calendar() SLACalendar {
	return SLACalendar{Name: v.Name, Timezone: v.Timezone, AlwaysOpen: v.AlwaysOpen, WorkDays: v.WorkDays,
		StartMinute: v.StartMinute, EndMinute: v.EndMinute}
}

// holidays decodes the version's holidays; a damaged list reads as none
// rather than failing a page (the clocks would then count those days).
func (v *SLAPolicyVersion) holidays() []SLAHoliday {
	var hs []versionHoliday
	if json.Unmarshal([]byte(v.HolidaysJSON), &hs) != nil {
		return nil
	}
	out := make([]SLAHoliday, 0, len(hs))
	for _, h := range hs {
		day, err := time.Parse(time.DateOnly, h.Day)
		if err == nil {
			out = append(out, SLAHoliday{Day: day, Name: h.Name})
		}
	}
	return out
}

// targets decodes the version's targets by urgency, in business minutes.
func (v *SLAPolicyVersion) targets() map[string][2]int {
	out := map[string][2]int{}
	_ = json.Unmarshal([]byte(v.TargetsJSON), &out) // damaged: no targets
	return out
}

// Business is the version's calendar ready for arithmetic.
func (v *SLAPolicyVersion) Business() BusinessCalendar {
	return NewBusinessCalendar(v.Calendar(), v.holidays())
}

// HolidayNames maps the version's holidays by DayKey to their names.
func (v *SLAPolicyVersion) HolidayNames() map[int]string {
	out := map[int]string{}
	for _, h := range v.holidays() {
		out[DayKey(h.Day.Year(), h.Day.Month(), h.Day.Day())] = h.Name
	}
	return out
}

// TargetSecs is the version's (response, resolution) target for an urgency
// in business seconds; zero for none.
func (v *SLAPolicyVersion) TargetSecs(urgency string) (response, resolution int) {
	t := v.targets()[urgency]
	return t[0] * 60, t[1] * 60
}

// snapshotOf is the version a policy bundle would be written as (without
// id, number or time).
func snapshotOf(b *SLAPolicyBundle) SLAPolicyVersion {
	hs := make([]versionHoliday, 0, len(b.Holidays))
	for _, h := range b.Holidays {
		hs = append(hs, versionHoliday{Day: h.Day.Format(time.DateOnly), Name: h.Name})
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].Day < hs[j].Day })
	targets := map[string][2]int{}
	for u, t := range b.Targets {
		targets[u] = [2]int{t.ResponseMinutes, t.ResolutionMinutes}
	}
	hj, _ := json.Marshal(hs) // plain strings and ints: cannot fail
	tj, _ := json.Marshal(targets)
	id := b.Policy.ID
	c := b.Calendar
	return SLAPolicyVersion{PolicyID: &id, Name: b.Policy.Name, WarningPercent: b.WarningPercent(),
		Timezone: c.Timezone, AlwaysOpen: c.AlwaysOpen, WorkDays: c.WorkDays, StartMinute: c.StartMinute,
		EndMinute: c.EndMinute, HolidaysJSON: string(hj), TargetsJSON: string(tj)}
}

// sameRules reports whether two versions hold the same settings; the JSON
// is compared decoded, since each database spells it its own way.
func (v *SLAPolicyVersion) sameRules(o *SLAPolicyVersion) bool {
	if v.Name != o.Name || v.WarningPercent != o.WarningPercent || v.Timezone != o.Timezone ||
		v.AlwaysOpen != o.AlwaysOpen || v.WorkDays != o.WorkDays || v.StartMinute != o.StartMinute ||
		v.EndMinute != o.EndMinute {
		return false
	}
	a, b := v.HolidayNames(), o.HolidayNames()
	if len(a) != len(b) {
		return false
	}
	for k, n := range a {
		if m, ok := b[k]; !ok || m != n {
			return false
		}
	}
	at, bt := v.targets(), o.targets()
	if len(at) != len(bt) {
		return false
	}
	for u, t := range at {
		if bt[u] != t {
			return false
		}
	}
	return true
}

// RecordPolicyVersion returns the id of the version that records policy b
// as it stands, writing a new version when the policy was edited since its
// latest one. Call it in the transaction that starts a request's clocks.
// Two transactions writing the same new version number meet on the unique
// index: the second writes nothing and takes the first one's row.
func RecordPolicyVersion(ctx context.Context, tx bun.IDB, b *SLAPolicyBundle) (*int64, error) {
	if b == nil {
		return nil, nil
	}
	want := snapshotOf(b)
	latest, err := latestPolicyVersion(ctx, tx, b.Policy.ID)
	if err != nil {
		return nil, err
	}
	if latest != nil && latest.sameRules(&want) {
		return &latest.ID, nil
	}
	want.Version, want.CreatedAt = 1, Now()
	if latest != nil {
		want.Version = latest.Version + 1
	}
	if _, err := tx.NewInsert().Model(&want).On("CONFLICT (policy_id, version) DO NOTHING").
		Returning("NULL").Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: record version of SLA policy %d: %w", b.Policy.ID, err)
	}
	if latest, err = latestPolicyVersion(ctx, tx, b.Policy.ID); err != nil {
		return nil, err
	} else if latest == nil {
		return nil, fmt.Errorf("models: version of SLA policy %d not found after writing it", b.Policy.ID)
	}
	return &latest.ID, nil
}

func latestPolicyVersion(ctx context.Context, db bun.IDB, policyID int64) (*SLAPolicyVersion, error) {
	var vs []SLAPolicyVersion
	if err := db.NewSelect().Model(&vs).Where("policy_id = ?", policyID).
		Order("version DESC").Limit(1).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: latest version of SLA policy %d: %w", policyID, err)
	}
	if len(vs) == 0 {
		return nil, nil
	}
	return &vs[0], nil
}

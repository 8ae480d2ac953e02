package models

import (
	"time"
)

// BusinessCalendar is an SLA calendar ready for arithmetic: the hours in which
// SLA clocks run. It is a plain value (no database) so the clock rules can be
// unit-tested; NewBusinessCalendar builds one from the stored rows.
//
// Business time is real elapsed time inside the working window of each local
// day. On a DST change the window is laid out on the local wall clock, so a
// 00:00–24:00 window lasts 23 or 25 real hours that day, and a 09:00–17:00
// window is always 8 real hours.
type BusinessCalendar struct {
	Location    *time.Location
	AlwaysOpen  bool
	WorkDays    int          // bit i set = time.Weekday(i) is a work day
	StartMinute int          // minutes after local midnight, 0..1440
	EndMinute   int          // exclusive, 0..1440
	Holidays    map[int]bool // keyed by DayKey
}

// DayKey names a calendar day as yyyymmdd, the key of Holidays. The day
// may be out of range (31 November): it is normalised first.
func DayKey(y int, m time.Month, d int) int {
	if d < 1 || d > 28 {
		t := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
		y, m, d = t.Date()
	}
	return y*10000 + int(m)*100 + d
}

// NewBusinessCalendar builds the calendar of a stored SLA calendar and its
// holidays. An unknown time zone falls back to UTC rather than failing.
func NewBusinessCalendar(c SLACalendar, holidays []SLAHoliday) BusinessCalendar {
	bc := BusinessCalendar{
		Location: LoadLocation(c.Timezone), AlwaysOpen: c.AlwaysOpen, WorkDays: c.WorkDays,
		StartMinute: c.StartMinute, EndMinute: c.EndMinute, Holidays: map[int]bool{},
	}
	for _, h := range holidays {
		bc.Holidays[DayKey(h.Day.Year(), h.Day.Month(), h.Day.Day())] = true
	}
	return bc
}

// AlwaysOpenCalendar is the 24x7 calendar.
func AlwaysOpenCalendar() BusinessCalendar {
	return BusinessCalendar{Location: time.UTC, AlwaysOpen: true}
}

// continuous reports whether the clock simply runs in real time: a 24x7
// calendar, or one with no working time at all (which would otherwise never
// let a clock move, so it is treated as 24x7 rather than stopping SLAs).
func (c BusinessCalendar) continuous() bool {
	return c.AlwaysOpen || c.WorkDays&0x7f == 0 || c.EndMinute <= c.StartMinute
}

func (c BusinessCalendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// window returns the working interval of a local day, or ok false when the
// day is not worked (weekend, holiday).
func (c BusinessCalendar) window(y int, m time.Month, d int) (start, end time.Time, ok bool) {
	loc := c.loc()
	day := time.Date(y, m, d, 12, 0, 0, 0, loc) // noon: safe from DST gaps
	if c.WorkDays&(1<<day.Weekday()) == 0 || len(c.Holidays) > 0 && c.Holidays[DayKey(y, m, d)] {
		return time.Time{}, time.Time{}, false
	}
	start = time.Date(y, m, d, 0, c.StartMinute, 0, 0, loc)
	end = time.Date(y, m, d, 0, c.EndMinute, 0, 0, loc)
	return start, end, end.After(start)
}

// maxDays bounds the day-by-day walks: far beyond any sensible target, it only
// stops a pathological calendar (every work day a holiday) from looping forever.
const maxDays = 3660

// Add returns the instant at which secs business seconds have passed after t.
// A negative secs walks backwards (the instant a clock that is already over
// its target crossed it, ignoring pauses). Add(t, 0) outside working hours is
// the next opening: the moment a clock at its target turns red.
func (c BusinessCalendar) Add(t time.Time, secs int) time.Time {
	if c.continuous() {
		return t.Add(time.Duration(secs) * time.Second)
	}
	if secs < 0 {
		return c.Sub(t, -secs)
	}
	remaining := time.Duration(secs) * time.Second
	local := t.In(c.loc())
	y, m, d := local.Date()
	for i := 0; i < maxDays; i++ {
		start, end, ok := c.window(y, m, d+i)
		if !ok || !end.After(t) {
			continue
		}
		if start.Before(t) {
			start = t
		}
		if avail := end.Sub(start); remaining < avail || remaining == avail && remaining > 0 {
			return start.Add(remaining)
		} else {
			remaining -= avail
		}
	}
	return t.Add(remaining)
}

// Sub walks backwards from t by secs business seconds.
func (c BusinessCalendar) Sub(t time.Time, secs int) time.Time {
	remaining := time.Duration(secs) * time.Second
	local := t.In(c.loc())
	y, m, d := local.Date()
	for i := 0; i < maxDays; i++ {
		start, end, ok := c.window(y, m, d-i)
		if !ok || !start.Before(t) {
			continue
		}
		if end.After(t) {
			end = t
		}
		if avail := end.Sub(start); remaining <= avail {
			return end.Add(-remaining)
		} else {
			remaining -= avail
		}
	}
	return t.Add(-remaining)
}

// Between counts the business seconds in [from, to); zero when to is not
// after from.
func (c BusinessCalendar) Between(from, to time.Time) int {
	if !to.After(from) {
		return 0
	}
	if c.continuous() {
		return int(to.Sub(from) / time.Second)
	}
	var total time.Duration
	local := from.In(c.loc())
	y, m, d := local.Date()
	for i := 0; i < maxDays*10; i++ {
		if !time.Date(y, m, d+i, 0, 0, 0, 0, c.loc()).Before(to) {
			break
		}
		start, end, ok := c.window(y, m, d+i)
		if !ok {
			continue
		}
		if start.Before(from) {
			start = from
		}
		if end.After(to) {
			end = to
		}
		if end.After(start) {
			total += end.Sub(start)
		}
	}
	return int(total / time.Second)
}

// Window is an interval of business time: [Start, End).
type Window struct{ Start, End time.Time }

// OpenWindows returns the first n intervals of business time from t on
// (the first one starts at t when t is inside working hours), or nil for a
// calendar whose clocks simply run in real time. A page's countdown uses
// them to stand still outside working hours.
func (c BusinessCalendar) OpenWindows(t time.Time, n int) []Window {
	if c.continuous() {
		return nil
	}
	var out []Window
	local := t.In(c.loc())
	y, m, d := local.Date()
	for i := 0; i < maxDays && len(out) < n; i++ {
		start, end, ok := c.window(y, m, d+i)
		if !ok || !end.After(t) {
			continue
		}
		if start.Before(t) {
			start = t
		}
		out = append(out, Window{Start: start, End: end})
	}
	return out
}

// OpenAt reports whether t is inside working hours.
func (c BusinessCalendar) OpenAt(t time.Time) bool {
	if c.continuous() {
		return true
	}
	w := c.OpenWindows(t, 1)
	return len(w) == 1 && !w[0].Start.After(t)
}

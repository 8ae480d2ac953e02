package models

import (
	"strings"
	"testing"
	"time"
)

// Business hours are also said in the viewer's zone when it differs.
func TestHoursTextForTheViewer(t *testing.T) {
	weekdays := 1<<1 | 1<<2 | 1<<3 | 1<<4 | 1<<5
	utc := SLACalendar{Timezone: "UTC", WorkDays: weekdays, StartMinute: 9 * 60, EndMinute: 17 * 60}
	winter := time.Date(2026, 12, 9, 12, 0, 0, 0, time.UTC)
	summer := time.Date(2026, 7, 8, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		cal    SLACalendar
		viewer string
		at     time.Time
		want   string
	}{
		{utc, "UTC", winter, "Mon–Fri 09:00–17:00 UTC time"},
		{utc, "Europe/London", winter, "Mon–Fri 09:00–17:00 UTC time"}, // the same offset in winter
		{utc, "Europe/London", summer, "Mon–Fri 09:00–17:00 UTC time (10:00–18:00 London time)"},
		{utc, "Europe/Paris", winter, "Mon–Fri 09:00–17:00 UTC time (10:00–18:00 Paris time)"},
		{utc, "Asia/Tokyo", winter, "Mon–Fri 09:00–17:00 UTC time (18:00–02:00 the next day Tokyo time)"},
		{SLACalendar{Timezone: "Asia/Tokyo", WorkDays: weekdays, StartMinute: 9 * 60, EndMinute: 18 * 60}, "America/New_York", winter,
			"Mon–Fri 09:00–18:00 Tokyo time (19:00–04:00 the day before New York time)"},
		{SLACalendar{AlwaysOpen: true}, "Europe/Paris", winter, "24x7"},
	} {
		if got := c.cal.HoursTextFor(LoadLocation(c.viewer), c.at); got != c.want {
			t.Errorf("%s for %s: %q, want %q", c.cal.Timezone, c.viewer, got, c.want)
		}
	}
}

// A running timer on a business-hours calendar carries the working time
// ahead, and says when it stands still because the office is closed: the
// page's countdown counts only inside those windows.
func TestTimerStandsStillOutsideBusinessHours(t *testing.T) {
	cal := BusinessCalendar{Location: time.UTC, WorkDays: 1<<1 | 1<<2 | 1<<3 | 1<<4 | 1<<5, StartMinute: 9 * 60, EndMinute: 17 * 60}
	wed := func(h, m int) time.Time { return time.Date(2026, 12, 9, h, m, 0, 0, time.UTC) }
	due := wed(23, 0) // any running deadline
	running := func(now time.Time) Timer {
		tm := timer("Response", 4*3600, 3600, ColourGreen, &due, false, false)
		tm.inHours(cal, now)
		return tm
	}

	evening := running(wed(18, 30))
	if !evening.OutsideHours || evening.ResumesAt == nil || !evening.ResumesAt.Equal(time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("Wednesday 18:30: outside %v, resumes %v; want outside, Thursday 09:00", evening.OutsideHours, evening.ResumesAt)
	}
	if got := evening.LeftText(); got != "3h 0m left" {
		t.Errorf("left %q, want 3h 0m left (business time)", got)
	}
	if w := evening.Windows; len(w) != countdownWindows || !w[0].Start.Equal(time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)) ||
		!w[1].Start.Equal(time.Date(2026, 12, 11, 9, 0, 0, 0, time.UTC)) || !w[2].Start.Equal(time.Date(2026, 12, 14, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("windows from Wednesday evening: %v (the weekend skipped)", w)
	}
	if !strings.HasPrefix(evening.WindowsAttr(), "1796893200-1796922000 ") {
		t.Errorf("windows attribute %q", evening.WindowsAttr())
	}

	morning := running(wed(10, 15))
	if morning.OutsideHours || !morning.Windows[0].Start.Equal(wed(10, 15)) || !morning.Windows[0].End.Equal(wed(17, 0)) {
		t.Errorf("Wednesday 10:15: outside %v, first window %v", morning.OutsideHours, morning.Windows[0])
	}

	around := timer("Response", 4*3600, 3600, ColourGreen, &due, false, false)
	around.inHours(AlwaysOpenCalendar(), wed(18, 30))
	if around.Windows != nil || around.OutsideHours {
		t.Errorf("a 24x7 clock counts in real time: %+v", around)
	}
	waiting := timer("Response", 4*3600, 3600, ColourGreen, &due, false, true)
	waiting.inHours(cal, wed(18, 30))
	if waiting.Windows != nil {
		t.Errorf("a clock paused while waiting on the client carries windows")
	}
}

package models

import "testing"

func TestCalendarHoursText(t *testing.T) {
	weekdays := 1<<1 | 1<<2 | 1<<3 | 1<<4 | 1<<5
	for _, c := range []struct {
		cal  SLACalendar
		want string
	}{
		{SLACalendar{AlwaysOpen: true}, "24x7"},
		{SLACalendar{Timezone: "America/New_York", WorkDays: weekdays, StartMinute: 540, EndMinute: 1020}, "Mon–Fri 09:00–17:00 New York time"},
		{SLACalendar{Timezone: "UTC", WorkDays: 1<<1 | 1<<3 | 1<<0, StartMinute: 480, EndMinute: 990}, "Mon, Wed, Sun 08:00–16:30 UTC time"},
	} {
		if got := c.cal.HoursText(); got != c.want {
			t.Errorf("HoursText = %q, want %q", got, c.want)
		}
	}
}

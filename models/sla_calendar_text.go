package models

import (
	"fmt"
	"strings"
	"time"
)

// HoursText says when the calendar's clocks run, for people: "24x7" or
// "Mon–Fri 09:00–17:00 New York time". Clocks outside these hours are
// paused, which is why a timer may stand still overnight.
func (c SLACalendar) HoursText() string {
	if c.AlwaysOpen {
		return "24x7"
	}
	week := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var runs []string
	for i := 0; i < len(week); {
		if c.WorkDays&(1<<week[i]) == 0 {
			i++
			continue
		}
		j := i
		for j+1 < len(week) && c.WorkDays&(1<<week[j+1]) != 0 {
			j++
		}
		run := week[i].String()[:3]
		if j > i {
			run += "–" + week[j].String()[:3]
		}
		runs = append(runs, run)
		i = j + 1
	}
	return fmt.Sprintf("%s %02d:%02d–%02d:%02d %s time", strings.Join(runs, ", "),
		c.StartMinute/60, c.StartMinute%60, c.EndMinute/60, c.EndMinute%60, zoneName(c.Timezone))
}

// HoursTextFor is HoursText for a viewer in zone viewer: when the viewer's
// clock differs from the calendar's at t, the hours follow in the viewer's
// zone too, "Mon–Fri 09:00–17:00 UTC time (10:00–18:00 Paris time)", so
// nobody has to work out when a clock runs.
func (c SLACalendar) HoursTextFor(viewer *time.Location, t time.Time) string {
	text := c.HoursText()
	if c.AlwaysOpen || viewer == nil {
		return text
	}
	cal := LoadLocation(c.Timezone)
	// The opening and closing of t's day in the calendar's zone.
	y, m, d := t.In(cal).Date()
	open := time.Date(y, m, d, 0, c.StartMinute, 0, 0, cal)
	shut := time.Date(y, m, d, 0, c.EndMinute, 0, 0, cal)
	_, calOffset := open.Zone()
	_, viewerOffset := open.In(viewer).Zone()
	if calOffset == viewerOffset {
		return text
	}
	from, to := open.In(viewer), shut.In(viewer)
	local := from.Format("15:04") + "–" + to.Format("15:04")
	switch {
	case dayDiff(from, open) > 0:
		local += " the next day" // the calendar's Monday starts on the viewer's Tuesday
	case dayDiff(from, open) < 0:
		local += " the day before"
	case dayDiff(to, from) > 0:
		local += " the next day" // the hours run past the viewer's midnight
	}
	return text + " (" + local + " " + zoneName(viewer.String()) + " time)"
}

// zoneName is an IANA zone's name for people: "America/New_York" → "New York".
func zoneName(zone string) string {
	if k := strings.LastIndexByte(zone, '/'); k >= 0 {
		zone = zone[k+1:]
	}
	return strings.ReplaceAll(zone, "_", " ")
}

// dayDiff is how many days a's wall date (in its zone) is after b's (in its).
func dayDiff(a, b time.Time) int {
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(da.Sub(db).Hours() / 24)
}

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
	zone := c.Timezone
	if k := strings.LastIndexByte(zone, '/'); k >= 0 {
		zone = zone[k+1:]
	}
	zone = strings.ReplaceAll(zone, "_", " ")
	return fmt.Sprintf("%s %02d:%02d–%02d:%02d %s time", strings.Join(runs, ", "),
		c.StartMinute/60, c.StartMinute%60, c.EndMinute/60, c.EndMinute%60, zone)
}

package handlers

import (
	"fmt"
	"time"

	"github.com/portal-msp/portal/models"
)

// formatShortTime is an instant of a clock history in loc: the weekday
// first, since business hours are about days ("Fri 6 Jun 17:00 UTC").
func formatShortTime(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return t.Format("Mon 2 Jan 15:04") + " " + zoneAbbrev(t, loc)
}

// clockHistoryRows are a request's clock histories as rows of the activity
// export (time, request, who, what), each entry a row, its clock named.
// Only entries that start within [from, to) are kept (zero: no bound).
func clockHistoryRows(ref string, h *models.ClockHistory, loc *time.Location, from, to time.Time) []exportRow {
	if h == nil || h.Version == nil {
		return nil
	}
	var rows []exportRow
	for _, c := range h.Clocks {
		for _, e := range c.Entries {
			if !from.IsZero() && e.From.Before(from) || !to.IsZero() && !e.From.Before(to) {
				continue
			}
			what := fmt.Sprintf("%s clock: %s", c.Label, e.Title)
			if e.IsSpan() {
				end := "now"
				if !e.Open {
					end = e.To.In(loc).Format("2006-01-02 15:04")
				}
				what += fmt.Sprintf(" %s – %s (%s)", e.From.In(loc).Format("2006-01-02 15:04"), end, e.SecsText())
			}
			if e.Reason != "" {
				what += ": " + e.Reason
			}
			if e.Class == models.EntryStarted {
				what += fmt.Sprintf("; policy %s; counted %s of %s elapsed; %s", h.Version.Label(), c.CountedText(), c.ElapsedText(), c.Outcome())
			}
			rows = append(rows, exportRow{at: e.From, cells: []string{e.From.In(loc).Format("2006-01-02 15:04:05 MST"), ref, "", what}})
		}
	}
	return rows
}

// exportRow is a row of the activity export with the instant it sorts by.
type exportRow struct {
	at    time.Time
	cells []string
}

// localDay is midnight of date d's day in loc (zero stays zero).
func localDay(d time.Time, loc *time.Location) time.Time {
	if d.IsZero() {
		return d
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

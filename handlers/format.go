package handlers

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/portal-msp/portal/models"
)

// formatMinutes shows a duration of work as hours, e.g. 90 → "1.5 h",
// 20 → "0.33 h": the one format of hours everywhere (models.HoursText).
func formatMinutes(minutes int) string { return models.HoursText(minutes) }

// onePerLine shows a space-separated list (as settings store origins) one
// item per line, as the form asks for them.
func onePerLine(s string) string { return strings.Join(strings.Fields(s), "\n") }

// formatRemaining states what is left of an hour bank, or the overage the
// one way every page says it: "Over by 5.25 h".
func formatRemaining(minutes int) string {
	if minutes < 0 {
		return "Over by " + models.HoursText(-minutes)
	}
	return models.HoursText(minutes)
}

// zonedFuncs are the template functions that show an instant in the
// viewer's zone (templates.Set.In), always naming the zone.
func zonedFuncs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"datetime":  func(t time.Time) string { return formatDateTime(t, loc) },
		"date":      func(t time.Time) string { return formatDate(t, loc) },
		"shortTime": func(t time.Time) string { return formatShortTime(t, loc) }, // clock_history.go
		"ago":       func(t time.Time) string { return formatAgo(t, loc) },
		"zoneName":  func() string { return zoneLabel(loc) },
		// When an SLA calendar's clocks run, in its zone and the viewer's.
		"businessHours": func(c models.SLACalendar) string { return c.HoursTextFor(loc, models.Now()) },
	}
}

// formatDateTime is an instant in loc with the zone named: "28 Nov 2026 14:05 CET".
func formatDateTime(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return t.Format("2 Jan 2006 15:04") + " " + zoneAbbrev(t, loc)
}

// formatDate is the day an instant falls on in loc.
func formatDate(t time.Time, loc *time.Location) string { return t.In(loc).Format("2 Jan 2006") }

// zoneAbbrev names the zone at t: its abbreviation (CET, EST) or, for zones
// that have none ("+03"), UTC+03 with the IANA name.
func zoneAbbrev(t time.Time, loc *time.Location) string {
	abbr, _ := t.In(loc).Zone()
	if strings.IndexFunc(abbr, func(r rune) bool { return r >= 'A' && r <= 'Z' }) >= 0 {
		return abbr
	}
	return "UTC" + abbr + " (" + zoneLabel(loc) + ")"
}

// zoneLabel is a zone's IANA name for people: "America/New_York" → "New York".
func zoneLabel(loc *time.Location) string {
	name := loc.String()
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return strings.ReplaceAll(name, "_", " ")
}

func formatRFC3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// formatAgo says how long ago t was in words, for activity lists; after a
// month, the date in loc.
func formatAgo(t time.Time, loc *time.Location) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
	return formatDate(t, loc)
}

// plural is a count with its noun: "1 recipient", "3 recipients", "2 people".
func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	if many, ok := irregularPlurals[unit]; ok {
		return fmt.Sprintf("%d %s", n, many)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// irregularPlurals are the nouns plural counts whose plural is not noun+s.
var irregularPlurals = map[string]string{"person": "people"}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// eventLink is the page an activity item is about: its request (in the
// portal or, for staff, the console) or the monthly summaries; "" if none.
func eventLink(e models.ActivityEvent, staff bool) string {
	switch {
	case e.Kind == models.EventSummaryBuilt && !staff:
		return "/reports#summaries"
	case e.Request == nil:
		return ""
	case staff:
		return e.Request.ConsolePath()
	}
	return e.Request.PortalPath()
}

// eventText is the sentence an activity list shows for an event.
func eventText(e models.ActivityEvent) string {
	actor := "Someone"
	if e.Actor != nil {
		actor = e.Actor.Name
	}
	if text, ok := hourEventText(e, actor); ok { // client_hours.go
		return text
	}
	subject := "a request"
	if e.Request != nil {
		subject = fmt.Sprintf("“%s”", e.Request.Title)
	}
	switch e.Kind {
	case models.EventRequestSubmitted:
		return actor + " submitted " + subject
	case models.EventStatusChanged:
		return actor + " changed the status of " + subject + " to " + models.StatusLabel(e.Detail)
	case models.EventUrgencyChanged:
		return actor + " changed the urgency of " + subject + " to " + titleCase(e.Detail)
	case models.EventMessagePosted:
		return actor + " wrote on " + subject
	case models.EventInternalNote:
		return actor + " added an internal note to " + subject
	case models.EventTimeLogged:
		return actor + " logged " + models.NormalizeHoursText(e.Detail) + " on " + subject
	case models.EventSummaryBuilt:
		return "Monthly summary for " + e.Detail + " is ready"
	case models.EventRequestReopened:
		if e.Detail != "" {
			return actor + " reopened " + subject + ": “" + e.Detail + "”"
		}
		return actor + " reopened " + subject
	case models.EventRequestMarkedFixed:
		return actor + " marked " + subject + " as fixed"
	case models.EventFollowUpOpened:
		return actor + " started follow-up request #" + e.Detail + " of " + subject
	case models.EventUserJoined:
		return actor + " joined the portal"
	}
	return actor + " updated " + subject
}

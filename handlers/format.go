package handlers

import (
	"fmt"
	"strings"
	"time"

	"github.com/portal-msp/portal/models"
)

// formatMinutes shows a duration of work as hours, e.g. 90 → "1.5 h".
func formatMinutes(minutes int) string {
	h := float64(minutes) / 60
	s := fmt.Sprintf("%.2f", h)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + " h"
}

func formatDateTime(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") }

func formatDate(t time.Time) string { return t.Format("2 Jan 2006") }

func formatRFC3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// formatAgo says how long ago t was in words, for activity lists.
func formatAgo(t time.Time) string {
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
	return formatDate(t)
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// eventText is the sentence an activity list shows for an event.
func eventText(e models.ActivityEvent) string {
	actor := "Someone"
	if e.Actor != nil {
		actor = e.Actor.Name
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
		return actor + " logged " + e.Detail + " on " + subject
	case models.EventSummaryBuilt:
		return "Monthly summary for " + e.Detail + " is ready"
	}
	return actor + " updated " + subject
}

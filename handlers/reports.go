package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplReports templates.Page = "portal/reports"

// summariesShown is how many monthly summaries the Reports page lists.
const summariesShown = 24

// ReportsPage is the client's activity history, filtered by date, and its
// monthly summaries.
type ReportsPage struct {
	From, To  string // the filter as typed (YYYY-MM-DD)
	Errors    FieldErrors
	Activity  models.Page[models.ActivityEvent]
	PrevURL   string
	NextURL   string
	Summaries []SummaryRow
}

// Page is the activity page, for the shared "pager" template.
func (v *ReportsPage) Page() models.Page[models.ActivityEvent] { return v.Activity }

// SummaryRow is one month with its share of the busiest month's hours, which
// scales the hours bar.
type SummaryRow struct {
	models.MonthlySummary
	MaxMinutes int
}

// HoursMax is the hours bar's maximum (at least 1, so an idle year still draws).
func (r SummaryRow) HoursMax() int { return max(r.MaxMinutes, 1) }

func (s *Server) reports(c echo.Context, sc models.Scope) error {
	ctx := c.Request().Context()
	v := ReportsPage{From: strings.TrimSpace(c.QueryParam("from")), To: strings.TrimSpace(c.QueryParam("to")), Errors: FieldErrors{}}
	from, to := v.dates()

	sums, err := sc.MonthlySummaries(ctx, summariesShown)
	if err != nil {
		return err
	}
	most := 0
	for _, m := range sums {
		most = max(most, m.MinutesUsed)
	}
	for _, m := range sums {
		v.Summaries = append(v.Summaries, SummaryRow{MonthlySummary: m, MaxMinutes: most})
	}

	view := View{Title: "Reports", Nav: "reports", Data: &v}
	if v.Errors.Any() {
		return s.render(c, http.StatusUnprocessableEntity, tplReports, view)
	}
	if v.Activity, err = sc.ActivityHistory(ctx, models.ActivityFilter{From: from, To: to, Page: pageParam(c)}); err != nil {
		return err
	}
	v.PrevURL, v.NextURL = pageLinks("/reports", c.QueryParams(), v.Activity)
	return s.render(c, http.StatusOK, tplReports, view)
}

// dates parses the filter's dates, recording a message beside each field
// that is not a date and when the range ends before it starts.
func (v *ReportsPage) dates() (from, to time.Time) {
	parse := func(field, value string) time.Time {
		if value == "" {
			return time.Time{}
		}
		d, err := time.Parse(time.DateOnly, value)
		if err != nil || d.Year() < 1970 || d.Year() > 9999 {
			v.Errors[field] = "Enter a date such as 2026-11-01."
			return time.Time{}
		}
		return d
	}
	from, to = parse("from", v.From), parse("to", v.To)
	if !from.IsZero() && !to.IsZero() && from.After(to) {
		v.Errors["to"] = "The end date must be on or after the start date."
	}
	return from, to
}

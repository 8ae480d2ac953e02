package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplHours templates.Page = "portal/hours"

// HoursPage is the client's hour bank: the current period's balance, its
// top-ups and the time per request.
type HoursPage struct {
	HasBank bool
	models.HoursOverview
	Entries []models.ExportEntry // the period's entries, each open to a question
}

// PeriodText shows the period's dates, e.g. "1 Nov – 30 Nov 2026"; the stored
// end date is exclusive, so the last day shown is the one before it.
func (h HoursPage) PeriodText() string {
	first, last := h.Period.StartsOn, h.Period.EndsOn.AddDate(0, 0, -1)
	if first.Year() == last.Year() {
		return first.Format("2 Jan") + " – " + last.Format("2 Jan 2006")
	}
	return first.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006")
}

// OverMinutes is how far the period is over its purchased hours (0 if not).
func (h HoursPage) OverMinutes() int { return max(-h.Bank.RemainingMinutes(), 0) }

// PeriodOption is one entry of the period selector.
func (h HoursPage) PeriodOption(p models.BankPeriod) string { return periodText(p.Start, p.End) }

// MeterClass colours the bar: red on overage, yellow from 75 % used.
func (h HoursPage) MeterClass() string {
	switch {
	case h.Bank.Overage():
		return "meter-over"
	case h.Bank.UsedPercent() >= 75:
		return "meter-warn"
	}
	return ""
}

// periodParam reads ?period=YYYY-MM-DD (a period's first day); zero when
// absent, 404 when not a date.
func periodParam(c echo.Context) (time.Time, error) {
	v := c.QueryParam("period")
	if v == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, echo.ErrNotFound
	}
	return d, nil
}

func (s *Server) hours(c echo.Context, sc models.Scope) error {
	at, err := periodParam(c)
	if err != nil {
		return err
	}
	o, ok, err := sc.Hours(c.Request().Context(), models.Now(), at)
	if err != nil {
		return err
	}
	var entries []models.ExportEntry
	if ok {
		per := models.BankPeriod{Start: o.Period.StartsOn, End: o.Period.EndsOn}
		if entries, err = sc.PeriodTimeEntries(c.Request().Context(), per); err != nil {
			return err
		}
	}
	return s.render(c, http.StatusOK, tplHours, View{Title: "Hours", Nav: "hours",
		Data: HoursPage{HasBank: ok, HoursOverview: o, Entries: entries}})
}

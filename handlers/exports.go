package handlers

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// CSV exports of a client's time entries, activity history and monthly
// summaries, in the client's time zone. Client users export their own;
// staff export any client's, exactly as its people would get it.

// csvCell neutralises a cell a spreadsheet would run as a formula: one
// starting with =, +, -, @ (or a tab or carriage return) gets a leading
// apostrophe, so it is read as text.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// writeCSV answers with rows as a CSV download, every cell neutralised.
func writeCSV(c echo.Context, filename string, rows [][]string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, r := range rows {
		out := make([]string, len(r))
		for i, cell := range r {
			out[i] = csvCell(cell)
		}
		if err := w.Write(out); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// csvHours is minutes as a decimal number of hours: 90 → "1.5".
func csvHours(minutes int) string { return strings.TrimSuffix(models.HoursText(minutes), " h") }

func billingLabel(b string) string {
	if b == models.BillingBillable {
		return "yes"
	}
	return "not charged"
}

// timeEntriesCSV writes the period's time entries of sc's client.
func (s *Server) timeEntriesCSV(c echo.Context, sc models.Scope) error {
	ctx := c.Request().Context()
	at, err := periodParam(c)
	if err != nil {
		return err
	}
	client, err := sc.Client(ctx)
	if err != nil {
		return err
	}
	per, err := sc.ExportPeriod(ctx, models.Now(), at)
	if err != nil {
		return err
	}
	es, err := sc.PeriodTimeEntries(ctx, per)
	if err != nil {
		return err
	}
	rows := [][]string{{"Date", "Request", "Title", "Hours", "Billable", "Note"}}
	for _, e := range es {
		rows = append(rows, []string{e.WorkDate.Format(time.DateOnly), fmt.Sprintf("%s-%d", client.RequestPrefix, e.Number),
			e.Title, csvHours(e.Minutes), billingLabel(e.Billing), e.Note})
	}
	return writeCSV(c, client.Slug+"-time-"+per.Start.Format(time.DateOnly)+".csv", rows)
}

// activityCSV writes sc's client's activity history in ?from=&to=.
func (s *Server) activityCSV(c echo.Context, sc models.Scope) error {
	ctx := c.Request().Context()
	v := ReportsPage{From: strings.TrimSpace(c.QueryParam("from")), To: strings.TrimSpace(c.QueryParam("to")), Errors: FieldErrors{}}
	from, to := v.dates()
	if v.Errors.Any() {
		for _, msg := range v.Errors {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, msg)
		}
	}
	client, err := sc.Client(ctx)
	if err != nil {
		return err
	}
	loc := models.LoadLocation(client.Timezone)
	es, err := sc.ActivityForExport(ctx, models.ActivityFilter{From: from, To: to})
	if err != nil {
		return err
	}
	now := models.Now()
	clocks, err := sc.ClockHistoriesForExport(ctx, models.ActivityFilter{From: from, To: to}, now)
	if err != nil {
		return err
	}
	var timeline []exportRow
	for _, e := range es {
		ref, who := "", ""
		if e.Request != nil {
			ref = fmt.Sprintf("%s-%d", client.RequestPrefix, e.Request.Number)
		}
		if e.Actor != nil {
			who = e.Actor.Name
		}
		timeline = append(timeline, exportRow{at: e.CreatedAt, cells: []string{e.CreatedAt.In(loc).Format("2006-01-02 15:04:05 MST"), ref, who, eventText(e)}})
	}
	// Each request's clock history joins the timeline, entry by entry,
	// within the same dates as the events.
	start, end := localDay(from, loc), localDay(to, loc)
	if !end.IsZero() {
		end = end.AddDate(0, 0, 1)
	}
	for _, rc := range clocks {
		timeline = append(timeline, clockHistoryRows(fmt.Sprintf("%s-%d", client.RequestPrefix, rc.Number), rc.History, loc, start, end)...)
	}
	sort.SliceStable(timeline, func(i, j int) bool { return timeline[i].at.Before(timeline[j].at) })
	rows := [][]string{{"Time (" + loc.String() + ")", "Request", "Who", "What"}}
	for _, r := range timeline {
		rows = append(rows, r.cells)
	}
	return writeCSV(c, client.Slug+"-activity.csv", rows)
}

// summariesCSV writes sc's client's monthly summaries, oldest first.
func (s *Server) summariesCSV(c echo.Context, sc models.Scope) error {
	ctx := c.Request().Context()
	client, err := sc.Client(ctx)
	if err != nil {
		return err
	}
	sums, err := sc.MonthlySummaries(ctx, 1000)
	if err != nil {
		return err
	}
	rows := [][]string{{"Month", "Requests submitted", "Requests resolved", "Hours used", "SLA targets met", "SLA targets decided"}}
	for i := len(sums) - 1; i >= 0; i-- {
		m := sums[i]
		rows = append(rows, []string{m.Month.Format("2006-01"), strconv.Itoa(m.RequestsSubmitted), strconv.Itoa(m.RequestsResolved),
			csvHours(m.MinutesUsed), strconv.Itoa(m.SLAMet), strconv.Itoa(m.SLADecided)})
	}
	return writeCSV(c, client.Slug+"-monthly-summaries.csv", rows)
}

// staffScope is the scope of the client in the path, for staff exports.
func (s *Server) staffScope(c echo.Context) (models.Scope, error) {
	client, err := s.clientParam(c)
	if err != nil {
		return models.Scope{}, err
	}
	return models.ScopeOfClient(s.db, client.ID), nil
}

func (s *Server) consoleExportTime(c echo.Context) error {
	sc, err := s.staffScope(c)
	if err != nil {
		return err
	}
	return s.timeEntriesCSV(c, sc)
}

func (s *Server) consoleExportActivity(c echo.Context) error {
	sc, err := s.staffScope(c)
	if err != nil {
		return err
	}
	return s.activityCSV(c, sc)
}

func (s *Server) consoleExportSummaries(c echo.Context) error {
	sc, err := s.staffScope(c)
	if err != nil {
		return err
	}
	return s.summariesCSV(c, sc)
}

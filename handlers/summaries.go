package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/jobs"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const (
	tplSummary        templates.Page = "portal/summary"
	tplSummaryPreview templates.Page = "console/summary_preview"
)

// SummaryPage is one monthly summary as its client reads it. The console's
// preview renders the same "summary-body" block with the same data, so
// staff see exactly what the client sees.
type SummaryPage struct {
	ClientName string
	ClientID   int64 // the console's links (preview only)
	Summary    models.MonthlySummary
	Trend      []models.TrendMonth
	Chart      TrendChart
	Resolved   []models.ResolvedRequest // the month's completed requests, as the e-mail lists them
}

// summaryPage gathers a summary's page: the stored figures and the trend
// of the stored months before it.
func summaryPage(client *models.Client, sum *models.MonthlySummary, trend []models.TrendMonth, resolved []models.ResolvedRequest) SummaryPage {
	return SummaryPage{ClientName: client.Name, ClientID: client.ID, Summary: *sum, Trend: trend, Chart: newTrendChart(trend),
		Resolved: resolved}
}

// monthParam reads :month (2026-10); anything else is not found.
func monthParam(c echo.Context) (models.MonthlySummary, error) {
	m, err := models.ParseMonth(c.Param("month"))
	if err != nil {
		return models.MonthlySummary{}, echo.ErrNotFound
	}
	return models.MonthlySummary{Month: m}, nil
}

// monthlySummary is the portal's page of one of the client's summaries,
// where the summary e-mail links to.
func (s *Server) monthlySummary(c echo.Context, sc models.Scope) error {
	ctx := c.Request().Context()
	want, err := monthParam(c)
	if err != nil {
		return err
	}
	sum, err := sc.MonthlySummary(ctx, want.Month)
	if err != nil {
		return err
	}
	trend, err := sc.SummaryTrend(ctx, sum.Month)
	if err != nil {
		return err
	}
	client, err := sc.Client(ctx)
	if err != nil {
		return err
	}
	resolved, err := sc.ResolvedInMonth(ctx, client, sum.Month)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplSummary, View{Title: "Summary for " + sum.MonthLabel(), Nav: "reports",
		Data: summaryPage(client, sum, trend, resolved)})
}

// summaryPreview shows staff a client's summary as the client sees it.
func (s *Server) summaryPreview(c echo.Context) error {
	ctx := c.Request().Context()
	client, sum, err := s.summaryParam(c)
	if err != nil {
		return err
	}
	trend, err := models.SummaryTrend(ctx, s.db, client.ID, sum.Month)
	if err != nil {
		return err
	}
	resolved, err := models.ResolvedInMonth(ctx, s.db, client, sum.Month)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplSummaryPreview, View{Title: client.Name + " · Summary for " + sum.MonthLabel(),
		Nav: "clients", Data: summaryPage(client, sum, trend, resolved)})
}

// summaryParam is the client and stored summary the path names.
func (s *Server) summaryParam(c echo.Context) (*models.Client, *models.MonthlySummary, error) {
	client, err := s.clientParam(c)
	if err != nil {
		return nil, nil, err
	}
	want, err := monthParam(c)
	if err != nil {
		return nil, nil, err
	}
	sum, err := models.GetMonthlySummary(c.Request().Context(), s.db, client.ID, want.Month)
	if err != nil {
		return nil, nil, err
	}
	return client, sum, nil
}

// confirmSummaryResend asks before mailing a summary again, naming who
// will get it.
func (s *Server) confirmSummaryResend(c echo.Context) error {
	client, sum, err := s.summaryParam(c)
	if err != nil {
		return err
	}
	to, err := models.SummaryRecipients(c.Request().Context(), s.db, client)
	if err != nil {
		return err
	}
	consequence := fmt.Sprintf("%s's summary for %s will be e-mailed again to %s: %s.", client.Name, sum.MonthLabel(),
		plural(len(to), "recipient"), strings.Join(to, ", "))
	if len(to) == 0 {
		consequence = client.Name + " has no one who takes the summary by e-mail: no contact address and no one with e-mail on."
	}
	return s.confirm(c, ConfirmPage{Title: "Resend the summary for " + sum.MonthLabel() + "?",
		Consequence: consequence,
		Undo:        "An e-mail cannot be called back. The resend is recorded under your name.",
		Button:      "Resend summary", Cancel: clientHoursPath(client.ID) + "#summaries"})
}

// summaryResend mails a summary again to the client's summary recipients,
// each recorded as it is accepted, and records who asked.
func (s *Server) summaryResend(c echo.Context) error {
	ctx := c.Request().Context()
	client, sum, err := s.summaryParam(c)
	if err != nil {
		return err
	}
	if sum, err = models.StartSummaryResend(ctx, s.db, currentUser(c), client.ID, sum.Month); err != nil {
		return err
	}
	job := &jobs.Summaries{DB: s.db, Mailer: s.mailer, Log: s.log, BaseURL: strings.TrimRight(s.cfg.BaseURL.String(), "/")}
	d, err := job.Deliver(ctx, sum)
	switch {
	case errors.Is(err, jobs.ErrNoMailer):
		setFlash(c, "error", "E-mail is not configured, so the summary was not sent.")
	case err != nil:
		return err
	case len(d.Refused) > 0:
		setFlash(c, "error", fmt.Sprintf("Summary for %s sent to %s; the mail server refused %s. Resend again to retry only them.",
			sum.MonthLabel(), plural(len(d.Sent)+len(d.Already), "recipient"), strings.Join(d.Refused, ", ")))
	case len(d.Sent)+len(d.Already) == 0:
		setFlash(c, "error", "No one takes "+client.Name+"'s summary by e-mail, so nothing was sent.")
	default:
		setFlash(c, "success", fmt.Sprintf("Summary for %s sent to %s.", sum.MonthLabel(), plural(len(d.Sent)+len(d.Already), "recipient")))
	}
	return redirect(c, clientHoursPath(client.ID)+"#summaries")
}

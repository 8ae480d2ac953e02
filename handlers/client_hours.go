package handlers

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const (
	tplClientHours    templates.Page = "console/client_hours"
	tplClientPurchase templates.Page = "console/client_purchase"
)

// ClientHoursPage is console → client → Hours: the selected period's
// balance, the plan editor and the purchases, voided ones struck through.
type ClientHoursPage struct {
	Client    *models.Client
	HasBank   bool
	Overview  models.HoursOverview
	Plan      PlanForm
	Purchase  PurchaseForm
	Purchases []models.HourPurchase // all, oldest first
	// Low-balance alerts: the thresholds, whether the viewer follows the
	// client, and the alerts of the period shown.
	Thresholds ThresholdsForm
	Following  bool
	Alerts     []models.HourAlert
	// Summaries are the client's stored monthly summaries, newest first,
	// each with Preview and Resend.
	Summaries []models.MonthlySummary
}

// PeriodText shows the selected period's dates.
func (p ClientHoursPage) PeriodText() string {
	return periodText(p.Overview.Period.StartsOn, p.Overview.Period.EndsOn)
}

// periodText shows a period's dates, e.g. "1 Nov – 30 Nov 2026"; end is
// exclusive, so the last day shown is the one before it.
func periodText(start, end time.Time) string {
	last := end.AddDate(0, 0, -1)
	if start.Year() == last.Year() {
		return start.Format("2 Jan") + " – " + last.Format("2 Jan 2006")
	}
	return start.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006")
}

// PlanForm edits a client's hour plan.
type PlanForm struct {
	Kind, Hours, StartDay, AnchorMonth, OverageRate string
	Pooled                                          bool
	Rollover, RolloverCap, RolloverExpiry           string
	Errors                                          FieldErrors
}

// Kinds and RolloverModes list the choices with their labels.
func (PlanForm) Kinds() [][2]string {
	return [][2]string{{models.PlanNone, "No hour bank"}, {models.PlanMonthly, "Monthly retainer"},
		{models.PlanQuarterly, "Quarterly retainer"}, {models.PlanYearly, "Yearly retainer"},
		{models.PlanPrepaid, "Prepaid blocks only"}}
}

func (PlanForm) RolloverModes() [][2]string {
	return [][2]string{{models.RolloverOff, "Off: unused included hours lapse"},
		{models.RolloverAll, "All unused included hours"}, {models.RolloverCapped, "Up to a number of hours"}}
}

// Months names the months for the anchor select.
func (PlanForm) Months() [][2]string {
	out := make([][2]string, 12)
	for i := range out {
		out[i] = [2]string{strconv.Itoa(i + 1), time.Month(i + 1).String()}
	}
	return out
}

func planFormOf(p models.HourPlan) PlanForm {
	return PlanForm{Kind: p.Kind, Hours: hoursField(p.IncludedMinutes), StartDay: strconv.Itoa(max(p.StartDay, 1)),
		AnchorMonth: strconv.Itoa(max(p.AnchorMonth, 1)), OverageRate: p.OverageRate, Pooled: p.Pooled,
		Rollover: p.Rollover, RolloverCap: hoursField(p.RolloverCapMinutes), RolloverExpiry: strconv.Itoa(p.RolloverExpiryPeriods)}
}

// hoursField shows minutes as a decimal number of hours for a form field.
func hoursField(minutes int) string {
	return strconv.FormatFloat(float64(minutes)/60, 'f', -1, 64)
}

// parseHours reads hours as a decimal ("7.5", "7,5") or hours:minutes
// ("7:30"); ok is false for anything else or outside 0..max hours.
func parseHours(s string, maxHours float64) (minutes int, ok bool) {
	s = strings.TrimSpace(s)
	if h, m, found := strings.Cut(s, ":"); found {
		hours, err1 := strconv.Atoi(h)
		mins, err2 := strconv.Atoi(m)
		if err1 != nil || err2 != nil || hours < 0 || mins < 0 || mins > 59 || len(m) != 2 {
			return 0, false
		}
		minutes = hours*60 + mins
		return minutes, float64(minutes) <= maxHours*60
	}
	h, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	if err != nil || math.IsNaN(h) || h < 0 || h > maxHours {
		return 0, false
	}
	return int(math.Round(h * 60)), true
}

func (f *PlanForm) bind(c echo.Context, clientID int64) models.HourPlan {
	f.Kind = c.FormValue("kind")
	f.Hours = strings.TrimSpace(c.FormValue("hours"))
	f.Pooled = c.FormValue("pooled") == "1"
	f.StartDay = strings.TrimSpace(c.FormValue("start_day"))
	f.AnchorMonth = strings.TrimSpace(c.FormValue("anchor_month"))
	f.OverageRate = strings.TrimSpace(c.FormValue("overage_rate"))
	f.Rollover = c.FormValue("rollover")
	f.RolloverCap = strings.TrimSpace(c.FormValue("rollover_cap"))
	f.RolloverExpiry = strings.TrimSpace(c.FormValue("rollover_expiry"))
	f.Errors = FieldErrors{}
	p := models.HourPlan{ClientID: clientID, Kind: f.Kind, Pooled: f.Pooled, OverageRate: f.OverageRate,
		Rollover: f.Rollover, StartDay: 1, AnchorMonth: 1}
	known := false
	for _, k := range models.PlanKinds {
		known = known || k == f.Kind
	}
	if !known {
		f.Errors["kind"] = "Choose a plan."
	}
	if f.Hours == "" {
		f.Hours = "0"
	}
	if m, ok := parseHours(f.Hours, 100000); ok {
		p.IncludedMinutes = m
	} else {
		f.Errors["hours"] = "Enter a number of hours between 0 and 100000, such as 10 or 7.5."
	}
	if p.Retainer() && p.IncludedMinutes == 0 && !f.Errors.Any() {
		f.Errors["hours"] = "A retainer includes some hours each period; choose Prepaid blocks only or No hour bank otherwise."
	}
	if d, err := strconv.Atoi(f.StartDay); err == nil && d >= 1 && d <= 28 {
		p.StartDay = d
	} else {
		f.Errors["start_day"] = "Enter a day of the month from 1 to 28."
	}
	if m, err := strconv.Atoi(f.AnchorMonth); err == nil && m >= 1 && m <= 12 {
		p.AnchorMonth = m
	} else {
		f.Errors["anchor_month"] = "Choose the month a quarter or year starts in."
	}
	if len([]rune(f.OverageRate)) > 60 {
		f.Errors["overage_rate"] = "Overage rate is too long (at most 60 characters)."
	} else {
		f.Errors.singleLine("overage_rate", f.OverageRate, "Overage rate")
	}
	switch f.Rollover {
	case models.RolloverOff, models.RolloverAll:
	case models.RolloverCapped:
		if m, ok := parseHours(f.RolloverCap, 100000); ok && m > 0 {
			p.RolloverCapMinutes = m
		} else {
			f.Errors["rollover_cap"] = "Enter the most hours that roll over, such as 5."
		}
	default:
		f.Errors["rollover"] = "Choose what happens to unused hours."
	}
	if f.RolloverExpiry == "" {
		f.RolloverExpiry = "0"
	}
	if n, err := strconv.Atoi(f.RolloverExpiry); err == nil && n >= 0 && n <= 120 {
		p.RolloverExpiryPeriods = n
	} else {
		f.Errors["rollover_expiry"] = "Enter a number of periods from 0 (never expire) to 120."
	}
	return p
}

// PurchaseForm adds or edits a purchase.
type PurchaseForm struct {
	ID                                  int64
	Hours, On, Expires, Reference, Note string
	VoidReason                          string
	Errors                              FieldErrors
}

func purchaseFormOf(p *models.HourPurchase) PurchaseForm {
	f := PurchaseForm{ID: p.ID, Hours: hoursField(p.Minutes), On: p.PurchasedOn.Format(time.DateOnly),
		Reference: p.Reference, Note: p.Note}
	if p.ExpiresOn != nil {
		f.Expires = p.ExpiresOn.Format(time.DateOnly)
	}
	return f
}

func (f *PurchaseForm) bind(c echo.Context) models.PurchaseInput {
	f.Hours = strings.TrimSpace(c.FormValue("hours"))
	f.On = strings.TrimSpace(c.FormValue("on"))
	f.Expires = strings.TrimSpace(c.FormValue("expires"))
	f.Reference = strings.TrimSpace(c.FormValue("reference"))
	f.Note = strings.TrimSpace(c.FormValue("note"))
	f.Errors = FieldErrors{}
	var in models.PurchaseInput
	if m, ok := parseHours(f.Hours, 100000); ok && m > 0 {
		in.Minutes = m
	} else {
		f.Errors["hours"] = "Enter the hours bought, more than 0, such as 10 or 7.5."
	}
	on, err := time.Parse(time.DateOnly, f.On)
	if err != nil || on.Year() < 2000 || on.Year() > 2100 {
		f.Errors["on"] = "Enter the date bought, such as 2026-11-30."
	}
	in.On = on
	if f.Expires != "" {
		exp, err := time.Parse(time.DateOnly, f.Expires)
		switch {
		case err != nil || exp.Year() > 2200:
			f.Errors["expires"] = "Enter the last date the hours may be used, such as 2027-11-30, or leave it empty."
		case exp.Before(on):
			f.Errors["expires"] = "The expiry date cannot be before the date bought."
		default:
			in.ExpiresOn = &exp
		}
	}
	if len([]rune(f.Reference)) > 60 {
		f.Errors["reference"] = "Reference is too long (at most 60 characters)."
	} else {
		f.Errors.singleLine("reference", f.Reference, "Reference")
	}
	if len([]rune(f.Note)) > 500 {
		f.Errors["note"] = "Note is too long (at most 500 characters)."
	}
	in.Reference, in.Note = f.Reference, f.Note
	return in
}

func clientHoursPath(id int64) string { return clientPath(id) + "/hours" }

// clientHoursPage loads the page for the period asked for (?period=date).
func (s *Server) clientHoursPage(c echo.Context, client *models.Client) (ClientHoursPage, error) {
	ctx := c.Request().Context()
	p := ClientHoursPage{Client: client}
	at, err := periodParam(c)
	if err != nil {
		return p, err
	}
	o, ok, err := models.ClientHours(ctx, s.db, client.ID, models.Now(), at, true)
	if err != nil {
		return p, err
	}
	p.Overview, p.HasBank = o, ok
	plan, err := models.LoadHourPlan(ctx, s.db, client.ID)
	if err != nil {
		return p, err
	}
	p.Plan = planFormOf(plan)
	loc := models.LoadLocation(client.Timezone)
	p.Purchase = PurchaseForm{On: models.LocalDate(models.Now(), loc).Format(time.DateOnly)}
	if p.Purchases, err = models.ListPurchases(ctx, s.db, client.ID); err != nil {
		return p, err
	}
	ts, err := models.ListThresholds(ctx, s.db, client.ID)
	if err != nil {
		return p, err
	}
	p.Thresholds = ThresholdsForm{Value: models.ThresholdsText(ts), Errors: FieldErrors{}}
	if p.Following, err = models.Following(ctx, s.db, client.ID, currentUser(c).ID); err != nil {
		return p, err
	}
	if p.HasBank {
		all, err := models.PeriodAlerts(ctx, s.db, p.Overview.Period.StartsOn)
		if err != nil {
			return p, err
		}
		for _, a := range all[client.ID] {
			if a.PeriodStart.Equal(p.Overview.Period.StartsOn) {
				p.Alerts = append(p.Alerts, a)
			}
		}
	}
	if p.Summaries, err = models.ListMonthlySummaries(ctx, s.db, client.ID, summariesShown); err != nil {
		return p, err
	}
	return p, nil
}

func (s *Server) clientHours(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	p, err := s.clientHoursPage(c, client)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplClientHours, View{Title: client.Name + " · Hours", Nav: "clients", Data: p})
}

func (s *Server) clientPlanSave(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	var f PlanForm
	plan := f.bind(c, client.ID)
	if !f.Errors.Any() {
		if err := models.SaveHourPlan(c.Request().Context(), s.db, currentUser(c), plan); err != nil {
			return err
		}
		s.checkHourAlerts(c, client.ID)
		setFlash(c, "success", "Hour plan saved.")
		return redirect(c, clientHoursPath(client.ID))
	}
	p, err := s.clientHoursPage(c, client)
	if err != nil {
		return err
	}
	p.Plan = f
	return s.renderBlock(c, http.StatusUnprocessableEntity, tplClientHours, "plan-form",
		View{Title: client.Name + " · Hours", Nav: "clients", Data: p})
}

func (s *Server) clientPurchaseAdd(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	var f PurchaseForm
	in := f.bind(c)
	if !f.Errors.Any() {
		if _, err := models.AddPurchase(c.Request().Context(), s.db, currentUser(c), client.ID, in); err != nil {
			return err
		}
		s.checkHourAlerts(c, client.ID)
		setFlash(c, "success", models.HoursText(in.Minutes)+" added.")
		return redirect(c, clientHoursPath(client.ID))
	}
	p, err := s.clientHoursPage(c, client)
	if err != nil {
		return err
	}
	p.Purchase = f
	return s.renderBlock(c, http.StatusUnprocessableEntity, tplClientHours, "purchase-form",
		View{Title: client.Name + " · Hours", Nav: "clients", Data: p})
}

// PurchasePage edits or voids one purchase.
type PurchasePage struct {
	Client   *models.Client
	Purchase *models.HourPurchase
	Form     PurchaseForm
}

func (s *Server) purchaseParam(c echo.Context) (*models.Client, *models.HourPurchase, error) {
	client, err := s.clientParam(c)
	if err != nil {
		return nil, nil, err
	}
	id, err := idParam(c, "purchase")
	if err != nil {
		return nil, nil, err
	}
	p, err := models.GetPurchase(c.Request().Context(), s.db, client.ID, id)
	return client, p, err
}

func (s *Server) clientPurchaseEdit(c echo.Context) error {
	client, p, err := s.purchaseParam(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplClientPurchase, View{Title: "Purchase · " + client.Name, Nav: "clients",
		Data: PurchasePage{Client: client, Purchase: p, Form: purchaseFormOf(p)}})
}

func (s *Server) clientPurchaseUpdate(c echo.Context) error {
	client, p, err := s.purchaseParam(c)
	if err != nil {
		return err
	}
	f := PurchaseForm{ID: p.ID}
	in := f.bind(c)
	if !f.Errors.Any() {
		err := models.UpdatePurchase(c.Request().Context(), s.db, currentUser(c), client.ID, p.ID, in)
		switch {
		case errors.Is(err, models.ErrPurchaseVoided):
			f.Errors["hours"] = "This purchase is voided and can no longer be changed."
		case err != nil:
			return err
		default:
			s.checkHourAlerts(c, client.ID)
			setFlash(c, "success", "Purchase saved.")
			return redirect(c, clientHoursPath(client.ID))
		}
	}
	return s.renderBlock(c, http.StatusUnprocessableEntity, tplClientPurchase, "purchase-edit",
		View{Title: "Purchase · " + client.Name, Nav: "clients", Data: PurchasePage{Client: client, Purchase: p, Form: f}})
}

func (s *Server) clientPurchaseVoid(c echo.Context) error {
	client, p, err := s.purchaseParam(c)
	if err != nil {
		return err
	}
	f := purchaseFormOf(p)
	f.Errors = FieldErrors{}
	f.VoidReason = strings.TrimSpace(c.FormValue("reason"))
	f.Errors.line("reason", f.VoidReason, "Reason", 200)
	if !f.Errors.Any() {
		err := models.VoidPurchase(c.Request().Context(), s.db, currentUser(c), client.ID, p.ID, f.VoidReason)
		switch {
		case errors.Is(err, models.ErrPurchaseVoided):
			f.Errors["reason"] = "This purchase is already voided."
		case err != nil:
			return err
		default:
			s.checkHourAlerts(c, client.ID)
			setFlash(c, "success", "Purchase voided. It stays listed, struck through.")
			return redirect(c, clientHoursPath(client.ID))
		}
	}
	return s.renderBlock(c, http.StatusUnprocessableEntity, tplClientPurchase, "purchase-void",
		View{Title: "Purchase · " + client.Name, Nav: "clients", Data: PurchasePage{Client: client, Purchase: p, Form: f}})
}

// hourEventText is the sentence for an hour bank event, naming who.
func hourEventText(e models.ActivityEvent, actor string) (string, bool) {
	switch e.Kind {
	case models.EventHourPlanChanged:
		return actor + " changed the hour plan: " + e.Detail, true
	case models.EventHoursPurchased:
		return actor + " added " + e.Detail, true
	case models.EventHourPurchaseEdit:
		return actor + " changed a purchase: " + e.Detail, true
	case models.EventHourPurchaseVoid:
		return actor + " voided " + e.Detail, true
	case models.EventTimeClosedEdited:
		return actor + " changed time in a closed period: " + e.Detail, true
	case models.EventHoursAlert:
		return "Hour bank alert: " + e.Detail, true
	case models.EventTimeQuestioned:
		return actor + " questioned " + e.Detail + " of time", true
	case models.EventTimeQuestionAnswer:
		return actor + " answered a question on " + e.Detail, true
	case models.EventSummaryResent:
		if e.Actor == nil {
			return "The monthly summary for " + e.Detail + " was resent from the command line", true
		}
		return actor + " resent the monthly summary for " + e.Detail, true
	}
	return "", false
}

// planKind is a client's hour plan kind, for forms that name its period.
func (s *Server) planKind(c echo.Context, clientID int64) (string, error) {
	p, err := models.LoadHourPlan(c.Request().Context(), s.db, clientID)
	return p.Kind, err
}

// IncludedHoursLabel names the client form's included hours after the
// plan's period: the figure is per month, quarter or year as the plan says
// (a new client starts on a monthly plan).
func (f ClientForm) IncludedHoursLabel() string {
	switch f.PlanKind {
	case models.PlanQuarterly:
		return "Included hours per quarter"
	case models.PlanYearly:
		return "Included hours per year"
	case models.PlanNone, models.PlanPrepaid:
		return "Included hours per period (no retainer: set a plan on the Hours page)"
	}
	return "Included hours per month"
}

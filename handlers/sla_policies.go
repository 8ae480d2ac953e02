package handlers

import (
	"cmp"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const (
	tplSLAPolicies   templates.Page = "console/sla_policies"
	tplSLAPolicyForm templates.Page = "console/sla_policy"
)

// SLAPolicies is the admin list of policies and which client uses which.
type SLAPolicies struct {
	Policies  []*models.SLAPolicyBundle
	Clients   []models.Client
	Urgencies []string
}

// Uses reports whether client c has policy id as its own override.
func (SLAPolicies) Uses(c models.Client, id int64) bool {
	return c.SLAPolicyID != nil && *c.SLAPolicyID == id
}

func (s *Server) slaPolicies(c echo.Context) error {
	ctx := c.Request().Context()
	book, err := models.LoadSLABook(ctx, s.db)
	if err != nil {
		return err
	}
	clients, err := models.ListClients(ctx, s.db)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplSLAPolicies, View{Title: "SLA policies", Nav: "sla",
		Data: SLAPolicies{Policies: book.Policies(), Clients: clients, Urgencies: mostUrgentFirst()}})
}

// assignSLAPolicy sets a client's override (empty policy = the default).
func (s *Server) assignSLAPolicy(c echo.Context) error {
	ctx := c.Request().Context()
	clientID, err := strconv.ParseInt(c.FormValue("client_id"), 10, 64)
	if err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose a client.")
	}
	if _, err := models.GetClient(ctx, s.db, clientID); err != nil {
		return err
	}
	policyID, err := optionalID(c.FormValue("policy_id"))
	if err != nil {
		return err
	}
	if policyID != nil {
		if _, err := models.LoadSLAPolicy(ctx, s.db, *policyID); err != nil {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose a policy from the list.")
		}
	}
	if err := models.SetClientSLAPolicy(ctx, s.db, clientID, policyID); err != nil {
		return err
	}
	setFlash(c, "success", "SLA policy of the client saved. New requests use it; open ones keep their targets until their urgency changes.")
	return redirect(c, "/console/sla-policies")
}

// SLAPolicyForm is the create/edit form of a policy.
type SLAPolicyForm struct {
	ID             int64
	Name           string
	WarningPercent string
	IsDefault      bool
	WasDefault     bool
	AlwaysOpen     bool
	Timezone       string
	Days           []DayOption
	Start, End     string // "09:00"
	Holidays       string // one per line: "2026-12-25 Christmas Day"
	Targets        []TargetRow
	Errors         FieldErrors
}

// DayOption is one working-day checkbox.
type DayOption struct {
	Value   int // time.Weekday
	Label   string
	Checked bool
}

// TargetRow is one urgency's targets, as typed ("1:30" or minutes).
type TargetRow struct {
	Urgency, Label        string
	Response, Resolution  string
	ResponseError, ResErr string
}

// mostUrgentFirst lists the urgencies as tables show them.
func mostUrgentFirst() []string {
	out := make([]string, 0, len(models.Urgencies))
	for i := len(models.Urgencies) - 1; i >= 0; i-- {
		out = append(out, models.Urgencies[i])
	}
	return out
}

// weekOrder lists days Monday first, as people read a week.
var weekOrder = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

func clockText(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60, minute%60) }

// targetText is how an SLA target is written everywhere, in the list and
// in the form alike: "15 min", "1 h", "1 h 30 min", "40 h". parseTarget
// reads it back.
func targetText(minutes int) string {
	h, m := minutes/60, minutes%60
	switch {
	case minutes <= 0:
		return ""
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case m == 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}

// targetWords is a target as targetText writes it, spaces optional
// ("1h30min"), "m" and "mins" for "min".
var targetWords = regexp.MustCompile(`^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in|ins)?)?$`)

// policyForm fills the form from a stored policy (nil: a new one).
func policyForm(b *models.SLAPolicyBundle) SLAPolicyForm {
	f := SLAPolicyForm{WarningPercent: "75", Timezone: "UTC", Start: "09:00", End: "17:00", Errors: FieldErrors{}}
	workDays := 1<<time.Monday | 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday | 1<<time.Friday
	if b != nil {
		p, cal := b.Policy, b.Calendar
		f.ID, f.Name, f.WarningPercent, f.IsDefault, f.WasDefault = p.ID, p.Name, strconv.Itoa(p.WarningPercent), p.IsDefault, p.IsDefault
		f.AlwaysOpen, f.Timezone, f.Start, f.End = cal.AlwaysOpen, cal.Timezone, clockText(cal.StartMinute), clockText(cal.EndMinute)
		workDays = cal.WorkDays
		var lines []string
		for _, h := range b.Holidays {
			lines = append(lines, strings.TrimSpace(h.Day.Format("2006-01-02")+" "+h.Name))
		}
		f.Holidays = strings.Join(lines, "\n")
	}
	for _, d := range weekOrder {
		f.Days = append(f.Days, DayOption{Value: int(d), Label: d.String(), Checked: workDays&(1<<d) != 0})
	}
	for i := len(models.Urgencies) - 1; i >= 0; i-- {
		u := models.Urgencies[i]
		row := TargetRow{Urgency: u, Label: titleCase(u)}
		if b != nil {
			t := b.Targets[u]
			row.Response, row.Resolution = targetText(t.ResponseMinutes), targetText(t.ResolutionMinutes)
		}
		f.Targets = append(f.Targets, row)
	}
	return f
}

func (s *Server) newSLAPolicy(c echo.Context) error {
	return s.render(c, http.StatusOK, tplSLAPolicyForm, View{Title: "New SLA policy", Nav: "sla", Data: policyForm(nil)})
}

func (s *Server) editSLAPolicy(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	b, err := models.LoadSLAPolicy(c.Request().Context(), s.db, id)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplSLAPolicyForm, View{Title: "SLA policy " + b.Policy.Name, Nav: "sla", Data: policyForm(b)})
}

func (s *Server) createSLAPolicy(c echo.Context) error { return s.saveSLAPolicy(c, 0) }

func (s *Server) updateSLAPolicy(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := models.LoadSLAPolicy(c.Request().Context(), s.db, id); err != nil {
		return err
	}
	return s.saveSLAPolicy(c, id)
}

func (s *Server) saveSLAPolicy(c echo.Context, id int64) error {
	f, in := readPolicyForm(c)
	f.ID = id
	if f.Errors.Any() {
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplSLAPolicyForm, "form", View{Title: "SLA policy", Nav: "sla", Data: f})
	}
	if _, err := models.SaveSLAPolicy(c.Request().Context(), s.db, id, in); err != nil {
		return err
	}
	setFlash(c, "success", "SLA policy “"+in.Name+"” saved.")
	return redirect(c, "/console/sla-policies")
}

// parseClock reads "HH:MM" as minutes after midnight (24:00 allowed).
func parseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 1440 {
		return 0, false
	}
	return hh*60 + mm, true
}

// parseTarget reads a target as written by targetText ("1 h 30 min",
// "15 min", "4 h"), as minutes ("90") or as hours:minutes ("1:30", "40:00").
func parseTarget(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if g := targetWords.FindStringSubmatch(strings.ToLower(s)); g != nil && (g[1] != "" || g[2] != "") {
		hh, err1 := strconv.Atoi(cmp.Or(g[1], "0"))
		mm, err2 := strconv.Atoi(cmp.Or(g[2], "0"))
		if err1 != nil || err2 != nil || hh > 365*24 || mm > 365*24*60 {
			return 0, false
		}
		n := hh*60 + mm
		return n, n > 0 && n <= 365*24*60
	}
	if h, m, ok := strings.Cut(s, ":"); ok {
		hh, err1 := strconv.Atoi(h)
		mm, err2 := strconv.Atoi(m)
		if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 {
			return 0, false
		}
		n := hh*60 + mm
		return n, n > 0 && n <= 365*24*60
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0 && n <= 365*24*60
}

// readPolicyForm validates the policy form.
func readPolicyForm(c echo.Context) (SLAPolicyForm, models.SLAPolicyInput) {
	form, _ := c.FormParams()
	f := SLAPolicyForm{
		Name: strings.TrimSpace(c.FormValue("name")), WarningPercent: strings.TrimSpace(c.FormValue("warning_percent")),
		IsDefault: c.FormValue("is_default") == "1", AlwaysOpen: c.FormValue("always_open") == "1",
		Timezone: strings.TrimSpace(c.FormValue("timezone")), Start: c.FormValue("start"), End: c.FormValue("end"),
		Holidays: strings.TrimSpace(c.FormValue("holidays")), Errors: FieldErrors{},
	}
	in := models.SLAPolicyInput{Name: f.Name, IsDefault: f.IsDefault, AlwaysOpen: f.AlwaysOpen, Targets: map[string][2]int{}}
	f.Errors.line("name", f.Name, "Name", 100)
	warn, err := strconv.Atoi(f.WarningPercent)
	if err != nil || warn < 1 || warn > 99 {
		f.Errors["warning_percent"] = "Enter a percentage between 1 and 99."
	}
	in.WarningPercent = warn
	if !models.ValidTimezone(f.Timezone) {
		f.Errors["timezone"] = "Enter a time zone such as Europe/London or America/New_York."
	}
	in.Timezone = f.Timezone
	checked := map[string]bool{}
	for _, v := range form["days"] {
		checked[v] = true
	}
	for _, d := range weekOrder {
		on := checked[strconv.Itoa(int(d))]
		f.Days = append(f.Days, DayOption{Value: int(d), Label: d.String(), Checked: on})
		if on {
			in.WorkDays |= 1 << d
		}
	}
	start, okStart := parseClock(f.Start)
	end, okEnd := parseClock(f.End)
	in.StartMinute, in.EndMinute = start, end
	if !f.AlwaysOpen {
		switch {
		case !okStart || !okEnd:
			f.Errors["hours"] = "Enter the opening and closing times as HH:MM."
		case end <= start:
			f.Errors["hours"] = "Closing time must be after opening time."
		case in.WorkDays == 0:
			f.Errors["days"] = "Choose at least one working day, or make the calendar 24x7."
		}
	}
	if !okStart || !okEnd || end <= start {
		in.StartMinute, in.EndMinute = 9*60, 17*60
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(f.Holidays, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		day, name, _ := strings.Cut(line, " ")
		d, err := time.Parse("2006-01-02", day)
		if err != nil || utf8.RuneCountInString(name) > 100 {
			f.Errors["holidays"] = "Write one holiday per line: a date such as 2026-12-25, then its name."
			break
		}
		if seen[day] {
			continue
		}
		seen[day] = true
		in.Holidays = append(in.Holidays, models.SLAHoliday{Day: d, Name: strings.TrimSpace(name)})
	}
	for i := len(models.Urgencies) - 1; i >= 0; i-- {
		u := models.Urgencies[i]
		row := TargetRow{Urgency: u, Label: titleCase(u),
			Response: strings.TrimSpace(c.FormValue("response_" + u)), Resolution: strings.TrimSpace(c.FormValue("resolution_" + u))}
		resp, ok1 := parseTarget(row.Response)
		res, ok2 := parseTarget(row.Resolution)
		if !ok1 {
			row.ResponseError = "Enter a time such as 1:30 or 90 (minutes)."
			f.Errors["response_"+u] = row.ResponseError
		}
		if !ok2 {
			row.ResErr = "Enter a time such as 8:00 or 480 (minutes)."
			f.Errors["resolution_"+u] = row.ResErr
		} else if ok1 && res < resp {
			row.ResErr = "Resolution cannot come before the first response."
			f.Errors["resolution_"+u] = row.ResErr
		}
		in.Targets[u] = [2]int{resp, res}
		f.Targets = append(f.Targets, row)
	}
	return f, in
}

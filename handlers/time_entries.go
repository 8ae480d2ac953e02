package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplTimeEntryEdit templates.Page = "console/request_time"

// maxNoteLength bounds a time entry's note.
const maxNoteLength = 1000

// readTimeForm validates the log time form into a model input.
func readTimeForm(c echo.Context, action string) (TimeForm, models.TimeEntryInput) {
	f := TimeForm{Action: action, Duration: strings.TrimSpace(c.FormValue("duration")),
		Date: strings.TrimSpace(c.FormValue("date")), Note: strings.TrimSpace(c.FormValue("note")), Errors: FieldErrors{}}
	var in models.TimeEntryInput
	minutes, ok := models.ParseWorkDuration(f.Duration)
	if !ok {
		f.Errors["duration"] = "Enter minutes (90) or hours and minutes (1:30), at most 24 hours."
	}
	day, err := time.Parse("2006-01-02", f.Date)
	if err != nil {
		f.Errors["date"] = "Enter a date such as 2026-11-24."
	} else if day.After(models.Now().AddDate(0, 0, 1)) {
		f.Errors["date"] = "The date cannot be in the future."
	}
	if utf8.RuneCountInString(f.Note) > maxNoteLength {
		f.Errors["note"] = "Note is too long (at most 1000 characters)."
	}
	f.Errors.singleLine("note", f.Note, "Note")
	f.Billing = c.FormValue("billing")
	if f.Billing == "" {
		f.Billing = models.BillingBillable
	}
	if !models.ValidBilling(f.Billing) {
		f.Errors["billing"] = "Choose whether the time is charged."
	}
	in.Minutes, in.WorkDate, in.Note, in.Billing = minutes, day, f.Note, f.Billing
	in.ConfirmClosed = c.FormValue("confirm_closed") == "1"
	return f, in
}

func (s *Server) logTime(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	f, in := readTimeForm(c, models.ConsoleRequestPath(id)+"/time")
	if f.Errors.Any() {
		p, err := s.consoleRequestPage(c, id)
		if err != nil {
			return err
		}
		p.Time = f
		return s.renderConsoleRequest(c, http.StatusUnprocessableEntity, "time-form", p)
	}
	e, err := models.LogTime(c.Request().Context(), s.db, currentUser(c), id, in)
	if err != nil {
		return err
	}
	s.checkHourAlerts(c, e.ClientID)
	setFlash(c, "success", "Logged "+formatMinutes(in.Minutes)+".")
	return redirect(c, models.ConsoleRequestPath(id))
}

// TimeEntryEdit is the page that edits one time entry.
type TimeEntryEdit struct {
	RequestID int64
	Ref       string
	Form      TimeForm
}

// entryIDs reads a time entry's request id and its own id from the path.
func entryIDs(c echo.Context) (reqID, entryID int64, err error) {
	if reqID, err = idParam(c, "id"); err != nil {
		return 0, 0, err
	}
	if entryID, err = idParam(c, "entry"); err != nil {
		return 0, 0, err
	}
	return reqID, entryID, nil
}

// entryPath is the URL of a time entry.
func entryPath(requestID, entryID int64) string {
	return models.ConsoleRequestPath(requestID) + "/time/" + strconv.FormatInt(entryID, 10)
}

func (s *Server) editTimeEntry(c echo.Context) error {
	id, entryID, err := entryIDs(c)
	if err != nil {
		return err
	}
	d, err := models.GetRequestForStaff(c.Request().Context(), s.db, id, models.Now())
	if err != nil {
		return err
	}
	me := currentUser(c)
	for _, e := range d.TimeEntries {
		if e.ID != entryID {
			continue
		}
		if e.StaffID != me.ID && !me.IsAdmin() {
			return echo.NewHTTPError(http.StatusForbidden, "Only the person who logged this time, or an admin, can change it.")
		}
		f := TimeForm{Action: entryPath(id, entryID), Duration: strconv.Itoa(e.Minutes),
			Date: e.WorkDate.Format("2006-01-02"), Note: e.Note, Billing: e.Billing, Errors: FieldErrors{}}
		per, closed, err := models.PeriodOf(c.Request().Context(), s.db, e.ClientID, e.WorkDate, models.Now())
		if err != nil {
			return err
		}
		if closed {
			f.ClosedPeriod = periodText(per.Start, per.End)
		}
		return s.render(c, http.StatusOK, tplTimeEntryEdit, View{Title: "Edit time", Nav: "queue",
			Data: TimeEntryEdit{RequestID: id, Ref: d.Ref(), Form: f}})
	}
	return echo.ErrNotFound
}

func (s *Server) updateTimeEntry(c echo.Context) error {
	id, entryID, err := entryIDs(c)
	if err != nil {
		return err
	}
	f, in := readTimeForm(c, entryPath(id, entryID))
	if f.Errors.Any() {
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplTimeEntryEdit, "form",
			View{Title: "Edit time", Nav: "queue", Data: TimeEntryEdit{RequestID: id, Form: f}})
	}
	err = models.UpdateTimeEntry(c.Request().Context(), s.db, currentUser(c), id, entryID, in)
	if closed := (models.ClosedPeriodError{}); errors.As(err, &closed) {
		f.ClosedPeriod = periodText(closed.Period.Start, closed.Period.End)
		f.Errors["confirm_closed"] = "Confirm that you mean to change time in a closed period."
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplTimeEntryEdit, "form",
			View{Title: "Edit time", Nav: "queue", Data: TimeEntryEdit{RequestID: id, Form: f}})
	}
	if errors.Is(err, models.ErrNotAuthor) {
		return echo.NewHTTPError(http.StatusForbidden, "Only the person who logged this time, or an admin, can change it.")
	}
	if err != nil {
		return err
	}
	if clientID, ok := s.clientOfRequest(c.Request().Context(), id); ok {
		s.checkHourAlerts(c, clientID)
	}
	setFlash(c, "success", "Time entry updated.")
	return redirect(c, models.ConsoleRequestPath(id))
}

func (s *Server) deleteTimeEntry(c echo.Context) error {
	id, entryID, err := entryIDs(c)
	if err != nil {
		return err
	}
	err = models.DeleteTimeEntry(c.Request().Context(), s.db, currentUser(c), id, entryID)
	if errors.Is(err, models.ErrNotAuthor) {
		return echo.NewHTTPError(http.StatusForbidden, "Only the person who logged this time, or an admin, can delete it.")
	}
	if err != nil {
		return err
	}
	setFlash(c, "success", "Time entry deleted.")
	return redirect(c, models.ConsoleRequestPath(id))
}

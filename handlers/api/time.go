package api

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// timeEntryJSON is one time entry.
type timeEntryJSON struct {
	ID        int64     `json:"id"`
	RequestID int64     `json:"request_id"`
	ClientID  int64     `json:"client_id"`
	StaffID   int64     `json:"staff_id"`
	Minutes   int       `json:"minutes"`
	WorkDate  string    `json:"work_date"` // YYYY-MM-DD
	Note      string    `json:"note"`
	Billing   string    `json:"billing"` // billable, not_charged, hidden
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func timeEntryOut(e *models.TimeEntry) timeEntryJSON {
	return timeEntryJSON{ID: e.ID, RequestID: e.RequestID, ClientID: e.ClientID, StaffID: e.StaffID, Minutes: e.Minutes,
		WorkDate: e.WorkDate.Format(time.DateOnly), Note: e.Note, Billing: e.Billing, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

// timeEffectJSON answers a change of time: the entry (absent once voided)
// and the client's hour bank after it.
type timeEffectJSON struct {
	TimeEntry *timeEntryJSON `json:"time_entry,omitempty"`
	Voided    bool           `json:"voided,omitempty"`
	HourBank  hourBankJSON   `json:"hour_bank"`
}

func (a *API) listTimeEntries(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := models.ClientOfRequest(ctx, a.db, id); err != nil {
		return err
	}
	es, err := models.TimeEntriesAfter(ctx, a.db, id, after, limit+1)
	if err != nil {
		return err
	}
	out := make([]timeEntryJSON, len(es))
	for i := range es {
		out[i] = timeEntryOut(&es[i])
	}
	return answerList(c, out, limit, func(x timeEntryJSON) int64 { return x.ID })
}

// timeBody is a time entry to log or the new values of one.
type timeBody struct {
	Minutes       int    `json:"minutes"`
	WorkDate      string `json:"work_date"`
	Note          string `json:"note"`
	Billing       string `json:"billing"`
	ConfirmClosed bool   `json:"confirm_closed_period"` // change time in a closed hour bank period
}

// maxNote is the longest time entry note, as in the console.
const maxNote = 1000

// input checks b as the console's time form does.
func (b timeBody) input() (models.TimeEntryInput, error) {
	var errs fields
	if b.Minutes < 1 || b.Minutes > 24*60 {
		errs.add("minutes", "A whole number of minutes from 1 to 1440.")
	}
	day, err := time.Parse(time.DateOnly, b.WorkDate)
	if err != nil {
		errs.add("work_date", "A date such as 2026-11-24.")
	} else if day.After(models.Now().AddDate(0, 0, 1)) {
		errs.add("work_date", "Cannot be in the future.")
	}
	note := strings.TrimSpace(b.Note)
	if utf8.RuneCountInString(note) > maxNote || !singleLine(note) {
		errs.add("note", "One line of at most 1000 characters.")
	}
	if b.Billing == "" {
		b.Billing = models.BillingBillable
	}
	if !models.ValidBilling(b.Billing) {
		errs.add("billing", "One of billable, not_charged, hidden.")
	}
	return models.TimeEntryInput{Minutes: b.Minutes, WorkDate: day, Note: note, Billing: b.Billing,
		ConfirmClosed: b.ConfirmClosed}, errs.err()
}

// timeProblem turns the refusals of a time change into problems.
func timeProblem(err error) error {
	var closed models.ClosedPeriodError
	switch {
	case errors.As(err, &closed):
		return problem(http.StatusConflict, probConflict, "Closed period",
			"This time falls in a closed hour bank period; send confirm_closed_period: true to change it anyway.")
	case errors.Is(err, models.ErrNotAuthor):
		return problem(http.StatusForbidden, probForbidden, "Not yours", "Only the entry's author or an admin may change it.")
	}
	return err
}

// answerTime writes the entry (if any) with the client's hour bank after it.
func (a *API) answerTime(c echo.Context, status int, clientID int64, e *models.TimeEntry) error {
	if a.opts.HoursChanged != nil {
		a.opts.HoursChanged(c, clientID)
	}
	bank, err := a.hourBank(c, clientID)
	if err != nil {
		return err
	}
	out := timeEffectJSON{HourBank: bank, Voided: e == nil}
	if e != nil {
		j := timeEntryOut(e)
		out.TimeEntry = &j
	}
	return c.JSON(status, out)
}

func (a *API) createTimeEntry(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b timeBody
	if err := bind(c, &b); err != nil {
		return err
	}
	in, err := b.input()
	if err != nil {
		return err
	}
	e, err := models.LogTime(c.Request().Context(), a.db, actor(c), id, in)
	if err != nil {
		return timeProblem(err)
	}
	c.Response().Header().Set("Location", a.link("/requests/"+itoa(id)+"/time-entries"))
	return a.answerTime(c, http.StatusCreated, e.ClientID, e)
}

func (a *API) entryIDs(c echo.Context) (int64, int64, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return 0, 0, err
	}
	entry, err := pathID(c, "entry")
	return id, entry, err
}

func (a *API) changeTimeEntry(c echo.Context) error {
	id, entryID, err := a.entryIDs(c)
	if err != nil {
		return err
	}
	var b timeBody
	if err := bind(c, &b); err != nil {
		return err
	}
	in, err := b.input()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := models.UpdateTimeEntry(ctx, a.db, actor(c), id, entryID, in); err != nil {
		return timeProblem(err)
	}
	e := new(models.TimeEntry)
	if err := a.db.NewSelect().Model(e).Where("id = ?", entryID).Scan(ctx); err != nil {
		return err
	}
	return a.answerTime(c, http.StatusOK, e.ClientID, e)
}

// voidTimeEntry removes an entry (the console's delete), answering with the
// hour bank after it.
func (a *API) voidTimeEntry(c echo.Context) error {
	id, entryID, err := a.entryIDs(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	clientID, err := models.ClientOfRequest(ctx, a.db, id)
	if err != nil {
		return err
	}
	if err := models.DeleteTimeEntry(ctx, a.db, actor(c), id, entryID); err != nil {
		return timeProblem(err)
	}
	return a.answerTime(c, http.StatusOK, clientID, nil)
}

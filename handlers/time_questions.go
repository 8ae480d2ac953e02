package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const (
	tplTimeQuestion        templates.Page = "portal/time_question"
	tplConsoleTimeQuestion templates.Page = "console/time_question"
)

// TimeQuestionPage is one time entry with its question thread: the client
// asks, staff answer, adjust or void with a reason.
type TimeQuestionPage struct {
	Client *models.Client
	models.QuestionedEntry
	Body    string // the client's message being written
	Outcome string // staff's choice
	Minutes string // staff's adjusted duration
	Errors  FieldErrors
}

// Ref is the entry's request number.
func (p TimeQuestionPage) Ref() string { return p.Client.RequestPrefix + "-" + strconv.Itoa(p.Number) }

func questionBody(errs FieldErrors, field, label, body string) {
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		errs[field] = label + " is required."
	case n > models.MaxQuestionLength:
		errs[field] = label + " is too long (at most " + strconv.Itoa(models.MaxQuestionLength) + " characters)."
	}
}

func (s *Server) timeQuestion(c echo.Context, sc models.Scope) error {
	return s.renderTimeQuestion(c, sc, http.StatusOK, TimeQuestionPage{Errors: FieldErrors{}})
}

func (s *Server) renderTimeQuestion(c echo.Context, sc models.Scope, status int, p TimeQuestionPage) error {
	ctx := c.Request().Context()
	id, err := idParam(c, "entry")
	if err != nil {
		return err
	}
	qe, err := sc.QuestionedEntry(ctx, id)
	if err != nil {
		return err
	}
	if p.Client, err = sc.Client(ctx); err != nil {
		return err
	}
	p.QuestionedEntry = *qe
	return s.render(c, status, tplTimeQuestion, View{Title: "Question on time", Nav: "hours", Data: p})
}

func (s *Server) askTimeQuestion(c echo.Context, sc models.Scope) error {
	id, err := idParam(c, "entry")
	if err != nil {
		return err
	}
	p := TimeQuestionPage{Body: strings.TrimSpace(c.FormValue("body")), Errors: FieldErrors{}}
	questionBody(p.Errors, "body", "Your question", p.Body)
	if p.Errors.Any() {
		return s.renderTimeQuestion(c, sc, http.StatusUnprocessableEntity, p)
	}
	if err := sc.AskAboutEntry(c.Request().Context(), id, p.Body); err != nil {
		return err
	}
	setFlash(c, "success", "Question sent. Your provider will answer here.")
	return redirect(c, "/hours/entries/"+strconv.FormatInt(id, 10))
}

func (s *Server) consoleTimeQuestion(c echo.Context) error {
	return s.renderConsoleTimeQuestion(c, http.StatusOK, TimeQuestionPage{Outcome: models.QuestionAnswered, Errors: FieldErrors{}})
}

func (s *Server) renderConsoleTimeQuestion(c echo.Context, status int, p TimeQuestionPage) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "entry")
	if err != nil {
		return err
	}
	qe, err := models.StaffQuestionedEntry(c.Request().Context(), s.db, client.ID, id)
	if err != nil {
		return err
	}
	p.Client, p.QuestionedEntry = client, *qe
	if p.Minutes == "" {
		p.Minutes = strconv.Itoa(qe.Entry.Minutes)
	}
	return s.render(c, status, tplConsoleTimeQuestion, View{Title: "Question on time", Nav: "hours", Data: p})
}

func (s *Server) answerTimeQuestion(c echo.Context) error {
	client, err := s.clientParam(c)
	if err != nil {
		return err
	}
	id, err := idParam(c, "entry")
	if err != nil {
		return err
	}
	p := TimeQuestionPage{Body: strings.TrimSpace(c.FormValue("reason")), Outcome: c.FormValue("outcome"),
		Minutes: strings.TrimSpace(c.FormValue("minutes")), Errors: FieldErrors{}}
	a := models.QuestionAnswer{Outcome: p.Outcome, Reason: p.Body}
	switch p.Outcome {
	case models.QuestionAnswered, models.QuestionVoided:
	case models.QuestionAdjusted:
		m, ok := models.ParseWorkDuration(p.Minutes)
		if !ok {
			p.Errors["minutes"] = "Enter minutes (90) or hours and minutes (1:30), at most 24 hours."
		}
		a.Minutes = m
	default:
		p.Errors["outcome"] = "Choose whether you answer, adjust or void the entry."
	}
	questionBody(p.Errors, "reason", "The reason", p.Body)
	if !p.Errors.Any() {
		err := models.AnswerQuestion(c.Request().Context(), s.db, currentUser(c), client.ID, id, a)
		switch {
		case errors.Is(err, models.ErrQuestionClosed):
			p.Errors["reason"] = "This question has already been answered."
		case err != nil:
			return err
		default:
			s.checkHourAlerts(c, client.ID)
			setFlash(c, "success", "Answer sent to the client.")
			return redirect(c, "/console/hours")
		}
	}
	return s.renderConsoleTimeQuestion(c, http.StatusUnprocessableEntity, p)
}

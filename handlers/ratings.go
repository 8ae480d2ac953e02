package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const (
	tplRated        templates.Page = "auth/rated"
	tplSatisfaction templates.Page = "console/satisfaction"
)

// RatedPage answers a one-click rating link of the completion e-mail.
type RatedPage struct {
	OK      bool
	Ref     string
	Number  int
	Rating  string
	Problem string
}

// rateByLink records the rating a completion e-mail's link carries. It
// needs no sign-in: the single-use token is the permission, and it changes
// nothing but the rating. Tampered, expired and spent links are refused.
func (s *Server) rateByLink(c echo.Context) error {
	ctx := c.Request().Context()
	rating := c.Param("rating")
	r, err := models.RateByToken(ctx, s.db, c.Param("token"), rating)
	page := RatedPage{Rating: rating}
	status := http.StatusOK
	switch {
	case errors.Is(err, models.ErrNotFound), errors.Is(err, models.ErrBadRating):
		status, page.Problem = http.StatusNotFound, "This rating link is not valid. It may have been mistyped."
	case errors.Is(err, models.ErrRatingLinkUsed):
		status, page.Problem = http.StatusGone, "This rating link was already used."
	case errors.Is(err, models.ErrRatingClosed):
		status, page.Problem = http.StatusGone, "This rating link has expired: the request can no longer be rated from it."
	case err != nil:
		return err
	default:
		client, err := models.GetClient(ctx, s.db, r.ClientID)
		if err != nil {
			return err
		}
		page.OK, page.Ref, page.Number = true, r.Ref(client.RequestPrefix), r.Number
	}
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return s.render(c, status, tplRated, View{Title: "Rating", Data: page})
}

// rateRequest records the client's rating (and comment) of a completed
// request from its page.
func (s *Server) rateRequest(c echo.Context, sc models.Scope) error {
	n, err := requestNumber(c)
	if err != nil {
		return err
	}
	rating, comment := c.FormValue("rating"), strings.TrimSpace(c.FormValue("comment"))
	errs := FieldErrors{}
	if !models.ValidRating(rating) {
		errs["rating"] = "Choose good or bad."
	}
	if utf8.RuneCountInString(comment) > models.MaxRatingCommentLength {
		errs["comment"] = "Comment is too long (at most 2000 characters)."
	}
	if !errs.Any() {
		err = sc.Rate(c.Request().Context(), n, rating, comment)
		switch {
		case errors.Is(err, models.ErrRatingClosed):
			errs["rating"] = "This request can no longer be rated."
		case err != nil:
			return err
		}
	}
	if errs.Any() {
		return s.requestDetailWith(c, sc, n, http.StatusUnprocessableEntity, RequestPage{RatingErrors: errs,
			RatingComment: comment, RatingChoice: rating})
	}
	setFlash(c, "success", "Thank you for your rating.")
	return redirect(c, models.PortalRequestPath(n))
}

// SatisfactionPage is the console's satisfaction figures for a month.
type SatisfactionPage struct {
	Month    string // "2026-11"
	Label    string
	PrevURL  string
	NextURL  string
	ByClient []models.Satisfaction
	ByAgent  []models.Satisfaction
}

// satisfaction shows the month's satisfaction per client and per agent.
func (s *Server) satisfaction(c echo.Context) error {
	ctx := c.Request().Context()
	now := models.Now()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if raw := c.QueryParam("month"); raw != "" {
		m, err := time.Parse("2006-01", raw)
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "Choose a month such as 2026-11.")
		}
		month = m
	}
	end := month.AddDate(0, 1, 0)
	p := SatisfactionPage{Month: month.Format("2006-01"), Label: models.MonthLabel(month),
		PrevURL: "/console/satisfaction?month=" + month.AddDate(0, -1, 0).Format("2006-01")}
	if end.Before(now) {
		p.NextURL = "/console/satisfaction?month=" + end.Format("2006-01")
	}
	var err error
	if p.ByClient, err = models.SatisfactionByClient(ctx, s.db, month, end); err != nil {
		return err
	}
	if p.ByAgent, err = models.SatisfactionByAgent(ctx, s.db, month, end); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplSatisfaction, View{Title: "Satisfaction", Nav: "queue", Data: p})
}

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

// RatedPage is the page of a completion e-mail's rating link: the choice
// (pre-selected from the link) and a button that records it, then the thank
// you; or why the link no longer works.
type RatedPage struct {
	Token   string
	Ref     string
	Title   string
	Number  int
	Rating  string // chosen: from the link, then from the form
	Comment string
	Errors  FieldErrors
	Done    bool // recorded
	Problem string
}

// rateLinkShow is what opening a rating link shows: the request and the
// choice, recorded only by the page's button. Mail scanners and link
// previews open every link in a message; opening one records nothing. No
// sign-in is needed: the single-use token is the permission, and it
// changes nothing but the rating.
func (s *Server) rateLinkShow(c echo.Context) error {
	rating := c.Param("rating")
	if !models.ValidRating(rating) {
		return s.renderRated(c, http.StatusNotFound, RatedPage{Problem: ratingLinkInvalid})
	}
	r, err := models.RatingLink(c.Request().Context(), s.db, c.Param("token"))
	if page, status, ok := ratingLinkProblem(err); ok {
		return s.renderRated(c, status, page)
	} else if err != nil {
		return err
	}
	page, err := s.ratedPage(c, r)
	if err != nil {
		return err
	}
	page.Rating = rating
	return s.renderRated(c, http.StatusOK, page)
}

// rateLinkSubmit records the rating posted from a rating link's page. The
// token in the address is the authority; the form's CSRF token (csrf.go,
// bound to this browser's cookie) keeps another site from posting it.
func (s *Server) rateLinkSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.Param("token")
	rating, comment := c.FormValue("rating"), strings.TrimSpace(c.FormValue("comment"))
	errs := FieldErrors{}
	if !models.ValidRating(rating) {
		errs["rating"] = "Choose good or bad."
	}
	if utf8.RuneCountInString(comment) > models.MaxRatingCommentLength {
		errs["comment"] = "Comment is too long (at most 2000 characters)."
	}
	if errs.Any() {
		r, err := models.RatingLink(ctx, s.db, token)
		if page, status, ok := ratingLinkProblem(err); ok {
			return s.renderRated(c, status, page)
		} else if err != nil {
			return err
		}
		page, err := s.ratedPage(c, r)
		if err != nil {
			return err
		}
		page.Rating, page.Comment, page.Errors = rating, comment, errs
		return s.renderRated(c, http.StatusUnprocessableEntity, page)
	}
	r, err := models.RateByToken(ctx, s.db, token, rating, comment)
	if page, status, ok := ratingLinkProblem(err); ok {
		return s.renderRated(c, status, page)
	} else if err != nil {
		return err
	}
	page, err := s.ratedPage(c, r)
	if err != nil {
		return err
	}
	page.Rating, page.Done = rating, true
	return s.renderRated(c, http.StatusOK, page)
}

const ratingLinkInvalid = "This rating link is not valid. It may have been mistyped."

// ratingLinkProblem is the page of a link that cannot rate (tampered,
// spent, expired), or ok false for any other error.
func ratingLinkProblem(err error) (RatedPage, int, bool) {
	switch {
	case errors.Is(err, models.ErrNotFound), errors.Is(err, models.ErrBadRating):
		return RatedPage{Problem: ratingLinkInvalid}, http.StatusNotFound, true
	case errors.Is(err, models.ErrRatingLinkUsed):
		return RatedPage{Problem: "This rating link was already used."}, http.StatusGone, true
	case errors.Is(err, models.ErrRatingClosed):
		return RatedPage{Problem: "This rating link has expired: the request can no longer be rated from it."}, http.StatusGone, true
	}
	return RatedPage{}, 0, false
}

// ratedPage names the request a link rates.
func (s *Server) ratedPage(c echo.Context, r *models.Request) (RatedPage, error) {
	client, err := models.GetClient(c.Request().Context(), s.db, r.ClientID)
	if err != nil {
		return RatedPage{}, err
	}
	return RatedPage{Token: c.Param("token"), Ref: r.Ref(client.RequestPrefix), Title: r.Title, Number: r.Number,
		Errors: FieldErrors{}}, nil
}

// renderRated shows a rating link's page. It is not sent on as a referrer:
// its address is the token.
func (s *Server) renderRated(c echo.Context, status int, page RatedPage) error {
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

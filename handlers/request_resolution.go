package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// A client's side of a request's resolution: "This is fixed" on an open
// request, "Reopen" within the reopen window, and after it a follow-up
// request linked to the completed one.

// reopenClosedMessage is shown beside the composer when a reply can no longer reopen.
const reopenClosedMessage = "This request was completed too long ago to reopen. Start a follow-up request instead."

// reopenClosedFilesMessage says where files sent with such a reply went:
// nowhere, as the request takes no more messages (the follow-up form takes
// text; its page then takes files).
const reopenClosedFilesMessage = "Your files were not sent. Start the follow-up request, then attach them to it."

// markFixed completes the client's open request with their optional note.
func (s *Server) markFixed(c echo.Context, sc models.Scope) error {
	ctx := c.Request().Context()
	n, err := requestNumber(c)
	if err != nil {
		return err
	}
	note := strings.TrimSpace(c.FormValue("note"))
	errs := FieldErrors{}
	if utf8.RuneCountInString(note) > models.MaxResolutionLength {
		errs["note"] = "Note is too long (at most 4000 characters)."
	}
	errs.singleLine("note", note, "Note")
	if !errs.Any() {
		err = sc.MarkFixed(ctx, n, note, currentUser(c).Name)
		if errors.Is(err, models.ErrRequestNotOpen) {
			errs["note"] = "This request is already completed."
		} else if err != nil {
			return err
		}
	}
	if errs.Any() {
		return s.requestDetailWith(c, sc, n, http.StatusUnprocessableEntity, RequestPage{FixedNote: note, FixedErrors: errs})
	}
	setFlash(c, "success", "Thank you. The request is marked as fixed.")
	return redirect(c, models.PortalRequestPath(n))
}

// reopenRequest puts the client's completed request back in progress, with
// the client's optional reason for staff.
func (s *Server) reopenRequest(c echo.Context, sc models.Scope) error {
	n, err := requestNumber(c)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	refuse := func(msg string) error {
		return s.requestDetailWith(c, sc, n, http.StatusUnprocessableEntity, RequestPage{ReopenError: msg, ReopenReason: reason})
	}
	if utf8.RuneCountInString(reason) > models.MaxReopenReasonLength {
		return refuse(fmt.Sprintf("The reason is too long (at most %d characters).", models.MaxReopenReasonLength))
	}
	err = sc.Reopen(c.Request().Context(), n, reason)
	switch {
	case errors.Is(err, models.ErrReopenWindowClosed):
		return refuse(reopenClosedMessage)
	case errors.Is(err, models.ErrRequestNotClosed):
		return refuse("This request is already open.")
	case err != nil:
		return err
	}
	setFlash(c, "success", "The request is open again. We will pick it up.")
	return redirect(c, models.PortalRequestPath(n))
}

// followUp starts a new request linked to the client's completed request,
// with the composer's message as its description.
func (s *Server) followUp(c echo.Context, sc models.Scope) error {
	ctx := c.Request().Context()
	n, err := requestNumber(c)
	if err != nil {
		return err
	}
	body := strings.TrimSpace(c.FormValue("body"))
	errs := FieldErrors{}
	errs.required("body", body, "Message", models.MaxDescriptionLength)
	if errs.Any() {
		return s.requestDetailWith(c, sc, n, http.StatusUnprocessableEntity, RequestPage{Reply: body, Errors: errs})
	}
	r, err := sc.FollowUp(ctx, n, body)
	if errors.Is(err, models.ErrRequestNotClosed) {
		errs["body"] = "This request is open: reply to it instead."
		return s.requestDetailWith(c, sc, n, http.StatusUnprocessableEntity, RequestPage{Reply: body, Errors: errs})
	}
	if err != nil {
		return err
	}
	setFlash(c, "success", "Your follow-up request has been submitted. We will reply here.")
	return redirect(c, models.PortalRequestPath(r.Number))
}

// requestDetailWith renders the client's request page with the given form
// state (errors, entered text) at status.
func (s *Server) requestDetailWith(c echo.Context, sc models.Scope, n, status int, v RequestPage) error {
	d, err := sc.RequestByNumber(c.Request().Context(), n, models.Now())
	if err != nil {
		return err
	}
	v.Request, v.Following = d, d.Following
	if v.Errors == nil {
		v.Errors = FieldErrors{}
	}
	if v.FixedErrors == nil {
		v.FixedErrors = FieldErrors{}
	}
	return s.renderBlock(c, status, tplRequestDetail, "content", View{Title: d.Ref() + " " + d.Title, Nav: "open", Data: v})
}

// followRequest starts or stops following the client's request (follow=on|off).
func (s *Server) followRequest(c echo.Context, sc models.Scope) error {
	n, err := requestNumber(c)
	if err != nil {
		return err
	}
	on := c.FormValue("follow") == "on"
	if err := sc.Follow(c.Request().Context(), n, on); err != nil {
		return err
	}
	if on {
		setFlash(c, "success", "You will be e-mailed about this request.")
	} else {
		setFlash(c, "success", "You will no longer be e-mailed about this request.")
	}
	return redirect(c, models.PortalRequestPath(n))
}

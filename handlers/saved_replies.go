package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplSavedReplies templates.Page = "console/saved_replies"

// SavedRepliesPage lists the saved replies a staff member can use and adds one.
type SavedRepliesPage struct {
	Me      *models.User
	Replies []models.SavedReply
	Title   string
	Body    string
	Shared  bool
	Errors  FieldErrors
}

// CanDelete reports whether the viewer may delete r.
func (p SavedRepliesPage) CanDelete(r models.SavedReply) bool { return !r.Shared() || p.Me.IsAdmin() }

func (s *Server) savedRepliesPage(c echo.Context, p *SavedRepliesPage) error {
	p.Me = currentUser(c)
	var err error
	p.Replies, err = models.ListSavedReplies(c.Request().Context(), s.db, p.Me)
	if p.Errors == nil {
		p.Errors = FieldErrors{}
	}
	return err
}

func (s *Server) savedReplies(c echo.Context) error {
	p := SavedRepliesPage{}
	if err := s.savedRepliesPage(c, &p); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplSavedReplies, View{Title: "Saved replies", Nav: "queue", Data: p})
}

func (s *Server) savedReplyCreate(c echo.Context) error {
	p := SavedRepliesPage{Title: strings.TrimSpace(c.FormValue("title")), Body: strings.TrimSpace(c.FormValue("body")),
		Shared: c.FormValue("shared") == "on", Errors: FieldErrors{}}
	if err := s.savedRepliesPage(c, &p); err != nil {
		return err
	}
	p.Errors.line("title", p.Title, "Title", models.MaxSavedReplyTitle)
	p.Errors.required("body", p.Body, "Text", models.MaxSavedReplyBody)
	if p.Shared && !p.Me.IsAdmin() {
		p.Errors["shared"] = "Only admins add replies for the whole team."
	}
	if !p.Errors.Any() {
		if _, err := models.CreateSavedReply(c.Request().Context(), s.db, p.Me, p.Title, p.Body, p.Shared); err != nil {
			return err
		}
		setFlash(c, "success", "Saved reply added.")
		return redirect(c, "/console/saved-replies")
	}
	return s.renderBlock(c, http.StatusUnprocessableEntity, tplSavedReplies, "content", View{Title: "Saved replies", Nav: "queue", Data: p})
}

func (s *Server) savedReplyDelete(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	err = models.DeleteSavedReply(c.Request().Context(), s.db, currentUser(c), id)
	if errors.Is(err, models.ErrNotYours) {
		return echo.NewHTTPError(http.StatusForbidden, "Only admins delete replies shared with the whole team.")
	}
	if err != nil {
		return err
	}
	setFlash(c, "success", "Saved reply deleted.")
	return redirect(c, "/console/saved-replies")
}

// insertSavedReply re-renders the request page's composer with the chosen
// saved reply, its placeholders filled, added to what was already typed.
// It posts nothing: without JavaScript it is the Insert button's own submit.
func (s *Server) insertSavedReply(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := s.consoleRequestPage(c, id)
	if err != nil {
		return err
	}
	p.Reply = c.FormValue("body")
	status := http.StatusOK
	replyID, err := strconv.ParseInt(c.FormValue("saved_reply_id"), 10, 64)
	var saved *models.SavedReply
	if err == nil {
		saved, err = models.GetSavedReply(c.Request().Context(), s.db, p.Me, replyID)
	}
	if err != nil {
		if !errors.Is(err, models.ErrNotFound) && !errors.Is(err, strconv.ErrSyntax) && !errors.Is(err, strconv.ErrRange) {
			return err
		}
		p.Errors["saved_reply_id"] = "Choose a saved reply from the list."
		status = http.StatusUnprocessableEntity
	} else {
		text := saved.Render(p.Request.ClientName, p.Request.RequesterName)
		if strings.TrimSpace(p.Reply) != "" {
			text = strings.TrimRight(p.Reply, "\n") + "\n\n" + text
		}
		p.Reply = text
		p.SavedReplyID = replyID
	}
	return s.renderConsoleRequest(c, status, "reply-form", p)
}

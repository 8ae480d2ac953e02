package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplConsoleRequest templates.Page = "console/request"

// ConsoleRequest is the staff Request detail page.
type ConsoleRequest struct {
	Request    *models.RequestDetail
	Me         *models.User
	Categories []models.Category
	Staff      []models.User
	Statuses   []string
	Urgencies  []UrgencyOption
	Reply      string
	Errors     FieldErrors          // reply form
	Posted     *models.Message      // the message just sent, shown at once by htmx
	Clocks     *models.ClockHistory // the page's Clock history section (GET only)
	Time       TimeForm
	Resolution string      // the details form's resolution summary
	Properties FieldErrors // details form
	Chosen     Properties  // what the details form shows chosen

	SavedReplies []models.SavedReply // insertable into the composer
	SavedReplyID int64               // the one last inserted
}

// TimeForm is the log time (and edit time) form.
type TimeForm struct {
	Action   string
	Duration string
	Date     string
	Note     string
	Billing  string // models.BillingBillable, …; empty is billable
	// ClosedPeriod, when set, names the closed hour bank period the entry
	// is in, and the form asks for confirm_closed (client_hours.go).
	ClosedPeriod string
	Errors       FieldErrors
}

// Properties are the choices of the details form: the request's own, or
// those of a post that was refused, so that nothing chosen is lost.
type Properties struct {
	Status, Urgency        string
	CategoryID, AssigneeID *int64
}

// HasCategory reports whether category id is chosen.
func (p Properties) HasCategory(id int64) bool { return p.CategoryID != nil && *p.CategoryID == id }

// AssignedTo reports whether staff member id is chosen as the assignee.
func (p Properties) AssignedTo(id int64) bool { return p.AssigneeID != nil && *p.AssigneeID == id }

// CanEdit reports whether me may change a time entry: its author or an admin.
func (p ConsoleRequest) CanEdit(e models.TimeEntry) bool {
	return p.Me != nil && (p.Me.IsAdmin() || p.Me.ID == e.StaffID)
}

// consoleRequestPage loads everything the staff request page shows.
func (s *Server) consoleRequestPage(c echo.Context, id int64) (ConsoleRequest, error) {
	ctx := c.Request().Context()
	p := ConsoleRequest{Me: currentUser(c), Statuses: []string{models.StatusSubmitted, models.StatusInProgress,
		models.StatusWaiting, models.StatusCompleted}, Urgencies: urgencyOptions(), Errors: FieldErrors{},
		Properties: FieldErrors{}}
	var err error
	if p.Request, err = models.GetRequestForStaffViewer(ctx, s.db, id, p.Me.ID, models.Now()); err != nil {
		return p, err
	}
	if p.Categories, err = models.ListCategories(ctx, s.db); err != nil {
		return p, err
	}
	if p.Staff, err = models.ListActiveStaff(ctx, s.db); err != nil {
		return p, err
	}
	p.Resolution = p.Request.ResolutionText
	p.Chosen = Properties{Status: p.Request.Status, Urgency: p.Request.Urgency,
		CategoryID: p.Request.CategoryID, AssigneeID: p.Request.AssigneeID}
	if p.SavedReplies, err = models.ListSavedReplies(ctx, s.db, p.Me); err != nil {
		return p, err
	}
	p.Time = TimeForm{Action: models.ConsoleRequestPath(id) + "/time",
		Date: models.Now().Format("2006-01-02"), Errors: FieldErrors{}}
	return p, nil
}

func (s *Server) renderConsoleRequest(c echo.Context, status int, block string, p ConsoleRequest) error {
	return s.renderBlock(c, status, tplConsoleRequest, block,
		View{Title: p.Request.Ref() + " " + p.Request.Title, Nav: "queue", Data: p})
}

func (s *Server) consoleRequest(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := s.consoleRequestPage(c, id)
	if err != nil {
		return err
	}
	if p.Clocks, err = models.StaffClockHistory(c.Request().Context(), s.db, p.Request, models.Now()); err != nil {
		return err
	}
	s.markRead(c, p.Request)
	return s.renderConsoleRequest(c, http.StatusOK, "content", p)
}

// consoleReply posts a public reply or, with kind=note, an internal note.
func (s *Server) consoleReply(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	clientID, err := models.ClientOfRequest(ctx, s.db, id)
	if err != nil {
		return err
	}
	body := strings.TrimSpace(c.FormValue("body"))
	internal := c.FormValue("kind") == "note"
	errs := FieldErrors{}
	errs.required("body", body, "Message", models.MaxMessageLength)
	key, err := formKey(c) // a damaged form is refused before its files are stored
	if err != nil {
		return err
	}
	var files []models.NewAttachment
	if !errs.Any() {
		if files, errs[attachmentField], err = s.receiveUploads(c); err != nil {
			return err
		}
	}
	if errs.refusedFiles(c) {
		p, err := s.consoleRequestPage(c, id)
		if err != nil {
			return err
		}
		p.Reply, p.Errors = body, errs
		return s.renderConsoleRequest(c, http.StatusUnprocessableEntity, "reply-form", p)
	}
	me := currentUser(c)
	posted, duplicate, err := models.PostMessageOnce(ctx, s.db, models.PostMessageInput{ClientID: clientID, RequestID: id,
		AuthorID: me.ID, ByStaff: true, Internal: internal, Body: body, IdempotencyKey: key, Attachments: files})
	if err != nil || duplicate {
		s.discardUploads(ctx, files) // nothing was written, or the first post has its own
	}
	if errors.Is(err, models.ErrFormKeyReused) {
		p, err := s.consoleRequestPage(c, id)
		if err != nil {
			return err
		}
		p.Reply, p.Errors = body, formKeyReusedErrors(errs, files)
		return s.renderConsoleRequest(c, http.StatusConflict, "reply-form", p)
	}
	if err != nil {
		return err
	}
	page := models.ConsoleRequestPath(id)
	if !htmxOf(c.Request()).wantsFragment() {
		return redirect(c, page)
	}
	// The answer is what changed: a fresh form and the new message (the
	// status and timers follow over the live stream), not the whole page.
	p := ConsoleRequest{Me: me, Errors: FieldErrors{}, Request: &models.RequestDetail{}}
	p.Request.ID = id
	if p.SavedReplies, err = models.ListSavedReplies(ctx, s.db, me); err != nil {
		return s.afterCommit(c, err, "Your message was sent.", page)
	}
	if !duplicate { // a repeated post's message is already in the thread
		if p.Posted, err = models.MessageForStaff(ctx, s.db, posted.ID); err != nil {
			return s.afterCommit(c, err, "Your message was sent.", page)
		}
	}
	return s.renderBlock(c, http.StatusOK, tplConsoleRequest, "reply-sent", View{Nav: "queue", Data: p})
}

// consoleRequestProperties applies the status, urgency, category and
// assignee form: every change with its event, all in one transaction.
func (s *Server) consoleRequestProperties(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := models.GetRequestForStaff(ctx, s.db, id, models.Now())
	if err != nil {
		return err
	}
	me := currentUser(c)
	status, urgency := c.FormValue("status"), c.FormValue("urgency")
	if status == "" {
		status = r.Status
	}
	if urgency == "" {
		urgency = r.Urgency
	}
	if !models.ValidStatus(status) || !models.ValidUrgency(urgency) {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose a status and an urgency from the lists.")
	}
	category, err := optionalID(c.FormValue("category_id"))
	if err != nil {
		return err
	}
	assignee, err := optionalID(c.FormValue("assignee_id"))
	if err != nil {
		return err
	}
	resolution := strings.TrimSpace(c.FormValue("resolution"))
	completing := status == models.StatusCompleted && r.Status != models.StatusCompleted
	if completing {
		errs := FieldErrors{}
		errs.required("resolution", resolution, "Resolution summary", models.MaxResolutionLength)
		if errs.Any() {
			p, err := s.consoleRequestPage(c, id)
			if err != nil {
				return err
			}
			p.Resolution, p.Properties = resolution, errs
			p.Chosen = Properties{Status: status, Urgency: urgency, CategoryID: category, AssigneeID: assignee}
			return s.renderConsoleRequest(c, http.StatusUnprocessableEntity, "content", p)
		}
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if urgency != r.Urgency {
			if err := models.ChangeRequestUrgency(ctx, tx, id, me, urgency); err != nil {
				return err
			}
		}
		switch {
		case completing:
			if err := models.CompleteRequest(ctx, tx, id, me, resolution); err != nil {
				return err
			}
		case status != r.Status:
			if err := models.ChangeRequestStatus(ctx, tx, id, me, status); err != nil {
				return err
			}
		}
		if !sameID(category, r.CategoryID) {
			if err := models.ChangeRequestCategory(ctx, tx, id, me, category); err != nil {
				return err
			}
		}
		if !sameID(assignee, r.AssigneeID) {
			if err := models.ChangeRequestAssignee(ctx, tx, id, me, assignee); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, models.ErrNotFound) {
		// An unknown category or assignee is bad input, not a missing page.
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose a category and an assignee from the lists.")
	}
	if err != nil {
		return err
	}
	setFlash(c, "success", "Request updated.")
	return redirect(c, models.ConsoleRequestPath(id))
}

// optionalID reads a select's value: "" is none.
func optionalID(raw string) (*int64, error) {
	if raw == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return nil, echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose a value from the list.")
	}
	return &id, nil
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// PageURL is the request's console page, which its live parts re-fetch.
func (p ConsoleRequest) PageURL() string {
	return models.ConsoleRequestPath(p.Request.ID)
}

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
	tplRequestNew    templates.Page = "portal/request_new"
	tplRequestsOpen  templates.Page = "portal/requests"
	tplRequestDetail templates.Page = "portal/request"
)

// UrgencyOption is one urgency radio card.
type UrgencyOption struct {
	Value, Label, Hint string
}

func urgencyOptions() []UrgencyOption {
	out := make([]UrgencyOption, 0, len(models.Urgencies))
	for i := len(models.Urgencies) - 1; i >= 0; i-- { // most urgent first
		u := models.Urgencies[i]
		out = append(out, UrgencyOption{Value: u, Label: titleCase(u), Hint: models.UrgencyHint(u)})
	}
	return out
}

// NewRequestForm is the portal's New request page.
type NewRequestForm struct {
	Title       string
	Description string
	Urgency     string
	CategoryID  string
	Categories  []models.Category
	Urgencies   []UrgencyOption
	Errors      FieldErrors
}

func (s *Server) newRequestForm(c echo.Context, sc models.Scope) error {
	cats, err := sc.Categories(c.Request().Context())
	if err != nil {
		return err
	}
	f := NewRequestForm{Urgency: models.UrgencyNormal, Categories: cats, Urgencies: urgencyOptions(), Errors: FieldErrors{}}
	return s.render(c, http.StatusOK, tplRequestNew, View{Title: "New request", Nav: "new", Data: f})
}

func (s *Server) createRequest(c echo.Context, sc models.Scope) error {
	ctx := c.Request().Context()
	cats, err := sc.Categories(ctx)
	if err != nil {
		return err
	}
	f := NewRequestForm{
		Title:       strings.TrimSpace(c.FormValue("title")),
		Description: strings.TrimSpace(c.FormValue("description")),
		Urgency:     c.FormValue("urgency"),
		CategoryID:  c.FormValue("category_id"),
		Categories:  cats, Urgencies: urgencyOptions(), Errors: FieldErrors{},
	}
	f.Errors.line("title", f.Title, "Title", models.MaxTitleLength)
	if utf8.RuneCountInString(f.Description) > models.MaxDescriptionLength {
		f.Errors["description"] = "Description is too long (at most 20000 characters)."
	}
	if !models.ValidUrgency(f.Urgency) {
		f.Errors["urgency"] = "Choose how urgent this is."
	}
	in := models.NewRequest{Title: f.Title, Description: f.Description, Urgency: f.Urgency}
	if f.CategoryID != "" && len(cats) > 0 {
		id, ok := categoryIn(cats, f.CategoryID)
		if !ok {
			f.Errors["category_id"] = "Choose a category from the list."
		}
		in.CategoryID = id
	}
	if !f.Errors.Any() {
		if in.Attachments, f.Errors[attachmentField], err = s.receiveUploads(c); err != nil {
			return err
		}
	}
	if f.Errors.refusedFiles(c) {
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplRequestNew, "form", View{Title: "New request", Nav: "new", Data: f})
	}
	r, err := sc.CreateRequest(ctx, in)
	if err != nil {
		s.discardUploads(ctx, in.Attachments)
		return err
	}
	setFlash(c, "success", "Your request has been submitted. We will reply here.")
	return redirect(c, models.PortalRequestPath(r.Number))
}

// categoryIn finds a submitted category id among the active ones.
func categoryIn(cats []models.Category, raw string) (*int64, bool) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, false
	}
	for _, cat := range cats {
		if cat.ID == id {
			return &id, true
		}
	}
	return nil, false
}

// RequestList is the Open or Closed requests page.
type RequestList struct {
	Closed    bool
	Page      models.Page[models.RequestRow]
	Filter    models.RequestFilter
	Urgencies []UrgencyOption
	Statuses  []string
	PrevURL   string
	NextURL   string
}

// readFilter reads a list's filter from the query string.
func readFilter(c echo.Context) models.RequestFilter {
	return models.RequestFilter{
		Status: c.QueryParam("status"), Urgency: c.QueryParam("urgency"),
		Q: strings.TrimSpace(c.QueryParam("q")), Sort: c.QueryParam("sort"), Page: pageParam(c),
		After: c.QueryParam("after"),
	}
}

func (s *Server) openRequests(c echo.Context, sc models.Scope) error {
	return s.requestList(c, sc, false)
}

func (s *Server) closedRequests(c echo.Context, sc models.Scope) error {
	return s.requestList(c, sc, true)
}

func (s *Server) requestList(c echo.Context, sc models.Scope, closed bool) error {
	f := readFilter(c)
	list := sc.ListOpenRequests
	title, nav, path := "Open requests", "open", "/requests"
	if closed {
		list, title, nav, path = sc.ListClosedRequests, "Closed requests", "closed", "/requests/closed"
	}
	p, err := list(c.Request().Context(), f, models.Now())
	if err != nil {
		return err
	}
	v := RequestList{Closed: closed, Page: p, Filter: f, Urgencies: urgencyOptions(), Statuses: models.OpenStatuses}
	v.PrevURL, v.NextURL = pageLinks(path, c.QueryParams(), p)
	return s.renderBlock(c, http.StatusOK, tplRequestsOpen, "list", View{Title: title, Nav: nav, Data: v})
}

// RequestPage is the client's Request detail page.
type RequestPage struct {
	Request *models.RequestDetail
	Reply   string
	Errors  FieldErrors
	Posted  *models.Message      // the reply just sent, shown at once by htmx
	Clocks  *models.ClockHistory // the page's Clock history section (GET only)

	FixedNote    string      // the "This is fixed" form
	FixedErrors  FieldErrors // …and its errors
	ReopenError  string      // why a reopen was refused
	ReopenReason string      // …and the reason the client typed, kept
	Following    bool        // the user is e-mailed about this request

	RatingChoice  string // the rating form, re-shown after an error
	RatingComment string
	RatingErrors  FieldErrors
}

func (s *Server) requestDetail(c echo.Context, sc models.Scope) error {
	n, err := requestNumber(c)
	if err != nil {
		return err
	}
	ctx, now := c.Request().Context(), models.Now()
	d, err := sc.RequestByNumber(ctx, n, now)
	if err != nil {
		return err
	}
	clocks, err := sc.ClockHistory(ctx, d, now)
	if err != nil {
		return err
	}
	s.markClientRead(c, sc, d)
	return s.render(c, http.StatusOK, tplRequestDetail, View{Title: d.Ref() + " " + d.Title, Nav: "open",
		Data: RequestPage{Request: d, Errors: FieldErrors{}, FixedErrors: FieldErrors{}, Following: d.Following, Clocks: clocks}})
}

func (s *Server) replyToRequest(c echo.Context, sc models.Scope) error {
	ctx := c.Request().Context()
	n, err := requestNumber(c)
	if err != nil {
		return err
	}
	body := strings.TrimSpace(c.FormValue("body"))
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
		d, err := sc.RequestByNumber(ctx, n, models.Now())
		if err != nil {
			return err
		}
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplRequestDetail, "reply-form",
			View{Title: d.Ref() + " " + d.Title, Nav: "open", Data: RequestPage{Request: d, Reply: body, Errors: errs}})
	}
	posted, duplicate, err := sc.ReplyWithAttachments(ctx, n, body, key, files)
	if err != nil || duplicate {
		s.discardUploads(ctx, files) // nothing was written, or the first post has its own
	}
	if errors.Is(err, models.ErrReopenWindowClosed) {
		// The window closed while the page was open: the composer now
		// offers a follow-up, keeping what was written.
		d, err := sc.RequestByNumber(ctx, n, models.Now())
		if err != nil {
			return err
		}
		errs["body"] = reopenClosedMessage
		if len(files) > 0 {
			errs[attachmentField] = reopenClosedFilesMessage
		}
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplRequestDetail, "reply-form",
			View{Title: d.Ref() + " " + d.Title, Nav: "open", Data: RequestPage{Request: d, Reply: body, Errors: errs}})
	}
	if errors.Is(err, models.ErrFormKeyReused) {
		d, err := sc.RequestByNumber(ctx, n, models.Now())
		if err != nil {
			return err
		}
		return s.renderBlock(c, http.StatusConflict, tplRequestDetail, "reply-form", View{Title: d.Ref() + " " + d.Title,
			Nav: "open", Data: RequestPage{Request: d, Reply: body, Errors: formKeyReusedErrors(errs, files)}})
	}
	if err != nil {
		return err
	}
	page := models.PortalRequestPath(n)
	d, err := sc.RequestByNumber(ctx, n, models.Now())
	if err != nil {
		return s.afterCommit(c, err, "Your message was sent.", page)
	}
	v := RequestPage{Request: d}
	if !duplicate { // a repeated post's message is already in the thread
		v.Posted = d.Message(posted.ID)
	}
	return s.renderOrRedirect(c, tplRequestDetail, "reply-sent",
		View{Title: d.Ref() + " " + d.Title, Nav: "open", Data: v}, page)
}

// PageURL is the request's page, which its live parts re-fetch.
func (p RequestPage) PageURL() string { return models.PortalRequestPath(p.Request.Number) }

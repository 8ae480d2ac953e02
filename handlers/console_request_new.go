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

const tplConsoleRequestNew templates.Page = "console/request_new"

// OnBehalfForm is the console's "New request for a client" page: staff
// open a request a client asked for by phone, e-mail or in person.
type OnBehalfForm struct {
	ClientID    string
	RequesterID string
	Channel     string
	StartAt     string // datetime-local in the staff member's zone
	Zone        string // that zone's name
	Title       string
	Description string
	Urgency     string
	CategoryID  string
	Clients     []models.Client
	Requesters  []models.ClientUserOption
	Channels    []string
	Categories  []models.Category
	Urgencies   []UrgencyOption
	Errors      FieldErrors
}

// startLayout is the datetime-local input's format.
const startLayout = "2006-01-02T15:04"

// maxBackdate is how far back the clocks of a request opened on a client's behalf may start.
const maxBackdate = 30 * 24 * time.Hour

func (s *Server) onBehalfForm(c echo.Context, f *OnBehalfForm) (*time.Location, error) {
	ctx := c.Request().Context()
	loc, err := models.ViewerLocation(ctx, s.db, currentUser(c))
	if err != nil {
		loc = time.UTC
	}
	f.Zone = loc.String()
	if f.Clients, err = models.ListClients(ctx, s.db); err != nil {
		return nil, err
	}
	if f.Requesters, err = models.ListRequesterOptions(ctx, s.db); err != nil {
		return nil, err
	}
	if f.Categories, err = models.ListCategories(ctx, s.db); err != nil {
		return nil, err
	}
	f.Channels, f.Urgencies = models.StaffChannels, urgencyOptions()
	if f.Errors == nil {
		f.Errors = FieldErrors{}
	}
	return loc, nil
}

func (s *Server) consoleRequestNew(c echo.Context) error {
	f := OnBehalfForm{ClientID: c.QueryParam("client"), Channel: models.ChannelPhone, Urgency: models.UrgencyNormal}
	loc, err := s.onBehalfForm(c, &f)
	if err != nil {
		return err
	}
	f.StartAt = models.Now().In(loc).Format(startLayout)
	return s.render(c, http.StatusOK, tplConsoleRequestNew, View{Title: "New request for a client", Nav: "queue", Data: f})
}

func (s *Server) consoleRequestCreate(c echo.Context) error {
	ctx := c.Request().Context()
	f := OnBehalfForm{ClientID: c.FormValue("client_id"), RequesterID: c.FormValue("requester_id"),
		Channel: c.FormValue("channel"), StartAt: strings.TrimSpace(c.FormValue("start_at")),
		Title: strings.TrimSpace(c.FormValue("title")), Description: strings.TrimSpace(c.FormValue("description")),
		Urgency: c.FormValue("urgency"), CategoryID: c.FormValue("category_id"), Errors: FieldErrors{}}
	loc, err := s.onBehalfForm(c, &f)
	if err != nil {
		return err
	}
	in := models.OnBehalfRequest{NewRequest: models.NewRequest{Title: f.Title, Description: f.Description,
		Urgency: f.Urgency, Channel: f.Channel}}
	clientID, err := strconv.ParseInt(f.ClientID, 10, 64)
	if err != nil || !clientIn(f.Clients, clientID) {
		f.Errors["client_id"] = "Choose a client from the list."
	}
	in.ClientID = clientID
	if in.RequesterID, err = strconv.ParseInt(f.RequesterID, 10, 64); err != nil {
		f.Errors["requester_id"] = "Choose who asked, one of the client's users."
	}
	if !models.ValidStaffChannel(f.Channel) {
		f.Errors["channel"] = "Choose how the client asked."
	}
	now := models.Now()
	if f.StartAt == "" {
		in.StartAt = now
	} else if at, err := time.ParseInLocation(startLayout, f.StartAt, loc); err != nil {
		f.Errors["start_at"] = "Enter a date and time, such as 2026-11-30 09:15."
	} else if at.After(now.Add(time.Minute)) {
		f.Errors["start_at"] = "The time the client asked cannot be in the future."
	} else if at.Before(now.Add(-maxBackdate)) {
		f.Errors["start_at"] = "The time the client asked must be within the last 30 days."
	} else {
		in.StartAt = at.UTC()
	}
	f.Errors.line("title", f.Title, "Title", models.MaxTitleLength)
	if utf8.RuneCountInString(f.Description) > models.MaxDescriptionLength {
		f.Errors["description"] = "Description is too long (at most 20000 characters)."
	}
	if !models.ValidUrgency(f.Urgency) {
		f.Errors["urgency"] = "Choose how urgent this is."
	}
	if f.CategoryID != "" && len(f.Categories) > 0 {
		id, ok := categoryIn(f.Categories, f.CategoryID)
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
	if !f.Errors.refusedFiles(c) {
		r, err := models.CreateRequestOnBehalf(ctx, s.db, currentUser(c), in)
		if err != nil {
			s.discardUploads(ctx, in.Attachments)
		}
		switch {
		case errors.Is(err, models.ErrNotClientsUser):
			f.Errors["requester_id"] = "Choose one of this client's users."
		case errors.Is(err, models.ErrNotFound):
			f.Errors["category_id"] = "Choose a category from the list."
		case err != nil:
			return err
		default:
			setFlash(c, "success", "Request opened for the client.")
			return redirect(c, models.ConsoleRequestPath(r.ID))
		}
		f.Errors.refusedFiles(c) // refused by the model: the stored files were discarded
	}
	return s.renderBlock(c, http.StatusUnprocessableEntity, tplConsoleRequestNew, "content",
		View{Title: "New request for a client", Nav: "queue", Data: f})
}

func clientIn(cs []models.Client, id int64) bool {
	for _, c := range cs {
		if c.ID == id && c.ArchivedAt == nil {
			return true
		}
	}
	return false
}

// SelectedRequester reports whether the option is the one submitted.
func (f OnBehalfForm) SelectedRequester(id int64) bool {
	return f.RequesterID == strconv.FormatInt(id, 10)
}

// SelectedClient reports whether the client is the one submitted.
func (f OnBehalfForm) SelectedClient(id int64) bool { return f.ClientID == strconv.FormatInt(id, 10) }

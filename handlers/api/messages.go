package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// messageJSON is one message of a thread.
type messageJSON struct {
	ID         int64     `json:"id"`
	RequestID  int64     `json:"request_id"`
	ClientID   int64     `json:"client_id"`
	AuthorID   *int64    `json:"author_id"`
	AuthorName string    `json:"author_name"`
	FromStaff  bool      `json:"from_staff"`
	Internal   bool      `json:"internal"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
}

func messageOut(m *models.Message) messageJSON {
	return messageJSON{ID: m.ID, RequestID: m.RequestID, ClientID: m.ClientID, AuthorID: m.AuthorID,
		AuthorName: m.AuthorName(), FromStaff: m.FromStaff(), Internal: m.Internal, Body: m.Body, CreatedAt: m.CreatedAt}
}

// viewerOf is whose eyes a token reads a request's thread with: staff's
// (internal notes included) only with the notes:internal scope; otherwise
// the client's, so the same rule that keeps notes off client pages keeps
// them from the token.
func viewerOf(c echo.Context, clientID int64) models.Viewer {
	if token(c).Has(models.ScopeInternal) {
		return models.StaffViewer()
	}
	return models.ClientViewer(clientID)
}

func (a *API) listMessages(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	clientID, err := models.ClientOfRequest(ctx, a.db, id)
	if err != nil {
		return err
	}
	ms, err := models.MessagesAfter(ctx, a.db, id, viewerOf(c, clientID), after, limit+1)
	if err != nil {
		return err
	}
	out := make([]messageJSON, len(ms))
	for i := range ms {
		out[i] = messageOut(&ms[i])
	}
	return answerList(c, out, limit, func(x messageJSON) int64 { return x.ID })
}

// postMessageBody is POST /requests/{id}/messages.
type postMessageBody struct {
	Body     string `json:"body"`
	Internal bool   `json:"internal"`
}

// postMessage posts a public reply or an internal note through the model
// function the console's reply form calls, so the same lifecycle follows (a
// public reply stops the response clock, and so on).
func (a *API) postMessage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b postMessageBody
	if err := bind(c, &b); err != nil {
		return err
	}
	if b.Internal && !token(c).Has(models.ScopeInternal) {
		return forbidden(models.ScopeInternal)
	}
	b.Body = strings.TrimSpace(b.Body)
	switch n := utf8.RuneCountInString(b.Body); {
	case n == 0:
		return invalidField("body", "Required.")
	case n > models.MaxMessageLength:
		return invalidField("body", "At most "+strconv.Itoa(models.MaxMessageLength)+" characters.")
	}
	ctx := c.Request().Context()
	clientID, err := models.ClientOfRequest(ctx, a.db, id)
	if err != nil {
		return err
	}
	me := actor(c)
	m, err := models.PostMessage(ctx, a.db, models.PostMessageInput{ClientID: clientID, RequestID: id,
		AuthorID: me.ID, ByStaff: true, Internal: b.Internal, Body: b.Body})
	if errors.Is(err, models.ErrReopenWindowClosed) {
		return problem(http.StatusConflict, probConflict, "Request closed", "The request's reopen window has closed.")
	}
	if err != nil {
		return err
	}
	m, err = models.MessageForStaff(ctx, a.db, m.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", a.link("/requests/"+itoa(id)+"/messages"))
	return c.JSON(http.StatusCreated, messageOut(m))
}

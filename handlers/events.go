package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/realtime"
)

// WithHub makes the server push activity to browsers through hub; the caller
// runs hub's feed and closes it on shutdown.
func WithHub(hub *realtime.Hub) Option {
	return func(s *Server) { s.hub = hub }
}

// events is the page's event stream. What it carries is decided here from
// the session alone: a client user gets their own client's public events,
// staff get everything. Nothing in the URL is consulted.
func (s *Server) events(c echo.Context) error {
	if s.hub == nil {
		return echo.ErrNotFound
	}
	u := currentUser(c)
	aud := realtime.Audience{Staff: u.IsStaff(), UserID: u.ID}
	if !aud.Staff {
		sc, err := models.ScopeFor(s.db, u)
		if err != nil {
			return err
		}
		aud.ClientID = sc.ClientID
	}
	// The browser's own reconnect sends Last-Event-ID; a page's first
	// connection names the newest event it was rendered with.
	after := c.Request().Header.Get("Last-Event-ID")
	if after == "" {
		after = c.QueryParam("after")
	}
	s.hub.Serve(c.Response(), c.Request(), aud, after)
	return nil
}

// ActivityItem is one line of an activity timeline pushed to a browser.
type ActivityItem struct {
	Event      *models.ActivityEvent
	ClientName string // shown to staff, who see every client
}

// renderEvent turns an activity event into the fragments a browser swaps in:
//   - "message-<request id>": the new message, appended to that thread;
//   - "activity": a timeline line for dashboards;
//   - "changed": a bare signal for lists and counters to refresh themselves;
//   - "request-<id>": the same signal for one request's page.
//
// Client users are only ever handed public events (realtime.Audience), and
// what they re-fetch goes through their Scope again.
func (s *Server) renderEvent(ctx context.Context, ev *models.ActivityEvent, staff bool) ([]realtime.Frame, error) {
	var frames []realtime.Frame
	if timelineKinds[ev.Kind] {
		item := ActivityItem{Event: ev}
		if staff {
			if cl, err := models.GetClient(ctx, s.db, ev.ClientID); err == nil {
				item.ClientName = cl.Name
			}
		}
		var buf bytes.Buffer
		if err := s.views.ExecutePartial(&buf, "activity-item", item); err != nil {
			return nil, err
		}
		frames = append(frames, realtime.Frame{Name: "activity", Data: buf.String()})
	}
	if ev.Kind == models.EventMessagePosted || ev.Kind == models.EventInternalNote {
		f, err := s.messageFrame(ctx, ev, staff)
		if err != nil {
			return nil, err
		}
		if f != nil {
			frames = append(frames, *f)
		}
	}
	frames = append(frames, realtime.Frame{Name: "changed", Data: ev.Kind})
	if ev.RequestID != nil {
		frames = append(frames, realtime.Frame{Name: fmt.Sprintf("request-%d", *ev.RequestID), Data: ev.Kind})
	}
	return frames, nil
}

// timelineKinds are the events an activity timeline lists.
var timelineKinds = map[string]bool{
	models.EventRequestSubmitted: true,
	models.EventStatusChanged:    true,
	models.EventUrgencyChanged:   true,
	models.EventMessagePosted:    true,
	models.EventTimeLogged:       true,
	models.EventSummaryBuilt:     true,
}

// messageFrame renders the message an event announced. A message that is
// gone (or an event from before messages were linked) sends nothing; an
// internal note is never rendered for a client, whatever the audience said.
func (s *Server) messageFrame(ctx context.Context, ev *models.ActivityEvent, staff bool) (*realtime.Frame, error) {
	m, err := models.MessageOfEvent(ctx, s.db, ev)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if m.Internal && !staff {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := s.views.ExecutePartial(&buf, "thread-message", m); err != nil {
		return nil, err
	}
	return &realtime.Frame{Name: fmt.Sprintf("message-%d", m.RequestID), Data: buf.String()}, nil
}

package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/realtime"
	"github.com/portal-msp/portal/templates"
)

// WithHub makes the server push activity to browsers through hub; the caller
// runs hub's feed and closes it on shutdown.
func WithHub(hub *realtime.Hub) Option {
	return func(s *Server) { s.hub = hub }
}

// App is the portal's HTTP handler: the Echo application, with the event
// stream served in front of it. A stream stays open for as long as the page
// does, parked on the goroutine that accepted it; served outside Echo's
// middleware chain, that goroutine parks shallow and its stack shrinks back,
// which is most of what an idle connection costs.
type App struct {
	*echo.Echo
	s *Server
}

func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/events" && a.s.hub != nil {
		a.s.serveEvents(w, r)
		return
	}
	a.Echo.ServeHTTP(w, r)
}

// serveEvents is the page's event stream. What it carries is decided here
// from the session alone: a client user gets their own client's public
// events, staff get everything. Nothing in the URL chooses the stream.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	status, userID := http.StatusOK, int64(0)
	defer func() {
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method),
			slog.String("uri", r.URL.Path), slog.Int("status", status), slog.Duration("latency", time.Since(start)),
			slog.Int64("user_id", userID))
	}()
	if r.Method != http.MethodGet {
		status = http.StatusMethodNotAllowed
		http.Error(w, "method not allowed", status)
		return
	}
	aud, refused := s.streamAudience(r)
	switch refused {
	case http.StatusUnauthorized:
		status = refused
		http.Error(w, "sign in to receive updates", status)
		return
	case http.StatusForbidden:
		status = refused
		http.Error(w, "set up two-factor sign-in to receive updates", status)
		return
	}
	userID = aud.UserID
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// The browser's own reconnect sends Last-Event-ID; a page's first
	// connection names the newest event it was rendered with.
	after := r.Header.Get("Last-Event-ID")
	if after == "" {
		after = r.URL.Query().Get("after")
	}
	s.hub.Serve(w, r, aud, after)
}

// streamAudience is who the session cookie belongs to, as a stream audience,
// or why there is no stream: 401 without a live session, 403 for staff who
// must set up two-factor sign-in first (mustEnrol, the rule the pages keep).
func (s *Server) streamAudience(r *http.Request) (realtime.Audience, int) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return realtime.Audience{}, http.StatusUnauthorized
	}
	u, sess, err := models.SessionUser(r.Context(), s.db, ck.Value, s.sessionPolicy())
	if err != nil {
		if !errors.Is(err, models.ErrNotFound) {
			s.log.ErrorContext(r.Context(), "event stream: load session", "error", err)
		}
		return realtime.Audience{}, http.StatusUnauthorized
	}
	if must, err := s.mustEnrol(r.Context(), u); err != nil || must {
		if err != nil {
			s.log.ErrorContext(r.Context(), "event stream: two-factor requirement", "error", err)
		}
		return realtime.Audience{}, http.StatusForbidden
	}
	aud := realtime.Audience{Staff: u.IsStaff(), UserID: u.ID, SessionID: sess.ID}
	if !aud.Staff {
		sc, err := models.ScopeFor(s.db, u)
		if err != nil {
			return realtime.Audience{}, http.StatusUnauthorized
		}
		aud.ClientID, aud.See = sc.ClientID(), sc.Viewer()
	}
	zone, err := models.ViewerLocation(r.Context(), s.db, u)
	if err != nil {
		s.log.WarnContext(r.Context(), "event stream: viewer time zone", "error", err)
	}
	aud.Zone = zone
	return aud, 0
}

// ActivityItem is one line of an activity timeline pushed to a browser.
type ActivityItem struct {
	Event      *models.ActivityEvent
	ClientName string // shown to staff, who see every client
}

// renderEvent turns an activity event into the fragments a browser swaps in:
//   - "message-<request id>": the new message, appended to that thread;
//   - "activity": a timeline line for dashboards;
//   - the parts of pages it changed (partFrames, fragments.go): a client's
//     dashboard figures rendered ("stats"), other parts only named
//     ("changed-requests", "changed-unread"…) for the page to fetch;
//   - "request-<id>": a bare signal for that request's own page.
//
// The hub hands it only events v sees (models.Viewer), and what a client
// user re-fetches goes through their Scope again.
func (s *Server) renderEvent(ctx context.Context, ev *models.ActivityEvent, v models.Viewer, zone *time.Location) ([]realtime.Frame, error) {
	all, err := s.views(ctx)
	if err != nil {
		return nil, err
	}
	views := all.In(zone)
	var frames []realtime.Frame
	if timelineKinds[ev.Kind] {
		item := ActivityItem{Event: ev}
		if v.Staff() {
			if cl, err := models.GetClient(ctx, s.db, ev.ClientID); err == nil {
				item.ClientName = cl.Name
			}
		}
		var buf bytes.Buffer
		if err := views.ExecutePartial(&buf, "activity-item", item); err != nil {
			return nil, err
		}
		frames = append(frames, realtime.Frame{Name: "activity", Data: buf.String()})
	}
	if ev.Kind == models.EventMessagePosted || ev.Kind == models.EventInternalNote {
		f, err := s.messageFrame(ctx, views, ev, v)
		if err != nil {
			return nil, err
		}
		if f != nil {
			frames = append(frames, *f)
		}
	}
	parts, err := s.partFrames(ctx, views, ev, v)
	if err != nil {
		return nil, err
	}
	frames = append(frames, parts...)
	if ev.RequestID != nil {
		frames = append(frames, realtime.Frame{Name: fmt.Sprintf("request-%d", *ev.RequestID), Data: ev.Kind})
	}
	return frames, nil
}

// timelineKinds are the events an activity timeline lists.
var timelineKinds = map[string]bool{
	models.EventRequestSubmitted:   true,
	models.EventStatusChanged:      true,
	models.EventUrgencyChanged:     true,
	models.EventMessagePosted:      true,
	models.EventTimeLogged:         true,
	models.EventSummaryBuilt:       true,
	models.EventRequestReopened:    true,
	models.EventRequestMarkedFixed: true,
	models.EventFollowUpOpened:     true,
}

// messageFrame renders the message an event announced. A message that is
// gone (or an event from before messages were linked) sends nothing; a
// message v does not see (an internal note, for a client) is never
// rendered, whatever the event's audience said.
func (s *Server) messageFrame(ctx context.Context, views *templates.Set, ev *models.ActivityEvent, v models.Viewer) (*realtime.Frame, error) {
	m, err := models.MessageOfEvent(ctx, s.db, ev)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !v.SeesMessage(m) {
		return nil, nil
	}
	// Its files, linked for this audience (a client's never include an
	// internal note's: see LoadAttachments).
	if err := models.LoadAttachments(ctx, s.db, m, v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := views.ExecutePartial(&buf, "thread-message", m); err != nil {
		return nil, err
	}
	return &realtime.Frame{Name: fmt.Sprintf("message-%d", m.RequestID), Data: buf.String()}, nil
}

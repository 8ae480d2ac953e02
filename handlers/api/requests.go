package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// requestJSON is a request as the API shows it.
type requestJSON struct {
	ID              int64      `json:"id"`
	Number          int        `json:"number"`
	Ref             string     `json:"ref"` // e.g. ACME-42
	ClientID        int64      `json:"client_id"`
	Title           string     `json:"title"`
	Description     string     `json:"description"`
	Urgency         string     `json:"urgency"`
	Status          string     `json:"status"`
	CategoryID      *int64     `json:"category_id"`
	RequesterID     *int64     `json:"requester_id"`
	AssigneeID      *int64     `json:"assignee_id"`
	Channel         string     `json:"channel"`
	Resolution      string     `json:"resolution"`
	FollowUpOfID    *int64     `json:"follow_up_of_id"`
	FirstResponseAt *time.Time `json:"first_response_at"`
	CompletedAt     *time.Time `json:"completed_at"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	SLA             slaBrief   `json:"sla"`
	ETag            string     `json:"etag"`
	Links           links      `json:"links"`
}

// slaBrief is the SLA state stored with the request (GET …/sla has the
// live timers).
type slaBrief struct {
	ResponseDueAt    *time.Time `json:"response_due_at"`
	ResolutionDueAt  *time.Time `json:"resolution_due_at"`
	ResponseColour   string     `json:"response_colour"`
	ResolutionColour string     `json:"resolution_colour"`
}

// etag names one version of a request: every change to a request moves
// its updated_at.
func etag(r *models.Request) string {
	return `"` + itoa(r.ID) + "-" + itoa(r.UpdatedAt.UnixMicro()) + `"`
}

func (a *API) requestOut(r *models.Request, prefix string) requestJSON {
	id := itoa(r.ID)
	return requestJSON{ID: r.ID, Number: r.Number, Ref: r.Ref(prefix), ClientID: r.ClientID, Title: r.Title,
		Description: r.Description, Urgency: r.Urgency, Status: r.Status, CategoryID: r.CategoryID,
		RequesterID: r.RequesterID, AssigneeID: r.AssigneeID, Channel: r.Channel, Resolution: r.ResolutionText,
		FollowUpOfID: r.FollowUpOfID, FirstResponseAt: r.FirstResponseAt, CompletedAt: r.CompletedAt,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ETag: etag(r),
		SLA: slaBrief{ResponseDueAt: r.ResponseDueAt, ResolutionDueAt: r.ResolutionDueAt,
			ResponseColour: r.ResponseColour, ResolutionColour: r.ResolutionColour},
		Links: links{"self": a.link("/requests/" + id), "messages": a.link("/requests/" + id + "/messages"),
			"time_entries": a.link("/requests/" + id + "/time-entries"), "sla": a.link("/requests/" + id + "/sla"),
			"client": a.link("/clients/" + itoa(r.ClientID))}}
}

// listRequests filters by client_id, status (comma-separated) and
// updated_since (RFC 3339), walking by id (see page).
func (a *API) listRequests(c echo.Context) error {
	limit, after, err := page(c)
	if err != nil {
		return err
	}
	var rs []models.Request
	q := a.db.NewSelect().Model(&rs).Relation("Client", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Column("request_prefix")
	}).Where("request.id > ?", after)
	var errs fields
	if s := c.QueryParam("client_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			errs.add("client_id", "A client id (a whole number).")
		}
		q = q.Where("request.client_id = ?", id)
	}
	if s := c.QueryParam("status"); s != "" {
		statuses := strings.Split(s, ",")
		for _, st := range statuses {
			if !models.ValidStatus(st) {
				errs.add("status", "Statuses are submitted, in_progress, waiting and completed, comma-separated.")
				break
			}
		}
		q = q.Where("request.status IN (?)", bun.List(statuses))
	}
	if s := c.QueryParam("updated_since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			errs.add("updated_since", "An RFC 3339 time such as 2026-12-01T09:00:00Z.")
		}
		q = q.Where("request.updated_at >= ?", t.UTC())
	}
	if err := errs.err(); err != nil {
		return err
	}
	if err := q.Order("request.id").Limit(limit + 1).Scan(c.Request().Context()); err != nil {
		return err
	}
	out := make([]requestJSON, len(rs))
	for i := range rs {
		out[i] = a.requestOut(&rs[i], rs[i].Client.RequestPrefix)
	}
	return answerList(c, out, limit, func(x requestJSON) int64 { return x.ID })
}

// loadRequest reads one request with its client's prefix.
func (a *API) loadRequest(ctx context.Context, db bun.IDB, id int64, lock bool) (*models.Request, string, error) {
	r := new(models.Request)
	q := db.NewSelect().Model(r).Where("request.id = ?", id)
	if lock && models.IsPostgres(db) {
		q = q.For("UPDATE OF request")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, "", notFound()
	}
	var prefix string
	if err := db.NewSelect().Model((*models.Client)(nil)).Column("request_prefix").Where("id = ?", r.ClientID).
		Scan(ctx, &prefix); err != nil {
		return nil, "", err
	}
	return r, prefix, nil
}

func (a *API) answerRequest(c echo.Context, status int, id int64) error {
	r, prefix, err := a.loadRequest(c.Request().Context(), a.db, id, false)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(r))
	if status == http.StatusCreated {
		c.Response().Header().Set("Location", a.link("/requests/"+itoa(id)))
	}
	return c.JSON(status, a.requestOut(r, prefix))
}

func (a *API) getRequest(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return a.answerRequest(c, http.StatusOK, id)
}

// newRequestBody is POST /requests: a request opened on a client's behalf.
type newRequestBody struct {
	ClientID       int64      `json:"client_id"`
	Title          string     `json:"title"`
	Description    string     `json:"description"`
	Urgency        string     `json:"urgency"`
	CategoryID     *int64     `json:"category_id"`
	RequesterEmail string     `json:"requester_email"`
	Channel        string     `json:"channel"`  // phone, email, walk-in or other (default)
	AskedAt        *time.Time `json:"asked_at"` // when the client asked; the SLA clocks start then (default: now)
}

// maxBackdate is how far back asked_at may be, as in the console's form.
const maxBackdate = 30 * 24 * time.Hour

func singleLine(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }) < 0
}

func (a *API) createRequest(c echo.Context) error {
	var b newRequestBody
	if err := bind(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	b.Title, b.Description = strings.TrimSpace(b.Title), strings.TrimSpace(b.Description)
	if b.Channel == "" {
		b.Channel = models.ChannelOther
	}
	var errs fields
	in := models.OnBehalfRequest{NewRequest: models.NewRequest{Title: b.Title, Description: b.Description,
		Urgency: b.Urgency, CategoryID: b.CategoryID, Channel: b.Channel}, ClientID: b.ClientID}
	client, err := models.GetClient(ctx, a.db, b.ClientID)
	switch {
	case errors.Is(err, models.ErrNotFound) || (err == nil && client.ArchivedAt != nil):
		errs.add("client_id", "No active client has this id.")
	case err != nil:
		return err
	}
	switch n := utf8.RuneCountInString(b.Title); {
	case n == 0:
		errs.add("title", "Required.")
	case n > models.MaxTitleLength:
		errs.add("title", "At most "+strconv.Itoa(models.MaxTitleLength)+" characters.")
	case !singleLine(b.Title):
		errs.add("title", "One line, without line breaks or control characters.")
	}
	if utf8.RuneCountInString(b.Description) > models.MaxDescriptionLength {
		errs.add("description", "At most "+strconv.Itoa(models.MaxDescriptionLength)+" characters.")
	}
	if !models.ValidUrgency(b.Urgency) {
		errs.add("urgency", "One of "+strings.Join(models.Urgencies, ", ")+".")
	}
	if !models.ValidStaffChannel(b.Channel) {
		errs.add("channel", "One of "+strings.Join(models.StaffChannels, ", ")+".")
	}
	now := models.Now()
	in.StartAt = now
	if b.AskedAt != nil {
		switch at := b.AskedAt.UTC(); {
		case at.After(now.Add(time.Minute)):
			errs.add("asked_at", "Cannot be in the future.")
		case at.Before(now.Add(-maxBackdate)):
			errs.add("asked_at", "Must be within the last 30 days.")
		default:
			in.StartAt = at
		}
	}
	if u, err := models.GetUserByEmail(ctx, a.db, b.RequesterEmail); err == nil && u.ClientID != nil && *u.ClientID == b.ClientID {
		in.RequesterID = u.ID
	} else if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	if in.RequesterID == 0 && client != nil {
		errs.add("requester_email", "Not the address of an active user of this client.")
	}
	if err := errs.err(); err != nil {
		return err
	}
	r, err := models.CreateRequestOnBehalf(ctx, a.db, actor(c), in)
	switch {
	case errors.Is(err, models.ErrNotClientsUser):
		return invalidField("requester_email", "Not the address of an active user of this client.")
	case errors.Is(err, models.ErrNotFound):
		return invalidField("category_id", "No active category has this id.")
	case err != nil:
		return err
	}
	return a.answerRequest(c, http.StatusCreated, r.ID)
}

// optID is a JSON field that may be absent (no change), null (clear) or an id.
type optID struct {
	Set bool
	ID  *int64
}

func (o *optID) UnmarshalJSON(b []byte) error {
	o.Set = true
	return json.Unmarshal(b, &o.ID)
}

// changeBody is PATCH /requests/{id}: only the fields sent change.
type changeBody struct {
	Status     *string `json:"status"`
	Resolution *string `json:"resolution"` // required when status becomes completed
	Urgency    *string `json:"urgency"`
	CategoryID optID   `json:"category_id"`
	AssigneeID optID   `json:"assignee_id"`
}

// changeRequest applies status, urgency, category and assignee as the
// console's properties form does: each change with its event, all in one
// transaction. With If-Match, a request changed since that ETag is 412.
func (a *API) changeRequest(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b changeBody
	if err := bind(c, &b); err != nil {
		return err
	}
	var errs fields
	if b.Status != nil && !models.ValidStatus(*b.Status) {
		errs.add("status", "One of submitted, in_progress, waiting, completed.")
	}
	if b.Urgency != nil && !models.ValidUrgency(*b.Urgency) {
		errs.add("urgency", "One of "+strings.Join(models.Urgencies, ", ")+".")
	}
	if err := errs.err(); err != nil {
		return err
	}
	me, ifMatch := actor(c), c.Request().Header.Get("If-Match")
	ctx := c.Request().Context()
	err = a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, _, err := a.loadRequest(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if ifMatch != "" && ifMatch != "*" && !etagListHas(ifMatch, etag(r)) {
			return problem(http.StatusPreconditionFailed, probPrecondition, "Precondition failed",
				"The request changed since that ETag; read it again and reapply the change.")
		}
		if b.Urgency != nil && *b.Urgency != r.Urgency {
			if err := models.ChangeRequestUrgency(ctx, tx, id, me, *b.Urgency); err != nil {
				return err
			}
		}
		if b.Status != nil && *b.Status != r.Status {
			if *b.Status == models.StatusCompleted {
				res := ""
				if b.Resolution != nil {
					res = strings.TrimSpace(*b.Resolution)
				}
				if res == "" || utf8.RuneCountInString(res) > models.MaxResolutionLength {
					return invalidField("resolution", "Completing a request needs a resolution summary of at most "+
						strconv.Itoa(models.MaxResolutionLength)+" characters.")
				}
				if err := models.CompleteRequest(ctx, tx, id, me, res); err != nil {
					return err
				}
			} else if err := models.ChangeRequestStatus(ctx, tx, id, me, *b.Status); err != nil {
				return err
			}
		}
		if b.CategoryID.Set && !sameID(b.CategoryID.ID, r.CategoryID) {
			if err := models.ChangeRequestCategory(ctx, tx, id, me, b.CategoryID.ID); errors.Is(err, models.ErrNotFound) {
				return invalidField("category_id", "No active category has this id.")
			} else if err != nil {
				return err
			}
		}
		if b.AssigneeID.Set && !sameID(b.AssigneeID.ID, r.AssigneeID) {
			if err := models.ChangeRequestAssignee(ctx, tx, id, me, b.AssigneeID.ID); errors.Is(err, models.ErrNotFound) {
				return invalidField("assignee_id", "No active staff member has this id.")
			} else if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return a.answerRequest(c, http.StatusOK, id)
}

// etagListHas reports whether an If-Match list names tag.
func etagListHas(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		if strings.TrimSpace(t) == tag {
			return true
		}
	}
	return false
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// timerJSON is one SLA clock.
type timerJSON struct {
	HasTarget  bool       `json:"has_target"`
	TargetSecs int        `json:"target_secs"`
	UsedSecs   int        `json:"used_secs"` // business seconds
	Colour     string     `json:"colour"`    // green, yellow, red
	DueAt      *time.Time `json:"due_at"`    // while running
	Paused     bool       `json:"paused"`    // waiting on the client
	Stopped    bool       `json:"stopped"`
	Met        bool       `json:"met"`
}

// slaJSON is a request's live SLA state.
type slaJSON struct {
	RequestID  int64     `json:"request_id"`
	Urgency    string    `json:"urgency"`
	Status     string    `json:"status"`
	At         time.Time `json:"at"`
	Response   timerJSON `json:"response"`
	Resolution timerJSON `json:"resolution"`
	// Policy is the SLA policy version the request started under, which
	// its history is told with (null: no policy applied).
	Policy *slaPolicyJSON `json:"policy"`
	// Clocks are the stored history of each clock: every span counted,
	// not counted (outside hours, a holiday) or paused (waiting on the
	// client), as the request pages' Clock history shows it.
	Clocks []clockJSON `json:"clocks"`
}

type slaPolicyJSON struct {
	Name    string `json:"name"`
	Version int    `json:"version"`
}

type clockJSON struct {
	Label       string          `json:"label"` // "First response", "Resolution"
	StartedAt   time.Time       `json:"started_at"`
	TargetSecs  int             `json:"target_secs"`
	CountedSecs int             `json:"counted_secs"`
	ElapsedSecs int             `json:"elapsed_secs"`
	Outcome     string          `json:"outcome"` // met, breached, running, paused, …
	BreachedAt  *time.Time      `json:"breached_at"`
	Spans       []clockSpanJSON `json:"spans"`
}

// clockSpanJSON is one stretch of a clock: kind counted, not-counted or
// paused; to is null while a pause goes on.
type clockSpanJSON struct {
	Kind   string     `json:"kind"`
	From   time.Time  `json:"from"`
	To     *time.Time `json:"to"`
	Secs   int        `json:"secs"`
	Reason string     `json:"reason,omitempty"`
}

func clocksOut(h *models.ClockHistory) (*slaPolicyJSON, []clockJSON) {
	var policy *slaPolicyJSON
	if h.Version != nil {
		policy = &slaPolicyJSON{Name: h.Version.Name, Version: h.Version.Version}
	}
	clocks := make([]clockJSON, 0, len(h.Clocks))
	for _, c := range h.Clocks {
		out := clockJSON{Label: c.Label, StartedAt: c.StartedAt, TargetSecs: c.TargetSecs, CountedSecs: c.CountedSecs,
			ElapsedSecs: c.ElapsedSecs, Outcome: c.Outcome(), BreachedAt: c.BreachedAt, Spans: []clockSpanJSON{}}
		for _, e := range c.Entries {
			if !e.IsSpan() {
				continue
			}
			span := clockSpanJSON{Kind: e.Class, From: e.From, Secs: e.Secs, Reason: e.Reason}
			if !e.Open {
				to := e.To
				span.To = &to
			}
			out.Spans = append(out.Spans, span)
		}
		clocks = append(clocks, out)
	}
	return policy, clocks
}

func timerOut(t models.Timer) timerJSON {
	return timerJSON{HasTarget: t.HasTarget, TargetSecs: t.TargetSecs, UsedSecs: t.UsedSecs, Colour: t.Colour,
		DueAt: t.DueAt, Paused: t.Paused, Stopped: t.Stopped, Met: t.Met}
}

func (a *API) getSLA(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	now := models.Now()
	d, err := models.GetRequestForStaff(c.Request().Context(), a.db, id, now)
	if err != nil {
		return err
	}
	h, err := models.StaffClockHistory(c.Request().Context(), a.db, d, now)
	if err != nil {
		return err
	}
	policy, clocks := clocksOut(h)
	return c.JSON(http.StatusOK, slaJSON{RequestID: id, Urgency: d.Urgency, Status: d.Status, At: now,
		Response: timerOut(d.Response), Resolution: timerOut(d.Resolution), Policy: policy, Clocks: clocks})
}

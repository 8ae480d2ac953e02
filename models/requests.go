package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Request statuses as stored. Clients see the same four labels.
const (
	StatusSubmitted  = "submitted"
	StatusInProgress = "in_progress"
	StatusWaiting    = "waiting"
	StatusCompleted  = "completed"
)

// OpenStatuses are the statuses of an active request.
var OpenStatuses = []string{StatusSubmitted, StatusInProgress, StatusWaiting}

// StatusLabel is the name people read for a status.
func StatusLabel(status string) string {
	switch status {
	case StatusSubmitted:
		return "Submitted"
	case StatusInProgress:
		return "In Progress"
	case StatusWaiting:
		return "Waiting on client"
	case StatusCompleted:
		return "Completed"
	}
	return status
}

// Request is a client's service request with its denormalised SLA clocks.
type Request struct {
	bun.BaseModel `bun:"table:requests"`

	ID                   int64      `bun:"id,pk,autoincrement"`
	ClientID             int64      `bun:"client_id"`
	Number               int        `bun:"number"`
	Title                string     `bun:"title"`
	Description          string     `bun:"description"`
	Urgency              string     `bun:"urgency"`
	CategoryID           *int64     `bun:"category_id"`
	Status               string     `bun:"status"`
	RequesterID          *int64     `bun:"requester_id"`
	AssigneeID           *int64     `bun:"assignee_id"`
	ResponseTargetSecs   int        `bun:"response_target_secs"`
	ResolutionTargetSecs int        `bun:"resolution_target_secs"`
	ResponseUsedSecs     int        `bun:"response_used_secs"`
	ResolutionUsedSecs   int        `bun:"resolution_used_secs"`
	ClockUpdatedAt       time.Time  `bun:"clock_updated_at"`
	ResponseDueAt        *time.Time `bun:"response_due_at"`
	ResolutionDueAt      *time.Time `bun:"resolution_due_at"`
	ResponseColour       string     `bun:"response_colour"`
	ResolutionColour     string     `bun:"resolution_colour"`
	FirstResponseAt      *time.Time `bun:"first_response_at"`
	CompletedAt          *time.Time `bun:"completed_at"`
	SLANextChangeAt      *time.Time `bun:"sla_next_change_at"`
	// SLAPolicyVersionID is the snapshot of the policy in force when the
	// clocks started (nil: none applied); the clock history reads it.
	SLAPolicyVersionID *int64 `bun:"sla_policy_version_id"`
	// Resolution is the public summary of how a completed request was resolved.
	ResolutionText string `bun:"resolution"`
	// ReopenReason is what the client wrote when reopening it (nil: not
	// reopened, or no reason given), until it is completed again.
	ReopenReason *string `bun:"reopen_reason"`
	// FollowUpOfID links a follow-up request to the completed one it continues.
	FollowUpOfID *int64 `bun:"follow_up_of_id"`
	// AwaitingMSP: new and unanswered, or the last public message is the client's.
	AwaitingMSP bool `bun:"awaiting_msp"`
	// Channel is how the request reached the MSP: portal, phone, email, walk-in.
	Channel string `bun:"channel"`
	// LastPublicMessageID is the newest public message on the request, kept
	// by a trigger on messages (so every writer keeps it); the Messages page
	// orders a client's threads by it through an index. Read only: no write
	// of a request row may put back a value read earlier.
	LastPublicMessageID *int64 `bun:"last_public_message_id,scanonly" json:"-"`
	// AttachmentCount is how many files the request and its messages have,
	// internal notes' included; a page reads attachments only when it is not 0.
	AttachmentCount int       `bun:"attachments"`
	CreatedAt       time.Time `bun:"created_at"`
	UpdatedAt       time.Time `bun:"updated_at"`

	Client   *Client `bun:"rel:belongs-to,join:client_id=id"`
	Assignee *User   `bun:"rel:belongs-to,join:assignee_id=id"`
}

// Ref is the number people use, such as ACME-42.
func (r *Request) Ref(prefix string) string { return fmt.Sprintf("%s-%d", prefix, r.Number) }

// Open reports whether the request is still active.
func (r *Request) Open() bool { return r.Status != StatusCompleted }

// Clock is the request's stored SLA state.
func (r *Request) Clock() ClockState {
	return ClockState{
		Status: r.Status, ResponseTargetSecs: r.ResponseTargetSecs, ResolutionTargetSecs: r.ResolutionTargetSecs,
		ResponseUsedSecs: r.ResponseUsedSecs, ResolutionUsedSecs: r.ResolutionUsedSecs, UpdatedAt: r.ClockUpdatedAt,
		ResponseDueAt: r.ResponseDueAt, ResolutionDueAt: r.ResolutionDueAt,
		ResponseColour: r.ResponseColour, ResolutionColour: r.ResolutionColour,
		FirstResponseAt: r.FirstResponseAt, CompletedAt: r.CompletedAt, NextChangeAt: r.SLANextChangeAt,
	}
}

// SetClock copies a clock state onto the request's columns.
func (r *Request) SetClock(st ClockState) {
	r.Status = st.Status
	r.ResponseTargetSecs, r.ResolutionTargetSecs = st.ResponseTargetSecs, st.ResolutionTargetSecs
	r.ResponseUsedSecs, r.ResolutionUsedSecs = st.ResponseUsedSecs, st.ResolutionUsedSecs
	r.ClockUpdatedAt = st.UpdatedAt
	r.ResponseDueAt, r.ResolutionDueAt = st.ResponseDueAt, st.ResolutionDueAt
	r.ResponseColour, r.ResolutionColour = st.ResponseColour, st.ResolutionColour
	r.FirstResponseAt, r.CompletedAt = st.FirstResponseAt, st.CompletedAt
	r.SLANextChangeAt = st.NextChangeAt
}

// clockColumns are the columns SetClock writes.
var clockColumns = []string{"status", "response_target_secs", "resolution_target_secs", "response_used_secs",
	"resolution_used_secs", "clock_updated_at", "response_due_at", "resolution_due_at", "response_colour",
	"resolution_colour", "first_response_at", "completed_at", "sla_next_change_at", "updated_at"}

// Limits of a request's text, in characters.
const (
	MaxTitleLength       = 200
	MaxDescriptionLength = 20000
	MaxMessageLength     = 20000
)

// UrgencyHint is the one-line explanation shown beside each urgency.
func UrgencyHint(urgency string) string {
	switch urgency {
	case UrgencyLow:
		return "A question or a small change; no one is held up."
	case UrgencyNormal:
		return "Something does not work as it should, but there is a way around it."
	case UrgencyHigh:
		return "A person or a team cannot work, or an important service is degraded."
	case UrgencyCritical:
		return "The business is stopped: a main system is down or data is at risk."
	}
	return ""
}

// ValidUrgency reports whether u is one of the four urgency levels.
func ValidUrgency(u string) bool {
	for _, v := range Urgencies {
		if v == u {
			return true
		}
	}
	return false
}

// ValidStatus reports whether s is one of the four statuses.
func ValidStatus(s string) bool {
	return s == StatusSubmitted || s == StatusInProgress || s == StatusWaiting || s == StatusCompleted
}

// NewRequest is what a client submits.
type NewRequest struct {
	Title       string
	Description string
	Urgency     string
	CategoryID  *int64
	// FollowUpOfID links a follow-up to the completed request it continues.
	FollowUpOfID *int64
	Channel      string // "" is the portal
	// Attachments are files already in storage, recorded with the request.
	Attachments []NewAttachment
}

// createRequest numbers and stores a request with its clocks started and a
// request_submitted event, all in one transaction: the client's
// next_request_number is taken and incremented by the same UPDATE, so two
// submissions never share a number.
func createRequest(ctx context.Context, db bun.IDB, clientID, requesterID int64, in NewRequest) (*Request, error) {
	return createRequestAt(ctx, db, clientID, requesterID, requesterID, in, time.Time{})
}

// createRequestAt is createRequest by actor (the requester, or staff opening
// it on their behalf) with the SLA clocks started at startAt (zero: now).
func createRequestAt(ctx context.Context, db bun.IDB, clientID, requesterID, actorID int64, in NewRequest, startAt time.Time) (*Request, error) {
	r := new(Request)
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var number int
		if err := tx.NewUpdate().Model((*Client)(nil)).Set("next_request_number = next_request_number + 1").
			Where("id = ?", clientID).Returning("next_request_number - 1").Scan(ctx, &number); err != nil {
			return notFound(err, fmt.Sprintf("number a request of client %d", clientID))
		}
		policy, err := ResolveSLAPolicy(ctx, tx, clientID)
		if err != nil {
			return err
		}
		now := Now()
		start := now.Truncate(time.Second) // the clocks count whole seconds from it
		if !startAt.IsZero() && startAt.Before(now) {
			start = startAt
		}
		channel := in.Channel
		if channel == "" {
			channel = ChannelPortal
		}
		respTarget, resTarget := policy.TargetSecs(in.Urgency)
		version, err := RecordPolicyVersion(ctx, tx, policy)
		if err != nil {
			return err
		}
		*r = Request{ClientID: clientID, Number: number, Title: in.Title, Description: in.Description,
			Urgency: in.Urgency, CategoryID: in.CategoryID, RequesterID: &requesterID, FollowUpOfID: in.FollowUpOfID,
			AwaitingMSP: true, Channel: channel, SLAPolicyVersionID: version, CreatedAt: start, UpdatedAt: now}
		r.SetClock(StartClocks(policy.Cal(), policy.WarningPercent(), start, respTarget, resTarget).
			Apply(policy.Cal(), policy.WarningPercent(), ClockEvent{Kind: ClockTick, At: now}))
		if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
			return fmt.Errorf("models: create request of client %d: %w", clientID, err)
		}
		if err := insertAttachments(ctx, tx, r, nil, actorID, in.Attachments, now); err != nil {
			return err
		}
		if err := follow(ctx, tx, r.ID, requesterID, now); err != nil {
			return err
		}
		return RecordEvent(ctx, tx, &ActivityEvent{ClientID: clientID, RequestID: &r.ID, ActorID: &actorID,
			Kind: EventRequestSubmitted, Audience: AudiencePublic, Detail: in.Urgency, CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// applyClockEvent moves a request's clocks by ev under its client's policy
// and writes them; call it inside the transaction of the change.
func applyClockEvent(ctx context.Context, tx bun.IDB, r *Request, ev ClockEvent) error {
	policy, err := ResolveSLAPolicy(ctx, tx, r.ClientID)
	if err != nil {
		return err
	}
	if ev.Kind == ClockTargetsChanged {
		ev.ResponseTargetSecs, ev.ResolutionTargetSecs = policy.TargetSecs(r.Urgency)
	}
	r.SetClock(r.Clock().Apply(policy.Cal(), policy.WarningPercent(), ev))
	r.UpdatedAt = ev.At
	if _, err := tx.NewUpdate().Model(r).Column(clockColumns...).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("models: update clocks of request %d: %w", r.ID, err)
	}
	return nil
}

// lockRequest loads a request for change inside a transaction (row-locked on
// PostgreSQL; SQLite transactions already hold the write lock).
func lockRequest(ctx context.Context, tx bun.IDB, id int64) (*Request, error) {
	r := new(Request)
	if err := forUpdate(tx, tx.NewSelect().Model(r).Where("id = ?", id)).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load request %d", id))
	}
	return r, nil
}

// forUpdate adds FOR UPDATE on PostgreSQL, which SQLite does not parse.
func forUpdate(db bun.IDB, q *bun.SelectQuery) *bun.SelectQuery {
	if IsPostgres(db) {
		return q.For("UPDATE")
	}
	return q
}

// changeStatus sets a request's status, moving the clocks and recording a
// public status_changed event. A no-op when the status is unchanged.
func changeStatus(ctx context.Context, tx bun.IDB, r *Request, actorID int64, status string, at time.Time) error {
	return changeStatusAs(ctx, tx, r, actorID, status, at, EventStatusChanged)
}

// changeStatusAs is changeStatus recording an event of the given kind
// (status_changed, request_reopened, request_marked_fixed) with the new
// status as its detail.
func changeStatusAs(ctx context.Context, tx bun.IDB, r *Request, actorID int64, status string, at time.Time, kind string) error {
	if r.Status == status {
		return nil
	}
	if err := applyClockEvent(ctx, tx, r, ClockEvent{Kind: ClockStatusChanged, Status: status, At: at}); err != nil {
		return err
	}
	return RecordEvent(ctx, tx, &ActivityEvent{ClientID: r.ClientID, RequestID: &r.ID, ActorID: &actorID,
		Kind: kind, Audience: AudiencePublic, Detail: status, CreatedAt: at})
}

// RequestRow is a request in a list with what the list shows beside it.
type RequestRow struct {
	Request
	Live          ClockState
	Response      Timer
	Resolution    Timer
	MinutesLogged int
	ClientName    string
	Prefix        string
	AssigneeName  string
}

// Ref is the request's number as people write it, e.g. ACME-42.
func (r RequestRow) Ref() string { return r.Request.Ref(r.Prefix) }

// TimeToResolveSecs is the real time from submission to completion.
func (r RequestRow) TimeToResolveSecs() int {
	if r.CompletedAt == nil {
		return 0
	}
	return int(r.CompletedAt.Sub(r.CreatedAt) / time.Second)
}

// newRow builds a list row with its live timers.
func newRow(r Request, policy *SLAPolicyBundle, now time.Time) RequestRow {
	row := RequestRow{Request: r}
	row.Live = policy.Live(&r, now)
	row.Response, row.Resolution = row.Live.Timers()
	cal := policy.Cal()
	row.Response.inHours(cal, now)
	row.Resolution.inHours(cal, now)
	return row
}

// Page is one page of a list, with the total for the pager.
type Page[T any] struct {
	Items   []T
	Total   int
	Page    int // 1-based
	PerPage int
	// NextAfter, when set, is where the next page starts (a keyset cursor,
	// RequestFilter.After): the Next link carries it so a deep page is a
	// seek, not an OFFSET over every row before it.
	NextAfter string
}

// Pages is the number of pages.
func (p Page[T]) Pages() int {
	if p.PerPage <= 0 || p.Total == 0 {
		return 1
	}
	return (p.Total + p.PerPage - 1) / p.PerPage
}

// HasPrev and HasNext drive the pager.
func (p Page[T]) HasPrev() bool { return p.Page > 1 }
func (p Page[T]) HasNext() bool { return p.Page < p.Pages() }

// PrevPage and NextPage are the neighbouring page numbers.
func (p Page[T]) PrevPage() int { return p.Page - 1 }
func (p Page[T]) NextPage() int { return p.Page + 1 }

// offset is the OFFSET of a 1-based page.
func offset(page, perPage int) int {
	if page < 1 {
		page = 1
	}
	return (page - 1) * perPage
}

// likePattern turns user text into a LIKE pattern matching it anywhere,
// with LIKE's wildcards escaped (ESCAPE '!').
func likePattern(q string) string {
	r := strings.NewReplacer(`!`, `!!`, `%`, `!%`, `_`, `!_`)
	return "%" + strings.ToLower(r.Replace(q)) + "%"
}

// parseRequestNumber reads "ACME-42", "#42" or "42" as request number 42.
func parseRequestNumber(q, prefix string) (int, bool) {
	q = strings.TrimSpace(q)
	if i := strings.LastIndex(q, "-"); i >= 0 && strings.EqualFold(q[:i], prefix) {
		q = q[i+1:]
	}
	q = strings.TrimPrefix(q, "#")
	n, err := strconv.Atoi(q)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// TimeToResolveText is TimeToResolveSecs in words.
func (r RequestRow) TimeToResolveText() string { return DurationText(r.TimeToResolveSecs()) }

// HasCategory reports whether the request is in category id.
func (r *Request) HasCategory(id int64) bool { return r.CategoryID != nil && *r.CategoryID == id }

// AssignedTo reports whether the request is assigned to user id.
func (r *Request) AssignedTo(id int64) bool { return r.AssigneeID != nil && *r.AssigneeID == id }

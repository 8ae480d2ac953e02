package models

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"
)

// ClockHistory is the clock history of one of the scope's requests, d
// being its page as the client sees it (RequestByNumber): the history is
// replayed from that page's public events and messages, so nothing
// internal feeds it. One statement: the request's policy version.
func (s Scope) ClockHistory(ctx context.Context, d *RequestDetail, now time.Time) (*ClockHistory, error) {
	if d.ClientID != s.clientID {
		return nil, fmt.Errorf("models: clock history of request %d for client %d: %w", d.ID, s.clientID, ErrNotFound)
	}
	return clockHistoryOf(ctx, s.db, d, now)
}

// StaffClockHistory is the clock history of a request's console page d.
// Internal notes and staff-only events do not move clocks, so it reads the
// same events as the client's and shows the same history.
func StaffClockHistory(ctx context.Context, db bun.IDB, d *RequestDetail, now time.Time) (*ClockHistory, error) {
	return clockHistoryOf(ctx, db, d, now)
}

func clockHistoryOf(ctx context.Context, db bun.IDB, d *RequestDetail, now time.Time) (*ClockHistory, error) {
	v, err := policyVersionOfRequest(ctx, db, d.ClientID, d.ID)
	if err != nil {
		return nil, err
	}
	marks := make([]clockMark, 0, len(d.History)+len(d.Messages))
	for i := range d.History {
		if m, ok := markOfEvent(&d.History[i], false); ok {
			marks = append(marks, m)
		}
	}
	for _, msg := range d.Messages {
		if msg.Internal { // staff pages hold notes; they never move a clock
			continue
		}
		m := clockMark{At: msg.CreatedAt, Kind: markClientReply, Who: msg.AuthorName(), Anchor: "message-" + strconv.FormatInt(msg.ID, 10)}
		if msg.FromStaff() {
			m.Kind = markStaffReply
		}
		marks = append(marks, m)
	}
	v, unrecorded := orCurrent(v, d.Policy)
	h := buildClockHistory(v, factsOf(&d.Request, d.RequesterName, now), marks)
	h.Unrecorded = unrecorded
	return h, nil
}

// orCurrent is v, or for a request without a version of its own the
// current settings of policy (unrecorded true); nil when there is neither.
func orCurrent(v *SLAPolicyVersion, policy *SLAPolicyBundle) (*SLAPolicyVersion, bool) {
	if v != nil || policy == nil {
		return v, false
	}
	now := snapshotOf(policy)
	return &now, true
}

func factsOf(r *Request, requester string, now time.Time) clockFacts {
	return clockFacts{Start: r.CreatedAt, Urgency: r.Urgency, Channel: r.Channel, Requester: requester, Now: now}
}

// markOfEvent is what an activity event means to the clocks; ok is false
// for events that do not move them. Message events count only when
// messages says so (the export, which has no thread): a page takes its
// replies from its thread. Staff-only events never count.
func markOfEvent(e *ActivityEvent, messages bool) (clockMark, bool) {
	if e.Audience != AudiencePublic {
		return clockMark{}, false
	}
	who := ""
	if e.Actor != nil {
		who = e.Actor.Name
	}
	m := clockMark{At: e.CreatedAt, Detail: e.Detail, Who: who, Anchor: "event-" + strconv.FormatInt(e.ID, 10)}
	switch e.Kind {
	case EventRequestSubmitted:
		m.Kind = markSubmitted
	case EventStatusChanged, EventRequestMarkedFixed:
		m.Kind = markStatus
	case EventRequestReopened:
		m.Kind, m.Detail = markStatus, StatusInProgress
	case EventUrgencyChanged:
		m.Kind = markUrgency
	case EventMessagePosted:
		if !messages {
			return clockMark{}, false
		}
		m.Kind, m.Anchor = markClientReply, "message-"+e.Detail
		if e.Actor != nil && e.Actor.IsStaff() {
			m.Kind = markStaffReply
		}
	default:
		return clockMark{}, false
	}
	return m, true
}

// policyVersionOfRequest loads the policy version request id started
// under, through the request and its client; nil when none applied.
func policyVersionOfRequest(ctx context.Context, db bun.IDB, clientID, id int64) (*SLAPolicyVersion, error) {
	var vs []SLAPolicyVersion
	err := db.NewSelect().Model(&vs).
		Where("id = (SELECT r.sla_policy_version_id FROM requests AS r WHERE r.id = ? AND r.client_id = ?)", id, clientID).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: SLA policy version of request %d: %w", id, err)
	}
	if len(vs) == 0 {
		return nil, nil
	}
	return &vs[0], nil
}

// clockEventKinds are the events an export reads to replay clocks.
var clockEventKinds = []string{EventRequestSubmitted, EventStatusChanged, EventRequestMarkedFixed,
	EventRequestReopened, EventUrgencyChanged, EventMessagePosted}

// RequestClocks is one request's clock history in an export.
type RequestClocks struct {
	Number  int
	History *ClockHistory
}

// MaxExportClockRequests bounds how many requests' clock histories one
// export replays.
const MaxExportClockRequests = 500

// ClockHistoriesForExport replays the clocks of the scope's requests that
// ran during f (opened by its end, not completed before its start), from
// public events only, oldest first. Four statements however many requests
// (three once the SLA book is cached).
func (s Scope) ClockHistoriesForExport(ctx context.Context, f ActivityFilter, now time.Time) ([]RequestClocks, error) {
	client, err := s.Client(ctx)
	if err != nil {
		return nil, err
	}
	loc := LoadLocation(client.Timezone)
	var rs []clockRequest
	q := s.db.NewSelect().Model(&rs).
		Column("request.id", "request.client_id", "request.number", "request.urgency", "request.channel",
			"request.sla_policy_version_id", "request.created_at").
		ColumnExpr("coalesce((SELECT u.name FROM users AS u WHERE u.id = request.requester_id), '') AS requester_name").
		Where("request.client_id = ?", s.clientID).
		Apply(func(q *bun.SelectQuery) *bun.SelectQuery { return s.Viewer().whereSeesRequests(q, "request") })
	if !f.To.IsZero() {
		q = q.Where("request.created_at < ?", localMidnight(f.To.AddDate(0, 0, 1), loc))
	}
	if !f.From.IsZero() {
		q = q.Where("request.completed_at IS NULL OR request.completed_at >= ?", localMidnight(f.From, loc))
	}
	if err := q.Order("request.id").Limit(MaxExportClockRequests).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: requests of client %d for clock histories: %w", s.clientID, err)
	}
	if len(rs) == 0 {
		return nil, nil
	}
	ids, versionIDs := make([]int64, 0, len(rs)), []int64{0}
	for _, r := range rs {
		ids = append(ids, r.ID)
		if r.SLAPolicyVersionID != nil {
			versionIDs = append(versionIDs, *r.SLAPolicyVersionID)
		}
	}
	var vs []SLAPolicyVersion
	if err := s.db.NewSelect().Model(&vs).Where("id IN (?)", bun.List(versionIDs)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: SLA policy versions of client %d: %w", s.clientID, err)
	}
	var es []ActivityEvent
	eq := s.db.NewSelect().Model(&es).
		Relation("Actor", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "role") }).
		Where("activity_event.request_id IN (?)", bun.List(ids)).
		Where("activity_event.kind IN (?)", bun.List(clockEventKinds))
	eq = s.Viewer().whereSeesEvents(eq, "activity_event")
	if err := eq.Order("activity_event.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: clock events of client %d: %w", s.clientID, err)
	}
	policy, err := SLAPolicyOf(ctx, s.db, client)
	if err != nil {
		return nil, err
	}
	return replayAll(rs, vs, es, policy, now), nil
}

// clockRequest is a request with its requester's name, as an export
// replays it.
type clockRequest struct {
	Request       `bun:",extend"`
	RequesterName string `bun:"requester_name,scanonly"`
}

// replayAll builds each request's history from its share of the events.
func replayAll(rs []clockRequest, vs []SLAPolicyVersion, es []ActivityEvent, policy *SLAPolicyBundle, now time.Time) []RequestClocks {
	versions := map[int64]*SLAPolicyVersion{}
	for i := range vs {
		versions[vs[i].ID] = &vs[i]
	}
	marks := map[int64][]clockMark{}
	for i := range es {
		e := &es[i]
		if e.RequestID == nil {
			continue
		}
		if m, ok := markOfEvent(e, true); ok {
			marks[*e.RequestID] = append(marks[*e.RequestID], m)
		}
	}
	out := make([]RequestClocks, 0, len(rs))
	for i := range rs {
		r := &rs[i]
		var v *SLAPolicyVersion
		if r.SLAPolicyVersionID != nil {
			v = versions[*r.SLAPolicyVersionID]
		}
		v, unrecorded := orCurrent(v, policy)
		h := buildClockHistory(v, factsOf(&r.Request, r.RequesterName, now), marks[r.ID])
		h.Unrecorded = unrecorded
		out = append(out, RequestClocks{Number: r.Number, History: h})
	}
	return out
}

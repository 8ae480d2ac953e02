package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Kinds of event that only the console shows.
const (
	EventCategoryChanged = "category_changed"
	EventAssigneeChanged = "assignee_changed"
)

// RequestDetail is one request with its thread, history and time.
type RequestDetail struct {
	RequestRow
	Client        *Client
	CategoryName  string
	RequesterName string
	Messages      []Message
	Attachments   []Attachment    // the files sent with the request itself
	History       []ActivityEvent // oldest first
	TimeEntries   []TimeEntry     // empty for the client view
	Policy        *SLAPolicyBundle
	ReadUpTo      int64          // client view: the newest message the viewer had read (Scope.RequestByNumber)
	ReopenUntil   *time.Time     // a completed request: the end of its reopen window
	CanReopen     bool           // completed, and a client reply now would reopen it
	FollowUpOf    int            // the number of the request this one follows up, or 0
	FollowUps     []int          // numbers of the follow-ups of this one
	Rating        *RequestRating // the client's satisfaction, once completed
}

// loadRequestDetail loads what a request page shows to v. For a client's
// viewer the thread has no internal notes, the history no staff-only events
// and no time entry rows (only the total): nothing staff-only is even read.
func loadRequestDetail(ctx context.Context, db bun.IDB, id int64, v Viewer, now time.Time) (*RequestDetail, error) {
	r := new(Request)
	if err := db.NewSelect().Model(r).Relation("Client").Where("request.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load request %d", id))
	}
	client := r.Client // read in the same statement
	if client == nil || client.ID != r.ClientID {
		return nil, fmt.Errorf("models: client of request %d: %w", id, ErrNotFound)
	}
	r.Client = nil
	policy, err := SLAPolicyOf(ctx, db, client)
	if err != nil {
		return nil, err
	}
	d := &RequestDetail{RequestRow: newRow(*r, policy, now), Client: client, Policy: policy}
	d.Prefix, d.ClientName = client.RequestPrefix, client.Name
	staff := v.Staff()

	if r.CategoryID != nil {
		if err := db.NewSelect().Model((*Category)(nil)).Column("name").Where("id = ?", *r.CategoryID).Scan(ctx, &d.CategoryName); err != nil {
			return nil, fmt.Errorf("models: category of request %d: %w", id, err)
		}
	}
	names, err := userNames(ctx, db, r.RequesterID, r.AssigneeID)
	if err != nil {
		return nil, err
	}
	if r.RequesterID != nil {
		d.RequesterName = names[*r.RequesterID]
	}
	if r.AssigneeID != nil {
		d.AssigneeName = names[*r.AssigneeID]
	}
	if d.Messages, err = requestMessages(ctx, db, id, v); err != nil {
		return nil, err
	}
	if r.AttachmentCount > 0 {
		as, err := requestAttachments(ctx, db, id, v)
		if err != nil {
			return nil, err
		}
		d.attachTo(as)
	}
	q := db.NewSelect().Model(&d.History).
		Relation("Actor", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "role") }).
		Relation("Request", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("number", "title") }).
		Where("activity_event.request_id = ?", id).
		Where("activity_event.kind NOT IN (?)", bun.List([]string{EventMessagePosted, EventSLAChanged})) // the thread and timers show those
	q = v.whereSeesEvents(q, "activity_event")
	if staff {
		q = q.Where("activity_event.kind <> ?", EventInternalNote) // the thread shows those
	}
	if err := q.Order("activity_event.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: history of request %d: %w", id, err)
	}
	minutes, err := minutesByRequest(ctx, db, []int64{id})
	if err != nil {
		return nil, err
	}
	d.MinutesLogged = minutes[id]
	if err := loadResolution(ctx, db, d, now); err != nil {
		return nil, err
	}
	if staff {
		if d.TimeEntries, err = requestTimeEntries(ctx, db, id); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// userNames maps the given user ids to names in one query.
func userNames(ctx context.Context, db bun.IDB, ids ...*int64) (map[int64]string, error) {
	var want []int64
	for _, id := range ids {
		if id != nil {
			want = append(want, *id)
		}
	}
	out := map[int64]string{}
	if len(want) == 0 {
		return out, nil
	}
	var us []User
	if err := db.NewSelect().Model(&us).Column("id", "name").Where("id IN (?)", bun.List(want)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: user names: %w", err)
	}
	for _, u := range us {
		out[u.ID] = u.Name
	}
	return out, nil
}

// GetRequestForStaff is the console's view of a request: everything,
// internal notes included.
func GetRequestForStaff(ctx context.Context, db bun.IDB, id int64, now time.Time) (*RequestDetail, error) {
	return loadRequestDetail(ctx, db, id, StaffViewer(), now)
}

// ChangeRequestStatus sets a request's status (moving its clocks) with a
// public event, in one transaction.
func ChangeRequestStatus(ctx context.Context, db bun.IDB, id int64, actor *User, status string) error {
	if !ValidStatus(status) {
		return fmt.Errorf("models: unknown status %q", status)
	}
	if status == StatusCompleted {
		return ErrResolutionRequired // CompleteRequest
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		return changeStatus(ctx, tx, r, actor.ID, status, Now())
	})
}

// ChangeRequestUrgency sets a request's urgency and recomputes both due
// times from the new targets, keeping the time already used.
func ChangeRequestUrgency(ctx context.Context, db bun.IDB, id int64, actor *User, urgency string) error {
	if !ValidUrgency(urgency) {
		return fmt.Errorf("models: unknown urgency %q", urgency)
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Urgency == urgency {
			return nil
		}
		now := Now()
		r.Urgency = urgency
		if _, err := tx.NewUpdate().Model(r).Column("urgency").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: set urgency of request %d: %w", id, err)
		}
		if err := applyClockEvent(ctx, tx, r, ClockEvent{Kind: ClockTargetsChanged, At: now}); err != nil {
			return err
		}
		return RecordEvent(ctx, tx, &ActivityEvent{ClientID: r.ClientID, RequestID: &r.ID, ActorID: &actor.ID,
			Kind: EventUrgencyChanged, Audience: AudiencePublic, Detail: urgency, CreatedAt: now})
	})
}

// ChangeRequestCategory sets or clears (nil) a request's category.
func ChangeRequestCategory(ctx context.Context, db bun.IDB, id int64, actor *User, categoryID *int64) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		name := ""
		if categoryID != nil {
			c, err := GetActiveCategory(ctx, tx, *categoryID)
			if err != nil {
				return err
			}
			name = c.Name
		}
		now := Now()
		if _, err := tx.NewUpdate().Model(r).Set("category_id = ?", categoryID).Set("updated_at = ?", now).
			WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: set category of request %d: %w", id, err)
		}
		return RecordEvent(ctx, tx, &ActivityEvent{ClientID: r.ClientID, RequestID: &r.ID, ActorID: &actor.ID,
			Kind: EventCategoryChanged, Audience: AudienceStaff, Detail: name, CreatedAt: now})
	})
}

// ChangeRequestAssignee assigns a request to a staff member, or unassigns it (nil).
func ChangeRequestAssignee(ctx context.Context, db bun.IDB, id int64, actor *User, assigneeID *int64) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		name := ""
		if assigneeID != nil {
			u := new(User)
			if err := tx.NewSelect().Model(u).Where("id = ?", *assigneeID).
				Where("role IN (?)", bun.List([]string{RoleAdmin, RoleAgent})).Where("disabled_at IS NULL").Scan(ctx); err != nil {
				return notFound(err, fmt.Sprintf("load staff user %d", *assigneeID))
			}
			name = u.Name
		}
		now := Now()
		if _, err := tx.NewUpdate().Model(r).Set("assignee_id = ?", assigneeID).Set("updated_at = ?", now).
			WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: assign request %d: %w", id, err)
		}
		return RecordEvent(ctx, tx, &ActivityEvent{ClientID: r.ClientID, RequestID: &r.ID, ActorID: &actor.ID,
			Kind: EventAssigneeChanged, Audience: AudienceStaff, Detail: name, CreatedAt: now})
	})
}

// ListActiveStaff returns the staff who can be assigned requests, by name.
func ListActiveStaff(ctx context.Context, db bun.IDB) ([]User, error) {
	var us []User
	if err := db.NewSelect().Model(&us).Column("id", "name", "role").
		Where("role IN (?)", bun.List([]string{RoleAdmin, RoleAgent})).Where("disabled_at IS NULL").
		Order("name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: list staff: %w", err)
	}
	return us, nil
}

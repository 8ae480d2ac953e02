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
	Following     bool           // client view: the viewer follows the request
}

// loadRequestDetail loads what a request page shows to v. For a client's
// viewer the thread has no internal notes, the history no staff-only events
// and no time entry rows (only the total of the time the client is shown):
// nothing staff-only is even read. The request and everything beside its
// thread and history come in one statement (requestHead).
func loadRequestDetail(ctx context.Context, db bun.IDB, head *requestHead, v Viewer, now time.Time) (*RequestDetail, error) {
	r := &head.Request
	id := r.ID
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
	d.CategoryName, d.RequesterName, d.AssigneeName = head.CategoryName, head.RequesterName, head.AssigneeName
	d.MinutesLogged, d.FollowUpOf, d.ReadUpTo = head.MinutesLogged, head.FollowUpOfNumber, head.ReadUpTo
	staff := v.Staff()

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
	if err := loadResolution(ctx, db, d, head.HasFollowUps, now); err != nil {
		return nil, err
	}
	if staff {
		if d.TimeEntries, err = requestTimeEntries(ctx, db, id); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// requestHead is a request, its client and what its page shows beside the
// thread and the history, read in one statement: names, the time logged,
// follow-up links and, for a signed-in viewer, how far they had read and
// whether they follow it.
type requestHead struct {
	Request `bun:",extend"`

	CategoryName     string `bun:"category_name,scanonly"`
	RequesterName    string `bun:"requester_name,scanonly"`
	AssigneeName     string `bun:"assignee_name,scanonly"`
	MinutesLogged    int    `bun:"minutes_logged,scanonly"`
	FollowUpOfNumber int    `bun:"follow_up_of_number,scanonly"`
	HasFollowUps     bool   `bun:"has_follow_ups,scanonly"`
	ReadUpTo         int64  `bun:"read_up_to,scanonly"`
	Following        bool   `bun:"following,scanonly"`
}

// readRequestHead reads one request: by "id" (key: its id) or by "number"
// (key: its client's id and its number). The time logged is what the
// audience is shown: a client is not shown time kept hidden from it.
// viewerID (0: none) adds the viewer's read marker and following. Every
// request page starts with it, so it is a prepared statement.
func readRequestHead(ctx context.Context, db bun.IDB, v Viewer, viewerID int64, by string, key ...any) (*requestHead, error) {
	args := key
	if viewerID != 0 {
		args = append(key[:len(key):len(key)], viewerID)
	}
	shape := fmt.Sprintf("request head by %s (staff %t, viewer %t)", by, v.Staff(), viewerID != 0)
	h := new(requestHead)
	err := scanOnePrepared(ctx, db, shape, h, func(dest any, arg func(int) any) *bun.SelectQuery {
		minutes := "SELECT sum(t.minutes) FROM time_entries AS t WHERE t.request_id = request.id"
		if !v.Staff() {
			minutes += " AND t.billing <> '" + BillingHidden + "'"
		}
		q := db.NewSelect().Model(dest).ColumnExpr("request.*").Relation("Client").
			ColumnExpr("coalesce((SELECT c.name FROM categories AS c WHERE c.id = request.category_id), '') AS category_name").
			ColumnExpr("coalesce((SELECT u.name FROM users AS u WHERE u.id = request.requester_id), '') AS requester_name").
			ColumnExpr("coalesce((SELECT u.name FROM users AS u WHERE u.id = request.assignee_id), '') AS assignee_name").
			ColumnExpr("coalesce((" + minutes + "), 0) AS minutes_logged").
			ColumnExpr("coalesce((SELECT f.number FROM requests AS f WHERE f.id = request.follow_up_of_id AND f.client_id = request.client_id), 0) AS follow_up_of_number").
			ColumnExpr("EXISTS (SELECT 1 FROM requests AS f WHERE f.follow_up_of_id = request.id AND f.client_id = request.client_id) AS has_follow_ups")
		if viewerID != 0 {
			viewer := arg(len(key) + 1)
			q = q.ColumnExpr("coalesce((SELECT mr.last_read_message_id FROM message_reads AS mr WHERE mr.user_id = ? AND mr.request_id = request.id), 0) AS read_up_to", viewer).
				ColumnExpr("EXISTS (SELECT 1 FROM request_followers AS rf WHERE rf.request_id = request.id AND rf.user_id = ?) AS following", viewer)
		}
		switch by {
		case "id":
			q = q.Where("request.id = ?", arg(1))
		case "number":
			q = q.Where("request.client_id = ?", arg(1)).Where("request.number = ?", arg(2))
		default:
			q = q.Where("1 = 0") // an unknown key finds nothing rather than any request
		}
		return q.Limit(1)
	}, args...)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// ClientOfRequest is the client a request belongs to, for staff writing
// to it without loading its page.
func ClientOfRequest(ctx context.Context, db bun.IDB, id int64) (int64, error) {
	var clientID int64
	if err := db.NewSelect().Model((*Request)(nil)).Column("client_id").Where("id = ?", id).Scan(ctx, &clientID); err != nil {
		return 0, notFound(err, fmt.Sprintf("client of request %d", id))
	}
	return clientID, nil
}

// GetRequestForStaff is the console's view of a request: everything,
// internal notes included.
func GetRequestForStaff(ctx context.Context, db bun.IDB, id int64, now time.Time) (*RequestDetail, error) {
	return GetRequestForStaffViewer(ctx, db, id, 0, now)
}

// GetRequestForStaffViewer is GetRequestForStaff for staff user viewerID's
// page: ReadUpTo is where they had read to, read in the same statement, so
// a view with nothing new writes no read marker.
func GetRequestForStaffViewer(ctx context.Context, db bun.IDB, id, viewerID int64, now time.Time) (*RequestDetail, error) {
	head, err := readRequestHead(ctx, db, StaffViewer(), viewerID, "id", id)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("load request %d", id))
	}
	return loadRequestDetail(ctx, db, head, StaffViewer(), now)
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

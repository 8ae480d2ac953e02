package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// E-mail notifications are worked out from activity events in two steps, so
// that a burst of replies becomes one mail per person:
//
//  1. QueueNotifications reads the events after the cursor and records, for
//     each event somebody should hear about, one pending line per recipient.
//  2. DueNotifications gathers each recipient's lines once their burst has
//     gone quiet; the caller mails them and clears the lines.
//
// Only public events are read, and a message is re-checked when it is
// mailed: an internal note can never become a line, let alone a mail.

// NotificationCursor is how far the notifier has read activity_events.
type NotificationCursor struct {
	bun.BaseModel `bun:"table:notification_cursor"`

	ID          int64     `bun:"id,pk"`
	LastEventID int64     `bun:"last_event_id"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

// PendingNotification is one line a user is still to be mailed about.
type PendingNotification struct {
	bun.BaseModel `bun:"table:pending_notifications"`

	ID        int64     `bun:"id,pk,autoincrement"`
	UserID    int64     `bun:"user_id"`
	EventID   int64     `bun:"event_id"`
	CreatedAt time.Time `bun:"created_at"` // the event's time
	// Urgent lines (Critical and High requests, for staff) are mailed at
	// once, each alone, without waiting for the burst to go quiet.
	Urgent bool `bun:"urgent"`
}

// QueueNotifications turns up to limit events after the cursor into pending
// lines and moves the cursor past them, in one transaction. It stops at the
// first event created after settledBefore: an event with a lower id may
// still be committing, and the cursor must not step over it. Events created
// before staleBefore (history loaded in bulk, a long outage) are passed
// over: news that old is not worth a mail. It returns how many events it
// consumed.
func QueueNotifications(ctx context.Context, db bun.IDB, settledBefore, staleBefore time.Time, limit int) (int, error) {
	consumed := 0
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		cur := new(NotificationCursor)
		q := tx.NewSelect().Model(cur).Where("id = 1")
		if IsPostgres(tx) {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("models: load notification cursor: %w", err)
		}
		var events []ActivityEvent
		if err := tx.NewSelect().Model(&events).Where("id > ?", cur.LastEventID).
			Order("id").Limit(limit).Scan(ctx); err != nil {
			return fmt.Errorf("models: events after %d: %w", cur.LastEventID, err)
		}
		last := cur.LastEventID
		for i := range events {
			ev := &events[i]
			if ev.CreatedAt.After(settledBefore) {
				break
			}
			if !ev.CreatedAt.Before(staleBefore) {
				if err := queueEvent(ctx, tx, ev); err != nil {
					return err
				}
			}
			last, consumed = ev.ID, consumed+1
		}
		if last == cur.LastEventID {
			return nil
		}
		_, err := tx.NewUpdate().Model((*NotificationCursor)(nil)).Set("last_event_id = ?", last).
			Set("updated_at = ?", Now()).Where("id = 1").Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: move notification cursor to %d: %w", last, err)
		}
		return nil
	})
	return consumed, err
}

// queueEvent records who should be mailed about one event:
//   - a public staff reply, or staff completing a request: the requester
//     and the request's followers, and client users who chose all of their
//     company's requests;
//   - a client reply or a new request: the staff; on a Critical or High
//     request only its assignee (every staff member while unassigned), at
//     once (an urgent line);
//   - an SLA clock turning yellow on a Critical or High request: the same,
//     at once.
//
// Staff who have never set a password are never mailed. Everyone else,
// every staff-only event and every other kind: nobody.
func queueEvent(ctx context.Context, tx bun.Tx, ev *ActivityEvent) error {
	if ev.Audience != AudiencePublic || ev.RequestID == nil {
		return nil
	}
	r := new(Request)
	if err := tx.NewSelect().Model(r).Column("id", "urgency", "assignee_id").Where("id = ?", *ev.RequestID).Scan(ctx); err != nil {
		if errors.Is(notFound(err, ""), ErrNotFound) {
			return nil // deleted since
		}
		return fmt.Errorf("models: request of event %d: %w", ev.ID, err)
	}
	urgent := IsUrgent(r.Urgency)
	var toClient bool
	switch ev.Kind {
	case EventStatusChanged:
		if ev.Detail != StatusCompleted {
			return nil
		}
		toClient = true // the completion mail, with the resolution summary
	case EventRequestSubmitted:
	case EventMessagePosted:
		m, err := MessageOfEvent(ctx, tx, ev)
		if errors.Is(err, ErrNotFound) {
			return nil // deleted with its request since
		}
		if err != nil {
			return err
		}
		if m.Internal {
			return nil
		}
		toClient = m.FromStaff()
	case EventSLAChanged:
		if !urgent || !BreachWarning(ev.Detail) {
			return nil
		}
	default:
		return nil
	}
	if toClient {
		urgent = false // client mail keeps the digest
	}
	q := tx.NewSelect().Model((*User)(nil)).Column("id").
		Where("disabled_at IS NULL").Where("notify_email = ?", true)
	if ev.ActorID != nil {
		q = q.Where("id <> ?", *ev.ActorID)
	}
	if toClient {
		q = q.Where("role = ?", RoleClient).Where("client_id = ?", ev.ClientID).
			Where("EXISTS (SELECT 1 FROM clients AS c WHERE c.id = ? AND c.archived_at IS NULL)", ev.ClientID).
			WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("notify_scope = ?", NotifyAll).
					WhereOr("EXISTS (SELECT 1 FROM request_followers AS f WHERE f.request_id = ? AND f.user_id = ?TableAlias.id)", r.ID)
			})
	} else {
		q = q.Where("role IN (?)", bun.List([]string{RoleAdmin, RoleAgent})).Where("password_hash IS NOT NULL")
		if urgent && r.AssigneeID != nil {
			q = q.Where("id = ?", *r.AssigneeID)
		}
	}
	var ids []int64
	if err := q.Scan(ctx, &ids); err != nil {
		return fmt.Errorf("models: recipients of event %d: %w", ev.ID, err)
	}
	if len(ids) == 0 {
		return nil
	}
	lines := make([]PendingNotification, len(ids))
	for i, id := range ids {
		lines[i] = PendingNotification{UserID: id, EventID: ev.ID, CreatedAt: ev.CreatedAt, Urgent: urgent}
	}
	if _, err := tx.NewInsert().Model(&lines).On("CONFLICT (user_id, event_id) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("models: queue notifications of event %d: %w", ev.ID, err)
	}
	return nil
}

// IsUrgent reports whether an urgency is mailed to staff at once.
func IsUrgent(urgency string) bool { return urgency == UrgencyCritical || urgency == UrgencyHigh }

// BreachWarning reports whether an sla_changed event's detail (the response
// and resolution colours) is a warning: a clock turned yellow while none is
// red yet.
func BreachWarning(detail string) bool {
	return strings.Contains(detail, ColourYellow) && !strings.Contains(detail, ColourRed)
}

// NotificationBatch is what one user is to be mailed about at once.
type NotificationBatch struct {
	Urgent  bool // one urgent line, mailed at once
	User    *User
	Items   []NotificationItem // oldest first
	LineIDs []int64            // the pending lines, to clear once mailed
	Oldest  time.Time
}

// NotificationItem is one event of a batch with what a mail shows of it.
type NotificationItem struct {
	Event   ActivityEvent // with Actor
	Request *Request
	Client  *Client
	Message *Message // the message of a message event; never an internal note
	// Files are the attachments the mail links to (of the message, or of
	// a new request), linked for the recipient; never the files themselves.
	Files []Attachment
}

// DueNotifications gathers the pending lines of every user whose batch is
// due: nothing new for them since quietSince, or a line waiting since before
// overdueSince (a conversation that never pauses still gets mail). Lines
// that may no longer be sent — the user switched notifications off, was
// disabled, or the event is not one they may see — come back in a batch with
// no items, to be cleared unsent.
func DueNotifications(ctx context.Context, db bun.IDB, quietSince, overdueSince time.Time) ([]NotificationBatch, error) {
	var lines []PendingNotification
	if err := db.NewSelect().Model(&lines).Order("user_id", "event_id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: pending notifications: %w", err)
	}
	byUser := map[int64][]PendingNotification{}
	var users []int64
	for _, l := range lines {
		if _, seen := byUser[l.UserID]; !seen {
			users = append(users, l.UserID)
		}
		byUser[l.UserID] = append(byUser[l.UserID], l)
	}
	var batches []NotificationBatch
	clients := map[int64]*Client{}
	for _, uid := range users {
		var ls []PendingNotification
		for _, l := range byUser[uid] {
			if !l.Urgent {
				ls = append(ls, l)
				continue
			}
			b, err := loadBatch(ctx, db, uid, []PendingNotification{l}, clients)
			if err != nil {
				return nil, err
			}
			b.Oldest, b.Urgent = l.CreatedAt, true
			batches = append(batches, b)
		}
		if len(ls) == 0 {
			continue
		}
		oldest, newest := ls[0].CreatedAt, ls[0].CreatedAt
		for _, l := range ls {
			oldest, newest = minTime(oldest, l.CreatedAt), maxTime(newest, l.CreatedAt)
		}
		if newest.After(quietSince) && !oldest.Before(overdueSince) {
			continue
		}
		b, err := loadBatch(ctx, db, uid, ls, clients)
		if err != nil {
			return nil, err
		}
		b.Oldest = oldest
		batches = append(batches, b)
	}
	return batches, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// loadBatch loads one user's lines, re-checking each against who the user
// is now.
func loadBatch(ctx context.Context, db bun.IDB, userID int64, lines []PendingNotification, clients map[int64]*Client) (NotificationBatch, error) {
	b := NotificationBatch{}
	for _, l := range lines {
		b.LineIDs = append(b.LineIDs, l.ID)
	}
	u := new(User)
	// With the client: what a member sees depends on its settings (ViewerOf).
	if err := db.NewSelect().Model(u).Relation("Client").Where("?TableAlias.id = ?", userID).Scan(ctx); err != nil {
		if errors.Is(notFound(err, ""), ErrNotFound) {
			return b, nil
		}
		return b, fmt.Errorf("models: load user %d for notification: %w", userID, err)
	}
	b.User = u
	if !u.NotifyEmail || u.DisabledAt != nil {
		return b, nil
	}
	ids := make([]int64, len(lines))
	for i, l := range lines {
		ids[i] = l.EventID
	}
	var events []ActivityEvent
	if err := withWatchers(db, db.NewSelect().Model(&events)).
		Relation("Actor", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "role") }).
		Relation("Request").
		Where("activity_event.id IN (?)", bun.List(ids)).Order("activity_event.id").Scan(ctx); err != nil {
		return b, fmt.Errorf("models: load notified events: %w", err)
	}
	for i := range events {
		ev := events[i]
		// Mail tells of public events only, and each reader of them
		// only what they see.
		if ev.Audience != AudiencePublic || ev.Request == nil || !ViewerOf(u).SeesEvent(&ev) {
			continue
		}
		item := NotificationItem{Event: ev, Request: ev.Request}
		if ev.Kind == EventMessagePosted {
			m, err := MessageOfEvent(ctx, db, &ev)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return b, err
			}
			if m.Internal {
				continue
			}
			if err := LoadAttachments(ctx, db, m, ViewerOf(u)); err != nil {
				return b, err
			}
			item.Message, item.Files = m, m.Attachments
		}
		if ev.Kind == EventRequestSubmitted && ev.Request.AttachmentCount > 0 {
			files, err := requestAttachments(ctx, db, ev.Request.ID, ViewerOf(u))
			if err != nil {
				return b, err
			}
			for _, f := range files {
				if f.MessageID == nil { // the request's own, not a later message's
					f.Console = u.IsStaff()
					item.Files = append(item.Files, f)
				}
			}
		}
		c, ok := clients[ev.ClientID]
		if !ok {
			var err error
			if c, err = GetClient(ctx, db, ev.ClientID); err != nil {
				return b, err
			}
			clients[ev.ClientID] = c
		}
		item.Client = c
		b.Items = append(b.Items, item)
	}
	return b, nil
}

// ClearNotifications deletes pending lines once they are mailed (or dropped).
func ClearNotifications(ctx context.Context, db bun.IDB, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := db.NewDelete().Model((*PendingNotification)(nil)).Where("id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
		return fmt.Errorf("models: clear notifications: %w", err)
	}
	return nil
}

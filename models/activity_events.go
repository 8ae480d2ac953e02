package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Audiences of an activity event.
const (
	AudiencePublic = "public" // the client and staff
	AudienceStaff  = "staff"  // staff only: internal notes and the like
)

// Kinds of activity event.
const (
	EventRequestSubmitted = "request_submitted"
	EventStatusChanged    = "status_changed"
	EventUrgencyChanged   = "urgency_changed"
	EventMessagePosted    = "message_posted"
	EventInternalNote     = "internal_note"
	EventTimeLogged       = "time_logged"
	EventSummaryBuilt     = "summary_built"
	EventSLAChanged       = "sla_changed" // a clock changed colour; pushed live, not listed in timelines
)

// ActivityEvent records a change; its id is monotonic so a reconnecting
// browser can ask for everything after the last id it saw.
type ActivityEvent struct {
	bun.BaseModel `bun:"table:activity_events"`

	ID        int64     `bun:"id,pk,autoincrement"`
	ClientID  int64     `bun:"client_id"`
	RequestID *int64    `bun:"request_id"`
	ActorID   *int64    `bun:"actor_id"`
	Kind      string    `bun:"kind"`
	Audience  string    `bun:"audience"`
	Detail    string    `bun:"detail"`
	CreatedAt time.Time `bun:"created_at"`
	// TimeEntryID names the time entry of a time_logged or time_deleted
	// event; the entry of a deleted one no longer exists.
	TimeEntryID *int64 `bun:"time_entry_id"`
	// TxID is set by the database (see Position); never written from here.
	TxID int64 `bun:"tx_id"`
	// InFlight is read by EventsAfter only: the transactions of this
	// database in flight when it read, "1,2,3".
	InFlight string `bun:"in_flight,scanonly"`
	// Watchers is read with the event where a restricted member's sight
	// is decided (withWatchers, visibility.go): its request's requester
	// and followers, ",1,2,".
	Watchers string `bun:"watchers,scanonly"`
	// Reached is set by EventsAfter: the position of its reader once it
	// has this event.
	Reached Position `bun:"-"`

	Actor   *User    `bun:"rel:belongs-to,join:actor_id=id"`
	Request *Request `bun:"rel:belongs-to,join:request_id=id"`
}

// Position is where the event stands in delivery order.
func (e *ActivityEvent) Position() Position { return Position{Tx: e.TxID, ID: e.ID} }

// ErrNoAudience is returned for an event written without a known audience.
// Who sees an event is decided when it is written, by the code that knows
// what it is about; an event of no audience is never taken to be public.
var ErrNoAudience = errors.New("models: activity event without an audience")

// RecordEvent writes an activity event; call it in the transaction of the
// change. Who sees it (Viewer.SeesEvent) follows from its Audience, which
// must be AudiencePublic or AudienceStaff.
func RecordEvent(ctx context.Context, db bun.IDB, e *ActivityEvent) error {
	if e.Audience != AudiencePublic && e.Audience != AudienceStaff {
		return fmt.Errorf("models: record %s event (audience %q): %w", e.Kind, e.Audience, ErrNoAudience)
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = Now()
	}
	if _, err := db.NewInsert().Model(e).ExcludeColumn("tx_id").Exec(ctx); err != nil {
		return fmt.Errorf("models: record %s event: %w", e.Kind, err)
	}
	return announce(ctx, db, e.ID)
}

package models

import (
	"context"
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

	Actor   *User    `bun:"rel:belongs-to,join:actor_id=id"`
	Request *Request `bun:"rel:belongs-to,join:request_id=id"`
}

// RecordEvent writes an activity event; call it in the transaction of the change.
func RecordEvent(ctx context.Context, db bun.IDB, e *ActivityEvent) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = Now()
	}
	if e.Audience == "" {
		e.Audience = AudiencePublic
	}
	if _, err := db.NewInsert().Model(e).Exec(ctx); err != nil {
		return fmt.Errorf("models: record %s event: %w", e.Kind, err)
	}
	return announce(ctx, db, e.ID)
}

package models

import (
	"fmt"
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
	CreatedAt            time.Time  `bun:"created_at"`
	UpdatedAt            time.Time  `bun:"updated_at"`

	Client *Client `bun:"rel:belongs-to,join:client_id=id"`
}

// Ref is the number people use, such as ACME-42.
func (r *Request) Ref(prefix string) string { return fmt.Sprintf("%s-%d", prefix, r.Number) }

// Open reports whether the request is still active.
func (r *Request) Open() bool { return r.Status != StatusCompleted }

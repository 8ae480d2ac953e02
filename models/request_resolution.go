package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Kinds of event of a request's resolution and reopening.
const (
	EventRequestReopened    = "request_reopened"     // a client reply or the client reopened it; Detail: the client's reason, if given
	EventRequestMarkedFixed = "request_marked_fixed" // the client said "This is fixed"; Detail: completed
	EventFollowUpOpened     = "follow_up_opened"     // on the old request; Detail: the follow-up's number
)

// DefaultReopenWindowDays is how long after completion a client's reply
// reopens a request, unless Settings say otherwise.
const DefaultReopenWindowDays = 14

// MaxReopenWindowDays bounds the setting.
const MaxReopenWindowDays = 365

// MaxResolutionLength is the longest resolution summary, in characters.
const MaxResolutionLength = 4000

// Errors of resolution and reopening; handlers show them beside the field.
var (
	ErrResolutionRequired = errors.New("models: completing a request needs a resolution summary")
	ErrReopenWindowClosed = errors.New("models: the request was completed before the reopen window")
	ErrRequestNotOpen     = errors.New("models: the request is not open")
	ErrRequestNotClosed   = errors.New("models: the request is not completed")
)

// ReopenWindow is the workspace's reopen window.
func (w *Workspace) ReopenWindow() time.Duration {
	return reopenWindow(w.ReopenWindowDays)
}

// ReopenDays is the window in days, with the default applied.
func (w *Workspace) ReopenDays() int {
	if w.ReopenWindowDays <= 0 {
		return DefaultReopenWindowDays
	}
	return w.ReopenWindowDays
}

func reopenWindow(days int) time.Duration {
	if days <= 0 {
		days = DefaultReopenWindowDays
	}
	return time.Duration(days) * 24 * time.Hour
}

// ReopenWindowOf loads the workspace's reopen window (the default before setup).
func ReopenWindowOf(ctx context.Context, db bun.IDB) (time.Duration, error) {
	if cacheOf(db) != nil { // the per-process settings cache (settings_cache.go)
		if w, err := CachedWorkspace(ctx, db); err == nil {
			return reopenWindow(w.ReopenWindowDays), nil
		}
	}
	var days int
	err := db.NewSelect().Model((*Workspace)(nil)).Column("reopen_window_days").Where("id = 1").Scan(ctx, &days)
	if err != nil && !errors.Is(notFound(err, ""), ErrNotFound) {
		return 0, fmt.Errorf("models: reopen window: %w", err)
	}
	return reopenWindow(days), nil
}

// SetReopenWindow saves the reopen window in days (1 to MaxReopenWindowDays).
func SetReopenWindow(ctx context.Context, db bun.IDB, days int) error {
	if days < 1 || days > MaxReopenWindowDays {
		return fmt.Errorf("models: reopen window of %d days", days)
	}
	if _, err := db.NewUpdate().Model((*Workspace)(nil)).Set("reopen_window_days = ?", days).
		Where("id = 1").Exec(ctx); err != nil {
		return fmt.Errorf("models: set reopen window: %w", err)
	}
	SettingsChanged(db)
	return nil
}

// ReopenableUntil is the end of a completed request's reopen window; nil
// while it is open.
func (r *Request) ReopenableUntil(window time.Duration) *time.Time {
	if r.Status != StatusCompleted || r.CompletedAt == nil {
		return nil
	}
	t := r.CompletedAt.Add(window)
	return &t
}

// CanReopen reports whether a client reply at now reopens the completed request.
func (r *Request) CanReopen(window time.Duration, now time.Time) bool {
	until := r.ReopenableUntil(window)
	return until != nil && !now.After(*until)
}

// completeRequest completes a locked request with its resolution summary.
func completeRequest(ctx context.Context, tx bun.IDB, r *Request, actorID int64, resolution, kind string, at time.Time) error {
	if resolution == "" {
		return ErrResolutionRequired
	}
	if r.Status == StatusCompleted {
		return ErrRequestNotOpen
	}
	r.ResolutionText, r.ReopenReason = resolution, nil // a reason to reopen is answered by the new resolution
	if _, err := tx.NewUpdate().Model(r).Column("resolution", "reopen_reason").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("models: set resolution of request %d: %w", r.ID, err)
	}
	return changeStatusAs(ctx, tx, r, actorID, StatusCompleted, at, kind)
}

// CompleteRequest completes a request with the agent's public resolution
// summary (required), stopping its resolution clock, in one transaction.
func CompleteRequest(ctx context.Context, db bun.IDB, id int64, actor *User, resolution string) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		return completeRequest(ctx, tx, r, actor.ID, resolution, EventStatusChanged, Now())
	})
}

// reopenOnClientReply is what a client's public reply (or the Reopen button,
// with its optional reason) does to a completed request: within the reopen
// window it goes back in progress (the resolution clock resumes where it
// stopped); after it the reply is refused and the client is offered a
// follow-up request instead.
func reopenOnClientReply(ctx context.Context, tx bun.IDB, r *Request, actorID int64, at time.Time, reason string) error {
	window, err := ReopenWindowOf(ctx, tx)
	if err != nil {
		return err
	}
	if !r.CanReopen(window, at) {
		return ErrReopenWindowClosed
	}
	if r.Status == StatusInProgress {
		return nil
	}
	if err := applyClockEvent(ctx, tx, r, ClockEvent{Kind: ClockStatusChanged, Status: StatusInProgress, At: at}); err != nil {
		return err
	}
	r.ReopenReason = nil
	if reason != "" {
		r.ReopenReason = &reason
	}
	if _, err := tx.NewUpdate().Model(r).Column("reopen_reason").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("models: set reopen reason of request %d: %w", r.ID, err)
	}
	return RecordEvent(ctx, tx, &ActivityEvent{ClientID: r.ClientID, RequestID: &r.ID, ActorID: &actorID,
		Kind: EventRequestReopened, Audience: AudiencePublic, Detail: reason, CreatedAt: at})
}

// MarkFixed is the client's "This is fixed" on one of its open requests:
// it is completed with the client's words (or a standard line) as resolution.
func (s Scope) MarkFixed(ctx context.Context, n int, note, name string) error {
	id, err := s.requestIDByNumber(ctx, n)
	if err != nil {
		return err
	}
	if note == "" {
		note = "Marked as fixed by " + name + "."
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.ClientID != s.clientID {
			return fmt.Errorf("models: request %d is not of client %d: %w", id, s.clientID, ErrNotFound)
		}
		if r.Status == StatusCompleted {
			return ErrRequestNotOpen
		}
		return completeRequest(ctx, tx, r, s.userID, note, EventRequestMarkedFixed, Now())
	})
}

// MaxReopenReasonLength bounds the reason a client gives for reopening.
const MaxReopenReasonLength = 2000

// Reopen puts the client's completed request back in progress, within the
// reopen window, with the client's reason ("" for none).
func (s Scope) Reopen(ctx context.Context, n int, reason string) error {
	id, err := s.requestIDByNumber(ctx, n)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.ClientID != s.clientID {
			return fmt.Errorf("models: request %d is not of client %d: %w", id, s.clientID, ErrNotFound)
		}
		if r.Status != StatusCompleted {
			return ErrRequestNotClosed
		}
		return reopenOnClientReply(ctx, tx, r, s.userID, Now(), reason)
	})
}

// FollowUp starts a new request linked to the client's completed request
// number n, with body as its description, in one transaction with the
// follow_up_opened event on the old request. It returns the new request.
func (s Scope) FollowUp(ctx context.Context, n int, body string) (*Request, error) {
	id, err := s.requestIDByNumber(ctx, n)
	if err != nil {
		return nil, err
	}
	var out *Request
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		out, err = followUpIn(ctx, tx, s, id, NewRequest{Description: body})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// followUpIn starts the follow-up of the scope's completed request id
// inside tx: in gives its description, channel and files; the title,
// urgency and category come from the old request.
func followUpIn(ctx context.Context, tx bun.IDB, s Scope, id int64, in NewRequest) (*Request, error) {
	old, err := lockRequest(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if old.ClientID != s.clientID {
		return nil, fmt.Errorf("models: request %d is not of client %d: %w", id, s.clientID, ErrNotFound)
	}
	if old.Status != StatusCompleted {
		return nil, ErrRequestNotClosed
	}
	client, err := GetClient(ctx, tx, s.clientID)
	if err != nil {
		return nil, err
	}
	title := "Follow-up to " + old.Ref(client.RequestPrefix) + ": " + old.Title
	if r := []rune(title); len(r) > MaxTitleLength {
		title = string(r[:MaxTitleLength-1]) + "…"
	}
	in.Title, in.Urgency, in.CategoryID, in.FollowUpOfID = title, old.Urgency, old.CategoryID, &old.ID
	out, err := createRequest(ctx, tx, s.clientID, s.userID, in)
	if err != nil {
		return nil, err
	}
	return out, RecordEvent(ctx, tx, &ActivityEvent{ClientID: s.clientID, RequestID: &old.ID, ActorID: &s.userID,
		Kind: EventFollowUpOpened, Audience: AudiencePublic, Detail: strconv.Itoa(out.Number), CreatedAt: out.CreatedAt})
}

// loadResolution fills what a request page shows of the request's
// resolution: its reopen window and the requests it follows and is
// followed by (numbers of the same client).
func loadResolution(ctx context.Context, db bun.IDB, d *RequestDetail, hasFollowUps bool, now time.Time) error {
	window, err := ReopenWindowOf(ctx, db)
	if err != nil {
		return err
	}
	d.ReopenUntil = d.Request.ReopenableUntil(window)
	d.CanReopen = d.Request.CanReopen(window, now)
	// A request reopened since keeps its resolution text, and its rating,
	// which the staff page shows as given before the reopen.
	if d.Status == StatusCompleted || d.ResolutionText != "" {
		if d.Rating, err = RatingOf(ctx, db, d.ID); err != nil {
			return err
		}
	}
	if !hasFollowUps {
		return nil
	}
	if err := db.NewSelect().Model((*Request)(nil)).Column("number").Where("follow_up_of_id = ?", d.ID).
		Where("client_id = ?", d.ClientID).Order("number").Scan(ctx, &d.FollowUps); err != nil {
		return fmt.Errorf("models: follow-ups of request %d: %w", d.ID, err)
	}
	return nil
}

// ResolutionExcerpt is the start of the resolution summary on one line, for lists.
func (r RequestRow) ResolutionExcerpt() string {
	s := strings.Join(strings.Fields(r.ResolutionText), " ")
	if rs := []rune(s); len(rs) > excerptLength {
		return strings.TrimSpace(string(rs[:excerptLength])) + "…"
	}
	return s
}

// ResolvedRequest is a request completed in a month, as the monthly summary lists it.
type ResolvedRequest struct {
	Ref        string
	Title      string
	Resolution string
}

// resolvedListLimit bounds the list a summary shows; the Closed requests page has them all.
const resolvedListLimit = 50

// ResolvedInMonth lists the client's requests completed in month (its first
// day, a UTC-midnight date, taken in the client's zone) with their
// resolution summaries, in order of completion.
func ResolvedInMonth(ctx context.Context, db bun.IDB, client *Client, month time.Time) ([]ResolvedRequest, error) {
	loc := LoadLocation(client.Timezone)
	start := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, loc)
	end := start.AddDate(0, 1, 0)
	var rs []Request
	if err := db.NewSelect().Model(&rs).Column("number", "title", "resolution").
		Where("client_id = ?", client.ID).Where("status = ?", StatusCompleted).
		Where("completed_at >= ?", start.UTC()).Where("completed_at < ?", end.UTC()).
		Order("completed_at", "id").Limit(resolvedListLimit).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: requests resolved for client %d in %s: %w", client.ID, MonthLabel(month), err)
	}
	out := make([]ResolvedRequest, len(rs))
	for i, r := range rs {
		out[i] = ResolvedRequest{Ref: r.Ref(client.RequestPrefix), Title: r.Title, Resolution: r.ResolutionText}
	}
	return out, nil
}

package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WebhookRetrySchedule is the Standard Webhooks schedule: the delay before
// each attempt after the first (immediately, then 5 s, 5 min, 30 min, 2 h,
// 5 h, 10 h, 10 h). Each delay gets up to 10 % of random jitter, so
// endpoints that failed together are not all retried in the same second.
var WebhookRetrySchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// webhookDisableAfter: an endpoint that has failed this long without one
// success is disabled.
const webhookDisableAfter = 72 * time.Hour

// WebhookLogKeep is how long deliveries and their attempts are kept.
const WebhookLogKeep = 30 * 24 * time.Hour

// WebhookDelivery is one message (its webhook-id) to one endpoint.
type WebhookDelivery struct {
	bun.BaseModel `bun:"table:webhook_deliveries,alias:webhook_delivery"`

	ID            int64      `bun:"id,pk,autoincrement"`
	EndpointID    int64      `bun:"endpoint_id"`
	MsgID         string     `bun:"msg_id"`
	EventType     string     `bun:"event_type"`
	Payload       string     `bun:"payload"`
	Status        string     `bun:"status"`
	Attempts      int        `bun:"attempts"`
	NextAttemptAt time.Time  `bun:"next_attempt_at"`
	LockedUntil   *time.Time `bun:"locked_until"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

// WebhookAttempt is one try of a delivery, as the delivery log shows it.
type WebhookAttempt struct {
	bun.BaseModel `bun:"table:webhook_attempts,alias:webhook_attempt"`

	ID              int64     `bun:"id,pk,autoincrement"`
	DeliveryID      int64     `bun:"delivery_id"`
	EndpointID      int64     `bun:"endpoint_id"`
	Attempt         int       `bun:"attempt"`
	RequestHeaders  string    `bun:"request_headers"`
	RequestBody     string    `bun:"request_body"`
	ResponseStatus  int       `bun:"response_status"` // 0: no answer (see Error)
	ResponseHeaders string    `bun:"response_headers"`
	ResponseBody    string    `bun:"response_body"` // the first 4 KB
	Error           string    `bun:"error"`
	DurationMS      int       `bun:"duration_ms"`
	CreatedAt       time.Time `bun:"created_at"`
}

// hookPayload is the body of every webhook: Standard Webhooks' shape.
type hookPayload struct {
	Type      string         `json:"type"`
	Timestamp time.Time      `json:"timestamp"`
	Data      map[string]any `json:"data"`
}

// hookTypeOf is the webhook type of an activity event, "" for none.
func hookTypeOf(ev *ActivityEvent) string {
	switch ev.Kind {
	case EventRequestSubmitted:
		return HookRequestCreated
	case EventStatusChanged:
		if ev.Detail == StatusCompleted {
			return HookRequestCompleted
		}
		return HookRequestUpdated
	case EventRequestMarkedFixed:
		return HookRequestCompleted
	case EventRequestReopened:
		return HookRequestReopened
	case EventUrgencyChanged, EventCategoryChanged, EventAssigneeChanged:
		return HookRequestUpdated
	case EventMessagePosted, EventInternalNote:
		return HookMessageCreated
	case EventTimeLogged:
		if strings.HasPrefix(ev.Detail, "corrected to ") {
			return HookTimeUpdated
		}
		return HookTimeCreated
	case EventTimeDeleted:
		return HookTimeVoided
	case EventSLAChanged:
		switch {
		case strings.Contains(ev.Detail, "red"):
			return HookSLABreached
		case strings.Contains(ev.Detail, "yellow"):
			return HookSLAWarning
		}
	case EventHoursAlert:
		return HookHoursThreshold
	case EventUserJoined:
		return HookUserJoined
	}
	return ""
}

// hookData is what a webhook says about ev: ids, key fields and API links.
func hookData(ctx context.Context, db bun.IDB, ev *ActivityEvent, apiBase string) (map[string]any, bool, error) {
	d := map[string]any{"event_id": ev.ID, "client_id": ev.ClientID, "actor_id": ev.ActorID, "detail": ev.Detail,
		"client_url": apiBase + "/clients/" + strconv.FormatInt(ev.ClientID, 10)}
	internal := ev.Kind == EventInternalNote
	if ev.RequestID != nil {
		r := new(Request)
		if err := db.NewSelect().Model(r).Relation("Client", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Column("request_prefix")
		}).Where("request.id = ?", *ev.RequestID).Scan(ctx); err != nil {
			return nil, false, notFound(err, fmt.Sprintf("request %d of event %d", *ev.RequestID, ev.ID))
		}
		d["request"] = map[string]any{"id": r.ID, "number": r.Number, "ref": r.Ref(r.Client.RequestPrefix),
			"title": r.Title, "status": r.Status, "urgency": r.Urgency, "category_id": r.CategoryID,
			"assignee_id": r.AssigneeID, "updated_at": r.UpdatedAt,
			"url": apiBase + "/requests/" + strconv.FormatInt(r.ID, 10)}
	}
	if ev.TimeEntryID != nil {
		te, hidden, err := hookTimeEntry(ctx, db, ev, apiBase)
		if err != nil {
			return nil, false, err
		}
		d["time_entry"] = te
		internal = internal || hidden
	}
	if ev.Kind == EventUserJoined && ev.ActorID != nil {
		u, err := GetUser(ctx, db, *ev.ActorID)
		if err != nil {
			return nil, false, err
		}
		d["user"] = map[string]any{"id": u.ID, "name": u.Name, "email": u.Email, "client_id": ev.ClientID,
			"signup_method": u.SignupMethod, "created_at": u.CreatedAt,
			"url": apiBase + "/clients/" + strconv.FormatInt(ev.ClientID, 10) + "/users"}
	}
	if ev.Kind == EventMessagePosted || ev.Kind == EventInternalNote {
		m, err := MessageOfEvent(ctx, db, ev)
		if err != nil {
			return nil, false, err
		}
		internal = internal || m.Internal
		d["message"] = map[string]any{"id": m.ID, "author_id": m.AuthorID, "internal": m.Internal, "body": m.Body,
			"created_at": m.CreatedAt, "url": apiBase + "/requests/" + strconv.FormatInt(m.RequestID, 10) + "/messages"}
	}
	return d, internal, nil
}

// hookTimeEntry is what a time webhook says of its entry: the entry as it
// is now, or only its id once voided (the entry is gone). hidden is true for
// time the client never sees, which only endpoints taking internal events get.
func hookTimeEntry(ctx context.Context, db bun.IDB, ev *ActivityEvent, apiBase string) (map[string]any, bool, error) {
	url := apiBase + "/requests/" + strconv.FormatInt(ptrOr(ev.RequestID), 10) + "/time-entries"
	if ev.Kind == EventTimeDeleted {
		return map[string]any{"id": *ev.TimeEntryID, "voided": true, "url": url}, false, nil
	}
	e := new(TimeEntry)
	err := db.NewSelect().Model(e).Where("id = ?", *ev.TimeEntryID).Scan(ctx)
	if errors.Is(notFound(err, ""), ErrNotFound) {
		// Voided since: its own time_entry.voided follows.
		return map[string]any{"id": *ev.TimeEntryID, "voided": true, "url": url}, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("models: time entry %d of event %d: %w", *ev.TimeEntryID, ev.ID, err)
	}
	return map[string]any{"id": e.ID, "request_id": e.RequestID, "staff_id": e.StaffID, "minutes": e.Minutes,
			"work_date": e.WorkDate.Format(time.DateOnly), "billing": e.Billing, "updated_at": e.UpdatedAt, "url": url},
		e.Billing == BillingHidden, nil
}

func ptrOr(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// FanOutWebhooks turns up to limit outbox rows (activity events written
// while an endpoint was enabled) into deliveries, one per endpoint that
// wants the event, and removes the rows, all in one transaction. Rows are
// claimed FOR UPDATE SKIP LOCKED on PostgreSQL, so processes doing this at
// once take different rows; the unique (endpoint, webhook-id) makes a row
// handled twice (never expected) one delivery still.
func FanOutWebhooks(ctx context.Context, db bun.IDB, apiBase string, now time.Time, limit int) (int, error) {
	made := 0
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			ID      int64 `bun:"id"`
			EventID int64 `bun:"event_id"`
		}
		q := tx.NewSelect().Table("webhook_outbox").Column("id", "event_id").Order("id").Limit(limit)
		if IsPostgres(tx) {
			q = q.For("UPDATE SKIP LOCKED")
		}
		if err := q.Scan(ctx, &rows); err != nil {
			return fmt.Errorf("models: read webhook outbox: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		var endpoints []WebhookEndpoint
		if err := tx.NewSelect().Model(&endpoints).Where("disabled_at IS NULL").Scan(ctx); err != nil {
			return fmt.Errorf("models: read webhook endpoints: %w", err)
		}
		ids := make([]int64, len(rows))
		for i, row := range rows {
			ids[i] = row.ID
			n, err := fanOutEvent(ctx, tx, row.EventID, endpoints, apiBase, now)
			if err != nil {
				return err
			}
			made += n
		}
		if _, err := tx.NewDelete().Table("webhook_outbox").Where("id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
			return fmt.Errorf("models: clear webhook outbox: %w", err)
		}
		return nil
	})
	return made, err
}

func fanOutEvent(ctx context.Context, tx bun.IDB, eventID int64, endpoints []WebhookEndpoint, apiBase string, now time.Time) (int, error) {
	ev := new(ActivityEvent)
	if err := tx.NewSelect().Model(ev).Column("id", "client_id", "request_id", "actor_id", "kind", "audience", "detail", "created_at", "time_entry_id").Where("id = ?", eventID).Scan(ctx); err != nil {
		return 0, notFound(err, fmt.Sprintf("event %d of the webhook outbox", eventID))
	}
	typ := hookTypeOf(ev)
	var wanting []WebhookEndpoint
	for _, e := range endpoints {
		if typ != "" && e.Wants(typ, ev.ClientID) {
			wanting = append(wanting, e)
		}
	}
	if len(wanting) == 0 {
		return 0, nil
	}
	data, internal, err := hookData(ctx, tx, ev, apiBase)
	if err != nil {
		return 0, err
	}
	body, err := json.Marshal(hookPayload{Type: typ, Timestamp: ev.CreatedAt, Data: data})
	if err != nil {
		return 0, fmt.Errorf("models: webhook body of event %d: %w", ev.ID, err)
	}
	made := 0
	for _, e := range wanting {
		if internal && !e.IncludeInternal { // an internal note leaves only where asked for
			continue
		}
		d := &WebhookDelivery{EndpointID: e.ID, MsgID: "msg_evt_" + strconv.FormatInt(ev.ID, 10), EventType: typ,
			Payload: string(body), Status: DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(d).On("CONFLICT (endpoint_id, msg_id) DO NOTHING").Exec(ctx); err != nil {
			return 0, fmt.Errorf("models: queue webhook of event %d to endpoint %d: %w", ev.ID, e.ID, err)
		}
		made++
	}
	return made, nil
}

// SendTestWebhook queues a webhook.test message to an endpoint.
func SendTestWebhook(ctx context.Context, db bun.IDB, endpointID int64, now time.Time) (*WebhookDelivery, error) {
	e, err := GetWebhookEndpoint(ctx, db, endpointID)
	if err != nil {
		return nil, err
	}
	if e.DisabledAt != nil {
		return nil, ErrWebhookDisabled
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("models: random test webhook id: %w", err)
	}
	body, err := json.Marshal(hookPayload{Type: HookTest, Timestamp: now,
		Data: map[string]any{"endpoint_id": e.ID, "message": "A test event from the portal."}})
	if err != nil {
		return nil, err
	}
	d := &WebhookDelivery{EndpointID: e.ID, MsgID: "msg_test_" + hex.EncodeToString(b), EventType: HookTest,
		Payload: string(body), Status: DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(d).Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: queue test webhook to endpoint %d: %w", e.ID, err)
	}
	return d, nil
}

// ResendWebhookDelivery queues a new attempt of a delivery now: the same
// webhook-id and body, signed afresh when sent.
func ResendWebhookDelivery(ctx context.Context, db bun.IDB, endpointID, deliveryID int64, now time.Time) error {
	res, err := db.NewUpdate().Model((*WebhookDelivery)(nil)).Set("status = ?", DeliveryPending).
		Set("next_attempt_at = ?", now).Set("locked_until = NULL").Set("updated_at = ?", now).
		Where("id = ?", deliveryID).Where("endpoint_id = ?", endpointID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: resend webhook delivery %d: %w", deliveryID, err)
	}
	return oneRow(res, fmt.Sprintf("resend webhook delivery %d", deliveryID))
}

// ClaimedDelivery is a delivery leased to one sender, with its endpoint.
type ClaimedDelivery struct {
	WebhookDelivery
	Endpoint WebhookEndpoint
}

// WebhooksInUse reports whether the sender has anything to do now or
// soon: an enabled endpoint (whose events fill the outbox), or deliveries
// still pending, in one indexed statement.
func WebhooksInUse(ctx context.Context, db bun.IDB) (bool, error) {
	var used bool
	err := db.NewRaw(`SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL)
OR EXISTS (SELECT 1 FROM webhook_deliveries WHERE status = ?)
OR EXISTS (SELECT 1 FROM webhook_outbox)`, DeliveryPending).Scan(ctx, &used)
	if err != nil {
		return false, fmt.Errorf("models: are webhooks in use: %w", err)
	}
	return used, nil
}

// ClaimWebhookDeliveries leases up to limit due deliveries until now+lease.
// A process that dies while sending leaves its lease to run out; another
// then sends the delivery again (under the same webhook-id, which is what
// the receiver dedupes on).
func ClaimWebhookDeliveries(ctx context.Context, db bun.IDB, now time.Time, lease time.Duration, limit int) ([]ClaimedDelivery, error) {
	lock := ""
	if IsPostgres(db) {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var ds []WebhookDelivery
	err := db.NewRaw(`UPDATE webhook_deliveries SET locked_until = ? WHERE id IN (
SELECT id FROM webhook_deliveries WHERE status = ? AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)
ORDER BY next_attempt_at, id LIMIT ?`+lock+`) RETURNING *`, now.Add(lease), DeliveryPending, now, now, limit).Scan(ctx, &ds)
	if err != nil {
		return nil, fmt.Errorf("models: claim webhook deliveries: %w", err)
	}
	out := make([]ClaimedDelivery, 0, len(ds))
	for _, d := range ds {
		e, err := GetWebhookEndpoint(ctx, db, d.EndpointID)
		if err != nil {
			return nil, err
		}
		out = append(out, ClaimedDelivery{WebhookDelivery: d, Endpoint: *e})
	}
	return out, nil
}

// WebhookOutcome is what became of one attempt.
type WebhookOutcome struct {
	Attempt    WebhookAttempt
	RetryAfter time.Duration // the receiver's Retry-After, if any
}

// RecordWebhookAttempt logs an attempt and moves the delivery on: a 2xx
// delivers it; 410 Gone disables the endpoint; anything else is retried on
// the schedule (later if the receiver's Retry-After says so) until it runs
// out. An endpoint failing for three days without a success is disabled.
// It reports whether the endpoint was disabled by this attempt.
func RecordWebhookAttempt(ctx context.Context, db bun.IDB, d *ClaimedDelivery, o WebhookOutcome, now time.Time) (disabled bool, err error) {
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		d.Attempts++
		a := o.Attempt
		a.DeliveryID, a.EndpointID, a.Attempt, a.CreatedAt = d.ID, d.EndpointID, d.Attempts, now
		if _, err := tx.NewInsert().Model(&a).Exec(ctx); err != nil {
			return fmt.Errorf("models: log webhook attempt of delivery %d: %w", d.ID, err)
		}
		ok := a.ResponseStatus >= 200 && a.ResponseStatus <= 299
		e := &d.Endpoint
		wasDisabled := e.DisabledAt != nil
		switch {
		case ok:
			d.Status = DeliveryDelivered
			e.FailingSince = nil
		case a.ResponseStatus == 410:
			d.Status = DeliveryFailed
			e.DisabledAt, e.DisabledReason = &now, "The endpoint answered 410 Gone."
		default:
			if e.FailingSince == nil {
				e.FailingSince = &now
			}
			if now.Sub(*e.FailingSince) >= webhookDisableAfter {
				e.DisabledAt, e.DisabledReason = &now, "Every delivery failed for three days."
			}
			if d.Attempts > len(WebhookRetrySchedule) || e.DisabledAt != nil {
				d.Status = DeliveryFailed
				break
			}
			delay := WebhookRetrySchedule[d.Attempts-1]
			delay += time.Duration(mrand.Int64N(int64(delay/10) + 1))
			if o.RetryAfter > delay && o.RetryAfter <= 24*time.Hour {
				delay = o.RetryAfter
			}
			d.NextAttemptAt = now.Add(delay)
		}
		d.LockedUntil, d.UpdatedAt = nil, now
		if _, err := tx.NewUpdate().Model(&d.WebhookDelivery).Column("status", "attempts", "next_attempt_at", "locked_until", "updated_at").
			WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: move webhook delivery %d on: %w", d.ID, err)
		}
		// The endpoint was read when the delivery was claimed; meanwhile an
		// admin or another delivery's attempt may have disabled it. So this
		// never writes disabled_at back to empty, and only the one attempt
		// that finds it enabled disables it and says so (one mail to admins).
		if _, err := tx.NewUpdate().Model(e).Column("failing_since").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: note webhook endpoint %d health: %w", e.ID, err)
		}
		if wasDisabled || e.DisabledAt == nil {
			return nil
		}
		res, err := tx.NewUpdate().Model(e).Column("disabled_at", "disabled_reason").WherePK().Where("disabled_at IS NULL").Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: disable webhook endpoint %d: %w", e.ID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("models: disable webhook endpoint %d: %w", e.ID, err)
		}
		disabled = n == 1
		return nil
	})
	return disabled, err
}

// WebhookDeliveryLog is a delivery with its attempts, newest first.
type WebhookDeliveryLog struct {
	WebhookDelivery
	Attempts []WebhookAttempt
}

// ListWebhookDeliveries lists an endpoint's deliveries, newest first, from
// the one before beforeID (0: the newest), with their attempts.
func ListWebhookDeliveries(ctx context.Context, db bun.IDB, endpointID, beforeID int64, limit int) ([]WebhookDeliveryLog, error) {
	var ds []WebhookDelivery
	q := db.NewSelect().Model(&ds).Where("endpoint_id = ?", endpointID)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	if err := q.Order("id DESC").Limit(limit).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: list deliveries of webhook endpoint %d: %w", endpointID, err)
	}
	out := make([]WebhookDeliveryLog, len(ds))
	for i, d := range ds {
		out[i].WebhookDelivery = d
		if err := db.NewSelect().Model(&out[i].Attempts).Where("delivery_id = ?", d.ID).Order("id").Scan(ctx); err != nil {
			return nil, fmt.Errorf("models: attempts of webhook delivery %d: %w", d.ID, err)
		}
	}
	return out, nil
}

// PruneWebhookLog forgets finished deliveries and attempts older than 30 days.
// It deletes in batches, so no statement holds its locks for long however
// much has piled up (after downtime, say). It returns how many rows went.
func PruneWebhookLog(ctx context.Context, db bun.IDB, now time.Time) (int, error) {
	before := now.Add(-WebhookLogKeep)
	attempts, err := pruneBatched(ctx, db, "webhook_attempts", "created_at < ?", before)
	if err != nil {
		return attempts, fmt.Errorf("models: prune webhook attempts: %w", err)
	}
	deliveries, err := pruneBatched(ctx, db, "webhook_deliveries", "updated_at < ? AND status <> ?", before, DeliveryPending)
	if err != nil {
		return attempts + deliveries, fmt.Errorf("models: prune webhook deliveries: %w", err)
	}
	return attempts + deliveries, nil
}

// PruneIdempotencyKeys forgets the answers to Idempotency-Keys older than
// 24 hours (a key that old is claimed afresh anyway), in batches.
func PruneIdempotencyKeys(ctx context.Context, db bun.IDB, now time.Time) (int, error) {
	n, err := pruneBatched(ctx, db, "api_idempotency", "created_at < ?", now.Add(-IdempotencyKeep))
	if err != nil {
		return n, fmt.Errorf("models: prune idempotency keys: %w", err)
	}
	return n, nil
}

// pruneBatch is how many rows one prune statement deletes at most.
const pruneBatch = 1000

// pruneBatched deletes the rows of table matching where, pruneBatch at a
// time (by id, through the index on the column where names), until none is
// left. table and where are constants of this package, never input.
func pruneBatched(ctx context.Context, db bun.IDB, table, where string, args ...any) (int, error) {
	total := 0
	for {
		sub := db.NewSelect().TableExpr(table).Column("id").Where(where, args...).Limit(pruneBatch)
		res, err := db.NewDelete().TableExpr(table).Where("id IN (?)", sub).Exec(ctx)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += int(n)
		if int(n) < pruneBatch || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}

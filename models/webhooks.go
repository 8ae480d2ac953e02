package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Webhook event types (Standard Webhooks "type").
const (
	HookRequestCreated   = "request.created"
	HookRequestUpdated   = "request.updated"
	HookRequestCompleted = "request.completed"
	HookRequestReopened  = "request.reopened"
	HookMessageCreated   = "message.created"
	HookTimeCreated      = "time_entry.created"
	HookTimeUpdated      = "time_entry.updated"
	HookTimeVoided       = "time_entry.voided"
	HookSLAWarning       = "sla.warning"
	HookSLABreached      = "sla.breached"
	HookHoursThreshold   = "hours.threshold_crossed"
	HookUserJoined       = "client.user_joined"
	HookTest             = "webhook.test" // "Send test event"; sent whatever the endpoint's events
)

// HookTypes are the types an endpoint may subscribe to.
var HookTypes = []string{HookRequestCreated, HookRequestUpdated, HookRequestCompleted, HookRequestReopened,
	HookMessageCreated, HookTimeCreated, HookTimeUpdated, HookTimeVoided, HookSLAWarning, HookSLABreached,
	HookHoursThreshold, HookUserJoined}

// WebhookEndpoint is where events are sent.
type WebhookEndpoint struct {
	bun.BaseModel `bun:"table:webhook_endpoints,alias:webhook_endpoint"`

	ID              int64      `bun:"id,pk,autoincrement"`
	URL             string     `bun:"url"`
	Events          string     `bun:"events"` // space-separated
	ClientID        *int64     `bun:"client_id"`
	IncludeInternal bool       `bun:"include_internal"`
	Secret          string     `bun:"secret"`
	OldSecret       string     `bun:"old_secret"`
	OldSecretUntil  *time.Time `bun:"old_secret_until"`
	FailingSince    *time.Time `bun:"failing_since"`
	DisabledAt      *time.Time `bun:"disabled_at"`
	DisabledReason  string     `bun:"disabled_reason"`
	CreatedBy       *int64     `bun:"created_by"`
	CreatedAt       time.Time  `bun:"created_at"`
	UpdatedAt       time.Time  `bun:"updated_at"`
}

// EventList is the endpoint's event types.
func (e *WebhookEndpoint) EventList() []string { return strings.Fields(e.Events) }

// Wants reports whether the endpoint takes an event of type t for client.
func (e *WebhookEndpoint) Wants(t string, clientID int64) bool {
	return e.DisabledAt == nil && slices.Contains(e.EventList(), t) && (e.ClientID == nil || *e.ClientID == clientID)
}

// Secrets are the secrets a delivery is signed with at now: the current
// one, and the one it replaced for 24 hours after a rotation.
func (e *WebhookEndpoint) Secrets(now time.Time) []string {
	if e.OldSecret != "" && e.OldSecretUntil != nil && now.Before(*e.OldSecretUntil) {
		return []string{e.Secret, e.OldSecret}
	}
	return []string{e.Secret}
}

// WebhookInput is an endpoint as an admin registers or changes it.
type WebhookInput struct {
	URL             string
	Events          []string
	ClientID        *int64
	IncludeInternal bool
}

// WebhookFieldError names the field of a refused endpoint and why.
type WebhookFieldError struct{ Field, Detail string }

func (e WebhookFieldError) Error() string { return "models: webhook " + e.Field + ": " + e.Detail }

// NewWebhookSecret is a signing secret in the Standard Webhooks form:
// whsec_ and 24 random bytes in base64.
func NewWebhookSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("models: random webhook secret: %w", err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b), nil
}

// checkWebhook checks an endpoint's fields; the address is resolved and
// refused when any of its addresses is not public (see PublicAddr).
func checkWebhook(ctx context.Context, db bun.IDB, in *WebhookInput, allowPrivate bool) error {
	if err := CheckWebhookURL(ctx, in.URL, allowPrivate); err != nil {
		return err
	}
	if len(in.Events) == 0 {
		return WebhookFieldError{"events", "Choose at least one event type."}
	}
	for _, t := range in.Events {
		if !slices.Contains(HookTypes, t) {
			return WebhookFieldError{"events", fmt.Sprintf("Unknown event type %q; known: %s.", t, strings.Join(HookTypes, ", "))}
		}
	}
	if in.ClientID != nil {
		if _, err := GetClient(ctx, db, *in.ClientID); err != nil {
			return WebhookFieldError{"client_id", "No client has this id."}
		}
	}
	return nil
}

// CheckWebhookURL refuses anything but an https URL (http too when
// allowPrivate) whose host resolves only to public addresses.
func CheckWebhookURL(ctx context.Context, raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(allowPrivate && u.Scheme == "http")) || u.User != nil {
		return WebhookFieldError{"url", "An https:// URL without a user name or password."}
	}
	if len(raw) > 2000 {
		return WebhookFieldError{"url", "At most 2000 characters."}
	}
	if allowPrivate {
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil || len(addrs) == 0 {
		return WebhookFieldError{"url", "The host name does not resolve."}
	}
	for _, a := range addrs {
		if !PublicAddr(a) {
			return WebhookFieldError{"url", "The host resolves to a private, loopback, link-local or metadata address (" + a.String() + ")."}
		}
	}
	return nil
}

// metadataAddrs are cloud instance metadata services outside the ranges
// PublicAddr already refuses (169.254.169.254 is link-local).
var metadataAddrs = []netip.Addr{netip.MustParseAddr("100.100.100.200"), netip.MustParseAddr("fd00:ec2::254")}

// PublicAddr reports whether a webhook may be sent to a: not loopback,
// private, link-local, unspecified, multicast, shared (CGNAT) or a metadata
// service.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || slices.Contains(metadataAddrs, a) {
		return false
	}
	return !netip.MustParsePrefix("100.64.0.0/10").Contains(a) && !netip.MustParsePrefix("0.0.0.0/8").Contains(a)
}

// CreateWebhookEndpoint registers an endpoint with a new secret.
func CreateWebhookEndpoint(ctx context.Context, db bun.IDB, by *User, in WebhookInput, allowPrivate bool) (*WebhookEndpoint, error) {
	if err := checkWebhook(ctx, db, &in, allowPrivate); err != nil {
		return nil, err
	}
	secret, err := NewWebhookSecret()
	if err != nil {
		return nil, err
	}
	now := Now()
	e := &WebhookEndpoint{URL: in.URL, Events: strings.Join(in.Events, " "), ClientID: in.ClientID,
		IncludeInternal: in.IncludeInternal, Secret: secret, CreatedBy: &by.ID, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(e).Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: create webhook endpoint: %w", err)
	}
	return e, nil
}

// UpdateWebhookEndpoint changes an endpoint; enabled re-enables a disabled one.
func UpdateWebhookEndpoint(ctx context.Context, db bun.IDB, id int64, in WebhookInput, enabled bool, allowPrivate bool) (*WebhookEndpoint, error) {
	if err := checkWebhook(ctx, db, &in, allowPrivate); err != nil {
		return nil, err
	}
	e, err := GetWebhookEndpoint(ctx, db, id)
	if err != nil {
		return nil, err
	}
	e.URL, e.Events, e.ClientID, e.IncludeInternal, e.UpdatedAt = in.URL, strings.Join(in.Events, " "), in.ClientID, in.IncludeInternal, Now()
	if enabled {
		e.DisabledAt, e.DisabledReason, e.FailingSince = nil, "", nil
	}
	if _, err := db.NewUpdate().Model(e).WherePK().Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: update webhook endpoint %d: %w", id, err)
	}
	return e, nil
}

// RotateWebhookSecret gives an endpoint a new secret; the old one keeps
// signing alongside it for 24 hours, so the receiver can switch at leisure.
func RotateWebhookSecret(ctx context.Context, db bun.IDB, id int64) (*WebhookEndpoint, error) {
	e, err := GetWebhookEndpoint(ctx, db, id)
	if err != nil {
		return nil, err
	}
	secret, err := NewWebhookSecret()
	if err != nil {
		return nil, err
	}
	now := Now()
	until := now.Add(24 * time.Hour)
	e.OldSecret, e.OldSecretUntil, e.Secret, e.UpdatedAt = e.Secret, &until, secret, now
	if _, err := db.NewUpdate().Model(e).Column("secret", "old_secret", "old_secret_until", "updated_at").WherePK().Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: rotate secret of webhook endpoint %d: %w", id, err)
	}
	return e, nil
}

// GetWebhookEndpoint loads one endpoint.
func GetWebhookEndpoint(ctx context.Context, db bun.IDB, id int64) (*WebhookEndpoint, error) {
	e := new(WebhookEndpoint)
	if err := db.NewSelect().Model(e).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load webhook endpoint %d", id))
	}
	return e, nil
}

// ListWebhookEndpoints lists endpoints by id from the one after afterID.
func ListWebhookEndpoints(ctx context.Context, db bun.IDB, afterID int64, limit int) ([]WebhookEndpoint, error) {
	var es []WebhookEndpoint
	if err := db.NewSelect().Model(&es).Where("id > ?", afterID).Order("id").Limit(limit).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: list webhook endpoints: %w", err)
	}
	return es, nil
}

// DeleteWebhookEndpoint removes an endpoint with its deliveries and log.
func DeleteWebhookEndpoint(ctx context.Context, db bun.IDB, id int64) error {
	res, err := db.NewDelete().Model((*WebhookEndpoint)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: delete webhook endpoint %d: %w", id, err)
	}
	return oneRow(res, fmt.Sprintf("delete webhook endpoint %d", id))
}

// ErrWebhookDisabled is returned for a test event to a disabled endpoint.
var ErrWebhookDisabled = errors.New("models: the webhook endpoint is disabled")

// DisableWebhookEndpoint stops deliveries to an endpoint until it is
// enabled again (UpdateWebhookEndpoint with enabled); reason is shown with it.
func DisableWebhookEndpoint(ctx context.Context, db bun.IDB, id int64, reason string) error {
	now := Now()
	res, err := db.NewUpdate().Model((*WebhookEndpoint)(nil)).Set("disabled_at = ?", now).Set("disabled_reason = ?", reason).
		Set("updated_at = ?", now).Where("id = ?", id).Where("disabled_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: disable webhook endpoint %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_, err := GetWebhookEndpoint(ctx, db, id) // already disabled is fine; missing is not found
		return err
	}
	return nil
}

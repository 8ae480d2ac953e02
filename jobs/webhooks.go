package jobs

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/mail"
	"github.com/portal-msp/portal/models"
)

// Webhooks sends what the outbox holds: any number of processes may run
// it at once (rows are claimed with SKIP LOCKED and leased), each event
// reaching each endpoint once apart from retries.
type Webhooks struct {
	DB           *bun.DB
	Log          *slog.Logger
	APIBase      string        // absolute /api/v1 URL, for links in bodies
	AllowPrivate bool          // PORTAL_WEBHOOK_ALLOW_PRIVATE: tests and development
	Every        time.Duration // how often Run looks for work (default 1 s)
	Lease        time.Duration // how long a claimed delivery is another process's to leave alone (default 60 s)
	Client       *http.Client  // nil: webhookClient
	Mailer       *mail.Mailer  // tells admins about a disabled endpoint; nil: the log only
	BaseURL      string        // the portal's URL, for the console link in that mail
}

// NewWebhooks is the sender of one portal process.
func NewWebhooks(cfg config.Config, db *bun.DB, log *slog.Logger) *Webhooks {
	w := &Webhooks{DB: db, Log: log, APIBase: cfg.BaseURL.String() + "/api/v1", AllowPrivate: cfg.API.WebhookAllowPrivate,
		BaseURL: strings.TrimRight(cfg.BaseURL.String(), "/")}
	m, err := mail.ForPortal(cfg, db, log)
	if err != nil {
		log.Error("webhooks: admins will not be mailed about disabled endpoints", "error", err)
	}
	w.Mailer = m
	return w
}

// webhookTimeout is how long a receiver has to answer.
const webhookTimeout = 15 * time.Second

// maxLoggedBody is how much of a receiver's answer the delivery log keeps.
const maxLoggedBody = 4096

// errPrivateAddr refuses a connection to an address webhooks may not reach.
var errPrivateAddr = errors.New("webhook: the address is private, loopback, link-local or a metadata service")

// webhookClient follows no redirects, gives up after 15 s and, unless
// allowPrivate, refuses to connect to a non-public address. The check runs
// on the address actually dialled, after DNS resolution, so a host name
// that resolved to a public address when the endpoint was saved and to an
// internal one now is still refused.
func webhookClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !allowPrivate {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !models.PublicAddr(ap.Addr()) {
				return errPrivateAddr
			}
			return nil
		}
	}
	return &http.Client{
		Timeout:       webhookTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{Proxy: nil, DialContext: d.DialContext, TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConnsPerHost: 2, IdleConnTimeout: 90 * time.Second},
	}
}

// idleLook is how often a portal with no enabled endpoint and nothing
// pending looks again whether that changed: most portals never register an
// endpoint, and they should not pay a poll a second for it. A new endpoint
// waits at most this long for its first delivery.
const idleLook = 10 * time.Second

// Run sends until ctx ends, and prunes the delivery log now and then.
func (w *Webhooks) Run(ctx context.Context) {
	every := w.Every
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	var pruned, looked time.Time
	inUse := false
	for {
		now := models.Now()
		if time.Since(looked) >= idleLook {
			used, err := models.WebhooksInUse(ctx, w.DB)
			if err != nil && ctx.Err() == nil {
				w.Log.Error("webhooks", "error", err)
			}
			inUse, looked = used || err != nil, time.Now()
		}
		if inUse {
			if _, err := w.RunOnce(ctx, now); err != nil && ctx.Err() == nil {
				w.Log.Error("webhooks", "error", err)
			}
		}
		if now.Sub(pruned) > time.Hour {
			if err := w.Prune(ctx, now); err != nil && ctx.Err() == nil {
				w.Log.Error("webhooks: prune", "error", err)
			}
			pruned = now
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Prune forgets, as of now, delivery logs older than 30 days and
// Idempotency-Key answers older than 24 hours. Every process runs it about
// hourly; the deletes are batched and by indexed age, so a round with
// nothing to do costs two index probes per table.
func (w *Webhooks) Prune(ctx context.Context, now time.Time) error {
	if _, err := models.PruneWebhookLog(ctx, w.DB, now); err != nil {
		return err
	}
	if _, err := models.PruneIdempotencyKeys(ctx, w.DB, now); err != nil {
		return err
	}
	return nil
}

// RunOnce turns the outbox into deliveries and sends those due at now. It
// returns how many attempts it made.
func (w *Webhooks) RunOnce(ctx context.Context, now time.Time) (int, error) {
	for {
		n, err := models.FanOutWebhooks(ctx, w.DB, w.APIBase, now, 100)
		if err != nil {
			return 0, err
		}
		if n == 0 {
			break
		}
	}
	lease := w.Lease
	if lease <= 0 {
		lease = 4 * webhookTimeout
	}
	ds, err := models.ClaimWebhookDeliveries(ctx, w.DB, now, lease, 50)
	if err != nil {
		return 0, err
	}
	client := w.Client
	if client == nil {
		client = webhookClient(w.AllowPrivate)
	}
	for i := range ds {
		o := send(ctx, client, &ds[i], now)
		disabled, err := models.RecordWebhookAttempt(ctx, w.DB, &ds[i], o, now)
		if err != nil {
			return i, err
		}
		if disabled {
			w.Log.Warn("webhook endpoint disabled", "endpoint", ds[i].EndpointID, "url", ds[i].Endpoint.URL,
				"reason", ds[i].Endpoint.DisabledReason)
			w.mailAdmins(ctx, &ds[i].Endpoint)
		}
	}
	return len(ds), nil
}

// WebhookDisabledMail is what the mail to admins about a disabled endpoint says.
type WebhookDisabledMail struct {
	Name, Workspace, URL, Reason, EndpointURL string
}

// mailAdmins tells every active admin that an endpoint was disabled (a 410,
// or three days of failures), so that a silent integration is noticed. It
// happens once, on the attempt that disabled it; a mail that cannot be sent
// is logged, not retried: the console shows the state all the same.
func (w *Webhooks) mailAdmins(ctx context.Context, e *models.WebhookEndpoint) {
	if w.Mailer == nil {
		return
	}
	staff, err := models.ListStaff(ctx, w.DB)
	if err != nil {
		w.Log.Error("webhook disabled: list admins to mail", "endpoint", e.ID, "error", err)
		return
	}
	workspace := "Portal"
	if ws, err := models.GetWorkspace(ctx, w.DB); err == nil {
		workspace = ws.Name
	}
	for _, u := range staff {
		if !u.IsAdmin() || u.DisabledAt != nil {
			continue
		}
		msg := mail.Message{To: u.Email, Template: "webhook_disabled", Data: WebhookDisabledMail{Name: u.Name, Workspace: workspace,
			URL: e.URL, Reason: e.DisabledReason, EndpointURL: w.BaseURL + "/console/webhooks/" + strconv.FormatInt(e.ID, 10)}}
		if err := w.Mailer.Send(ctx, msg); err != nil {
			w.Log.Error("webhook disabled: mail an admin", "endpoint", e.ID, "to", u.Email, "error", err)
		}
	}
}

// Sign is the webhook-signature header of a message: "v1,<base64 HMAC-SHA256
// of id.timestamp.body>" for each secret, space-separated.
func Sign(secrets []string, msgID string, ts int64, body []byte) (string, error) {
	var sigs []string
	for _, s := range secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
		if err != nil {
			return "", fmt.Errorf("webhook: malformed secret: %w", err)
		}
		mac := hmac.New(sha256.New, key)
		fmt.Fprintf(mac, "%s.%d.", msgID, ts)
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}

// send makes one attempt, signed afresh, and says what came of it.
func send(ctx context.Context, client *http.Client, d *models.ClaimedDelivery, now time.Time) models.WebhookOutcome {
	var o models.WebhookOutcome
	body := []byte(d.Payload)
	ts := now.Unix()
	sig, err := Sign(d.Endpoint.Secrets(now), d.MsgID, ts, body)
	if err != nil {
		o.Attempt.Error = err.Error()
		return o
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		o.Attempt.Error = err.Error()
		return o
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Portal-Webhooks/1")
	req.Header.Set("webhook-id", d.MsgID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	o.Attempt.RequestHeaders, o.Attempt.RequestBody = headerText(req.Header), d.Payload
	start := time.Now()
	res, err := client.Do(req)
	o.Attempt.DurationMS = int(time.Since(start) / time.Millisecond)
	if err != nil {
		o.Attempt.Error = err.Error()
		return o
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, maxLoggedBody))
	io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20)) //nolint:errcheck // drained for the connection's reuse
	o.Attempt.ResponseStatus, o.Attempt.ResponseHeaders, o.Attempt.ResponseBody = res.StatusCode, headerText(res.Header), string(b)
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
		o.RetryAfter = time.Duration(s) * time.Second
	}
	return o
}

// headerText writes headers one per line, sorted, for the delivery log.
func headerText(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range h[k] {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	return b.String()
}

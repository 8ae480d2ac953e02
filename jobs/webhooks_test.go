package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/jobs"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// received is one webhook as the receiver saw it.
type received struct {
	Header http.Header
	Body   []byte
}

// receiver is an endpoint that answers with statuses in turn (then 200)
// and keeps what it was sent.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []received
	srv      *httptest.Server
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{req.Header.Clone(), b})
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// hookWorld is a workspace with a client, its user, an admin and a sender.
type hookWorld struct {
	db     *bun.DB
	admin  *models.User
	client *models.Client
	carol  *models.User
	sender *jobs.Webhooks
}

func newHookWorld(t *testing.T, db *bun.DB) *hookWorld {
	t.Helper()
	ctx := context.Background()
	admin, err := models.Setup(ctx, db, models.SetupInput{WorkspaceName: "Northwind IT", AdminName: "Ada",
		AdminEmail: "ada@northwind.test", Password: "correct-horse-battery"})
	if err != nil {
		t.Fatal(err)
	}
	now := models.Now()
	c := &models.Client{Name: "Acme", Slug: "acme", RequestPrefix: "ACME", Timezone: "UTC", NextRequestNumber: 1, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	u := &models.User{ClientID: &c.ID, Role: models.RoleClient, Email: "carol@acme.test", Name: "Carol", SignupMethod: "invite", CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return &hookWorld{db: db, admin: admin, client: c, carol: u, sender: newSender(db)}
}

// newSender is one process's sender (tests reach the receiver on 127.0.0.1).
func newSender(db *bun.DB) *jobs.Webhooks {
	return &jobs.Webhooks{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		APIBase: "https://portal.test/api/v1", AllowPrivate: true}
}

func (w *hookWorld) endpoint(t *testing.T, url string, internal bool, events ...string) *models.WebhookEndpoint {
	t.Helper()
	e, err := models.CreateWebhookEndpoint(context.Background(), w.db, w.admin,
		models.WebhookInput{URL: url, Events: events, IncludeInternal: internal}, true)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (w *hookWorld) request(t *testing.T, title string) *models.Request {
	t.Helper()
	r, err := models.CreateRequestOnBehalf(context.Background(), w.db, w.admin, models.OnBehalfRequest{
		NewRequest: models.NewRequest{Title: title, Urgency: models.UrgencyNormal, Channel: models.ChannelPhone},
		ClientID:   w.client.ID, RequesterID: w.carol.ID})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A receiver that answers 500, 500, 500, 200: four attempts of one
// webhook-id, each retry later than the one before by more, then delivered.
// The signature verifies with the official Standard Webhooks library, and
// fails once one byte of the body changes.
func TestWebhookRetriesOnSchedule(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newHookWorld(t, db)
		rcv := newReceiver(t, 500, 500, 500)
		ep := w.endpoint(t, rcv.srv.URL, false, models.HookRequestCreated)
		w.request(t, "VPN down")

		now := models.Now()
		for i := 0; i < 4; i++ {
			if n, err := w.sender.RunOnce(ctx, now); err != nil || n != 1 {
				t.Fatalf("round %d: %d attempts, %v", i, n, err)
			}
			var d models.WebhookDelivery
			if err := db.NewSelect().Model(&d).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			if i < 3 {
				if n, _ := w.sender.RunOnce(ctx, d.NextAttemptAt.Add(-time.Millisecond)); n != 0 {
					t.Fatalf("round %d: retried before its time", i)
				}
				now = d.NextAttemptAt
			} else if d.Status != models.DeliveryDelivered || d.Attempts != 4 {
				t.Fatalf("after the 200: %+v", d)
			}
		}
		logs, err := models.ListWebhookDeliveries(ctx, db, ep.ID, 0, 10)
		if err != nil || len(logs) != 1 || len(logs[0].Attempts) != 4 {
			t.Fatalf("delivery log %+v, %v", logs, err)
		}
		var gaps []time.Duration
		for i := 1; i < 4; i++ {
			gaps = append(gaps, logs[0].Attempts[i].CreatedAt.Sub(logs[0].Attempts[i-1].CreatedAt))
		}
		if !(gaps[0] >= 5*time.Second && gaps[1] > gaps[0] && gaps[2] > gaps[1]) {
			t.Fatalf("delays between attempts %v do not grow from 5 s", gaps)
		}
		got := rcv.all()
		if len(got) != 4 {
			t.Fatalf("receiver got %d calls", len(got))
		}
		for _, g := range got {
			if g.Header.Get("webhook-id") != got[0].Header.Get("webhook-id") {
				t.Fatalf("webhook-id changed across retries: %q, %q", got[0].Header.Get("webhook-id"), g.Header.Get("webhook-id"))
			}
		}
		var body struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(got[3].Body, &body); err != nil || body.Type != models.HookRequestCreated || body.Data["request"] == nil {
			t.Fatalf("body %s (%v)", got[3].Body, err)
		}

		wh, err := standardwebhooks.NewWebhook(ep.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.VerifyIgnoringTimestamp(got[3].Body, got[3].Header); err != nil {
			t.Fatalf("the official library refuses our signature: %v", err)
		}
		changed := append([]byte(nil), got[3].Body...)
		changed[len(changed)/2] ^= 1
		if err := wh.VerifyIgnoringTimestamp(changed, got[3].Header); err == nil {
			t.Fatal("a body with one byte changed verified")
		}
	})
}

// 410 Gone disables the endpoint: nothing more is sent to it.
func TestWebhookGoneDisables(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newHookWorld(t, db)
		rcv := newReceiver(t, 410)
		ep := w.endpoint(t, rcv.srv.URL, false, models.HookRequestCreated)
		w.request(t, "One")
		if _, err := w.sender.RunOnce(ctx, models.Now()); err != nil {
			t.Fatal(err)
		}
		got, err := models.GetWebhookEndpoint(ctx, db, ep.ID)
		if err != nil || got.DisabledAt == nil {
			t.Fatalf("endpoint after 410: %+v, %v", got, err)
		}
		w.request(t, "Two")
		w.sender.RunOnce(ctx, models.Now().Add(time.Hour))
		if n := len(rcv.all()); n != 1 {
			t.Fatalf("%d calls after 410, want 1", n)
		}
	})
}

// An internal note reaches only an endpoint with include_internal; a
// public reply reaches both.
func TestWebhookInternalNotes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newHookWorld(t, db)
		plain, inside := newReceiver(t), newReceiver(t)
		w.endpoint(t, plain.srv.URL, false, models.HookMessageCreated)
		w.endpoint(t, inside.srv.URL, true, models.HookMessageCreated)
		r := w.request(t, "Printer")
		for _, internal := range []bool{true, false} {
			if _, err := models.PostMessage(ctx, db, models.PostMessageInput{ClientID: w.client.ID, RequestID: r.ID,
				AuthorID: w.admin.ID, ByStaff: true, Internal: internal, Body: fmt.Sprintf("internal %t", internal)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.sender.RunOnce(ctx, models.Now()); err != nil {
			t.Fatal(err)
		}
		if p, i := plain.all(), inside.all(); len(p) != 1 || len(i) != 2 {
			t.Fatalf("without include_internal %d calls (want 1), with it %d (want 2)", len(p), len(i))
		}
		if body := string(plain.all()[0].Body); !json.Valid([]byte(body)) || strings.Contains(body, "internal true") {
			t.Fatalf("the plain endpoint got the note: %s", body)
		}
	})
}

// The change commits and the process dies before sending: the event waits
// in the outbox and a process started later delivers it. A process that
// dies holding a delivery's lease leaves it to another once the lease ends.
func TestWebhookSurvivesRestart(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newHookWorld(t, db)
		rcv := newReceiver(t)
		w.endpoint(t, rcv.srv.URL, false, models.HookRequestCreated)
		w.request(t, "Committed, never sent") // no sender ran: the process "died"
		if n, err := newSender(db).RunOnce(ctx, models.Now()); err != nil || n != 1 {
			t.Fatalf("the restarted process: %d attempts, %v", n, err)
		}

		w.request(t, "Claimed by a process that dies")
		now := models.Now()
		if _, err := models.FanOutWebhooks(ctx, db, "https://portal.test/api/v1", now, 10); err != nil {
			t.Fatal(err)
		}
		claimed, err := models.ClaimWebhookDeliveries(ctx, db, now, time.Minute, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %d, %v", len(claimed), err)
		}
		// ... and it dies here, having sent nothing.
		if n, _ := newSender(db).RunOnce(ctx, now.Add(30*time.Second)); n != 0 {
			t.Fatal("another process took a delivery still leased")
		}
		if n, err := newSender(db).RunOnce(ctx, now.Add(61*time.Second)); err != nil || n != 1 {
			t.Fatalf("after the lease: %d attempts, %v", n, err)
		}
		if got := rcv.all(); len(got) != 2 {
			t.Fatalf("receiver got %d calls, want 2", len(got))
		}
	})
}

// Two processes sending at once deliver each event exactly once.
func TestWebhookTwoProcesses(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		w := newHookWorld(t, db)
		rcv := newReceiver(t)
		w.endpoint(t, rcv.srv.URL, false, models.HookRequestCreated, models.HookRequestUpdated)
		const n = 30
		for i := range n {
			w.request(t, fmt.Sprintf("Request %d", i))
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := newSender(db)
				for {
					k, err := s.RunOnce(ctx, models.Now())
					if err != nil {
						errs <- err
						return
					}
					if k == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		newSender(db).RunOnce(ctx, models.Now()) // anything a racing pair left
		ids := map[string]int{}
		for _, g := range rcv.all() {
			ids[g.Header.Get("webhook-id")]++
		}
		if len(ids) != n {
			t.Fatalf("%d distinct webhook-ids, want %d", len(ids), n)
		}
		for id, k := range ids {
			if k != 1 {
				t.Errorf("%s delivered %d times", id, k)
			}
		}
	})
}

package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/jobs"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// hookReceiver is a webhook endpoint that answers 200 and keeps the
// headers of what it was sent.
type hookReceiver struct {
	mu  sync.Mutex
	got []http.Header
	srv *httptest.Server
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body) //nolint:errcheck // only the headers matter here
		r.mu.Lock()
		r.got = append(r.got, req.Header.Clone())
		r.mu.Unlock()
		w.Header().Set("X-Receiver", "test")
		io.WriteString(w, "thanks") //nolint:errcheck // the receiver's answer is best effort
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) headers() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.got...)
}

// An admin registers an endpoint on the console page (its secret shown
// once), sends it a test event that reaches the receiver and appears in the
// delivery log with the receiver's answer, and resends it: a new attempt
// under the same webhook-id with a fresh signature.
func TestConsoleWebhookRegisterTestAndResend(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, map[string]string{"PORTAL_WEBHOOK_ALLOW_PRIVATE": "1"})
		admin := a.browser()
		admin.signIn(s.admin.Email, testPassword)
		rcv := newHookReceiver(t)

		// Bad input: a 422 with the reason next to the field, nothing saved.
		resp, body := admin.submit("/console/webhooks", "/console/webhooks", url.Values{"url": {"ftp://x"}, "events": {models.HookRequestCreated}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, ".field-error"), "https://") {
			t.Fatalf("bad URL: %d %q", resp.StatusCode, text(t, body, ".field-error"))
		}
		resp, body = admin.submit("/console/webhooks", "/console/webhooks", url.Values{"url": {rcv.srv.URL}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(text(t, body, ".field-error"), "event") {
			t.Fatalf("no events: %d %q", resp.StatusCode, text(t, body, ".field-error"))
		}
		if n := countRows(t, db, "webhook_endpoints", "1 = 1"); n != 0 {
			t.Fatalf("%d endpoints after refused forms", n)
		}

		resp, body = admin.submit("/console/webhooks", "/console/webhooks", url.Values{"url": {rcv.srv.URL},
			"events": {models.HookRequestCreated, models.HookMessageCreated}})
		secret, _ := doc(t, body).Find("#new-secret-value").Attr("value")
		if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("register: %d, secret %q", resp.StatusCode, secret)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Error("the answer with the secret may be cached")
		}
		_, list := admin.get("/console/webhooks")
		if strings.Contains(list, secret) || doc(t, list).Find("#webhook-list tr[data-webhook]").Length() != 1 {
			t.Fatal("the list shows the secret again, or not the endpoint")
		}
		if !strings.Contains(text(t, list, "#webhook-list td[data-label=Status]"), "Enabled") {
			t.Errorf("status: %q", text(t, list, "#webhook-list td[data-label=Status]"))
		}
		href, _ := doc(t, list).Find("#webhook-list a").First().Attr("href")

		// Send test event: queued, then sent by the webhook sender.
		if resp, _ := admin.submit(href, href+"/test", url.Values{}); resp.StatusCode != http.StatusOK || resp.Request.URL.Path != href {
			t.Fatalf("test event: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		sender := &jobs.Webhooks{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), APIBase: a.srv.URL + "/api/v1", AllowPrivate: true}
		now := models.Now()
		if n, err := sender.RunOnce(ctx, now); err != nil || n != 1 {
			t.Fatalf("send: %d attempts, %v", n, err)
		}
		got := rcv.headers()
		if len(got) != 1 || got[0].Get("webhook-id") == "" {
			t.Fatalf("receiver got %d webhooks", len(got))
		}
		msgID, firstSig := got[0].Get("webhook-id"), got[0].Get("webhook-signature")

		_, page := admin.get(href)
		d := doc(t, page)
		log := d.Find("#deliveries article")
		if log.Length() != 1 || text(t, page, "#deliveries .delivery-type") != models.HookTest ||
			text(t, page, "#deliveries .webhook-id") != msgID || text(t, page, "#deliveries .attempt-status") != "200" {
			t.Fatalf("delivery log: %q", strings.Join(strings.Fields(log.Text()), " "))
		}
		if !strings.Contains(log.Find(".response-body").Text(), "thanks") || !strings.Contains(log.Text(), "X-Receiver: test") {
			t.Error("the log lacks the receiver's answer")
		}

		// Resend: one more attempt, the same webhook-id, signed afresh.
		action, _ := d.Find(`#deliveries form[action$="/resend"]`).Attr("action")
		if resp, _ := admin.submit(href, action, url.Values{}); resp.StatusCode != http.StatusOK {
			t.Fatalf("resend: %d", resp.StatusCode)
		}
		if n, err := sender.RunOnce(ctx, now.Add(2*time.Second)); err != nil || n != 1 {
			t.Fatalf("resend: %d attempts, %v", n, err)
		}
		got = rcv.headers()
		if len(got) != 2 || got[1].Get("webhook-id") != msgID || got[1].Get("webhook-signature") == firstSig {
			t.Fatalf("resent webhook: %d received, id %q (want %q), same signature %v", len(got), got[len(got)-1].Get("webhook-id"), msgID,
				got[len(got)-1].Get("webhook-signature") == firstSig)
		}
		_, page = admin.get(href)
		if n := doc(t, page).Find("#deliveries details.attempt").Length(); n != 2 {
			t.Errorf("the log shows %d attempts, want 2", n)
		}

		// Disable, then a test event is refused until it is enabled again.
		if _, body := admin.submit(href, href+"/disable", url.Values{}); !strings.Contains(text(t, body, "#webhook-status"), "Disabled by Ada Admin") {
			t.Fatalf("after disable: %q", text(t, body, "#webhook-status"))
		}
		if _, body := admin.submit(href, href+"/test", url.Values{}); !strings.Contains(text(t, body, ".flash"), "Enable the webhook") {
			t.Errorf("test event to a disabled endpoint: %q", text(t, body, ".flash"))
		}
		if _, body := admin.submit(href, href+"/enable", url.Values{}); !strings.Contains(text(t, body, "#webhook-status"), "Enabled") {
			t.Errorf("after enable: %q", text(t, body, "#webhook-status"))
		}

		// Rotate shows the new secret once; edit keeps it.
		_, body = admin.submit(href, href+"/rotate", url.Values{})
		if rotated, _ := doc(t, body).Find("#new-secret-value").Attr("value"); !strings.HasPrefix(rotated, "whsec_") || rotated == secret {
			t.Fatalf("rotated secret %q", rotated)
		}
		resp, body = admin.submit(href, href, url.Values{"url": {rcv.srv.URL}, "events": {models.HookRequestUpdated}, "include_internal": {"1"}})
		if resp.StatusCode != http.StatusOK || !doc(t, body).Find(`input[name=events][value="request.updated"]`).Is("[checked]") ||
			doc(t, body).Find(`input[name=events][value="request.created"]`).Is("[checked]") {
			t.Fatalf("edit events: %d", resp.StatusCode)
		}

		// Agents and client users do not reach the page; a missing id is 404.
		for _, who := range []string{s.clientUser.Email} {
			b := a.browser()
			b.signIn(who, testPassword)
			if resp, _ := b.get("/console/webhooks"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: GET /console/webhooks %d", who, resp.StatusCode)
			}
		}
		if resp, _ := admin.get("/console/webhooks/999999"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("missing endpoint: %d", resp.StatusCode)
		}

		// Delete asks first, then removes it with its log.
		if resp, body := admin.get(href + "/delete"); resp.StatusCode != http.StatusOK || doc(t, body).Find("#confirm").Length() != 1 {
			t.Fatalf("delete confirmation: %d", resp.StatusCode)
		}
		if resp, _ := admin.submit(href+"/delete", href+"/delete", url.Values{}); resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/console/webhooks" {
			t.Fatalf("delete: %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		if n := countRows(t, db, "webhook_deliveries", "1 = 1"); n != 0 {
			t.Errorf("%d deliveries left after delete", n)
		}
	})
}

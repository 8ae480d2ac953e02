package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

type requestOut struct {
	ID       int64  `json:"id"`
	Ref      string `json:"ref"`
	Title    string `json:"title"`
	Status   string `json:"status"`
	Urgency  string `json:"urgency"`
	ETag     string `json:"etag"`
	ClientID int64  `json:"client_id"`
}

type requestList struct {
	Data       []requestOut `json:"data"`
	NextCursor *string      `json:"next_cursor"`
}

// Only a bearer token opens the API: none, a malformed one, a revoked one
// and a signed-in browser's cookie are all 401 problem+json; a token sent
// to a page does not sign anyone in.
func TestAPITokensOnly(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		p := newPortal(t, db, nil)
		tok := p.token(p.admin, allScopes...)
		p.call("GET", "/api/v1/requests", tok, nil).want(t, http.StatusOK)

		problemOf(t, p.call("GET", "/api/v1/requests", "", nil), http.StatusUnauthorized, "unauthorized")
		problemOf(t, p.call("GET", "/api/v1/requests", "pt_nothing_here", nil), http.StatusUnauthorized, "unauthorized")
		problemOf(t, p.call("GET", "/api/v1/requests", tok+"x", nil), http.StatusUnauthorized, "unauthorized")

		// A browser signed in to the console: its cookie does not reach the API.
		form := url.Values{"email": {"ada@northwind.test"}, "password": {testPassword}}
		form.Set("csrf", csrfFor(t, p))
		signedIn := p.call("POST", "/signin", "", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
		if signedIn.StatusCode >= 400 {
			t.Fatalf("sign in: %d %s", signedIn.StatusCode, signedIn.Body)
		}
		p.call("GET", "/console", "", nil).want(t, http.StatusOK) // the session works on pages
		problemOf(t, p.call("GET", "/api/v1/requests", "", nil), http.StatusUnauthorized, "unauthorized")

		// A token on a page signs nobody in (a fresh client, no cookies).
		p.hc.Jar, _ = newJar()
		p.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		page := p.call("GET", "/console", tok, nil)
		if page.StatusCode != http.StatusSeeOther && page.StatusCode != http.StatusFound {
			t.Fatalf("a token on /console: %d, want a redirect to sign in", page.StatusCode)
		}

		// Revoked: refused on the next call (no cache to wait for).
		var id int64
		if err := db.NewSelect().Model((*models.APIToken)(nil)).Column("id").Limit(1).Scan(context.Background(), &id); err != nil {
			t.Fatal(err)
		}
		if err := models.RevokeAPIToken(context.Background(), db, p.admin, id); err != nil {
			t.Fatal(err)
		}
		problemOf(t, p.call("GET", "/api/v1/requests", tok, nil), http.StatusUnauthorized, "unauthorized")
	})
}

// A token without messages:write may read but not post: 403 problem+json.
// Without notes:internal it reads threads as the client does and may not
// write a note.
func TestAPIScopes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		p := newPortal(t, db, nil)
		r := p.newRequest("Printer on fire")
		path := "/api/v1/requests/" + strconv.FormatInt(r.ID, 10) + "/messages"
		reader := p.token(p.agent, models.ScopeRequestsRead)
		prob := problemOf(t, p.call("POST", path, reader, map[string]any{"body": "Hello"}), http.StatusForbidden, "forbidden")
		if !strings.Contains(prob["detail"].(string), "messages:write") {
			t.Fatalf("403 detail %q does not name the scope", prob["detail"])
		}

		writer := p.token(p.agent, models.ScopeRequestsRead, models.ScopeMessagesWrite)
		p.call("POST", path, writer, map[string]any{"body": "We are on it."}).want(t, http.StatusCreated)
		problemOf(t, p.call("POST", path, writer, map[string]any{"body": "secret", "internal": true}), http.StatusForbidden, "forbidden")

		staff := p.token(p.agent, models.ScopeRequestsRead, models.ScopeMessagesWrite, models.ScopeInternal)
		p.call("POST", path, staff, map[string]any{"body": "Internal: toner vendor is slow", "internal": true}).want(t, http.StatusCreated)

		var plain, all struct {
			Data []struct {
				Body     string `json:"body"`
				Internal bool   `json:"internal"`
			} `json:"data"`
		}
		p.call("GET", path, writer, nil).want(t, http.StatusOK).json(t, &plain)
		p.call("GET", path, staff, nil).want(t, http.StatusOK).json(t, &all)
		if len(plain.Data) != 1 || plain.Data[0].Internal || len(all.Data) != 2 || !all.Data[1].Internal {
			t.Fatalf("without notes:internal %+v; with it %+v", plain.Data, all.Data)
		}

		// The public reply went through the console's rule: the response clock stopped.
		var got models.Request
		if err := db.NewSelect().Model(&got).Where("id = ?", r.ID).Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got.FirstResponseAt == nil {
			t.Fatal("a public reply through the API did not stop the response clock")
		}
	})
}

// Walking every page while requests are created and updated returns every
// request that existed before the walk exactly once.
func TestAPICursorWalkUnderWrites(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		p := newPortal(t, db, nil)
		tok := p.token(p.admin, allScopes...)
		before := map[int64]bool{}
		for i := range 23 {
			before[p.newRequest(fmt.Sprintf("Request %d", i)).ID] = true
		}
		seen := map[int64]int{}
		next := "/api/v1/requests?limit=5"
		for pages := 0; next != ""; pages++ {
			if pages > 20 {
				t.Fatal("the walk does not end")
			}
			res := p.call("GET", next, tok, nil).want(t, http.StatusOK)
			var l requestList
			res.json(t, &l)
			for _, r := range l.Data {
				seen[r.ID]++
			}
			// Between pages: every request seen so far changes (which moves
			// its updated_at) and a new one arrives.
			for _, r := range l.Data {
				p.call("PATCH", "/api/v1/requests/"+strconv.FormatInt(r.ID, 10), tok,
					map[string]any{"urgency": models.UrgencyHigh}).want(t, http.StatusOK)
			}
			p.newRequest(fmt.Sprintf("Arrived during page %d", pages))
			next = ""
			if l.NextCursor != nil {
				link := res.Header.Get("Link")
				if !strings.Contains(link, `rel="next"`) || !strings.Contains(link, url.QueryEscape(*l.NextCursor)) {
					t.Fatalf("Link %q does not carry the next cursor %q", link, *l.NextCursor)
				}
				next = "/api/v1/requests?limit=5&cursor=" + url.QueryEscape(*l.NextCursor)
			}
		}
		for id := range before {
			if seen[id] != 1 {
				t.Errorf("request %d seen %d times, want once", id, seen[id])
			}
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("request %d (created during the walk) seen %d times", id, n)
			}
		}
	})
}

// The same Idempotency-Key and body twice makes one request; the second
// answer is the first, marked replayed; the key with another body is 422.
func TestAPIIdempotentCreate(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		p := newPortal(t, db, nil)
		tok := p.token(p.admin, allScopes...)
		body := map[string]any{"client_id": p.client.ID, "title": "VPN down", "description": "Since 9:00",
			"urgency": models.UrgencyHigh, "requester_email": "carol@acme.test"}
		first := p.call("POST", "/api/v1/requests", tok, body, "Idempotency-Key", "k-1").want(t, http.StatusCreated)
		again := p.call("POST", "/api/v1/requests", tok, body, "Idempotency-Key", "k-1").want(t, http.StatusCreated)
		if again.Header.Get("Idempotent-Replayed") != "true" || first.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("Idempotent-Replayed: first %q, again %q", first.Header.Get("Idempotent-Replayed"), again.Header.Get("Idempotent-Replayed"))
		}
		if again.Body != first.Body || again.Header.Get("Location") != first.Header.Get("Location") {
			t.Fatalf("the replay differs:\n%s\n%s", first.Body, again.Body)
		}
		if n, err := db.NewSelect().Model((*models.Request)(nil)).Count(context.Background()); err != nil || n != 1 {
			t.Fatalf("%d requests (%v), want 1", n, err)
		}
		body["title"] = "VPN down again"
		problemOf(t, p.call("POST", "/api/v1/requests", tok, body, "Idempotency-Key", "k-1"), http.StatusUnprocessableEntity, "idempotency-key-reused")
		p.call("POST", "/api/v1/requests", tok, body, "Idempotency-Key", "k-2").want(t, http.StatusCreated)
	})
}

// Bad input is 422 with errors[] naming each field.
func TestAPIValidation(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		p := newPortal(t, db, nil)
		tok := p.token(p.admin, allScopes...)
		prob := problemOf(t, p.call("POST", "/api/v1/requests", tok, map[string]any{"client_id": p.client.ID,
			"title": "", "urgency": "whenever", "requester_email": "nobody@acme.test"}), http.StatusUnprocessableEntity, "validation")
		var fields []string
		for _, e := range prob["errors"].([]any) {
			fields = append(fields, e.(map[string]any)["field"].(string))
		}
		if strings.Join(fields, ",") != "title,urgency,requester_email" {
			t.Fatalf("errors name %v", fields)
		}
		problemOf(t, p.call("POST", "/api/v1/requests", tok, map[string]any{"titel": "x"}), http.StatusUnprocessableEntity, "validation")
		problemOf(t, p.call("POST", "/api/v1/requests", tok, "{"), http.StatusBadRequest, "bad-request")
		problemOf(t, p.call("GET", "/api/v1/requests?cursor=zzz", tok, nil), http.StatusUnprocessableEntity, "validation")
		problemOf(t, p.call("GET", "/api/v1/requests/99999", tok, nil), http.StatusNotFound, "not-found")
		problemOf(t, p.call("GET", "/api/v1/requests/abc", tok, nil), http.StatusNotFound, "not-found")
		problemOf(t, p.call("GET", "/api/v1/nothing-here", tok, nil), http.StatusNotFound, "not-found")
	})
}

// Past the per-token limit: 429 with Retry-After and the RateLimit headers;
// another token is not held back.
func TestAPIRateLimit(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		p := newPortal(t, db, map[string]string{"PORTAL_API_RATE_LIMIT": "3"})
		tok := p.token(p.admin, allScopes...)
		for range 3 {
			res := p.call("GET", "/api/v1/categories", tok, nil).want(t, http.StatusOK)
			if res.Header.Get("RateLimit-Policy") != `"per-token";q=3;w=60` || !strings.HasPrefix(res.Header.Get("RateLimit"), `"per-token";r=`) {
				t.Fatalf("headers %v", res.Header)
			}
		}
		res := p.call("GET", "/api/v1/categories", tok, nil)
		problemOf(t, res, http.StatusTooManyRequests, "rate-limited")
		if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
			t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
		}
		if !strings.Contains(res.Header.Get("RateLimit"), ";r=0;") {
			t.Fatalf("RateLimit %q", res.Header.Get("RateLimit"))
		}
		p.call("GET", "/api/v1/categories", p.token(p.agent, allScopes...), nil).want(t, http.StatusOK)
	})
}

// A change sent with an ETag that is no longer current is 412 and changes
// nothing; with the current one it applies, through the console's rules.
func TestAPIIfMatch(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		p := newPortal(t, db, nil)
		tok := p.token(p.admin, allScopes...)
		r := p.newRequest("Laptop slow")
		path := "/api/v1/requests/" + strconv.FormatInt(r.ID, 10)
		got := p.call("GET", path, tok, nil).want(t, http.StatusOK)
		old := got.Header.Get("ETag")
		p.call("PATCH", path, tok, map[string]any{"status": "in_progress"}, "If-Match", old).want(t, http.StatusOK)
		problemOf(t, p.call("PATCH", path, tok, map[string]any{"urgency": "critical"}, "If-Match", old), http.StatusPreconditionFailed, "precondition-failed")
		var now requestOut
		cur := p.call("GET", path, tok, nil).want(t, http.StatusOK)
		cur.json(t, &now)
		if now.Urgency != models.UrgencyNormal || now.Status != models.StatusInProgress || now.ETag != cur.Header.Get("ETag") {
			t.Fatalf("after the stale change: %+v", now)
		}
		problemOf(t, p.call("PATCH", path, tok, map[string]any{"status": "completed"}, "If-Match", now.ETag), http.StatusUnprocessableEntity, "validation")
		p.call("PATCH", path, tok, map[string]any{"status": "completed", "resolution": "Replaced the disk."}, "If-Match", now.ETag).want(t, http.StatusOK)
	})
}

// Logging time answers with the entry and the hour bank after it; voiding
// gives the minutes back.
func TestAPITimeEntries(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		p := newPortal(t, db, nil)
		tok := p.token(p.agent, allScopes...)
		r := p.newRequest("Backup check")
		path := "/api/v1/requests/" + strconv.FormatInt(r.ID, 10) + "/time-entries"
		day := models.Now().Format("2006-01-02")
		var made struct {
			TimeEntry struct {
				ID      int64 `json:"id"`
				Minutes int   `json:"minutes"`
			} `json:"time_entry"`
			HourBank struct {
				UsedMinutes int `json:"used_minutes"`
			} `json:"hour_bank"`
		}
		p.call("POST", path, tok, map[string]any{"minutes": 45, "work_date": day, "note": "Checked"}).want(t, http.StatusCreated).json(t, &made)
		if made.TimeEntry.Minutes != 45 || made.HourBank.UsedMinutes != 45 {
			t.Fatalf("created %+v", made)
		}
		entry := path + "/" + strconv.FormatInt(made.TimeEntry.ID, 10)
		p.call("PATCH", entry, tok, map[string]any{"minutes": 30, "work_date": day}).want(t, http.StatusOK).json(t, &made)
		if made.HourBank.UsedMinutes != 30 {
			t.Fatalf("changed %+v", made)
		}
		problemOf(t, p.call("PATCH", entry, p.token(p.user(nil, models.RoleAgent, "x@northwind.test", "X"), allScopes...),
			map[string]any{"minutes": 10, "work_date": day}), http.StatusForbidden, "forbidden")
		p.call("DELETE", entry, tok, nil).want(t, http.StatusOK).json(t, &made)
		if made.HourBank.UsedMinutes != 0 {
			t.Fatalf("voided %+v", made)
		}
		problemOf(t, p.call("POST", path, tok, map[string]any{"minutes": 0, "work_date": "yesterday"}), http.StatusUnprocessableEntity, "validation")
	})
}

// Webhook endpoints through the API: webhooks:admin only; private and
// loopback addresses refused unless allowed; the secret shown on creation.
func TestAPIWebhooks(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		p := newPortal(t, db, nil)
		tok := p.token(p.admin, allScopes...)
		body := map[string]any{"url": "https://127.0.0.1/hook", "events": []string{"request.created"}}
		problemOf(t, p.call("POST", "/api/v1/webhooks", p.token(p.admin, models.ScopeRequestsRead), body), http.StatusForbidden, "forbidden")
		for _, u := range []string{"https://127.0.0.1/hook", "https://169.254.169.254/latest", "https://10.1.2.3/x", "http://example.com/x", "https://[::1]/x"} {
			body["url"] = u
			prob := problemOf(t, p.call("POST", "/api/v1/webhooks", tok, body), http.StatusUnprocessableEntity, "validation")
			if prob["errors"].([]any)[0].(map[string]any)["field"] != "url" {
				t.Fatalf("%s: %v", u, prob)
			}
		}

		allowed := newPortal(t, dbtest.New(t, dbKind(t)), map[string]string{"PORTAL_WEBHOOK_ALLOW_PRIVATE": "1"})
		tok = allowed.token(allowed.admin, allScopes...)
		body["url"] = "http://127.0.0.1:9/hook"
		var made struct {
			ID     int64    `json:"id"`
			Secret string   `json:"secret"`
			Events []string `json:"events"`
		}
		allowed.call("POST", "/api/v1/webhooks", tok, body).want(t, http.StatusCreated).json(t, &made)
		if !strings.HasPrefix(made.Secret, "whsec_") || made.ID == 0 || made.Events[0] != "request.created" {
			t.Fatalf("created %+v", made)
		}
		got := allowed.call("GET", "/api/v1/webhooks/"+strconv.FormatInt(made.ID, 10), tok, nil).want(t, http.StatusOK)
		if strings.Contains(got.Body, "whsec_") {
			t.Fatal("the secret is shown again after creation")
		}
		allowed.call("POST", "/api/v1/webhooks/"+strconv.FormatInt(made.ID, 10)+"/test", tok, nil).want(t, http.StatusAccepted)
		var log struct {
			Data []struct {
				EventType string `json:"event_type"`
			} `json:"data"`
		}
		allowed.call("GET", "/api/v1/webhooks/"+strconv.FormatInt(made.ID, 10)+"/deliveries", tok, nil).want(t, http.StatusOK).json(t, &log)
		if len(log.Data) != 1 || log.Data[0].EventType != "webhook.test" {
			t.Fatalf("delivery log %+v", log)
		}
	})
}

// dbKind is the database kind of the running subtest (its name's last part).
func dbKind(t *testing.T) string {
	name := t.Name()
	return name[strings.LastIndex(name, "/")+1:]
}

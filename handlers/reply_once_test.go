package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

// replyForm GETs a request page and returns its reply form's fields, as a
// browser would send them.
func (a *app) replyForm(page, body string) url.Values {
	a.t.Helper()
	resp, html := a.get(page)
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("GET %s: %d", page, resp.StatusCode)
	}
	form := url.Values{"body": {body}}
	doc(a.t, html).Find(`#reply-form input[type="hidden"]`).Each(func(_ int, in *goquery.Selection) {
		form.Set(in.AttrOr("name", ""), in.AttrOr("value", ""))
	})
	if form.Get("idempotency_key") == "" {
		a.t.Fatalf("%s: the reply form has no idempotency key", page)
	}
	return form
}

// The same reply form posted twice (a double click, a retry after a lost
// answer) stores one message; a fresh form posts a new one.
func TestDoubleSubmittedReplyIsStoredOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		client := newApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)
		staff := client.browser()
		staff.signIn(s.admin.Email, testPassword)
		r := newRequest(t, db, s.clientUser, "Printer jam")
		portalPage := "/requests/" + strconv.Itoa(r.Number)
		consolePage := "/console/requests/" + itoa(r.ID)

		for _, c := range []struct {
			who  *app
			page string
		}{{client, portalPage}, {staff, consolePage}} {
			form := c.who.replyForm(c.page, "Sent once from "+c.page)
			var wg sync.WaitGroup
			codes := make([]int, 3)
			for i := range codes { // at once, as a double click sends them
				wg.Go(func() {
					req, _ := http.NewRequest(http.MethodPost, c.who.srv.URL+c.page+"/reply", strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("HX-Request", "true")
					resp, err := c.who.client.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					codes[i] = resp.StatusCode
				})
			}
			wg.Wait()
			resp, _ := c.who.post(c.page+"/reply", form) // and once more, later
			if codes[0] != 200 || codes[1] != 200 || codes[2] != 200 || resp.StatusCode != 200 {
				t.Fatalf("%s: repeated posts answered %v and %d, want 200 each", c.page, codes, resp.StatusCode)
			}
			if n := countRows(t, db, "messages", "body = ?", "Sent once from "+c.page); n != 1 {
				t.Fatalf("%s: the same form posted 4 times stored %d messages, want 1", c.page, n)
			}
		}
		if n := countRows(t, db, "activity_events", "kind = ? AND request_id = ?", "message_posted", r.ID); n != 2 {
			t.Fatalf("%d message events, want one per message", n)
		}

		// A new form is a new message, even with the same words.
		resp, _ := client.post(portalPage+"/reply", client.replyForm(portalPage, "Sent once from "+portalPage))
		if resp.StatusCode != http.StatusOK || countRows(t, db, "messages", "body = ?", "Sent once from "+portalPage) != 2 {
			t.Fatalf("a fresh form did not post: %d", resp.StatusCode)
		}

		// A key the portal could not have made is refused with a message.
		form := client.replyForm(portalPage, "tampered")
		form.Set("idempotency_key", strings.Repeat("x", 65))
		if resp, body := client.post(portalPage+"/reply", form); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(body, "Reload the page") {
			t.Fatalf("tampered key: %d", resp.StatusCode)
		}
	})
}

// failAfterMessageCommit makes the first statement after a committed
// message insert fail, as when the database goes away between the commit and
// the page reload.
type failAfterMessageCommit struct {
	mu       sync.Mutex
	inserted bool
	armed    bool
	failed   int
}

func (h *failAfterMessageCommit) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.armed {
		h.armed = false
		h.failed++
		ctx, cancel := context.WithDeadline(ctx, time.Unix(0, 0))
		cancel()
		return ctx
	}
	if strings.Contains(e.Query, `INSERT INTO "messages"`) {
		h.inserted = true
	}
	return ctx
}

func (h *failAfterMessageCommit) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e.Query == "COMMIT" && h.inserted && e.Err == nil {
		h.inserted, h.armed = false, true
	}
}

// A reply that committed is never answered with an error: when reloading
// the page after the commit fails, the browser is sent to the page.
func TestCommittedReplyIsNeverAnError(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		client := newApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)
		staff := client.browser()
		staff.signIn(s.admin.Email, testPassword)
		r := newRequest(t, db, s.clientUser, "Printer jam")
		fault := &failAfterMessageCommit{}
		db.AddQueryHook(fault)

		for i, c := range []struct {
			who  *app
			page string
			// reloads: the plain form's answer reads the database after the
			// commit. The console's is a redirect to the page and reads
			// nothing, so the fault falls on the page the browser then loads.
			reloads bool
		}{{client, "/requests/" + strconv.Itoa(r.Number), true}, {staff, "/console/requests/" + itoa(r.ID), false}} {
			text := "Stored before the fault " + strconv.Itoa(i)
			form := c.who.replyForm(c.page, text)
			if !c.reloads {
				noFollow := *c.who.client
				noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
				req, _ := http.NewRequest(http.MethodPost, c.who.srv.URL+c.page+"/reply", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := noFollow.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != c.page {
					t.Fatalf("%s: %d to %q, want a redirect to the page", c.page, resp.StatusCode, resp.Header.Get("Location"))
				}
				c.who.get(c.page) // the fault: this page load fails, as it would with the database gone
				if _, body := c.who.get(c.page); !strings.Contains(body, text) {
					t.Fatalf("%s: the reply is not on the page", c.page)
				}
			} else if resp, body := c.who.post(c.page+"/reply", form); resp.StatusCode != http.StatusOK || resp.Request.URL.Path != c.page || !strings.Contains(body, text) {
				t.Fatalf("%s: after a failed reload got %d at %s, want the request page showing the reply",
					c.page, resp.StatusCode, resp.Request.URL.Path)
			}
			form = c.who.replyForm(c.page, text+" (htmx)")
			resp, _ := c.who.post(c.page+"/reply", form, "HX-Request", "true")
			if resp.StatusCode != http.StatusOK || resp.Header.Get("HX-Redirect") != c.page {
				t.Fatalf("%s (htmx): %d, HX-Redirect %q; want 200 and a redirect to the page",
					c.page, resp.StatusCode, resp.Header.Get("HX-Redirect"))
			}
		}
		fault.mu.Lock()
		failed := fault.failed
		fault.mu.Unlock()
		if failed != 4 {
			t.Fatalf("the fault hit %d reloads, want 4", failed)
		}
		if n := countRows(t, db, "messages", "request_id = ?", r.ID); n != 4 {
			t.Fatalf("%d messages stored, want 4", n)
		}
	})
}

// A form key names one message. Posting it again with other words (a page
// kept open and reused, a tampered retry) used to answer as if sent while
// dropping the new words; it is refused with the words kept in the form.
func TestReusedFormKeyWithOtherWordsIsRefused(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		client := newApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)
		staff := client.browser()
		staff.signIn(s.admin.Email, testPassword)
		r := newRequest(t, db, s.clientUser, "Printer jam")

		for _, c := range []struct {
			who  *app
			page string
		}{{client, "/requests/" + strconv.Itoa(r.Number)}, {staff, "/console/requests/" + itoa(r.ID)}} {
			form := c.who.replyForm(c.page, "First words from "+c.page)
			if resp, _ := c.who.post(c.page+"/reply", form, "HX-Request", "true"); resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: first post %d", c.page, resp.StatusCode)
			}
			for _, htmx := range []string{"true", "false"} {
				form.Set("body", "Other words from "+c.page)
				resp, body := c.who.post(c.page+"/reply", form, "HX-Request", htmx)
				if resp.StatusCode != http.StatusConflict {
					t.Fatalf("%s (htmx %s): the same key with other words answered %d, want 409", c.page, htmx, resp.StatusCode)
				}
				d := doc(t, body)
				if got := d.Find(`#reply-form textarea[name="body"]`).Text(); got != "Other words from "+c.page {
					t.Errorf("%s (htmx %s): the composer holds %q, want the words just sent", c.page, htmx, got)
				}
				if msg := d.Find(`#reply-form .field-error`).Text(); !strings.Contains(msg, "already sent") {
					t.Errorf("%s (htmx %s): message %q", c.page, htmx, msg)
				}
				if key := d.Find(`#reply-form input[name="idempotency_key"]`).AttrOr("value", ""); key == "" || key == form.Get("idempotency_key") {
					t.Errorf("%s (htmx %s): the form comes back with key %q, want a fresh one", c.page, htmx, key)
				}
			}
			if n := countRows(t, db, "messages", "body = ?", "First words from "+c.page); n != 1 {
				t.Errorf("%s: first words stored %d times", c.page, n)
			}
			if n := countRows(t, db, "messages", "body = ?", "Other words from "+c.page); n != 0 {
				t.Errorf("%s: other words stored %d times, want 0", c.page, n)
			}
		}
	})
}

package handlers_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// keepingApp serves the portal as `portal serve` does for the page cache:
// on PostgreSQL with the change listener connected (without it nothing is
// kept), counting statements so that a kept page shows it ran none.
func keepingApp(t *testing.T, db *bun.DB) *app {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	listenForChanges(t, db, log)
	e, err := handlers.New(cfg, db, log, handlers.WithStatementCount())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &app{t: t, db: db, srv: srv, client: newClient()}
}

// settle drops the fresh cookie a post leaves (pages are always rendered
// for a few seconds after it), so the next views may be kept ones.
func (a *app) settle() {
	u, _ := url.Parse(a.srv.URL)
	a.client.Jar.SetCookies(u, []*http.Cookie{{Name: "portal_fresh", Value: "", Path: "/", MaxAge: -1}})
}

// awayFromMinuteTurn waits out the last seconds of a minute: a kept page
// is good for the minute it was rendered in, so a check that a page is sent
// as kept must not straddle the turn.
func awayFromMinuteTurn() {
	if now := time.Now(); now.Second() >= 50 {
		time.Sleep(time.Until(now.Truncate(time.Minute).Add(time.Minute + 100*time.Millisecond)))
	}
}

// quiet waits until this process has heard of every change made so far: on
// PostgreSQL notifications arrive a moment after their commit (later on a
// loaded machine), and one still on its way would send a page the test
// expects to be kept back to rendering. It waits for the count of changes
// heard to stay put for a while; on SQLite, which reads its version, at once.
func quiet(t *testing.T, db *bun.DB) {
	t.Helper()
	if !models.IsPostgres(db) {
		return
	}
	ctx := context.Background()
	_, last, _, _ := models.DataVersion(ctx, db, 0)
	still := time.Now()
	for deadline := time.Now().Add(10 * time.Second); time.Since(still) < 300*time.Millisecond; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("changes kept arriving for 10 s")
		}
		if _, v, _, _ := models.DataVersion(ctx, db, 0); v != last {
			last, still = v, time.Now()
		}
	}
}

// statements is the X-Portal-Statements figure of resp.
func statements(t *testing.T, resp *http.Response) int {
	t.Helper()
	n, err := strconv.Atoi(resp.Header.Get("X-Portal-Statements"))
	if err != nil {
		t.Fatalf("no statement count: %v", err)
	}
	return n
}

// eventually GETs path until its body contains want: a change made on
// PostgreSQL reaches this process's cache a moment after its commit, through
// the portal_data channel.
func (a *app) eventually(path, want string) string {
	a.t.Helper()
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, body = a.get(path); strings.Contains(body, want) {
			return body
		}
	}
	a.t.Fatalf("GET %s never showed %q:\n%s", path, want, body)
	return ""
}

// TestKeptPagesShowEveryChange: a page seen twice is sent from the cache the
// second time (no statements on PostgreSQL, the one read of the data version
// on SQLite), and any change — another person's post on this process, a
// write by another process or by hand, a time logged — shows on the next
// view; the person who changed something sees it at once.
func TestKeptPagesShowEveryChange(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		client := keepingApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)
		client.submit("/requests/new", "/requests", url.Values{"title": {"Printer jams"}, "description": {"Tray 2."}, "urgency": {"normal"}})
		var r models.Request
		if err := db.NewSelect().Model(&r).Where("client_id = ?", s.client.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		page := "/requests/" + strconv.Itoa(r.Number)
		client.settle()

		quiet(t, db)
		awayFromMinuteTurn()
		hit := 0
		if !models.IsPostgres(db) {
			hit = 1 // SELECT v FROM data_version
		}
		for _, path := range []string{"/", "/requests", page} {
			first, body1 := client.get(path)
			again, body2 := client.get(path)
			if n := statements(t, again); n != hit {
				t.Errorf("%s seen again: %d statements (first view %d), want %d", path, n, statements(t, first), hit)
			}
			if path != page && body1 != body2 {
				t.Errorf("%s seen again differs from the first view", path)
			}
		}

		// Form keys: each view of a kept page carries new ones, so two
		// tabs opened on it send two replies, not one taken for the other.
		_, body1 := client.get(page)
		_, body2 := client.get(page)
		k1, _ := doc(t, body1).Find(`input[name="idempotency_key"]`).Attr("value")
		k2, _ := doc(t, body2).Find(`input[name="idempotency_key"]`).Attr("value")
		if len(k1) != 22 || len(k2) != 22 || k1 == k2 {
			t.Errorf("form keys of two views: %q, %q", k1, k2)
		}
		for _, body := range []string{body1, body2} {
			if strings.Count(body, `name="idempotency_key"`) != 1 {
				t.Errorf("reply form keys: %d", strings.Count(body, `name="idempotency_key"`))
			}
		}

		// Staff reply in another browser on this process.
		staff := keepingApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		staffPage := "/console/requests/" + itoa(r.ID)
		staff.submit(staffPage, staffPage+"/reply", url.Values{"body": {"Swapped the roller."}, "kind": {"reply"}})
		client.eventually(page, "Swapped the roller.")
		client.eventually("/", "Ada Admin wrote on") // the dashboard's recent activity

		// A change behind every process's back (psql, another process).
		if _, err := db.NewUpdate().Table("requests").Set("title = ?", "Printer jams on tray 2").
			Where("id = ?", r.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		client.eventually("/requests", "Printer jams on tray 2")
		client.eventually(page, "Printer jams on tray 2")

		// The client's own reply shows on the page it lands on at once
		// (the fresh cookie), whichever process answers.
		resp, body := client.submit(page, page+"/reply", url.Values{"body": {"Thanks, works now."}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Thanks, works now.") {
			t.Errorf("own reply not on the page it lands on: %d", resp.StatusCode)
		}
		if _, body := client.get("/requests"); !strings.Contains(body, "Printer jams on tray 2") {
			t.Errorf("list after own reply")
		}
	})
}

// TestKeptPagesBelongToTheirSession: two people of one client never see each
// other's kept page (name, CSRF token), and a session signed out is not
// answered from the cache with its old cookie.
func TestKeptPagesBelongToTheirSession(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		dave := addClientUser(t, db, s.client.ID, "dave@acme.test", "Dave Acme", true)
		carol := keepingApp(t, db)
		carol.signIn(s.clientUser.Email, testPassword)
		davesApp := carol.browser()
		davesApp.signIn(dave.Email, testPassword)
		carol.settle()
		davesApp.settle()

		for range 2 {
			_, cb := carol.get("/")
			_, db2 := davesApp.get("/")
			if !strings.Contains(cb, "Carol Client") || strings.Contains(cb, "Dave Acme") {
				t.Errorf("Carol's dashboard names the wrong person")
			}
			if !strings.Contains(db2, "Dave Acme") || strings.Contains(db2, "Carol Client") {
				t.Errorf("Dave's dashboard names the wrong person")
			}
			ct, _ := doc(t, cb).Find(`meta[name="csrf-token"]`).Attr("content")
			dt, _ := doc(t, db2).Find(`meta[name="csrf-token"]`).Attr("content")
			if ct == "" || ct == dt {
				t.Errorf("CSRF tokens: Carol %q, Dave %q", ct, dt)
			}
		}

		// Carol signs out; her old cookie, replayed, gets no kept page.
		quiet(t, db)
		awayFromMinuteTurn()
		old := carol.sessionCookie()
		carol.get("/")
		if resp, _ := carol.get("/"); statements(t, resp) > 1 {
			t.Fatalf("dashboard not kept before sign-out")
		}
		carol.post("/signout", url.Values{"csrf": {carol.csrfOf("/requests")}})
		deadline := time.Now().Add(10 * time.Second)
		for {
			req, _ := http.NewRequest(http.MethodGet, carol.srv.URL+"/", nil)
			req.AddCookie(&http.Cookie{Name: "portal_session", Value: old})
			resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusSeeOther || resp.StatusCode == http.StatusFound {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("signed-out cookie still answered %s", resp.Status)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestKeptPagesFollowTheirClient: on PostgreSQL a client user's kept page
// outlives changes to other clients' data (the notification names the
// clients it concerns), while a staff page, which shows every client, and a
// change that concerns everyone (a staff member's name) are rendered anew.
func TestKeptPagesFollowTheirClient(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		other := seedOtherClient(t, db)
		client := keepingApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)
		client.submit("/requests/new", "/requests", url.Values{"title": {"VPN drops"}, "description": {"Hourly."}, "urgency": {"normal"}})
		staff := keepingApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		var r models.Request
		if err := db.NewSelect().Model(&r).Where("client_id = ?", s.client.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		staffPage := "/console/requests/" + itoa(r.ID)
		staff.submit(staffPage, staffPage+"/reply", url.Values{"body": {"Checking the tunnel."}, "kind": {"reply"}})
		client.settle()
		staff.settle()
		page := "/requests/" + strconv.Itoa(r.Number)
		client.eventually(page, "Checking the tunnel.")
		quiet(t, db)
		awayFromMinuteTurn()
		client.get(page) // kept now

		// Another client's request changes: the staff queue shows it...
		if _, err := db.NewUpdate().Table("requests").Set("title = ?", "Globex fax on fire").
			Where("id = ?", other.request.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		staff.eventually("/console", "Globex fax on fire")
		// ...and Acme's kept page, on PostgreSQL, is still sent as kept.
		if resp, _ := client.get(page); models.IsPostgres(db) && statements(t, resp) != 0 {
			t.Errorf("Acme's page rendered again after a change of Globex's data: %d statements", statements(t, resp))
		}

		// A staff member's new name concerns every client's pages.
		if _, err := db.NewUpdate().Table("users").Set("name = ?", "Ada Lovelace").
			Where("id = ?", s.admin.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		client.eventually(page, "Ada Lovelace")
	})
}

// TestKeptPagesAndReadMarkers: reading a thread moves the reader's own kept
// pages (the unread count on Messages) but no one else's: on a busy client
// every first look at a request would otherwise send every colleague's
// pages back to rendering.
func TestKeptPagesAndReadMarkers(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		dave := addClientUser(t, db, s.client.ID, "dave@acme.test", "Dave Acme", true)
		other := seedOtherClient(t, db)
		carol := keepingApp(t, db)
		carol.signIn(s.clientUser.Email, testPassword)
		carol.submit("/requests/new", "/requests", url.Values{"title": {"Scanner offline"}, "description": {"Floor 2."}, "urgency": {"normal"}})
		var r models.Request
		if err := db.NewSelect().Model(&r).Where("client_id = ?", s.client.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		staff := keepingApp(t, db)
		staff.signIn(s.admin.Email, testPassword)
		staffPage := "/console/requests/" + itoa(r.ID)
		staff.submit(staffPage, staffPage+"/reply", url.Values{"body": {"Rebooting it."}, "kind": {"reply"}})
		davesApp := carol.browser()
		davesApp.signIn(dave.Email, testPassword)
		carol.settle()
		davesApp.settle()

		unread := func(a *app) string {
			_, body := a.get("/messages")
			return strings.TrimSpace(doc(t, body).Find(`tr[data-request] td.unread-count`).First().Text())
		}
		carol.eventually("/messages", "Rebooting it.")
		davesApp.eventually("/messages", "Rebooting it.")
		quiet(t, db)
		awayFromMinuteTurn()
		if u := unread(carol); !strings.HasPrefix(u, "1") {
			t.Fatalf("Carol's unread before reading: %q", u)
		}
		davesApp.get("/messages") // kept now
		if resp, _ := davesApp.get("/messages"); statements(t, resp) > 1 {
			t.Fatalf("Dave's Messages page not kept")
		}

		// Carol reads the thread: her Messages page says so at once...
		carol.get("/requests/" + strconv.Itoa(r.Number))
		if u := unread(carol); !strings.HasPrefix(u, "—") {
			t.Errorf("Carol's unread after reading: %q", u)
		}
		// ...and Dave's kept page is still sent as kept, still unread for him,
		// also once this process has heard every notification up to a later
		// change (they arrive in order): another client's, seen by staff.
		// (On SQLite any change but a read marker renders every page anew.)
		if models.IsPostgres(db) {
			if _, err := db.NewUpdate().Table("requests").Set("title = ?", "Globex telex jammed").
				Where("id = ?", other.request.ID).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			staff.settle()
			staff.eventually("/console", "Globex telex jammed")
		}
		resp, body := davesApp.get("/messages")
		if n := statements(t, resp); n > 1 {
			t.Errorf("Dave's Messages page rendered again after Carol read a thread: %d statements", n)
		}
		if u := strings.TrimSpace(doc(t, body).Find(`tr[data-request] td.unread-count`).First().Text()); !strings.HasPrefix(u, "1") {
			t.Errorf("Dave's unread: %q", u)
		}
	})
}

// TestKeptPagesUnderConcurrentViews: many views of one kept page at once
// (run with -race) each get the whole page, compressed and read back by Go's
// transport (which checks the gzip CRC), with a form key of its own.
func TestKeptPagesUnderConcurrentViews(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		s := seedWorkspace(t, db)
		client := keepingApp(t, db)
		client.signIn(s.clientUser.Email, testPassword)
		client.submit("/requests/new", "/requests", url.Values{"title": {"Badge reader"}, "description": {"Door 3."}, "urgency": {"low"}})
		var r models.Request
		if err := db.NewSelect().Model(&r).Where("client_id = ?", s.client.ID).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		client.settle()
		awayFromMinuteTurn()
		page := "/requests/" + strconv.Itoa(r.Number)
		client.get(page)
		const views = 16
		keys := make(chan string, views*8)
		errs := make(chan error, views)
		for range views {
			go func() {
				for range 8 {
					resp, err := client.client.Get(client.srv.URL + page)
					if err != nil {
						errs <- err
						return
					}
					b, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "Badge reader") {
						errs <- fmt.Errorf("view: %d, %v", resp.StatusCode, err)
						return
					}
					d, _ := goquery.NewDocumentFromReader(strings.NewReader(string(b)))
					k, _ := d.Find(`input[name="idempotency_key"]`).Attr("value")
					keys <- k
				}
				errs <- nil
			}()
		}
		for range views {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		close(keys)
		seen := map[string]bool{}
		for k := range keys {
			if len(k) != 22 || seen[k] {
				t.Fatalf("form key %q (repeated: %v)", k, seen[k])
			}
			seen[k] = true
		}
	})
}

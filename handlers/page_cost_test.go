package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
	"github.com/portal-msp/portal/realtime"
)

// pageBudgets is the most statements each page may run once the process's
// settings cache is warm (the session touch, once a minute, comes on top):
// at most 6 for every page, fewer where a page needs fewer. Two pages are
// still over 6, at their present counts so that they do not grow: a
// client's hours in the console (13) and the console request page (9:
// categories, staff and saved replies each a statement of their own).
var pageBudgets = []struct {
	name   string
	path   func(p pageTarget) string
	as     string // "client", "staff" (an agent) or "admin"
	budget int
}{
	{"dashboard", func(pageTarget) string { return "/" }, "client", 6},
	{"open requests", func(pageTarget) string { return "/requests" }, "client", 4},
	// The request page: 4, and 1 for its clock history's policy version.
	{"request detail", func(p pageTarget) string { return "/requests/" + strconv.Itoa(p.set.OpenNumbers[0]) }, "client", 5},
	{"messages", func(pageTarget) string { return "/messages" }, "client", 3},
	{"unread badge", func(pageTarget) string { return "/messages/unread" }, "client", 6},
	{"closed requests", func(pageTarget) string { return "/requests/closed" }, "client", 4},
	{"hours", func(pageTarget) string { return "/hours" }, "client", 6},
	{"reports", func(pageTarget) string { return "/reports" }, "client", 6},
	{"account", func(pageTarget) string { return "/account" }, "client", 6},
	{"staff queue", func(pageTarget) string { return "/console" }, "staff", 5},
	{"console clients", func(pageTarget) string { return "/console/clients" }, "staff", 6},
	{"console client", func(p pageTarget) string { return "/console/clients/" + strconv.FormatInt(p.set.Client.ID, 10) }, "staff", 6},
	{"console client hours", func(p pageTarget) string {
		return "/console/clients/" + strconv.FormatInt(p.set.Client.ID, 10) + "/hours"
	}, "staff", 13},
	{"console request", func(p pageTarget) string { return "/console/requests/" + strconv.FormatInt(p.requestID, 10) }, "staff", 9},
	{"console hours", func(pageTarget) string { return "/console/hours" }, "staff", 6},
	{"console mail", func(pageTarget) string { return "/console/mail" }, "staff", 6},
	{"console settings", func(pageTarget) string { return "/console/settings" }, "admin", 6},
	{"console webhooks", func(pageTarget) string { return "/console/webhooks" }, "admin", 6},
}

// pageTarget is what a page's path is made of: a data set and the id of
// its first open request.
type pageTarget struct {
	set       *loaddata.Set
	requestID int64
	adminTok  string
}

// TestPageStatementsDoNotGrowWithHistory asserts each page's statement count
// and that it is the same for a client with 20 requests and one with 400
// (each with messages and activity): a page's cost does not grow with the
// client's history.
func TestPageStatementsDoNotGrowWithHistory(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		seeded := seedWorkspace(t, db)
		adminTokens, err := loaddata.Sessions(ctx, db, []int64{seeded.admin.ID})
		if err != nil {
			t.Fatal(err)
		}
		targets := map[string]pageTarget{}
		for name, n := range map[string]int{"20 requests": 20, "400 requests": 400} {
			prefix := "small"
			if n > 20 {
				prefix = "big"
			}
			set, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: prefix, Requests: n, OtherRequests: 2, Clients: 2, Messages: 2, Users: 1})
			if err != nil {
				t.Fatal(err)
			}
			var id int64
			if err := db.NewSelect().Table("requests").Column("id").Where("client_id = ?", set.Client.ID).
				Where("number = ?", set.OpenNumbers[0]).Scan(ctx, &id); err != nil {
				t.Fatal(err)
			}
			targets[name] = pageTarget{set: set, requestID: id, adminTok: adminTokens[0]}
		}
		base := countingServer(t, db)
		for _, p := range pageBudgets {
			counts := map[string]int{}
			for name, target := range targets {
				token := target.set.UserTokens[0]
				switch p.as {
				case "staff":
					token = target.set.StaffToken
				case "admin":
					token = target.adminTok
				}
				path := p.path(target)
				statementsOf(t, base, path, token) // fills the settings cache
				n := statementsOf(t, base, path, token)
				if again := statementsOf(t, base, path, token); again != n {
					t.Errorf("%s (%s): %d statements, then %d", p.name, name, n, again)
				}
				counts[name] = n
				if n > p.budget {
					t.Errorf("%s (%s): %d statements, budget %d", p.name, name, n, p.budget)
				}
			}
			if counts["20 requests"] != counts["400 requests"] {
				t.Errorf("%s: %d statements with 20 requests, %d with 400", p.name, counts["20 requests"], counts["400 requests"])
			}
			t.Logf("%s: %d statements", p.name, counts["400 requests"])
		}
	})
}

// TestRequestPageWritesOnlyWhenReadMarkerMoves: a second view of a request
// with nothing new writes nothing (one statement fewer than the first).
func TestRequestPageWritesOnlyWhenReadMarkerMoves(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		seedWorkspace(t, db)
		set, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: "m", Requests: 5, Messages: 2, Users: 1})
		if err != nil {
			t.Fatal(err)
		}
		base := countingServer(t, db)
		path := "/requests/" + strconv.Itoa(set.OpenNumbers[0])
		statementsOf(t, base, "/requests", set.UserTokens[0]) // warm the settings cache
		first := statementsOf(t, base, path, set.UserTokens[0])
		second := statementsOf(t, base, path, set.UserTokens[0])
		// The first view writes the read marker (on PostgreSQL in a
		// transaction that does not wait for its WAL flush), the second
		// none: fewer statements.
		if second >= first {
			t.Errorf("request page: %d statements on first view, %d on the second (want fewer: no read-marker write)", first, second)
		}
		// The same for staff, who used to write the marker on every view.
		var reqID int64
		if err := db.NewSelect().Model((*models.Request)(nil)).Column("id").
			Where("client_id = ?", set.Client.ID).Where("number = ?", set.OpenNumbers[0]).Scan(ctx, &reqID); err != nil {
			t.Fatal(err)
		}
		console := "/console/requests/" + strconv.FormatInt(reqID, 10)
		staffFirst := statementsOf(t, base, console, set.StaffToken)
		staffSecond := statementsOf(t, base, console, set.StaffToken)
		if staffSecond >= staffFirst {
			t.Errorf("console request page: %d statements on first view, %d on the second (want fewer: no read-marker write)", staffFirst, staffSecond)
		}
		var marker int64
		if err := db.NewSelect().Model((*models.MessageRead)(nil)).Column("last_read_message_id").Scan(ctx, &marker); err != nil || marker == 0 {
			t.Errorf("read marker after viewing: %d, %v", marker, err)
		}
	})
}

// countingServer runs the portal with statement counting and a live hub, as
// served (so the event cursor is part of the count), and on PostgreSQL with
// the settings listener connected.
func countingServer(t *testing.T, db *bun.DB) string {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := realtime.NewHub(db, nil, log, realtime.Options{})
	t.Cleanup(hub.Close)
	listenForChanges(t, db, log)
	// Setup's change of the workspace drops the cache once more a second
	// later (models.SettingsChanged); let that pass before counting.
	time.Sleep(1100 * time.Millisecond)
	e, err := handlers.New(cfg, db, log, handlers.WithHub(hub), handlers.WithStatementCount())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL
}

// listenForChanges runs the change listener, as `portal serve` does, until
// the test ends, and waits until it is connected (on PostgreSQL the
// settings cache is used only then).
func listenForChanges(t *testing.T, db *bun.DB, log *slog.Logger) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go models.ListenChanges(ctx, db, log)
	for deadline := time.Now().Add(10 * time.Second); !models.SettingsListening(db); {
		if time.Now().After(deadline) {
			t.Fatal("change listener did not connect")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// statementsOf GETs path signed in with token and returns the statements it ran.
func statementsOf(t *testing.T, base, path, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "portal_session", Value: token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	n, err := strconv.Atoi(resp.Header.Get("X-Portal-Statements"))
	if err != nil {
		t.Fatalf("GET %s: no statement count: %v", path, err)
	}
	return n
}

// TestSettingsCacheFollowsChanges: the cached workspace name changes on the
// next page after a change made through the models, and on PostgreSQL also
// after one made behind the process's back (the NOTIFY trigger).
func TestSettingsCacheFollowsChanges(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		seedWorkspace(t, db)
		set, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: "w", Requests: 2, Users: 1})
		if err != nil {
			t.Fatal(err)
		}
		base := countingServer(t, db)
		shows := func(name string) bool {
			req, _ := http.NewRequest(http.MethodGet, base+"/requests", nil)
			req.AddCookie(&http.Cookie{Name: "portal_session", Value: set.UserTokens[0]})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return strings.Contains(string(b), name)
		}
		if !shows("Northwind IT") {
			t.Fatal("page does not show the workspace name")
		}
		if err := models.UpdateWorkspace(ctx, db, models.WorkspaceSettings{Name: "Renamed MSP"}); err != nil {
			t.Fatal(err)
		}
		if !shows("Renamed MSP") {
			t.Error("a rename through the models is not shown on the next page")
		}
		if !models.IsPostgres(db) {
			return
		}
		if _, err := db.ExecContext(ctx, "UPDATE workspace SET name = 'Renamed by hand'"); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); !shows("Renamed by hand"); {
			if time.Now().After(deadline) {
				t.Fatal("a rename made in SQL is not shown: the NOTIFY did not drop the cache")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// TestStaffReplyAnswersWithWhatChanged: a staff reply from the request page
// (htmx) answers with the new message and a fresh form, reading neither the
// whole page before writing nor after; the cost is the same at 20 and 400
// requests.
func TestStaffReplyAnswersWithWhatChanged(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		seedWorkspace(t, db)
		counts := map[int]int{}
		for _, n := range []int{20, 400} {
			set, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: "r" + strconv.Itoa(n), Requests: n, Clients: 1, OtherRequests: 2, Messages: 2, Users: 1})
			if err != nil {
				t.Fatal(err)
			}
			var id int64
			if err := db.NewSelect().Table("requests").Column("id").Where("client_id = ?", set.Client.ID).
				Where("number = ?", set.OpenNumbers[0]).Scan(ctx, &id); err != nil {
				t.Fatal(err)
			}
			base := countingServer(t, db)
			page := "/console/requests/" + strconv.FormatInt(id, 10)
			csrf := csrfOf(t, base, page, set.StaffToken)
			for i, kind := range []string{"reply", "note"} { // the first also warms the caches
				form := url.Values{"csrf": {csrf}, "body": {"Looking into it " + kind}, "kind": {kind},
					"idempotency_key": {"cost-" + strconv.Itoa(n) + "-" + kind}}
				req, _ := http.NewRequest(http.MethodPost, base+page+"/reply", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("HX-Request", "true")
				req.AddCookie(&http.Cookie{Name: "portal_session", Value: set.StaffToken})
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("reply: %s: %s", resp.Status, body)
				}
				d := doc(t, string(body))
				if d.Find(`#thread`).Length() != 0 || d.Find(`form#reply-form textarea`).Text() != "" {
					t.Errorf("reply answered with more than the cleared form and the message")
				}
				if !strings.Contains(d.Find(`[hx-swap-oob] article.message`).Text(), "Looking into it "+kind) {
					t.Errorf("reply did not answer with the new message: %s", body)
				}
				if i == 1 {
					counts[n], _ = strconv.Atoi(resp.Header.Get("X-Portal-Statements"))
				}
			}
		}
		t.Logf("staff reply: %d statements (20 requests), %d (400)", counts[20], counts[400])
		if counts[20] != counts[400] {
			t.Errorf("staff reply: %d statements with 20 requests, %d with 400", counts[20], counts[400])
		}
		if counts[400] > 11 {
			t.Errorf("staff reply: %d statements, budget 11", counts[400])
		}
	})
}

// csrfOf reads the CSRF token a page gives its forms.
func csrfOf(t *testing.T, base, path, token string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.AddCookie(&http.Cookie{Name: "portal_session", Value: token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	v, ok := doc(t, string(body)).Find(`meta[name="csrf-token"]`).Attr("content")
	if !ok || v == "" {
		t.Fatalf("GET %s: no CSRF token", path)
	}
	return v
}

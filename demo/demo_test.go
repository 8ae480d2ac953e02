package demo_test

import (
	"context"
	"github.com/portal-msp/portal/attachments"
	"reflect"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/demo"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// demoCounts counts the rows demo.Load writes, table by table.
func demoCounts(t *testing.T, db bun.IDB) map[string]int {
	t.Helper()
	counts := make(map[string]int)
	for _, table := range []string{"workspace", "users", "clients", "sla_policies", "sla_targets", "requests",
		"messages", "time_entries", "hour_bank_periods", "hour_purchases", "activity_events"} {
		n, err := db.NewSelect().TableExpr(table).Count(context.Background())
		if err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

func TestLoad(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) { checkDemo(t, db, models.Now()) })
}

// The first minutes of a month (after a short February) are the hard case
// for "previous and current month" hour banks and for the overage.
func TestLoadEarlyInMonth(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		checkDemo(t, db, time.Date(2027, time.March, 1, 0, 5, 0, 0, time.UTC))
	})
}

// checkDemo loads the demo twice at now and checks what it wrote.
func checkDemo(t *testing.T, db *bun.DB, now time.Time) {
	ctx := context.Background()

	creds, err := demo.Load(ctx, db, now)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	before := demoCounts(t, db)
	if before["requests"] < 24 || before["users"] < 9 || before["clients"] != 3 || before["workspace"] != 1 {
		t.Fatalf("too little demo data: %v", before)
	}
	// The demo workspace has the attachment limits setup gives one: the
	// deny-list of programs included.
	ws, err := models.GetWorkspace(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if ws.AttachBlocked != attachments.DefaultBlocked || ws.AttachMaxFiles != attachments.DefaultMaxFiles ||
		ws.AttachMaxFileBytes != attachments.DefaultMaxFileBytes {
		t.Errorf("demo workspace attachment limits: %d files of %d bytes, refusing %q", ws.AttachMaxFiles, ws.AttachMaxFileBytes, ws.AttachBlocked)
	}

	// A second run writes nothing and returns the same sign-ins.
	again, err := demo.Load(ctx, db, now.Add(time.Hour))
	if err != nil {
		t.Fatalf("Load again: %v", err)
	}
	if after := demoCounts(t, db); !reflect.DeepEqual(before, after) {
		t.Errorf("second Load changed row counts:\nbefore %v\nafter  %v", before, after)
	}
	if !reflect.DeepEqual(creds, again) {
		t.Errorf("second Load returned %v, want %v", again, creds)
	}

	// Every credential signs in; admin, agent and a user per client.
	roles := map[string]int{}
	for _, c := range creds {
		if msg := models.CheckPassword(c.Password); msg != "" {
			t.Errorf("demo password for %s breaks the rules: %s", c.Email, msg)
		}
		u, err := models.Authenticate(ctx, db, c.Email, c.Password)
		if err != nil {
			t.Errorf("sign in as %s (%s): %v", c.Email, c.Role, err)
			continue
		}
		roles[u.Role]++
	}
	if len(creds) != 5 || roles[models.RoleAdmin] != 1 || roles[models.RoleAgent] != 1 || roles[models.RoleClient] != 3 {
		t.Errorf("credentials %v signed in with roles %v", creds, roles)
	}

	// Messages belong to their request's client.
	mismatched, err := db.NewSelect().TableExpr("messages AS m").
		Join("JOIN requests AS r ON r.id = m.request_id").
		Where("m.client_id <> r.client_id").Count(ctx)
	if err != nil || mismatched != 0 {
		t.Errorf("messages with another client's request: %d (%v)", mismatched, err)
	}
	for _, table := range []string{"time_entries", "activity_events"} {
		n, err := db.NewSelect().TableExpr(table + " AS x").
			Join("JOIN requests AS r ON r.id = x.request_id").
			Where("x.client_id <> r.client_id").Count(ctx)
		if err != nil || n != 0 {
			t.Errorf("%s with another client's request: %d (%v)", table, n, err)
		}
	}

	// Every status and urgency appears.
	var reqs []models.Request
	if err := db.NewSelect().Model(&reqs).Order("id").Scan(ctx); err != nil {
		t.Fatalf("load requests: %v", err)
	}
	statuses, urgencies, colours := map[string]bool{}, map[string]bool{}, map[string]bool{}
	completedRed := false
	for _, r := range reqs {
		statuses[r.Status] = true
		urgencies[r.Urgency] = true
		if r.CreatedAt.After(now) || r.CreatedAt.Before(now.Add(-61*24*time.Hour)) {
			t.Errorf("request %d created at %v, outside the last 60 days before %v", r.ID, r.CreatedAt, now)
		}
		if r.Open() {
			colours[r.ResponseColour] = true
			colours[r.ResolutionColour] = true
			if r.Status == models.StatusWaiting && (r.ResolutionDueAt != nil || r.ResponseDueAt != nil) {
				t.Errorf("waiting request %d has a running clock", r.ID)
			}
		} else {
			if r.CompletedAt == nil || r.FirstResponseAt == nil {
				t.Errorf("completed request %d lacks completed_at or first_response_at", r.ID)
			}
			if r.ResolutionColour == "red" {
				completedRed = true
			}
		}
	}
	for _, s := range []string{models.StatusSubmitted, models.StatusInProgress, models.StatusWaiting, models.StatusCompleted} {
		if !statuses[s] {
			t.Errorf("no request with status %s", s)
		}
	}
	for _, u := range models.Urgencies {
		if !urgencies[u] {
			t.Errorf("no request with urgency %s", u)
		}
	}
	if !colours["red"] || !colours["yellow"] || !completedRed {
		t.Errorf("want open red and yellow clocks and a breached completed request; open colours %v, completed red %v",
			colours, completedRed)
	}

	// Internal notes exist, on more than one client.
	var noteClients []int64
	if err := db.NewSelect().Model((*models.Message)(nil)).ColumnExpr("DISTINCT client_id").
		Where("internal").Scan(ctx, &noteClients); err != nil {
		t.Fatalf("internal notes: %v", err)
	}
	if len(noteClients) < 2 {
		t.Errorf("internal notes on %d clients, want at least 2", len(noteClients))
	}

	// next_request_number follows the highest number, which equals the count.
	var clients []models.Client
	if err := db.NewSelect().Model(&clients).Order("id").Scan(ctx); err != nil {
		t.Fatalf("load clients: %v", err)
	}
	for _, c := range clients {
		var agg struct {
			Max int `bun:"max"`
			N   int `bun:"n"`
		}
		if err := db.NewSelect().Model((*models.Request)(nil)).ColumnExpr("coalesce(max(number), 0) AS max").
			ColumnExpr("count(*) AS n").Where("client_id = ?", c.ID).Scan(ctx, &agg); err != nil {
			t.Fatalf("numbers of %s: %v", c.Name, err)
		}
		if c.NextRequestNumber != agg.Max+1 || agg.Max != agg.N {
			t.Errorf("%s: next_request_number %d, max number %d, %d requests", c.Name, c.NextRequestNumber, agg.Max, agg.N)
		}
	}

	// Initech is over its hours this month; the others are not.
	for _, c := range clients {
		u := new(models.User)
		if err := db.NewSelect().Model(u).Where("client_id = ?", c.ID).Limit(1).Scan(ctx); err != nil {
			t.Fatalf("user of %s: %v", c.Name, err)
		}
		scope, err := models.ScopeFor(db, u)
		if err != nil {
			t.Fatal(err)
		}
		bank, ok, err := scope.CurrentHourBank(ctx, now)
		if err != nil || !ok {
			t.Fatalf("hour bank of %s: ok=%v err=%v", c.Name, ok, err)
		}
		if want := c.Slug == "initech"; bank.Overage() != want {
			t.Errorf("%s: overage %v (purchased %d, used %d), want %v", c.Name, bank.Overage(),
				bank.PurchasedMinutes, bank.UsedMinutes, want)
		}
	}

	// Activity ids grow with time and nothing happens after now.
	var events []models.ActivityEvent
	if err := db.NewSelect().Model(&events).Order("id").Scan(ctx); err != nil {
		t.Fatalf("load events: %v", err)
	}
	kinds := map[string]int{}
	for i, e := range events {
		kinds[e.Kind]++
		if e.CreatedAt.After(now) {
			t.Errorf("event %d (%s) at %v is after now %v", e.ID, e.Kind, e.CreatedAt, now)
		}
		if i > 0 && e.CreatedAt.Before(events[i-1].CreatedAt) {
			t.Errorf("event %d at %v is older than event %d at %v", e.ID, e.CreatedAt, events[i-1].ID, events[i-1].CreatedAt)
		}
		if e.Kind == models.EventInternalNote && e.Audience != models.AudienceStaff {
			t.Errorf("internal note event %d has audience %s", e.ID, e.Audience)
		}
	}
	for _, k := range []string{models.EventRequestSubmitted, models.EventStatusChanged, models.EventMessagePosted,
		models.EventInternalNote, models.EventTimeLogged} {
		if kinds[k] == 0 {
			t.Errorf("no %s events", k)
		}
	}
	if kinds[models.EventRequestSubmitted] != len(reqs) {
		t.Errorf("%d request_submitted events for %d requests", kinds[models.EventRequestSubmitted], len(reqs))
	}

	// Time is logged inside last month's or this month's hour bank.
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	var entries []models.TimeEntry
	if err := db.NewSelect().Model(&entries).Scan(ctx); err != nil {
		t.Fatalf("load time entries: %v", err)
	}
	for _, e := range entries {
		if e.WorkDate.Before(monthStart.AddDate(0, -1, 0)) || !e.WorkDate.Before(monthStart.AddDate(0, 1, 0)) ||
			e.WorkDate.After(now) || e.CreatedAt.After(now) {
			t.Errorf("time entry %d on %v (logged %v) outside last and this month before %v", e.ID, e.WorkDate, e.CreatedAt, now)
		}
	}
}

func TestLoadKeepsSetUpWorkspace(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if _, err := models.Setup(ctx, db, models.SetupInput{WorkspaceName: "Contoso Support",
			AdminName: "Ada Owner", AdminEmail: "ada@contoso.example", Password: "correct-horse-battery"}); err != nil {
			t.Fatalf("Setup: %v", err)
		}
		if _, err := demo.Load(ctx, db, models.Now()); err != nil {
			t.Fatalf("Load after setup: %v", err)
		}
		w, err := models.GetWorkspace(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if w.Name != "Contoso Support" {
			t.Errorf("workspace renamed to %q", w.Name)
		}
		defaults, err := db.NewSelect().Model((*models.SLAPolicy)(nil)).Where("is_default").Count(ctx)
		if err != nil || defaults != 1 {
			t.Errorf("%d default SLA policies (%v), want 1", defaults, err)
		}
		if _, err := models.Authenticate(ctx, db, "ada@contoso.example", "correct-horse-battery"); err != nil {
			t.Errorf("setup admin can no longer sign in: %v", err)
		}
	})
}

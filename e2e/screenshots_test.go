package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portal-msp/portal/demo"
	"github.com/portal-msp/portal/models"
)

// demoPassword is the demo users' password (demo/demo.go).
const demoPassword = "demo-portal-2026"

// mainPage is one main page of the portal or the console, as its person sees
// it: name is the screenshot's file name, sel what shows once it has loaded.
type mainPage struct{ name, path, sel string }

// demoSite is the portal filled with the demo data, with a person of each
// kind and the main pages each of them uses.
type demoSite struct {
	p                        *portal
	clientEmail, agentEmail  string
	adminEmail               string
	visitor, client, staff   []mainPage
	openNumber, consoleReqID int64
	clientID                 int64
	joinToken                string
	inviteToken              string
	webhookID                int64
}

// seedWebhook gives the webhook pages an endpoint with a delivery log (one
// delivered test event, one refused) and the token page a token. Nothing is
// sent: the attempts are recorded as a sender would.
func seedWebhook(t *testing.T, p *portal, adminEmail string) int64 {
	t.Helper()
	ctx := context.Background()
	var admin models.User
	if err := p.db.NewSelect().Model(&admin).Where("email = ?", adminEmail).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := models.CreateAPIToken(ctx, p.db, models.NewAPIToken{Kind: models.TokenIntegration, UserID: admin.ID,
		Name: "HaloPSA sync", Scopes: []string{"requests:read", "requests:write", "messages:write", "webhooks:admin"}}); err != nil {
		t.Fatal(err)
	}
	e, err := models.CreateWebhookEndpoint(ctx, p.db, &admin, models.WebhookInput{URL: "https://psa.example.com/hooks/portal/northwind-it",
		Events: []string{models.HookRequestCreated, models.HookRequestUpdated, models.HookMessageCreated}}, true)
	if err != nil {
		t.Fatal(err)
	}
	now := models.Now()
	for _, status := range []int{503, 200} {
		if _, err := models.SendTestWebhook(ctx, p.db, e.ID, now); err != nil {
			t.Fatal(err)
		}
		ds, err := models.ClaimWebhookDeliveries(ctx, p.db, now, time.Minute, 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("claim: %d, %v", len(ds), err)
		}
		a := models.WebhookAttempt{RequestHeaders: "Content-Type: application/json\nWebhook-Id: " + ds[0].MsgID +
			"\nWebhook-Signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=\nWebhook-Timestamp: 1765100000\n",
			RequestBody: ds[0].Payload, ResponseStatus: status, DurationMS: 140,
			ResponseHeaders: "Content-Type: text/plain\n", ResponseBody: map[int]string{503: "upstream unavailable", 200: "ok"}[status]}
		if _, err := models.RecordWebhookAttempt(ctx, p.db, &ds[0], models.WebhookOutcome{Attempt: a}, now); err != nil {
			t.Fatal(err)
		}
	}
	return e.ID
}

func startDemo(t *testing.T) (*demoSite, *browser) {
	t.Helper()
	p, b := start(t)
	ctx := context.Background()
	creds, err := demo.Load(ctx, p.db, models.Now())
	if err != nil {
		t.Fatal(err)
	}
	d := &demoSite{p: p}
	for _, c := range creds {
		switch {
		case c.Role == models.RoleAdmin:
			d.adminEmail = c.Email
		case c.Role == models.RoleAgent:
			d.agentEmail = c.Email
		case d.clientEmail == "" && strings.HasPrefix(c.Role, "client"):
			d.clientEmail = c.Email
		}
	}
	var u models.User
	if err := p.db.NewSelect().Model(&u).Where("email = ?", d.clientEmail).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	d.clientID = *u.ClientID
	// The client's open request with the nearest deadline: both timers run.
	var r models.Request
	if err := p.db.NewSelect().Model(&r).Where("client_id = ? AND completed_at IS NULL AND status <> 'waiting'", d.clientID).
		OrderExpr("response_due_at IS NULL, id").Limit(1).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	d.openNumber, d.consoleReqID = int64(r.Number), r.ID
	var entry models.TimeEntry
	if err := p.db.NewSelect().Model(&entry).Order("id").Limit(1).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	_, d.joinToken, err = models.CreatePortalLink(ctx, p.db, d.clientID, nil, "Screenshots", 30)
	if err != nil {
		t.Fatal(err)
	}
	d.inviteToken = seedInvitation(t, p, d.clientID, d.adminEmail)
	// A year of monthly summaries, so the summary pages draw a full trend.
	thisMonth := models.MonthDate(models.Now(), time.UTC)
	for m := thisMonth.AddDate(-1, 0, 0); m.Before(thisMonth); m = m.AddDate(0, 1, 0) {
		if _, _, err := models.BuildMonthlySummary(ctx, p.db, d.clientID, m); err != nil {
			t.Fatal(err)
		}
	}
	// As the monthly job's catch-up does, only the last month is announced
	// in the client's activity (jobs.Summaries: older months are stored quietly).
	if _, err := p.db.NewDelete().Model((*models.ActivityEvent)(nil)).Where("client_id = ?", d.clientID).
		Where("kind = ?", models.EventSummaryBuilt).Where("detail <> ?", models.MonthLabel(thisMonth.AddDate(0, -1, 0))).
		Exec(ctx); err != nil {
		t.Fatal(err)
	}
	// A mail held for staff, so that the E-mail page shows one.
	if err := models.RecordHeldMail(ctx, p.db, &models.InboundMail{DedupeKey: "mid:screenshot@vendor.example", Route: "smtp",
		FromAddr: "sales@vendor.example", Subject: "Your quote for toner cartridges", Size: 4210,
		Reason: "No request matches this mail (no reply token, no reference to our mail, no request number in the subject).",
		Raw:    []byte("From: sales@vendor.example\r\nSubject: Your quote for toner cartridges\r\n\r\n40 EUR.\r\n")}); err != nil {
		t.Fatal(err)
	}
	d.webhookID = seedWebhook(t, p, d.adminEmail)
	lastMonth := thisMonth.AddDate(0, -1, 0).Format("2006-01")
	d.visitor = []mainPage{
		{"signin", "/signin", "form[action='/signin']"},
		{"forgot", "/forgot", "form[action='/forgot']"},
		{"join", "/join/" + d.joinToken, "#join-form"},
		{"invite", "/invite/" + d.inviteToken, "#invite-form"},
		{"not-found", "/no-such-page", "main"},
	}
	d.client = []mainPage{
		{"portal-dashboard", "/", "#stat-open"},
		{"portal-request-new", "/requests/new", "#request-form"},
		{"portal-requests-open", "/requests", "#request-list"},
		{"portal-requests-closed", "/requests/closed", "#request-list"},
		{"portal-request", fmt.Sprintf("/requests/%d", d.openNumber), "#reply-form"},
		{"portal-messages", "/messages", "#threads"},
		{"portal-hours", "/hours", "#hours"},
		{"portal-reports", "/reports", "main h1"},
		{"portal-summary", "/reports/summaries/" + lastMonth, "#summary-trend"},
		{"portal-account", "/account", "#profile-form"},
	}
	d.staff = []mainPage{
		{"console-queue", "/console", "#queue-list"},
		{"console-staff", "/console/staff", "main h1"},
		{"console-request", fmt.Sprintf("/console/requests/%d", r.ID), "#reply-form"},
		{"console-time-entry", fmt.Sprintf("/console/requests/%d/time/%d", entry.RequestID, entry.ID), "#time-form"},
		{"console-clients", "/console/clients", "main h1"},
		{"console-client", fmt.Sprintf("/console/clients/%d", d.clientID), "main h1"},
		{"console-adoption", "/console/clients/adoption", "#adoption-table"},
		{"console-adoption-client", fmt.Sprintf("/console/clients/%d/adoption", d.clientID), "#adoption-people"},
		{"console-client-edit", fmt.Sprintf("/console/clients/%d/edit", d.clientID), "#client-form"},
		{"console-client-hours", fmt.Sprintf("/console/clients/%d/hours", d.clientID), "#summaries"},
		{"console-summary-preview", fmt.Sprintf("/console/clients/%d/summaries/%s", d.clientID, lastMonth), "#summary-trend"},
		{"console-summary-resend", fmt.Sprintf("/console/clients/%d/summaries/%s/resend", d.clientID, lastMonth), "#confirm"},
		{"console-settings", "/console/settings", "#settings-form"},
		{"console-invitation-text", "/console/settings/invitation", "#invitation-text-form"},
		{"console-categories", "/console/categories", "main h1"},
		{"console-sla-policies", "/console/sla-policies", "main h1"},
		{"console-sla-policy", "/console/sla-policies/1", "#policy-form"},
		{"console-account", "/console/account", "#profile-form"},
		{"console-request-new", "/console/requests/new", "#on-behalf-form"},
		{"console-saved-replies", "/console/saved-replies", "#saved-reply-form"},
		{"console-satisfaction", "/console/satisfaction", "main h1"},
		{"console-mail", "/console/mail", "#held"},
		{"console-api-tokens", "/console/account/tokens", "#token-form"},
		{"console-api-webhooks", "/console/webhooks", "#webhook-form"},
		{"console-api-webhook", fmt.Sprintf("/console/webhooks/%d", d.webhookID), "#deliveries"},
	}
	return d, b
}

// TestScreenshots saves a screenshot of every main page at desktop and phone
// width into $PORTAL_SCREENSHOTS (task screenshots); without it, it is skipped.
// $PORTAL_SCREENSHOTS_ONLY limits it to pages whose name contains it.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		t.Skip("PORTAL_SCREENSHOTS is not set")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d, b := startDemo(t)
	for _, s := range screens {
		for _, who := range []struct {
			email string
			pages []mainPage
		}{{"", d.visitor}, {d.clientEmail, d.client}, {d.adminEmail, d.staff}} {
			p := b.newPerson("screenshots " + s.name)
			// At 1 device pixel per CSS pixel, so that the files stay small.
			opts := []chromedp.EmulateViewportOption{}
			if s.phone {
				opts = append(opts, chromedp.EmulateMobile)
			}
			p.run("use a "+s.name+" screen", chromedp.EmulateViewport(s.width, s.height, opts...))
			if who.email != "" {
				p.signIn(who.email, demoPassword, who.pages[0].path, who.pages[0].sel)
			}
			for _, pg := range who.pages {
				if only := os.Getenv("PORTAL_SCREENSHOTS_ONLY"); only != "" && !strings.Contains(pg.name, only) {
					continue
				}
				p.open(pg.path, pg.sel)
				p.settle()
				// JPEG keeps the committed files small; PNG (PORTAL_SCREENSHOTS_PNG=1)
				// for looking closely.
				quality, ext := 85, "jpg"
				if os.Getenv("PORTAL_SCREENSHOTS_PNG") == "1" {
					quality, ext = 100, "png"
				}
				var img []byte
				p.run("screenshot "+pg.path, chromedp.FullScreenshot(&img, quality))
				name := filepath.Join(dir, fmt.Sprintf("%s-%s.%s", pg.name, s.name, ext))
				if err := os.WriteFile(name, img, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// settle waits until the page has loaded and htmx has nothing under way.
func (p *person) settle() {
	p.t.Helper()
	p.waitFor("a settled page", `() => document.readyState === "complete" && !document.querySelector(".htmx-request, .htmx-settling, .htmx-swapping")`)
}

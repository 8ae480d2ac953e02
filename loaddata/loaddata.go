// Package loaddata builds a data set of a chosen size for load runs and for
// the tests that show a page's cost does not grow with history: clients, one
// large client with many requests (each with messages and activity), its
// signed-in users, and a signed-in staff member. Sessions are created
// directly in the database, the way the portal signs people in.
package loaddata

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
)

// Spec is the size of the data set.
type Spec struct {
	Prefix        string // slug and request-prefix stem, so several sets can share a database
	Clients       int    // other clients besides the large one
	Requests      int    // requests of the large client
	OtherRequests int    // requests of each other client
	Messages      int    // messages per request (the first staff, then alternating)
	Users         int    // signed-in users of the large client
	OpenShare     int    // percent of requests still open
}

// Set is what a load run needs from the data set.
type Set struct {
	Client      *models.Client
	UserTokens  []string // session tokens of the large client's users
	StaffToken  string
	OpenNumbers []int // numbers of the large client's open requests
}

// Build creates the data set and signs its users in.
func Build(ctx context.Context, db *bun.DB, sp Spec) (*Set, error) {
	if sp.Prefix == "" {
		sp.Prefix = "load"
	}
	if sp.OpenShare == 0 {
		sp.OpenShare = 20
	}
	hash, err := models.HashPassword("load-password-unused")
	if err != nil {
		return nil, err
	}
	now := models.Now()
	staff := &models.User{Role: models.RoleAgent, Email: "staff@" + sp.Prefix + ".load.test", Name: "Load Staff",
		PasswordHash: &hash, SignupMethod: "load", CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(staff).Exec(ctx); err != nil {
		return nil, fmt.Errorf("loaddata: staff: %w", err)
	}
	set := &Set{}
	for i := 0; i <= sp.Clients; i++ {
		slug, prefix, n := fmt.Sprintf("%s-big", sp.Prefix), "BIG", sp.Requests
		if i > 0 {
			slug, prefix, n = fmt.Sprintf("%s-%03d", sp.Prefix, i), fmt.Sprintf("C%03d", i), sp.OtherRequests
		}
		c := &models.Client{Name: "Load " + slug, Slug: slug, RequestPrefix: prefix, Timezone: "Europe/Paris",
			MonthlyIncludedMinutes: 1200, NextRequestNumber: n + 1, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
			return nil, fmt.Errorf("loaddata: client %s: %w", slug, err)
		}
		users := 1
		if i == 0 {
			users = max(sp.Users, 1)
			set.Client = c
		}
		ids := make([]int64, users)
		for u := range users {
			cu := &models.User{ClientID: &c.ID, Role: models.RoleClient, Email: fmt.Sprintf("user%d@%s.load.test", u, slug),
				Name: fmt.Sprintf("User %d", u), PasswordHash: &hash, SignupMethod: "load", CreatedAt: now, UpdatedAt: now}
			if _, err := db.NewInsert().Model(cu).Exec(ctx); err != nil {
				return nil, fmt.Errorf("loaddata: user: %w", err)
			}
			ids[u] = cu.ID
		}
		open, err := requests(ctx, db, c, ids[0], staff.ID, n, sp.Messages, sp.OpenShare, now)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			set.OpenNumbers = open
			if set.UserTokens, err = Sessions(ctx, db, ids); err != nil {
				return nil, err
			}
		}
	}
	tokens, err := Sessions(ctx, db, []int64{staff.ID})
	if err != nil {
		return nil, err
	}
	set.StaffToken = tokens[0]
	return set, nil
}

// requests writes n requests of one client spread over the past two years,
// the newest open, with their messages and activity, in batches.
func requests(ctx context.Context, db *bun.DB, c *models.Client, requester, staff int64, n, messages, openShare int, now time.Time) ([]int, error) {
	const batch = 500
	var open []int
	openFrom := n - n*openShare/100
	urgencies := []string{models.UrgencyLow, models.UrgencyNormal, models.UrgencyHigh, models.UrgencyCritical}
	for start := 0; start < n; start += batch {
		end := min(start+batch, n)
		rows := make([]models.Request, 0, end-start)
		for i := start; i < end; i++ {
			created := now.Add(-time.Duration(n-i) * 2 * time.Hour)
			responded := created.Add(30 * time.Minute)
			r := models.Request{ClientID: c.ID, Number: i + 1, Title: fmt.Sprintf("Request %d of %s", i+1, c.Slug),
				Description: "Generated for a load run.", Urgency: urgencies[i%4], Status: models.StatusCompleted,
				RequesterID: &requester, ResponseTargetSecs: 4 * 3600, ResolutionTargetSecs: 24 * 3600,
				ResponseUsedSecs: 1800, ClockUpdatedAt: now, ResponseColour: "green", ResolutionColour: "green",
				FirstResponseAt: &responded, CreatedAt: created, UpdatedAt: created}
			if i >= openFrom {
				r.Status = []string{models.StatusSubmitted, models.StatusInProgress, models.StatusWaiting}[i%3]
				due := now.Add(time.Duration(i%48) * time.Hour)
				r.ResolutionDueAt = &due
				open = append(open, i+1)
			} else {
				done := created.Add(20 * time.Hour)
				r.CompletedAt, r.ResolutionUsedSecs = &done, 20*3600
			}
			rows = append(rows, r)
		}
		if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return nil, fmt.Errorf("loaddata: requests of %s: %w", c.Slug, err)
		}
		var msgs []models.Message
		var events []models.ActivityEvent
		for _, r := range rows {
			events = append(events, models.ActivityEvent{ClientID: c.ID, RequestID: &r.ID, ActorID: &requester,
				Kind: models.EventRequestSubmitted, Audience: models.AudiencePublic, Detail: "{}", CreatedAt: r.CreatedAt})
			for m := range messages {
				author, at := requester, r.CreatedAt.Add(time.Duration(m+1)*20*time.Minute)
				if m%2 == 0 {
					author = staff
				}
				msgs = append(msgs, models.Message{ClientID: c.ID, RequestID: r.ID, AuthorID: &author,
					Body: fmt.Sprintf("Message %d on request %d.", m+1, r.Number), CreatedAt: at})
				events = append(events, models.ActivityEvent{ClientID: c.ID, RequestID: &r.ID, ActorID: &author,
					Kind: models.EventMessagePosted, Audience: models.AudiencePublic, Detail: "{}", CreatedAt: at})
			}
			// Staff-only activity, as a busy queue has.
			events = append(events, models.ActivityEvent{ClientID: c.ID, RequestID: &r.ID, ActorID: &staff,
				Kind: models.EventInternalNote, Audience: models.AudienceStaff, Detail: "{}", CreatedAt: r.CreatedAt.Add(time.Hour)})
		}
		if len(msgs) > 0 {
			if _, err := db.NewInsert().Model(&msgs).Exec(ctx); err != nil {
				return nil, fmt.Errorf("loaddata: messages of %s: %w", c.Slug, err)
			}
		}
		if _, err := db.NewInsert().Model(&events).ExcludeColumn("tx_id").Exec(ctx); err != nil {
			return nil, fmt.Errorf("loaddata: activity of %s: %w", c.Slug, err)
		}
	}
	return open, nil
}

// Sessions signs users in the way the portal does (a random token, its hash
// stored) and returns the tokens for their cookies.
func Sessions(ctx context.Context, db bun.IDB, userIDs []int64) ([]string, error) {
	tokens := make([]string, len(userIDs))
	rows := make([]models.Session, len(userIDs))
	now := models.Now()
	for i, id := range userIDs {
		token, hash, err := models.NewToken()
		if err != nil {
			return nil, err
		}
		tokens[i] = token
		rows[i] = models.Session{TokenHash: hash, UserID: id, IP: "127.0.0.1", UserAgent: "portal-load",
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	}
	for start := 0; start < len(rows); start += 1000 {
		b := rows[start:min(start+1000, len(rows))]
		if _, err := db.NewInsert().Model(&b).Exec(ctx); err != nil {
			return nil, fmt.Errorf("loaddata: sessions: %w", err)
		}
	}
	return tokens, nil
}

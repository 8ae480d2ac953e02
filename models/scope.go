package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Scope is the only way client-facing handlers reach client data. It is built
// from the signed-in user's session, and every query it runs filters on that
// user's client id, so an id belonging to another client is simply not found.
type Scope struct {
	db       bun.IDB
	clientID int64
	userID   int64   // zero for a staff export's scope (ScopeOfClient)
	client   *Client // loaded with the session, when it was
	// viewer is what the scope's user sees (visibility.go): set by
	// ScopeFor and ScopeOfViewer; a scope without one sees all of its
	// client (ScopeOfClient, for staff).
	viewer Viewer
	// companyAdmin: the scope's user administers their company's people
	// (company_roles_people.go).
	companyAdmin bool
}

// ClientID is the client every query of the scope is confined to. The
// fields are unexported so that no caller can re-aim a scope at another
// client once it has been built from a session.
func (s Scope) ClientID() int64 { return s.clientID }

// UserID is the signed-in client user the scope acts for (zero for the
// staff-side export scope of ScopeOfClient).
func (s Scope) UserID() int64 { return s.userID }

// ErrNotClientUser is returned when a scope is asked for a staff user.
var ErrNotClientUser = errors.New("models: user does not belong to a client")

// ScopeFor returns the scope of a client user, seeing what their company
// role and their client's settings allow. The session loads the user with
// their client; a user read without it (mail-in, tests) has it read here,
// since what a member sees depends on it.
func ScopeFor(db bun.IDB, u *User) (Scope, error) {
	if u == nil || u.ClientID == nil {
		return Scope{}, ErrNotClientUser
	}
	sc := Scope{db: db, clientID: *u.ClientID, userID: u.ID}
	if u.Client != nil && u.Client.ID == *u.ClientID {
		sc.client = u.Client
	} else {
		c, err := GetClient(context.Background(), db, *u.ClientID)
		if err != nil {
			return Scope{}, fmt.Errorf("models: scope of user %d: %w", u.ID, err)
		}
		sc.client = c
	}
	sc.viewer = clientUserViewer(u, sc.client)
	sc.companyAdmin = u.IsCompanyAdmin()
	return sc, nil
}

// ScopeOfViewer is the scope whose queries see what client viewer v sees:
// the live hub renders a stream's parts (its dashboard figures) with it.
// A staff or zero viewer gets a scope that finds nothing.
func ScopeOfViewer(db bun.IDB, v Viewer) Scope {
	if v.staff || v.clientID <= 0 {
		return Scope{db: db, viewer: Viewer{}}
	}
	return Scope{db: db, clientID: v.clientID, userID: v.ownOf, viewer: v}
}

// Client is the scope's own client: the row read with the session, or
// loaded when the scope was built without it.
func (s Scope) Client(ctx context.Context) (*Client, error) {
	if s.client != nil {
		c := *s.client
		return &c, nil
	}
	return GetClient(ctx, s.db, s.clientID)
}

// DashboardStats are the headline figures on the client dashboard.
type DashboardStats struct {
	Open       int
	Closed     int
	SLAMet     int // targets met this month
	SLADecided int // targets met or breached this month, and past due on open requests
	Bank       HourBank
	HasBank    bool
	HoursShown bool // the viewer sees hours (company roles may hide them)
}

// CompliancePercent is met/decided, or -1 when nothing has been decided yet.
func (d DashboardStats) CompliancePercent() int {
	if d.SLADecided == 0 {
		return -1
	}
	return Percent(d.SLAMet, d.SLADecided)
}

// Dashboard computes the dashboard figures for the scope's client at now.
func (s Scope) Dashboard(ctx context.Context, now time.Time) (DashboardStats, error) {
	var st DashboardStats
	client, err := s.Client(ctx)
	if err != nil {
		return st, err
	}
	loc := LoadLocation(client.Timezone)
	monthStart := MonthStart(now, loc)
	monthEnd := monthStart.AddDate(0, 1, 0)

	if st.Open, st.Closed, st.SLAMet, st.SLADecided, err = dashboardFigures(ctx, s.db, s.Viewer(), s.clientID, monthStart, monthEnd); err != nil {
		return st, err
	}

	bank, ok, err := s.CurrentHourBank(ctx, now)
	if err != nil {
		return st, err
	}
	st.Bank, st.HasBank, st.HoursShown = bank, ok, s.SeesHours()
	return st, nil
}

// CurrentHourBank returns the balance of the period containing now; ok is
// false when the client has no hour bank at all.
func (s Scope) CurrentHourBank(ctx context.Context, now time.Time) (HourBank, bool, error) {
	if !s.SeesHours() {
		return HourBank{}, false, nil // as if there were none: a member it is hidden from
	}
	client, err := s.Client(ctx)
	if err != nil {
		return HourBank{}, false, err
	}
	o, ok, err := clientHours(ctx, s.db, client, now, time.Time{}, false, false)
	return o.Bank, ok, err
}

// RecentActivity returns the client's latest public activity, newest first.
func (s Scope) RecentActivity(ctx context.Context, limit int) ([]ActivityEvent, error) {
	var events []ActivityEvent
	q := s.db.NewSelect().Model(&events).
		Relation("Actor", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "role") }).
		Relation("Request", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("number", "title") }).
		Where("activity_event.kind <> ?", EventSLAChanged)
	err := s.Viewer().whereSeesEvents(q, "activity_event").
		Order("activity_event.id DESC").Limit(limit).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: recent activity of client %d: %w", s.clientID, err)
	}
	return events, nil
}

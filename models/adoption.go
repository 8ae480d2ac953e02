package models

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Portal adoption: how much each client's people use the portal, read from
// counters kept as things happen (signins.go, and the triggers of the
// adoption migration), never by walking a client's history. Periods are
// whole UTC days ending today, the days the counters are kept by.

// AdoptionPeriods are the periods, in days, the Adoption page offers.
var AdoptionPeriods = []int{30, 90, 365}

// DefaultAdoptionDays is the period shown when none is asked for.
const DefaultAdoptionDays = 30

// ValidAdoptionDays reports whether days is one of AdoptionPeriods.
func ValidAdoptionDays(days int) bool { return slices.Contains(AdoptionPeriods, days) }

// AdoptionFirstDay is the first day (UTC, YYYY-MM-DD) of the period of
// days days that ends on now's day: today and the days-1 before it.
func AdoptionFirstDay(now time.Time, days int) string {
	return adoptionDay(now.UTC().AddDate(0, 0, -(days - 1)))
}

// ClientAdoption is one client's row on the Adoption page. People counts
// leave out disabled accounts and sign-ups not yet confirmed; Active and
// Signins are of the period, as are the request and message counts.
type ClientAdoption struct {
	ClientID      int64  `bun:"client_id"`
	ClientName    string `bun:"client_name"`
	Invited       int    `bun:"invited"`         // addresses invited by e-mail, invitation not revoked
	Joined        int    `bun:"joined"`          // people with an account that can sign in
	NeverSignedIn int    `bun:"never_signed_in"` // of Joined, never signed in
	Active        int    `bun:"active"`          // of Joined, signed in during the period
	Signins       int    `bun:"signins"`

	RequestsPortal int `bun:"requests_portal"` // opened by the client's people in the portal
	RequestsStaff  int `bun:"requests_staff"`  // opened by staff on the client's behalf
	RequestsEmail  int `bun:"requests_email"`  // opened by mailing the MSP
	MessagesPortal int `bun:"messages_portal"` // client messages written in the portal
	MessagesEmail  int `bun:"messages_email"`  // client messages that came by e-mail
}

// ActivePercent is the share of joined people active in the period, or -1
// when nobody has joined (less adopted than any client with people).
func (a ClientAdoption) ActivePercent() int {
	if a.Joined == 0 {
		return -1
	}
	return min(100, a.Active*100/a.Joined)
}

// Requests is every request opened in the period.
func (a ClientAdoption) Requests() int { return a.RequestsPortal + a.RequestsStaff + a.RequestsEmail }

// adoptionQuery reads clients' rows (a WHERE on clients AS c follows) in
// one statement whatever the history: each counter table is read for the
// period's days only.
const adoptionQuery = `SELECT c.id AS client_id, c.name AS client_name,
    coalesce(i.invited, 0) AS invited, coalesce(p.joined, 0) AS joined,
    coalesce(p.never_signed_in, 0) AS never_signed_in,
    coalesce(s.active, 0) AS active, coalesce(s.signins, 0) AS signins,
    coalesce(a.requests_portal, 0) AS requests_portal, coalesce(a.requests_staff, 0) AS requests_staff,
    coalesce(a.requests_email, 0) AS requests_email,
    coalesce(a.client_messages, 0) - coalesce(a.messages_email, 0) AS messages_portal,
    coalesce(a.messages_email, 0) AS messages_email
FROM clients AS c
LEFT JOIN (SELECT u.client_id, count(*) AS joined,
        CAST(sum(CASE WHEN EXISTS (SELECT 1 FROM signin_events AS e WHERE e.user_id = u.id) THEN 0 ELSE 1 END) AS BIGINT) AS never_signed_in
    FROM users AS u WHERE u.client_id IS NOT NULL AND NOT u.signup_pending AND u.disabled_at IS NULL
    GROUP BY u.client_id) AS p ON p.client_id = c.id
LEFT JOIN (SELECT client_id, count(DISTINCT lower(email)) AS invited FROM client_invitations
    WHERE revoked_at IS NULL GROUP BY client_id) AS i ON i.client_id = c.id
LEFT JOIN (SELECT d.client_id, count(DISTINCT d.user_id) AS active, CAST(sum(d.signins) AS BIGINT) AS signins
    FROM user_signin_days AS d JOIN users AS u ON u.id = d.user_id
    WHERE d.day >= ? AND NOT u.signup_pending AND u.disabled_at IS NULL
    GROUP BY d.client_id) AS s ON s.client_id = c.id
LEFT JOIN (SELECT client_id, CAST(sum(requests_portal) AS BIGINT) AS requests_portal,
        CAST(sum(requests_staff) AS BIGINT) AS requests_staff, CAST(sum(requests_email) AS BIGINT) AS requests_email,
        CAST(sum(client_messages) AS BIGINT) AS client_messages, CAST(sum(client_messages_email) AS BIGINT) AS messages_email
    FROM client_activity_days WHERE day >= ? GROUP BY client_id) AS a ON a.client_id = c.id`

// ListAdoption is every active client's adoption over the period of days
// days ending at now, least adopted first: by the share of its people
// active, then by fewer sign-ins, then by name.
func ListAdoption(ctx context.Context, db bun.IDB, now time.Time, days int) ([]ClientAdoption, error) {
	first := AdoptionFirstDay(now, days)
	var rows []ClientAdoption
	if err := db.NewRaw(adoptionQuery+" WHERE c.archived_at IS NULL", first, first).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("models: list adoption over %d days: %w", days, err)
	}
	slices.SortFunc(rows, func(a, b ClientAdoption) int {
		return cmp.Or(cmp.Compare(a.ActivePercent(), b.ActivePercent()), cmp.Compare(a.Signins, b.Signins),
			strings.Compare(strings.ToLower(a.ClientName), strings.ToLower(b.ClientName)), cmp.Compare(a.ClientID, b.ClientID))
	})
	return rows, nil
}

// AdoptionOf is one client's adoption over the period (its console page's
// line), archived or not; an unknown client is ErrNotFound.
func AdoptionOf(ctx context.Context, db bun.IDB, clientID int64, now time.Time, days int) (*ClientAdoption, error) {
	first := AdoptionFirstDay(now, days)
	a := new(ClientAdoption)
	if err := db.NewRaw(adoptionQuery+" WHERE c.id = ?", first, first, clientID).Scan(ctx, a); err != nil {
		return nil, notFound(err, fmt.Sprintf("adoption of client %d", clientID))
	}
	return a, nil
}

// PersonAdoption is one of a client's people on its adoption drill-down.
type PersonAdoption struct {
	UserID        int64        `bun:"user_id"`
	Name          string       `bun:"name"`
	Email         string       `bun:"email"`
	SignupPending bool         `bun:"signup_pending"`
	DisabledAt    *time.Time   `bun:"disabled_at"`
	LastSigninAt  *time.Time   `bun:"last_signin_at"`
	LastMethod    SigninMethod `bun:"last_method"`
	Signins       int          `bun:"signins"` // in the period
}

// Joined reports whether the person counts among the client's joined people.
func (p PersonAdoption) Joined() bool { return !p.SignupPending && p.DisabledAt == nil }

// AdoptionPeople lists a client's people with their last sign-in, how, and
// their sign-ins in the period: those who never signed in first, then the
// longest since a sign-in. The last sign-in is read through the events'
// (user_id, signed_in_at) index, one entry per person.
func AdoptionPeople(ctx context.Context, db bun.IDB, clientID int64, now time.Time, days int) ([]PersonAdoption, error) {
	var ps []PersonAdoption
	err := db.NewRaw(`SELECT u.id AS user_id, u.name, u.email, u.signup_pending, u.disabled_at,
    (SELECT e.signed_in_at FROM signin_events AS e WHERE e.user_id = u.id
        ORDER BY e.signed_in_at DESC, e.id DESC LIMIT 1) AS last_signin_at,
    coalesce((SELECT e.method FROM signin_events AS e WHERE e.user_id = u.id
        ORDER BY e.signed_in_at DESC, e.id DESC LIMIT 1), '') AS last_method,
    coalesce((SELECT CAST(sum(d.signins) AS BIGINT) FROM user_signin_days AS d
        WHERE d.user_id = u.id AND d.day >= ?), 0) AS signins
FROM users AS u WHERE u.client_id = ?`, AdoptionFirstDay(now, days), clientID).Scan(ctx, &ps)
	if err != nil {
		return nil, fmt.Errorf("models: adoption of the people of client %d: %w", clientID, err)
	}
	slices.SortFunc(ps, func(a, b PersonAdoption) int {
		switch {
		case a.LastSigninAt == nil && b.LastSigninAt != nil:
			return -1
		case a.LastSigninAt != nil && b.LastSigninAt == nil:
			return 1
		case a.LastSigninAt != nil && !a.LastSigninAt.Equal(*b.LastSigninAt):
			return a.LastSigninAt.Compare(*b.LastSigninAt)
		}
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.UserID, b.UserID))
	})
	return ps, nil
}

package models

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Units of a low-balance threshold.
const (
	ThresholdMinutes = "minutes" // hours left, stored as minutes
	ThresholdPercent = "percent" // percent of the period's purchase left
)

// EventHoursAlert is a threshold crossed, or overage reached, in a period:
// public, so the client's activity shows it and live pages refresh.
const EventHoursAlert = "hours_alert"

// alertOverage is the threshold key of going into overage.
const alertOverage = "overage"

// HourAlertThreshold is one low-balance threshold of a client.
type HourAlertThreshold struct {
	bun.BaseModel `bun:"table:hour_alert_thresholds,alias:hour_alert_threshold"`

	ID       int64  `bun:"id,pk,autoincrement"`
	ClientID int64  `bun:"client_id"`
	Unit     string `bun:"unit"`
	Value    int    `bun:"value"`
}

// Key names the threshold in hour_alerts.
func (t HourAlertThreshold) Key() string { return t.Unit + ":" + strconv.Itoa(t.Value) }

// Text is the threshold for people: "5 h left" or "25 % left".
func (t HourAlertThreshold) Text() string {
	if t.Unit == ThresholdPercent {
		return strconv.Itoa(t.Value) + " % left"
	}
	return HoursText(t.Value) + " left"
}

// Crossed reports whether a period's balance has reached the threshold.
func (t HourAlertThreshold) Crossed(b PeriodBalance) bool {
	if t.Unit == ThresholdPercent {
		return b.Purchased() > 0 && b.Remaining()*100 <= t.Value*b.Purchased()
	}
	return b.Remaining() <= t.Value
}

// HourAlert is an alert sent: one per client, period and threshold.
type HourAlert struct {
	bun.BaseModel `bun:"table:hour_alerts,alias:hour_alert"`

	ID               int64     `bun:"id,pk,autoincrement"`
	ClientID         int64     `bun:"client_id"`
	PeriodStart      time.Time `bun:"period_start"`
	Threshold        string    `bun:"threshold"`
	RemainingMinutes int       `bun:"remaining_minutes"`
	PurchasedMinutes int       `bun:"purchased_minutes"`
	CreatedAt        time.Time `bun:"created_at"`
}

// Label is the threshold in short: "≤ 5 h", "≤ 25 %" or "Overage".
func (a HourAlert) Label() string {
	unit, v, _ := strings.Cut(a.Threshold, ":")
	n, _ := strconv.Atoi(v)
	switch unit {
	case ThresholdPercent:
		return "≤ " + strconv.Itoa(n) + " %"
	case ThresholdMinutes:
		return "≤ " + HoursText(n)
	}
	return "Overage"
}

// Overage reports whether the alert is the one of going into overage.
func (a HourAlert) Overage() bool { return a.Threshold == alertOverage }

// Text says what happened, e.g. "2 h left of 20 h (threshold: 10 % left)"
// or "Over by 1.5 h of 20 h".
func (a HourAlert) Text() string {
	if a.Overage() {
		return "Over by " + HoursText(-a.RemainingMinutes) + " of " + HoursText(a.PurchasedMinutes)
	}
	unit, v, _ := strings.Cut(a.Threshold, ":")
	n, _ := strconv.Atoi(v)
	left := HoursText(a.RemainingMinutes) + " left"
	if a.RemainingMinutes < 0 {
		left = "Over by " + HoursText(-a.RemainingMinutes)
	}
	return left + " of " + HoursText(a.PurchasedMinutes) + " (threshold: " + HourAlertThreshold{Unit: unit, Value: n}.Text() + ")"
}

// ListThresholds returns a client's thresholds, largest first.
func ListThresholds(ctx context.Context, db bun.IDB, clientID int64) ([]HourAlertThreshold, error) {
	var ts []HourAlertThreshold
	if err := db.NewSelect().Model(&ts).Where("client_id = ?", clientID).Order("unit", "value DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: alert thresholds of client %d: %w", clientID, err)
	}
	return ts, nil
}

// ThresholdsText writes thresholds the way the form takes them: "10h, 25%".
func ThresholdsText(ts []HourAlertThreshold) string {
	var parts []string
	for _, t := range ts {
		if t.Unit == ThresholdPercent {
			parts = append(parts, strconv.Itoa(t.Value)+"%")
		} else {
			parts = append(parts, strings.TrimSuffix(HoursText(t.Value), " h")+"h")
		}
	}
	return strings.Join(parts, ", ")
}

// ParseThresholds reads "10h, 25%, 2.5h": hours or percent, separated by
// commas; ok is false (with the offending part) for anything else.
func ParseThresholds(s string) (ts []HourAlertThreshold, bad string, ok bool) {
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		p := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(part), " ", ""))
		if p == "" {
			continue
		}
		var t HourAlertThreshold
		switch {
		case strings.HasSuffix(p, "%"):
			n, err := strconv.Atoi(strings.TrimSuffix(p, "%"))
			if err != nil || n < 1 || n > 100 {
				return nil, part, false
			}
			t = HourAlertThreshold{Unit: ThresholdPercent, Value: n}
		case strings.HasSuffix(p, "h"):
			h, err := strconv.ParseFloat(strings.TrimSuffix(p, "h"), 64)
			if err != nil || h <= 0 || h > 100000 {
				return nil, part, false
			}
			t = HourAlertThreshold{Unit: ThresholdMinutes, Value: int(h*60 + 0.5)}
		default:
			return nil, part, false
		}
		if !seen[t.Key()] {
			seen[t.Key()] = true
			ts = append(ts, t)
		}
	}
	if len(ts) > 10 {
		return nil, "", false
	}
	return ts, "", true
}

// SaveThresholds replaces a client's thresholds, with a staff-only event.
func SaveThresholds(ctx context.Context, db bun.IDB, actor *User, clientID int64, ts []HourAlertThreshold) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*HourAlertThreshold)(nil)).Where("client_id = ?", clientID).Exec(ctx); err != nil {
			return fmt.Errorf("models: clear alert thresholds of client %d: %w", clientID, err)
		}
		for i := range ts {
			ts[i].ClientID, ts[i].ID = clientID, 0
		}
		if len(ts) > 0 {
			if _, err := tx.NewInsert().Model(&ts).Exec(ctx); err != nil {
				return fmt.Errorf("models: save alert thresholds of client %d: %w", clientID, err)
			}
		}
		detail := ThresholdsText(ts)
		if detail == "" {
			detail = "none"
		}
		return RecordEvent(ctx, tx, &ActivityEvent{ClientID: clientID, ActorID: &actor.ID, Kind: EventHourPlanChanged,
			Audience: AudienceStaff, Detail: "low-balance alerts at " + detail})
	})
}

// CheckHourAlerts compares the client's current period with its thresholds
// and overage, and records each newly crossed one once per period: the
// unique key (client, period, threshold) lets exactly one of any number of
// concurrent checks, in any process, insert it. It returns the alerts this
// call recorded; the caller mails them.
func CheckHourAlerts(ctx context.Context, db bun.IDB, clientID int64, now time.Time) ([]HourAlert, error) {
	o, ok, err := ClientHours(ctx, db, clientID, now, time.Time{}, true)
	if err != nil || !ok {
		return nil, err
	}
	ts, err := ListThresholds(ctx, db, clientID)
	if err != nil {
		return nil, err
	}
	b := o.Balance
	var keys []string
	for _, t := range ts {
		if t.Crossed(b) {
			keys = append(keys, t.Key())
		}
	}
	if b.Overage() > 0 {
		keys = append(keys, alertOverage)
	}
	var sent []HourAlert
	for _, k := range keys {
		a := HourAlert{ClientID: clientID, PeriodStart: b.Start, Threshold: k, RemainingMinutes: b.Remaining(),
			PurchasedMinutes: b.Purchased(), CreatedAt: Now()}
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			res, err := tx.NewInsert().Model(&a).On("CONFLICT (client_id, period_start, threshold) DO NOTHING").Exec(ctx)
			if err != nil {
				return fmt.Errorf("models: record hour alert of client %d: %w", clientID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				a.ID = 0
				return nil
			}
			return RecordEvent(ctx, tx, &ActivityEvent{ClientID: clientID, Kind: EventHoursAlert, Audience: AudiencePublic, Detail: a.Text()})
		})
		if err != nil {
			return sent, err
		}
		if a.ID != 0 {
			sent = append(sent, a)
		}
	}
	return sent, nil
}

// PeriodAlerts returns the alerts recorded for clients' periods starting
// on or after since, per client, oldest first.
func PeriodAlerts(ctx context.Context, db bun.IDB, since time.Time) (map[int64][]HourAlert, error) {
	var as []HourAlert
	if err := db.NewSelect().Model(&as).Where("period_start >= ?", since).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: hour alerts: %w", err)
	}
	out := map[int64][]HourAlert{}
	for _, a := range as {
		out[a.ClientID] = append(out[a.ClientID], a)
	}
	return out, nil
}

// AlertRecipients are who an hour alert of a client goes to: its users who
// asked for low-balance alerts (users.notify_low_balance, an opt-in of its
// own, apart from updates and the summary) and the staff following the
// client, active ones only, by e-mail.
func AlertRecipients(ctx context.Context, db bun.IDB, clientID int64) ([]User, error) {
	var us []User
	err := db.NewSelect().Model(&us).Column("id", "email", "name", "role", "client_id").
		Where("disabled_at IS NULL").
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("client_id = ? AND notify_low_balance AND "+seesHoursUser, clientID).
				WhereOr("client_id IS NULL AND id IN (SELECT user_id FROM client_followers WHERE client_id = ?)", clientID)
		}).Order("email").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: alert recipients of client %d: %w", clientID, err)
	}
	sort.SliceStable(us, func(i, j int) bool { return us[i].Email < us[j].Email })
	// Whoever unsubscribed from hour alerts (List-Unsubscribe) is left out.
	off, err := optedOutSet(ctx, db, MailHours, emails(us))
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(us, func(u User) bool { return off[NormalizeEmail(u.Email)] }), nil
}

// Following reports whether staff user follows a client.
func Following(ctx context.Context, db bun.IDB, clientID, userID int64) (bool, error) {
	n, err := db.NewSelect().Table("client_followers").Where("client_id = ? AND user_id = ?", clientID, userID).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("models: following client %d: %w", clientID, err)
	}
	return n > 0, nil
}

// SetFollowing makes a staff user follow a client's alerts, or stop.
func SetFollowing(ctx context.Context, db bun.IDB, clientID, userID int64, follow bool) error {
	if !follow {
		_, err := db.NewDelete().Table("client_followers").Where("client_id = ? AND user_id = ?", clientID, userID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: unfollow client %d: %w", clientID, err)
		}
		return nil
	}
	_, err := db.NewInsert().Model(&map[string]any{"client_id": clientID, "user_id": userID, "created_at": Now()}).
		TableExpr("client_followers").On("CONFLICT (client_id, user_id) DO NOTHING").Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: follow client %d: %w", clientID, err)
	}
	return nil
}

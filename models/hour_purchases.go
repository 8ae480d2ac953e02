package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Kinds of activity event of the hour bank; each names its actor.
const (
	EventHourPlanChanged  = "hour_plan_changed" // staff only
	EventHoursPurchased   = "hours_purchased"   // a top-up or block added
	EventHourPurchaseEdit = "hour_purchase_edited"
	EventHourPurchaseVoid = "hour_purchase_voided"
	EventTimeClosedEdited = "time_closed_edited" // staff only: an entry of a closed period changed
)

// ErrPurchaseVoided is returned when a voided purchase is edited or voided again.
var ErrPurchaseVoided = errors.New("models: the purchase is voided")

// LoadHourPlan reads a client's plan.
func LoadHourPlan(ctx context.Context, db bun.IDB, clientID int64) (HourPlan, error) {
	var p HourPlan
	if err := db.NewSelect().Model(&p).Where("id = ?", clientID).Scan(ctx); err != nil {
		return p, notFound(err, fmt.Sprintf("load hour plan of client %d", clientID))
	}
	return p, nil
}

// Describe is the plan in a few words, e.g. "Quarterly retainer, 30 h per
// quarter (pooled), periods from day 1".
func (p HourPlan) Describe() string {
	var b strings.Builder
	switch p.Kind {
	case PlanNone:
		return "No hour bank"
	case PlanPrepaid:
		b.WriteString("Prepaid blocks only")
	default:
		unit := map[string]string{PlanMonthly: "month", PlanQuarterly: "quarter", PlanYearly: "year"}[p.Kind]
		fmt.Fprintf(&b, "%s retainer, %s per %s", strings.ToUpper(p.Kind[:1])+p.Kind[1:], HoursText(p.IncludedMinutes), unit)
		if p.Kind != PlanMonthly {
			if p.Pooled {
				b.WriteString(" (pooled)")
			} else {
				b.WriteString(" (spread over its months)")
			}
		}
		switch p.Rollover {
		case RolloverAll:
			b.WriteString("; unused hours roll over")
		case RolloverCapped:
			fmt.Fprintf(&b, "; up to %s rolls over", HoursText(p.RolloverCapMinutes))
		}
		if p.Rollover != RolloverOff && p.RolloverExpiryPeriods > 0 {
			if p.RolloverExpiryPeriods == 1 {
				b.WriteString(" for 1 period")
			} else {
				fmt.Fprintf(&b, " for %d periods", p.RolloverExpiryPeriods)
			}
		}
	}
	fmt.Fprintf(&b, "; periods start on day %d", p.startDay())
	if p.OverageRate != "" {
		b.WriteString("; overage " + p.OverageRate)
	}
	return b.String()
}

// SaveHourPlan stores a client's plan with a staff-only event naming who.
func SaveHourPlan(ctx context.Context, db bun.IDB, actor *User, p HourPlan) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model(&p).
			Column("hour_plan", "monthly_included_minutes", "plan_pooled", "period_start_day", "period_anchor_month",
				"overage_rate", "rollover", "rollover_cap_minutes", "rollover_expiry_periods").
			Set("updated_at = ?", Now()).WherePK().Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: save hour plan of client %d: %w", p.ClientID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return RecordEvent(ctx, tx, &ActivityEvent{ClientID: p.ClientID, ActorID: &actor.ID,
			Kind: EventHourPlanChanged, Audience: AudienceStaff, Detail: p.Describe()})
	})
}

// PurchaseInput is the add/edit purchase form.
type PurchaseInput struct {
	Minutes   int
	On        time.Time
	ExpiresOn *time.Time
	Reference string
	Note      string
}

func purchaseDetail(minutes int, on time.Time, ref string) string {
	d := HoursText(minutes) + " bought " + on.Format("2 Jan 2006")
	if ref != "" {
		d += " (" + ref + ")"
	}
	return d
}

// AddPurchase records a purchase with a public event naming who.
func AddPurchase(ctx context.Context, db bun.IDB, actor *User, clientID int64, in PurchaseInput) (*HourPurchase, error) {
	p := new(HourPurchase)
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := GetClient(ctx, tx, clientID); err != nil {
			return err
		}
		now := Now()
		*p = HourPurchase{ClientID: clientID, Minutes: in.Minutes, PurchasedOn: in.On, ExpiresOn: in.ExpiresOn,
			Reference: in.Reference, Note: in.Note, CreatedBy: &actor.ID, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(p).Exec(ctx); err != nil {
			return fmt.Errorf("models: add hour purchase for client %d: %w", clientID, err)
		}
		return RecordEvent(ctx, tx, &ActivityEvent{ClientID: clientID, ActorID: &actor.ID,
			Kind: EventHoursPurchased, Audience: AudiencePublic, Detail: purchaseDetail(in.Minutes, in.On, in.Reference)})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func lockPurchase(ctx context.Context, tx bun.IDB, clientID, id int64) (*HourPurchase, error) {
	p := new(HourPurchase)
	if err := forUpdate(tx, tx.NewSelect().Model(p).Where("id = ?", id).Where("client_id = ?", clientID)).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load hour purchase %d", id))
	}
	if p.VoidedAt != nil {
		return nil, ErrPurchaseVoided
	}
	return p, nil
}

// GetPurchase loads one purchase of a client.
func GetPurchase(ctx context.Context, db bun.IDB, clientID, id int64) (*HourPurchase, error) {
	p := new(HourPurchase)
	if err := db.NewSelect().Model(p).Where("id = ?", id).Where("client_id = ?", clientID).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load hour purchase %d", id))
	}
	return p, nil
}

// UpdatePurchase changes a purchase that is not voided, with an event.
func UpdatePurchase(ctx context.Context, db bun.IDB, actor *User, clientID, id int64, in PurchaseInput) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		p, err := lockPurchase(ctx, tx, clientID, id)
		if err != nil {
			return err
		}
		was := purchaseDetail(p.Minutes, p.PurchasedOn, p.Reference)
		p.Minutes, p.PurchasedOn, p.ExpiresOn, p.Reference, p.Note, p.UpdatedAt =
			in.Minutes, in.On, in.ExpiresOn, in.Reference, in.Note, Now()
		if _, err := tx.NewUpdate().Model(p).Column("minutes", "purchased_on", "expires_on", "reference", "note", "updated_at").
			WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: update hour purchase %d: %w", id, err)
		}
		return RecordEvent(ctx, tx, &ActivityEvent{ClientID: clientID, ActorID: &actor.ID, Kind: EventHourPurchaseEdit,
			Audience: AudiencePublic, Detail: was + " → " + purchaseDetail(in.Minutes, in.On, in.Reference)})
	})
}

// VoidPurchase voids a purchase (kept, never deleted) with the reason.
func VoidPurchase(ctx context.Context, db bun.IDB, actor *User, clientID, id int64, reason string) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		p, err := lockPurchase(ctx, tx, clientID, id)
		if err != nil {
			return err
		}
		now := Now()
		p.VoidedAt, p.VoidedBy, p.VoidReason, p.UpdatedAt = &now, &actor.ID, reason, now
		if _, err := tx.NewUpdate().Model(p).Column("voided_at", "voided_by", "void_reason", "updated_at").
			WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("models: void hour purchase %d: %w", id, err)
		}
		return RecordEvent(ctx, tx, &ActivityEvent{ClientID: clientID, ActorID: &actor.ID, Kind: EventHourPurchaseVoid,
			Audience: AudiencePublic, Detail: purchaseDetail(p.Minutes, p.PurchasedOn, p.Reference) + " voided: " + reason})
	})
}

// ListPurchases lists all of a client's purchases, voided ones included,
// oldest first.
func ListPurchases(ctx context.Context, db bun.IDB, clientID int64) ([]HourPurchase, error) {
	var ps []HourPurchase
	if err := db.NewSelect().Model(&ps).Where("client_id = ?", clientID).
		Order("purchased_on ASC", "id ASC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: hour purchases of client %d: %w", clientID, err)
	}
	return ps, nil
}

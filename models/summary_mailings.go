package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// SummaryMailing is one summary with what mailing it needs: its client and
// its recipients, split into those still without it in its mail round and
// those that have it already.
type SummaryMailing struct {
	Summary MonthlySummary
	Client  Client
	To      []string // recipients without a delivery in the summary's round
	Already []string // recipients with one
}

// SummaryMailings reads what mailing a batch of summaries needs in four
// statements, whatever the batch's size: the clients, their users who want
// e-mail, the opt-outs among all those addresses, and the deliveries made.
// The caller holds the summaries' delivery locks, so the split between To
// and Already stays true while it sends.
func SummaryMailings(ctx context.Context, db bun.IDB, sums []MonthlySummary) ([]SummaryMailing, error) {
	if len(sums) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(sums))
	clientIDs := make([]int64, len(sums))
	for i, s := range sums {
		ids[i], clientIDs[i] = s.ID, s.ClientID
	}
	var clients []Client
	if err := db.NewSelect().Model(&clients).Where("id IN (?)", bun.List(clientIDs)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: clients of %d summaries: %w", len(sums), err)
	}
	var users []User
	if err := db.NewSelect().Model(&users).Column("client_id", "email").Where("client_id IN (?)", bun.List(clientIDs)).
		Where("notify_email = ?", true).Where("disabled_at IS NULL").Where(getsSummary).Order("client_id", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: summary recipients of %d clients: %w", len(clientIDs), err)
	}
	addresses := map[int64][]string{}
	var all []string
	for _, c := range clients {
		addresses[c.ID] = []string{c.ContactEmail}
		all = append(all, c.ContactEmail)
	}
	for _, u := range users {
		addresses[*u.ClientID] = append(addresses[*u.ClientID], u.Email)
		all = append(all, u.Email)
	}
	optedOut, err := optedOutSet(ctx, db, MailSummary, all)
	if err != nil {
		return nil, err
	}
	var deliveries []SummaryDelivery
	if err := db.NewSelect().Model(&deliveries).Where("summary_id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: deliveries of %d summaries: %w", len(ids), err)
	}
	type key struct {
		summary int64
		email   string
	}
	delivered := map[key]int{} // mail round of each delivery
	for _, d := range deliveries {
		delivered[key{d.SummaryID, d.Email}] = d.MailRound
	}

	byID := make(map[int64]Client, len(clients))
	for _, c := range clients {
		byID[c.ID] = c
	}
	out := make([]SummaryMailing, 0, len(sums))
	for _, s := range sums {
		c, ok := byID[s.ClientID]
		if !ok {
			continue // the client is gone, and its summaries with it
		}
		m := SummaryMailing{Summary: s, Client: c}
		for _, addr := range summaryRecipients(addresses[c.ID], optedOut) {
			if round, ok := delivered[key{s.ID, NormalizeEmail(addr)}]; ok && round == s.MailRound {
				m.Already = append(m.Already, addr)
			} else {
				m.To = append(m.To, addr)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// MarkSummariesEmailed is MarkSummaryEmailed for a batch, in one
// transaction. Its commit is a synchronous one: it also makes durable every
// delivery recorded before it with an asynchronous commit
// (RecordSummaryDelivery), since the WAL is flushed in order.
func MarkSummariesEmailed(ctx context.Context, db bun.IDB, sums []MonthlySummary, at time.Time) error {
	if len(sums) == 0 {
		return nil
	}
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, s := range sums {
			if err := MarkSummaryEmailed(ctx, tx, s.ID, s.MailRound, at); err != nil {
				return err
			}
		}
		return nil
	})
}

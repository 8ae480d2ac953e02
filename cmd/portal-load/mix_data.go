package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
)

// loadMixData reads what the mix picks from: every request of the large
// client (the mix opens any of them), the ids of the open ones (the staff
// reply route names a request by id) and how many are open and closed, to
// pick list pages across their whole range.
func loadMixData(ctx context.Context, db *bun.DB, set *loaddata.Set, o pageOptions) (mixData, error) {
	d := mixData{perPage: models.DefaultPerPage, tokens: set.UserTokens, staff: set.StaffToken, db: db}
	if o.staffRate > 0 {
		d.replyGap = time.Duration(float64(time.Second) / o.staffRate)
	}
	if err := db.NewSelect().Model((*models.Request)(nil)).Column("number").
		Where("client_id = ?", set.Client.ID).Order("number").Scan(ctx, &d.numbers); err != nil {
		return d, fmt.Errorf("the large client's requests: %w", err)
	}
	if err := db.NewSelect().Model((*models.Request)(nil)).Column("id").
		Where("client_id = ?", set.Client.ID).Where("status <> ?", models.StatusCompleted).
		Order("id").Scan(ctx, &d.openIDs); err != nil {
		return d, fmt.Errorf("the large client's open requests: %w", err)
	}
	if len(d.numbers) == 0 || len(d.openIDs) == 0 {
		return d, errors.New("the large client needs open and closed requests for the mix")
	}
	d.openLen, d.shutLen = len(d.openIDs), len(d.numbers)-len(d.openIDs)
	return d, nil
}

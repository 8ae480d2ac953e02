package models_test

import (
	"context"
	"slices"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestListPagesByCursorMatchPagesByNumber: following the Next links' cursors
// (an index seek) shows the same rows, page by page, as asking for each page
// number (a shared link), for the open and the closed list; the total does
// not shrink on later pages; a damaged cursor is ignored, not an error.
func TestListPagesByCursorMatchPagesByNumber(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		set, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: "keyset", Requests: 60, OpenShare: 50, Users: 1})
		if err != nil {
			t.Fatal(err)
		}
		var user models.User
		if err := db.NewSelect().Model(&user).Where("client_id = ?", set.Client.ID).Limit(1).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		sc, err := models.ScopeFor(db, &user)
		if err != nil {
			t.Fatal(err)
		}
		now := models.Now()
		lists := map[string]func(models.RequestFilter) (models.Page[models.RequestRow], error){
			"open": func(f models.RequestFilter) (models.Page[models.RequestRow], error) {
				return sc.ListOpenRequests(ctx, f, now)
			},
			"closed": func(f models.RequestFilter) (models.Page[models.RequestRow], error) {
				return sc.ListClosedRequests(ctx, f, now)
			},
		}
		for name, list := range lists {
			for _, sort := range []string{"", models.SortCreated} {
				var byNumber, byCursor []int
				after := ""
				for page := 1; page <= 5; page++ {
					a, err := list(models.RequestFilter{Page: page, PerPage: 7, Sort: sort})
					if err != nil {
						t.Fatal(err)
					}
					b, err := list(models.RequestFilter{Page: page, PerPage: 7, Sort: sort, After: after})
					if err != nil {
						t.Fatal(err)
					}
					if a.Total != 30 || b.Total != 30 {
						t.Errorf("%s %q page %d: totals %d and %d, want 30", name, sort, page, a.Total, b.Total)
					}
					for _, r := range a.Items {
						byNumber = append(byNumber, r.Number)
					}
					for _, r := range b.Items {
						byCursor = append(byCursor, r.Number)
					}
					after = b.NextAfter
				}
				if len(byNumber) != 30 || !slices.Equal(byNumber, byCursor) {
					t.Errorf("%s %q: by number %v\nby cursor %v", name, sort, byNumber, byCursor)
				}
			}
			p, err := list(models.RequestFilter{Page: 2, PerPage: 7, After: "not-a-cursor"})
			if err != nil || len(p.Items) != 7 {
				t.Errorf("%s: damaged cursor: %d rows, %v", name, len(p.Items), err)
			}
		}
	})
}

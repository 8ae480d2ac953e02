package models_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// TestThreadsFollowTheNewestPublicMessage checks the Messages page's order
// as the request rows keep it (last_public_message_id, kept by a trigger on
// messages): any writer's public message brings its thread to the top, an
// internal note moves nothing, and another client's threads never appear.
func TestThreadsFollowTheNewestPublicMessage(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		set, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: "threads", Requests: 30, Clients: 1, OtherRequests: 40, Messages: 2, Users: 1})
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
		numbers := func(page int) (int, []int) {
			t.Helper()
			p, err := sc.ListThreads(ctx, page, 10)
			if err != nil {
				t.Fatal(err)
			}
			var ns []int
			for _, th := range p.Items {
				ns = append(ns, th.Number)
			}
			return p.Total, ns
		}
		total, first := numbers(1)
		if total != 30 || len(first) != 10 || first[0] != 30 || first[9] != 21 {
			t.Fatalf("threads before: %d in all, page 1 %v; want 30, 30…21", total, first)
		}
		if _, last := numbers(3); len(last) != 10 || last[9] != 1 {
			t.Fatalf("page 3: %v, want 10…1", last)
		}

		// A message written straight into the table, as the demo and the
		// load data do, and an internal note on another request.
		byNumber := func(n int) *models.Request {
			r := new(models.Request)
			if err := db.NewSelect().Model(r).Where("client_id = ?", set.Client.ID).Where("number = ?", n).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			return r
		}
		old, other := byNumber(5), byNumber(7)
		now := models.Now()
		for _, m := range []*models.Message{
			{ClientID: set.Client.ID, RequestID: old.ID, AuthorID: &user.ID, Body: "Still broken.", CreatedAt: now},
			{ClientID: set.Client.ID, RequestID: other.ID, AuthorID: &user.ID, Body: "Staff only.", Internal: true, CreatedAt: now},
		} {
			if _, err := db.NewInsert().Model(m).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		p, err := sc.ListThreads(ctx, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 30 || p.Items[0].Number != 5 || p.Items[0].LastBody != "Still broken." || p.Items[1].Number != 30 {
			t.Fatalf("after a message on request 5: %d in all, first %d %q, second %d; want 30, 5 \"Still broken.\", 30",
				p.Total, p.Items[0].Number, p.Items[0].LastBody, p.Items[1].Number)
		}
		for page := 1; page <= 3; page++ {
			if _, ns := numbers(page); len(ns) != 10 {
				t.Fatalf("page %d: %v, want 10 of this client's threads", page, ns)
			}
		}
	})
}

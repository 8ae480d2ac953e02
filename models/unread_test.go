package models_test

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// bigClient is the big client's requests in TestUnreadBadgeDoesNotGrowWithHistory
// (PORTAL_TEST_UNREAD_REQUESTS, 2,000 unless set: 10,000 takes a minute to seed).
var bigClient = func() int {
	if n, err := strconv.Atoi(os.Getenv("PORTAL_TEST_UNREAD_REQUESTS")); err == nil && n > 0 {
		return n
	}
	return 2000
}()

// The navigation's unread badge costs the same for a client of 20 requests
// and one of thousands (each request with a staff reply the user has not
// read): it counts up to what the badge shows (99, then "99+") from the
// newest threads, and on PostgreSQL the rows its plan touches stay within a
// fixed budget. Counting every unread message read all 20,000 of the big
// client's messages (4,000 of them at 2,000 requests).
func TestUnreadBadgeDoesNotGrowWithHistory(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		sizes := []struct {
			requests, want int
		}{{20, 20}, {bigClient, models.UnreadShown + 1}}
		for _, size := range sizes {
			set, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: "u" + strconv.Itoa(size.requests), Requests: size.requests,
				Clients: 1, OtherRequests: 5, Messages: 2, Users: 1})
			if err != nil {
				t.Fatal(err)
			}
			var user models.User
			if err := db.NewSelect().Model(&user).Where("client_id = ?", set.Client.ID).Order("id").Limit(1).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			scope, err := models.ScopeFor(db, &user)
			if err != nil {
				t.Fatal(err)
			}
			n, err := scope.UnreadForBadge(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != size.want {
				t.Errorf("%d requests: badge counted %d, want %d", size.requests, n, size.want)
			}
			if !models.IsPostgres(db) {
				continue
			}
			// Plan with statistics, as a database in service has them
			// (autovacuum gathers them after a bulk load like this one).
			if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
				t.Fatal(err)
			}
			rows := planRows(t, db, scope.UnreadBadgeQuery())
			t.Logf("%d requests: the badge's plan touches %d rows", size.requests, rows)
			if rows > 1000 {
				t.Errorf("%d requests: the badge's plan touches %d rows, budget 1,000", size.requests, rows)
			}
		}
	})
}

// planRows runs EXPLAIN ANALYZE on q and adds up the rows each node of the
// plan produced, over all its loops.
func planRows(t *testing.T, db *bun.DB, q *bun.SelectQuery) int {
	t.Helper()
	var out []byte
	if err := db.NewRaw("EXPLAIN (ANALYZE, FORMAT JSON) "+q.String()).Scan(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal(out, &plans); err != nil {
		t.Fatalf("EXPLAIN output: %v: %s", err, out)
	}
	return plans[0].Plan.rows()
}

type planNode struct {
	Rows  float64    `json:"Actual Rows"`
	Loops float64    `json:"Actual Loops"`
	Plans []planNode `json:"Plans"`
}

func (p planNode) rows() int {
	n := int(p.Rows * p.Loops)
	for _, c := range p.Plans {
		n += c.rows()
	}
	return n
}

package models

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// ListQueue returns open requests across all clients for the staff queue,
// nearest SLA due first (requests with no running clock last).
func ListQueue(ctx context.Context, db bun.IDB, limit int) ([]Request, error) {
	var rs []Request
	err := db.NewSelect().Model(&rs).
		Relation("Client", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "request_prefix") }).
		Where("request.status IN (?)", bun.In(OpenStatuses)).
		OrderExpr("CASE WHEN request.response_due_at IS NULL AND request.resolution_due_at IS NULL THEN 1 ELSE 0 END").
		OrderExpr("coalesce(request.response_due_at, request.resolution_due_at)").
		Order("request.id").
		Limit(limit).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: list queue: %w", err)
	}
	return rs, nil
}

package models

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// MessagesAfter is one page of a request's thread as v may see it (the
// Viewer rule: a client's viewer never reads an internal note), oldest
// first from the message after id afterID. The API pages threads with it.
func MessagesAfter(ctx context.Context, db bun.IDB, requestID int64, v Viewer, afterID int64, limit int) ([]Message, error) {
	var ms []Message
	q := db.NewSelect().Model(&ms).
		Relation("Author", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "role") }).
		Where("message.request_id = ?", requestID).Where("message.id > ?", afterID)
	if err := v.whereSeesMessages(q, "message").Order("message.id").Limit(limit).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: messages of request %d after %d: %w", requestID, afterID, err)
	}
	return ms, nil
}

// TimeEntriesAfter is one page of a request's time entries (staff only:
// hidden time included), by id from the entry after afterID.
func TimeEntriesAfter(ctx context.Context, db bun.IDB, requestID, afterID int64, limit int) ([]TimeEntry, error) {
	var es []TimeEntry
	if err := db.NewSelect().Model(&es).Where("request_id = ?", requestID).Where("id > ?", afterID).
		Order("id").Limit(limit).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: time entries of request %d after %d: %w", requestID, afterID, err)
	}
	return es, nil
}

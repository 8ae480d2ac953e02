package models

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// MessageRead is how far one user has read one request's thread. A message
// is unread for a user while its id is above LastReadMessageID and someone
// else wrote it.
type MessageRead struct {
	bun.BaseModel `bun:"table:message_reads"`

	UserID            int64 `bun:"user_id,pk"`
	RequestID         int64 `bun:"request_id,pk"`
	LastReadMessageID int64 `bun:"last_read_message_id"`
}

// MarkThreadRead records that a staff user has read a request's thread up
// to message upTo (the newest message on the page they were shown, so a
// message that arrived meanwhile stays unread). Staff read every message,
// internal notes included.
func MarkThreadRead(ctx context.Context, db bun.IDB, userID, requestID, upTo int64) error {
	return markRead(ctx, db, userID, requestID, upTo)
}

// MarkThreadRead records that the scope's user has read request requestID of
// their client up to message upTo. Only the client's public messages count:
// an id of an internal note or of another client's message marks nothing
// beyond the newest public message at or below it.
func (s Scope) MarkThreadRead(ctx context.Context, requestID, upTo int64) error {
	var newest int64
	q := s.db.NewSelect().Model((*Message)(nil)).ColumnExpr("coalesce(max(id), 0)").
		Where("request_id = ?", requestID).Where("id <= ?", upTo)
	err := s.Viewer().whereSeesMessages(q, "message").Scan(ctx, &newest)
	if err != nil {
		return fmt.Errorf("models: newest public message of request %d: %w", requestID, err)
	}
	return markRead(ctx, s.db, s.userID, requestID, newest)
}

// MarkReadUpTo records that the scope's user has read d's thread up to its
// newest message, when that moves their read position: d came through the
// scope (RequestByNumber), so its messages are the client's public ones and
// ReadUpTo is where the user stood. A view with nothing new writes nothing.
func (s Scope) MarkReadUpTo(ctx context.Context, d *RequestDetail) error {
	var upTo int64
	v := s.Viewer()
	for i := range d.Messages {
		if v.SeesMessage(&d.Messages[i]) {
			upTo = max(upTo, d.Messages[i].ID)
		}
	}
	if upTo <= d.ReadUpTo || d.ClientID != s.clientID {
		return nil
	}
	return markRead(ctx, s.db, s.userID, d.ID, upTo)
}

// markRead moves the user's read position forward to upTo; it never moves
// back (two tabs, an old page reloaded).
//
// The reader of the page must not wait for this write to reach the disk: on
// PostgreSQL it commits with synchronous_commit off (the commit returns
// before its WAL is flushed; a crash in that instant loses a read marker,
// which only shows a message as unread again). SQLite in WAL mode does not
// wait for a flush on commit anyway.
func markRead(ctx context.Context, db bun.IDB, userID, requestID, upTo int64) error {
	if upTo <= 0 {
		return nil
	}
	r := &MessageRead{UserID: userID, RequestID: requestID, LastReadMessageID: upTo}
	upsert := func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewInsert().Model(r).
			On("CONFLICT (user_id, request_id) DO UPDATE").
			Set("last_read_message_id = CASE WHEN EXCLUDED.last_read_message_id > message_read.last_read_message_id " +
				"THEN EXCLUDED.last_read_message_id ELSE message_read.last_read_message_id END").
			Exec(ctx)
		return err
	}
	var err error
	if d, ok := db.(*bun.DB); ok && IsPostgres(d) {
		err = d.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit TO OFF"); err != nil {
				return err
			}
			return upsert(ctx, tx)
		})
	} else {
		err = upsert(ctx, db)
	}
	if err != nil {
		return fmt.Errorf("models: mark request %d read for user %d: %w", requestID, userID, err)
	}
	return nil
}

// LastReadMessageID is the id of the newest message userID has read on a
// request, or 0 when they have never opened it; a thread can mark the
// messages after it as unread.
func LastReadMessageID(ctx context.Context, db bun.IDB, userID, requestID int64) (int64, error) {
	var id int64
	err := db.NewSelect().Model((*MessageRead)(nil)).ColumnExpr("coalesce(max(last_read_message_id), 0)").
		Where("user_id = ?", userID).Where("request_id = ?", requestID).Scan(ctx, &id)
	if err != nil {
		return 0, fmt.Errorf("models: read position of user %d on request %d: %w", userID, requestID, err)
	}
	return id, nil
}

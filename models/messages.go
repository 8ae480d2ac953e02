package models

import (
	"time"

	"github.com/uptrace/bun"
)

// Message is one entry in a request's thread. Internal notes are staff-only
// and must never reach a client page, fragment, event, e-mail or export.
type Message struct {
	bun.BaseModel `bun:"table:messages"`

	ID        int64     `bun:"id,pk,autoincrement"`
	ClientID  int64     `bun:"client_id"`
	RequestID int64     `bun:"request_id"`
	AuthorID  *int64    `bun:"author_id"`
	Body      string    `bun:"body"`
	Internal  bool      `bun:"internal"`
	CreatedAt time.Time `bun:"created_at"`

	Author *User `bun:"rel:belongs-to,join:author_id=id"`
}

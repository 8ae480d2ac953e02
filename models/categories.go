package models

import (
	"time"

	"github.com/uptrace/bun"
)

// Category is an optional label the MSP defines for requests; the category
// field is shown only when at least one exists.
type Category struct {
	bun.BaseModel `bun:"table:categories"`

	ID         int64      `bun:"id,pk,autoincrement"`
	Name       string     `bun:"name"`
	Position   int        `bun:"position"`
	ArchivedAt *time.Time `bun:"archived_at"`
	CreatedAt  time.Time  `bun:"created_at"`
}

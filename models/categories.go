package models

import (
	"context"
	"fmt"
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

// ListCategories returns the categories clients may choose, in order.
func ListCategories(ctx context.Context, db bun.IDB) ([]Category, error) {
	var cs []Category
	if err := db.NewSelect().Model(&cs).Where("archived_at IS NULL").Order("position", "name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: list categories: %w", err)
	}
	return cs, nil
}

// GetActiveCategory loads a category that is not archived.
func GetActiveCategory(ctx context.Context, db bun.IDB, id int64) (*Category, error) {
	c := new(Category)
	if err := db.NewSelect().Model(c).Where("id = ?", id).Where("archived_at IS NULL").Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load category %d", id))
	}
	return c, nil
}

package models

import (
	"context"
	"errors"
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

// Categories are the categories the scope's client may choose from. They
// are the MSP's, shared by every client; the method exists so that portal
// handlers, which hold only a Scope, can offer them.
func (s Scope) Categories(ctx context.Context) ([]Category, error) { return ListCategories(ctx, s.db) }

// GetActiveCategory loads a category that is not archived.
func GetActiveCategory(ctx context.Context, db bun.IDB, id int64) (*Category, error) {
	c := new(Category)
	if err := db.NewSelect().Model(c).Where("id = ?", id).Where("archived_at IS NULL").Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load category %d", id))
	}
	return c, nil
}

// ErrCategoryExists is returned for a name already in use by an active category.
var ErrCategoryExists = errors.New("models: a category with this name exists")

// AddCategory adds a category at the end of the list, or brings back an
// archived one of the same name.
func AddCategory(ctx context.Context, db bun.IDB, name string) (*Category, error) {
	c := new(Category)
	err := db.NewSelect().Model(c).Where("lower(name) = lower(?)", name).Scan(ctx)
	switch {
	case err == nil && c.ArchivedAt == nil:
		return nil, ErrCategoryExists
	case err == nil:
		if _, err := db.NewUpdate().Model(c).Set("archived_at = NULL").WherePK().Exec(ctx); err != nil {
			return nil, fmt.Errorf("models: restore category %d: %w", c.ID, err)
		}
		c.ArchivedAt = nil
		return c, nil
	case !errors.Is(notFound(err, ""), ErrNotFound):
		return nil, fmt.Errorf("models: look up category %q: %w", name, err)
	}
	var last int
	if err := db.NewSelect().Model((*Category)(nil)).ColumnExpr("coalesce(max(position), 0)").Scan(ctx, &last); err != nil {
		return nil, fmt.Errorf("models: category position: %w", err)
	}
	c = &Category{Name: name, Position: last + 1, CreatedAt: Now()}
	if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: add category %q: %w", name, err)
	}
	return c, nil
}

// ArchiveCategory hides a category from new requests; requests that have it
// keep it.
func ArchiveCategory(ctx context.Context, db bun.IDB, id int64) error {
	res, err := db.NewUpdate().Model((*Category)(nil)).Set("archived_at = ?", Now()).
		Where("id = ?", id).Where("archived_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: archive category %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("models: archive category %d: %w", id, ErrNotFound)
	}
	return nil
}

package models

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Client is one of the MSP's customer companies.
type Client struct {
	bun.BaseModel `bun:"table:clients"`

	ID                     int64      `bun:"id,pk,autoincrement"`
	Name                   string     `bun:"name"`
	Slug                   string     `bun:"slug"`
	RequestPrefix          string     `bun:"request_prefix"`
	Timezone               string     `bun:"timezone"`
	ContactEmail           string     `bun:"contact_email"`
	SLAPolicyID            *int64     `bun:"sla_policy_id"`
	MonthlyIncludedMinutes int        `bun:"monthly_included_minutes"`
	NextRequestNumber      int        `bun:"next_request_number"`
	ArchivedAt             *time.Time `bun:"archived_at"`
	CreatedAt              time.Time  `bun:"created_at"`
	UpdatedAt              time.Time  `bun:"updated_at"`
}

// GetClient loads a client by id (staff side; client handlers use Scope).
func GetClient(ctx context.Context, db bun.IDB, id int64) (*Client, error) {
	c := new(Client)
	if err := db.NewSelect().Model(c).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load client %d", id))
	}
	return c, nil
}

// ListClients returns the active clients by name.
func ListClients(ctx context.Context, db bun.IDB) ([]Client, error) {
	var cs []Client
	if err := db.NewSelect().Model(&cs).Where("archived_at IS NULL").Order("name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: list clients: %w", err)
	}
	return cs, nil
}

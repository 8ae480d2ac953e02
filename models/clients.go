package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
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

	// MembersSee and MembersHoursHidden are what the client's members (not
	// its company admins) see: see company_roles.go.
	MembersSee         string `bun:"members_see,nullzero,notnull,default:'all'"`
	MembersHoursHidden bool   `bun:"members_hours_hidden"`
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

// ClientName is a client as a filter lists it.
type ClientName struct {
	ID   int64  `bun:"id"`
	Name string `bun:"name"`
}

// ListClientNames returns the active clients' ids and names, by name: what a
// filter's choices need, without reading every column of every client.
func ListClientNames(ctx context.Context, db bun.IDB) ([]ClientName, error) {
	var cs []ClientName
	if err := db.NewSelect().Table("clients").Column("id", "name").Where("archived_at IS NULL").
		Order("name").Scan(ctx, &cs); err != nil {
		return nil, fmt.Errorf("models: list client names: %w", err)
	}
	return cs, nil
}

// ClientInput is what staff enter for a client.
type ClientInput struct {
	Name                   string
	Slug                   string
	Timezone               string
	ContactEmail           string
	MonthlyIncludedMinutes int
}

// ErrSlugTaken is returned when another client already uses a slug.
var ErrSlugTaken = errors.New("models: slug is taken")

// slugRule is lower-case words joined by single hyphens.
var slugRule = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidSlug reports whether s may be a client's slug.
func ValidSlug(s string) bool { return len(s) <= 40 && slugRule.MatchString(s) }

// requestPrefix derives the request number prefix (ACME-42) from a slug.
func requestPrefix(slug string) string {
	p := strings.ToUpper(strings.ReplaceAll(slug, "-", ""))
	if len(p) > 8 {
		p = p[:8]
	}
	return p
}

// CreateClient adds a client; the slug must be free.
func CreateClient(ctx context.Context, db bun.IDB, in ClientInput) (*Client, error) {
	now := Now()
	c := &Client{Name: in.Name, Slug: in.Slug, RequestPrefix: requestPrefix(in.Slug), Timezone: in.Timezone,
		ContactEmail: in.ContactEmail, MonthlyIncludedMinutes: in.MonthlyIncludedMinutes,
		NextRequestNumber: 1, CreatedAt: now, UpdatedAt: now}
	if err := slugFree(ctx, db, in.Slug, 0); err != nil {
		return nil, err
	}
	if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return nil, ErrSlugTaken
		}
		return nil, fmt.Errorf("models: create client %q: %w", in.Slug, err)
	}
	return c, nil
}

// UpdateClient changes a client's details. The request prefix stays, so
// request numbers people already know keep their meaning.
func UpdateClient(ctx context.Context, db bun.IDB, id int64, in ClientInput) error {
	if err := slugFree(ctx, db, in.Slug, id); err != nil {
		return err
	}
	res, err := db.NewUpdate().Model((*Client)(nil)).
		Set("name = ?", in.Name).Set("slug = ?", in.Slug).Set("timezone = ?", in.Timezone).
		Set("contact_email = ?", in.ContactEmail).Set("monthly_included_minutes = ?", in.MonthlyIncludedMinutes).
		Set("updated_at = ?", Now()).Where("id = ?", id).Exec(ctx)
	if err != nil {
		if isUniqueViolation(err) {
			return ErrSlugTaken
		}
		return fmt.Errorf("models: update client %d: %w", id, err)
	}
	return oneRow(res, fmt.Sprintf("update client %d", id))
}

func slugFree(ctx context.Context, db bun.IDB, slug string, except int64) error {
	taken, err := db.NewSelect().Model((*Client)(nil)).Where("slug = ?", slug).Where("id <> ?", except).Exists(ctx)
	if err != nil {
		return fmt.Errorf("models: check slug %q: %w", slug, err)
	}
	if taken {
		return ErrSlugTaken
	}
	return nil
}

// SetClientArchived archives a client (its users lose access on their next
// request) or brings it back.
func SetClientArchived(ctx context.Context, db bun.IDB, id int64, archived bool) error {
	var at *time.Time
	if archived {
		now := Now()
		at = &now
	}
	res, err := db.NewUpdate().Model((*Client)(nil)).Set("archived_at = ?", at).Set("updated_at = ?", Now()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: archive client %d: %w", id, err)
	}
	return oneRow(res, fmt.Sprintf("archive client %d", id))
}

// GetClientBySlug loads a client by slug (staff side and the CLI).
func GetClientBySlug(ctx context.Context, db bun.IDB, slug string) (*Client, error) {
	c := new(Client)
	if err := db.NewSelect().Model(c).Where("slug = ?", slug).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load client %q", slug))
	}
	return c, nil
}

// ListArchivedClients returns the archived clients by name.
func ListArchivedClients(ctx context.Context, db bun.IDB) ([]Client, error) {
	var cs []Client
	if err := db.NewSelect().Model(&cs).Where("archived_at IS NOT NULL").Order("name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: list archived clients: %w", err)
	}
	return cs, nil
}

// oneRow turns "no row changed" into ErrNotFound.
func oneRow(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("models: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("models: %s: %w", what, ErrNotFound)
	}
	return nil
}

// isUniqueViolation recognises a unique constraint failure on either database.
func isUniqueViolation(err error) bool {
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "23505") ||
		strings.Contains(s, "duplicate key value")
}

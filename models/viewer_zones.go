package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ViewerLocation is the zone times are shown in to u: a client user sees
// the client's zone, staff their own setting or, unset, the workspace's.
// Unknown zone names fall back to UTC rather than failing a page.
func ViewerLocation(ctx context.Context, db bun.IDB, u *User) (*time.Location, error) {
	if u == nil {
		return time.UTC, nil
	}
	if u.ClientID != nil && u.Client != nil && u.Client.ID == *u.ClientID {
		return LoadLocation(u.Client.Timezone), nil // loaded with the session
	}
	if u.ClientID != nil {
		var tz string
		if err := db.NewSelect().Model((*Client)(nil)).Column("timezone").Where("id = ?", *u.ClientID).Scan(ctx, &tz); err != nil {
			return time.UTC, fmt.Errorf("models: time zone of client %d: %w", *u.ClientID, err)
		}
		return LoadLocation(tz), nil
	}
	tz := u.Timezone
	if tz == "" {
		var err error
		if tz, err = WorkspaceTimezone(ctx, db); err != nil {
			return time.UTC, err
		}
	}
	return LoadLocation(tz), nil
}

// StaffTimezone is a staff user's own zone setting, "" for the workspace's.
func StaffTimezone(ctx context.Context, db bun.IDB, userID int64) (string, error) {
	var tz string
	err := db.NewSelect().Model((*User)(nil)).Column("timezone").Where("id = ?", userID).Scan(ctx, &tz)
	if err != nil {
		return "", fmt.Errorf("models: time zone of user %d: %w", userID, notFound(err, "user"))
	}
	return tz, nil
}

// SetStaffTimezone stores a staff user's zone; "" means the workspace's.
func SetStaffTimezone(ctx context.Context, db bun.IDB, userID int64, tz string) error {
	if tz != "" && !ValidTimezone(tz) {
		return fmt.Errorf("models: unknown time zone %q", tz)
	}
	_, err := db.NewUpdate().Model((*User)(nil)).Set("timezone = ?", tz).Set("updated_at = ?", Now()).
		Where("id = ?", userID).Where("client_id IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: set time zone of user %d: %w", userID, err)
	}
	return nil
}

// WorkspaceTimezone is the zone staff see times in unless they chose one
// (through the per-process settings cache).
func WorkspaceTimezone(ctx context.Context, db bun.IDB) (string, error) {
	if c := cacheOf(db); c != nil {
		gen := c.gen.Load()
		c.mu.Lock()
		tz, ok := c.timezone, c.tzGen == gen && c.timezone != ""
		c.mu.Unlock()
		if ok {
			return tz, nil
		}
		tz, err := workspaceTimezone(ctx, db)
		if err == nil {
			c.mu.Lock()
			c.timezone, c.tzGen = tz, gen
			c.mu.Unlock()
		}
		return tz, err
	}
	return workspaceTimezone(ctx, db)
}

func workspaceTimezone(ctx context.Context, db bun.IDB) (string, error) {
	var tz string
	err := db.NewSelect().Model((*Workspace)(nil)).Column("timezone").Where("id = 1").Scan(ctx, &tz)
	if errors.Is(err, sql.ErrNoRows) {
		return "UTC", nil
	}
	if err != nil {
		return "", fmt.Errorf("models: workspace time zone: %w", err)
	}
	return tz, nil
}

// SetWorkspaceTimezone stores the workspace's zone.
func SetWorkspaceTimezone(ctx context.Context, db bun.IDB, tz string) error {
	if !ValidTimezone(tz) {
		return fmt.Errorf("models: unknown time zone %q", tz)
	}
	if _, err := db.NewUpdate().Model((*Workspace)(nil)).Set("timezone = ?", tz).Where("id = 1").Exec(ctx); err != nil {
		return fmt.Errorf("models: set workspace time zone: %w", err)
	}
	SettingsChanged(db)
	return nil
}

package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// InboundSettings is the one row of reply-by-mail settings: the key that
// signs reply tokens and Message-IDs, and the switch staff turn reply-in
// off with.
type InboundSettings struct {
	bun.BaseModel `bun:"table:inbound_settings"`

	ID        int64     `bun:"id,pk"`
	TokenKey  []byte    `bun:"token_key"`
	ReplyIn   bool      `bun:"reply_in"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// GetInboundSettings loads the row, making it (with a fresh random key) the
// first time: two processes doing so at once keep the first one's key.
func GetInboundSettings(ctx context.Context, db bun.IDB) (*InboundSettings, error) {
	s := new(InboundSettings)
	err := db.NewSelect().Model(s).Where("id = 1").Scan(ctx)
	if err == nil {
		return s, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("models: load inbound settings: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("models: make reply token key: %w", err)
	}
	s = &InboundSettings{ID: 1, TokenKey: key, ReplyIn: true, UpdatedAt: Now()}
	if _, err := db.NewInsert().Model(s).On("CONFLICT (id) DO NOTHING").Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: create inbound settings: %w", err)
	}
	s = new(InboundSettings)
	if err := db.NewSelect().Model(s).Where("id = 1").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: load inbound settings: %w", err)
	}
	return s, nil
}

// SetReplyIn turns reply-by-mail on or off.
func SetReplyIn(ctx context.Context, db bun.IDB, on bool) error {
	if _, err := GetInboundSettings(ctx, db); err != nil {
		return err
	}
	if _, err := db.NewUpdate().Model((*InboundSettings)(nil)).Set("reply_in = ?", on).
		Set("updated_at = ?", Now()).Where("id = 1").Exec(ctx); err != nil {
		return fmt.Errorf("models: set reply-in: %w", err)
	}
	return nil
}

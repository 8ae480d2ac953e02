package models

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// SetupCode opens the setup page of a fresh instance. Without it, whoever
// reached a new portal first became its admin. The code is printed in the
// server log (or by `portal staff create`), so only someone who runs the
// server can use it; only its hash is stored.
type SetupCode struct {
	bun.BaseModel `bun:"table:setup_codes"`

	ID        int64     `bun:"id,pk,autoincrement"`
	CodeHash  []byte    `bun:"code_hash"`
	CreatedAt time.Time `bun:"created_at"`
}

// NewSetupCode makes a one-time setup code (80 random bits, in groups of
// four letters and digits, easy to copy from a log) and stores its hash.
func NewSetupCode(ctx context.Context, db bun.IDB) (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("models: random setup code: %w", err)
	}
	raw := base32.StdEncoding.EncodeToString(b) // 16 characters
	code := raw[0:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:16]
	row := &SetupCode{CodeHash: HashToken(normalizeSetupCode(code)), CreatedAt: Now()}
	if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
		return "", fmt.Errorf("models: store setup code: %w", err)
	}
	return code, nil
}

// ValidSetupCode reports whether code is one of the setup codes issued.
func ValidSetupCode(ctx context.Context, db bun.IDB, code string) (bool, error) {
	code = normalizeSetupCode(code)
	if code == "" || len(code) > 64 {
		return false, nil
	}
	ok, err := db.NewSelect().Model((*SetupCode)(nil)).Where("code_hash = ?", HashToken(code)).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("models: check setup code: %w", err)
	}
	return ok, nil
}

// normalizeSetupCode forgives case, spaces and dashes in a typed code.
func normalizeSetupCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(code)))
}

// deleteSetupCodes retires every code once the workspace exists.
func deleteSetupCodes(ctx context.Context, db bun.IDB) error {
	if _, err := db.NewDelete().Model((*SetupCode)(nil)).Where("1 = 1").Exec(ctx); err != nil {
		return fmt.Errorf("models: delete setup codes: %w", err)
	}
	return nil
}

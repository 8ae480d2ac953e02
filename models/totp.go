package models

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"
)

// Two-factor sign-in: a time-based one-time code (RFC 6238, through
// github.com/pquerna/otp) after the password, or one of ten recovery codes
// for a lost phone. The secret must be readable to check codes, so it is
// stored as is; recovery codes are stored only as hashes.

// RecoveryCode is a one-time code that replaces the app's code once.
type RecoveryCode struct {
	bun.BaseModel `bun:"table:recovery_codes"`

	ID        int64      `bun:"id,pk,autoincrement"`
	UserID    int64      `bun:"user_id"`
	CodeHash  []byte     `bun:"code_hash"`
	UsedAt    *time.Time `bun:"used_at"`
	CreatedAt time.Time  `bun:"created_at"`
}

// RecoveryCodeCount is how many recovery codes a user gets.
const RecoveryCodeCount = 10

// totpStep is the code period; a code from the step before or after is
// accepted for clock drift.
const totpStep = 30

// TOTPEnabled reports whether the user signs in with a second factor.
func (u *User) TOTPEnabled() bool { return u.TOTPEnabledAt != nil && u.TOTPSecret != nil }

// ErrTOTPCode is a wrong, reused or expired code.
var ErrTOTPCode = errors.New("models: the code is not valid")

// ErrCurrentFactor is a wrong code of the app in use (or recovery code)
// where replacing that app asks for one.
var ErrCurrentFactor = errors.New("models: the code of the app in use is not valid")

// BeginTOTP makes a new secret for the user, pending until ConfirmTOTP, and
// returns the key an authenticator app scans (its URL holds the secret).
// Two-factor sign-in that is on stays on with the secret in use: starting a
// set-up proves nothing but a session, so it must not weaken the sign-in.
func BeginTOTP(ctx context.Context, db bun.IDB, u *User, issuer string) (*otp.Key, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Email})
	if err != nil {
		return nil, fmt.Errorf("models: generate TOTP secret: %w", err)
	}
	secret := key.Secret()
	if _, err := db.NewUpdate().Model((*User)(nil)).Set("totp_pending_secret = ?", secret).
		Set("updated_at = ?", Now()).Where("id = ?", u.ID).Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: store pending TOTP secret of user %d: %w", u.ID, err)
	}
	u.TOTPPendingSecret = &secret
	return key, nil
}

// ConfirmTOTP puts the pending secret in use once the new app shows a right
// code, and returns the user's new recovery codes (shown once; only their
// hashes are kept). A user who already has two-factor sign-in on replaces
// their app: current must then be a code of the app in use or a recovery
// code (ErrCurrentFactor otherwise), so a stolen session cannot swap in an
// app of its own. A wrong new code is ErrTOTPCode, checked first so that a
// recovery code is not used up by a mistyped new one.
func ConfirmTOTP(ctx context.Context, db *bun.DB, userID int64, code, current string) ([]string, error) {
	var codes []string
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		u, err := GetUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if u.TOTPPendingSecret == nil {
			return ErrTOTPCode
		}
		step, ok := matchTOTP(*u.TOTPPendingSecret, code, 0)
		if !ok {
			return ErrTOTPCode
		}
		if u.TOTPEnabled() {
			if err := checkSecondFactor(ctx, tx, u, current); errors.Is(err, ErrTOTPCode) {
				return ErrCurrentFactor
			} else if err != nil {
				return err
			}
		}
		now := Now()
		if _, err := tx.NewUpdate().Model((*User)(nil)).Set("totp_secret = totp_pending_secret").
			Set("totp_pending_secret = NULL").Set("totp_enabled_at = ?", now).Set("totp_last_step = ?", step).
			Set("updated_at = ?", now).Where("id = ?", userID).Exec(ctx); err != nil {
			return fmt.Errorf("models: enable TOTP of user %d: %w", userID, err)
		}
		codes, err = newRecoveryCodes(ctx, tx, userID)
		return err
	})
	return codes, err
}

// DisableTOTP turns two-factor sign-in off and drops the recovery codes,
// given a current code of the app or a recovery code (ErrTOTPCode
// otherwise). The caller checks the password first.
func DisableTOTP(ctx context.Context, db *bun.DB, userID int64, code string) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		u, err := GetUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if err := checkSecondFactor(ctx, tx, u, code); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*User)(nil)).Set("totp_secret = NULL").Set("totp_pending_secret = NULL").
			Set("totp_enabled_at = NULL").Set("totp_last_step = 0").Set("updated_at = ?", Now()).
			Where("id = ?", userID).Exec(ctx); err != nil {
			return fmt.Errorf("models: disable TOTP of user %d: %w", userID, err)
		}
		if _, err := tx.NewDelete().Model((*RecoveryCode)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
			return fmt.Errorf("models: delete recovery codes of user %d: %w", userID, err)
		}
		return nil
	})
}

// CheckSecondFactor accepts a current code from the app (each at most once)
// or an unused recovery code (then used up). Anything else is ErrTOTPCode.
func CheckSecondFactor(ctx context.Context, db *bun.DB, userID int64, code string) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		u, err := GetUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		return checkSecondFactor(ctx, tx, u, code)
	})
}

// checkSecondFactor is CheckSecondFactor inside the caller's transaction,
// for u as read in it.
func checkSecondFactor(ctx context.Context, tx bun.Tx, u *User, code string) error {
	if !u.TOTPEnabled() {
		return ErrTOTPCode
	}
	if step, ok := matchTOTP(*u.TOTPSecret, code, u.TOTPLastStep); ok {
		// The condition on the last step makes a concurrent second use
		// of the same code fail.
		res, err := tx.NewUpdate().Model((*User)(nil)).Set("totp_last_step = ?", step).
			Where("id = ?", u.ID).Where("totp_last_step < ?", step).Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: record TOTP step of user %d: %w", u.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrTOTPCode
		}
		return nil
	}
	code = normalizeRecoveryCode(code)
	if code == "" {
		return ErrTOTPCode
	}
	res, err := tx.NewUpdate().Model((*RecoveryCode)(nil)).Set("used_at = ?", Now()).
		Where("user_id = ?", u.ID).Where("code_hash = ?", HashToken(code)).
		Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: use recovery code of user %d: %w", u.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrTOTPCode
	}
	return nil
}

// UnusedRecoveryCodes counts a user's recovery codes still available.
func UnusedRecoveryCodes(ctx context.Context, db bun.IDB, userID int64) (int, error) {
	n, err := db.NewSelect().Model((*RecoveryCode)(nil)).Where("user_id = ?", userID).Where("used_at IS NULL").Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("models: count recovery codes of user %d: %w", userID, err)
	}
	return n, nil
}

// matchTOTP checks a six-digit code against the secret at the current step
// and one step either side, and returns the step it matched; steps up to
// after are refused, so a code seen once cannot be replayed.
func matchTOTP(secret, code string, after int64) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	now := time.Now()
	for _, d := range []int64{0, -1, 1} {
		step := now.Unix()/totpStep + d
		if step <= after {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpStep, 0), totp.ValidateOpts{
			Period: totpStep, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// newRecoveryCodes replaces a user's recovery codes and returns them.
func newRecoveryCodes(ctx context.Context, tx bun.Tx, userID int64) ([]string, error) {
	if _, err := tx.NewDelete().Model((*RecoveryCode)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: delete recovery codes of user %d: %w", userID, err)
	}
	now := Now()
	codes := make([]string, RecoveryCodeCount)
	rows := make([]RecoveryCode, RecoveryCodeCount)
	for i := range codes {
		b := make([]byte, 10)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("models: random recovery code: %w", err)
		}
		raw := strings.ToLower(base32.StdEncoding.EncodeToString(b)) // 16 characters
		codes[i] = raw[:8] + "-" + raw[8:]
		rows[i] = RecoveryCode{UserID: userID, CodeHash: HashToken(normalizeRecoveryCode(codes[i])), CreatedAt: now}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return nil, fmt.Errorf("models: store recovery codes of user %d: %w", userID, err)
	}
	return codes, nil
}

// normalizeRecoveryCode forgives case, spaces and dashes.
func normalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
}

// EndUnenrolledStaffSessions signs out every staff member who has not set
// up two-factor sign-in, for the moment it becomes compulsory: the pages
// check the rule on each request, but a live event stream opened before
// would go on streaming. Ending the session ends its streams (the
// sessions_revoke trigger); they sign in again and are sent to set it up.
func EndUnenrolledStaffSessions(ctx context.Context, db bun.IDB) (int64, error) {
	res, err := db.NewDelete().Model((*Session)(nil)).
		Where("user_id IN (?)", db.NewSelect().Model((*User)(nil)).Column("id").
			Where("role IN (?)", bun.List([]string{RoleAdmin, RoleAgent})).
			Where("(totp_enabled_at IS NULL OR totp_secret IS NULL)")).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("models: end sessions of staff without two-factor sign-in: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// StaffMustEnrol reports whether u is a staff member who has not set up
// two-factor sign-in while the MSP requires it of staff. It is the one rule
// for every staff surface: the pages, the event stream and the API (whose
// tokens act as their owner).
func StaffMustEnrol(ctx context.Context, db bun.IDB, u *User) (bool, error) {
	if u == nil || !u.IsStaff() || u.TOTPEnabled() {
		return false, nil
	}
	ws, err := CachedWorkspace(ctx, db)
	if err != nil {
		return false, fmt.Errorf("models: read the two-factor requirement: %w", err)
	}
	return ws.RequireStaffTOTP, nil
}

package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// OAuthIdentity links an account to a sign-in provider's user (provider's
// name and its stable subject id).
type OAuthIdentity struct {
	bun.BaseModel `bun:"table:oauth_identities"`

	ID        int64     `bun:"id,pk,autoincrement"`
	UserID    int64     `bun:"user_id"`
	Provider  string    `bun:"provider"`
	Subject   string    `bun:"subject"`
	Email     string    `bun:"email"`
	CreatedAt time.Time `bun:"created_at"`
}

// ListIdentities returns the providers linked to a user.
func ListIdentities(ctx context.Context, db bun.IDB, userID int64) ([]OAuthIdentity, error) {
	var ids []OAuthIdentity
	if err := db.NewSelect().Model(&ids).Where("user_id = ?", userID).Order("provider", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: list identities of user %d: %w", userID, err)
	}
	return ids, nil
}

// FindIdentity returns the identity of a provider's subject.
func FindIdentity(ctx context.Context, db bun.IDB, provider, subject string) (*OAuthIdentity, error) {
	id := new(OAuthIdentity)
	if err := db.NewSelect().Model(id).Where("provider = ?", provider).Where("subject = ?", subject).Scan(ctx); err != nil {
		return nil, notFound(err, "find identity")
	}
	return id, nil
}

// ErrIdentityTaken is returned when a provider's user is linked to another account.
var ErrIdentityTaken = errors.New("models: identity is linked to another account")

// LinkIdentity links a provider's user to an account.
func LinkIdentity(ctx context.Context, db bun.IDB, userID int64, provider, subject, email string) error {
	existing, err := FindIdentity(ctx, db, provider, subject)
	switch {
	case err == nil && existing.UserID == userID:
		return nil
	case err == nil:
		return ErrIdentityTaken
	case !errors.Is(err, ErrNotFound):
		return err
	}
	id := &OAuthIdentity{UserID: userID, Provider: provider, Subject: subject, Email: NormalizeEmail(email), CreatedAt: Now()}
	if _, err := db.NewInsert().Model(id).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return ErrIdentityTaken
		}
		return fmt.Errorf("models: link %s identity to user %d: %w", provider, userID, err)
	}
	return nil
}

// ErrLastSignIn is returned when unlinking would leave an account with no
// way to sign in.
var ErrLastSignIn = errors.New("models: the last way to sign in cannot be removed")

// UnlinkIdentity removes one of a user's identities, unless it is the only
// way left to sign in (no password, no other identity).
func UnlinkIdentity(ctx context.Context, db *bun.DB, userID, identityID int64) error {
	return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		u, err := GetUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		n, err := tx.NewSelect().Model((*OAuthIdentity)(nil)).Where("user_id = ?", userID).Count(ctx)
		if err != nil {
			return fmt.Errorf("models: count identities of user %d: %w", userID, err)
		}
		if u.PasswordHash == nil && n <= 1 {
			return ErrLastSignIn
		}
		res, err := tx.NewDelete().Model((*OAuthIdentity)(nil)).Where("id = ?", identityID).Where("user_id = ?", userID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("models: unlink identity %d: %w", identityID, err)
		}
		return oneRow(res, fmt.Sprintf("unlink identity %d", identityID))
	})
}

// OAuthState is an OAuth sign-in in progress, used once when the browser
// comes back from the provider. Only the state's hash is stored.
type OAuthState struct {
	bun.BaseModel `bun:"table:oauth_states"`

	ID           int64     `bun:"id,pk,autoincrement"`
	StateHash    []byte    `bun:"state_hash"`
	Provider     string    `bun:"provider"`
	SessionData  string    `bun:"session_data"`
	PortalLinkID *int64    `bun:"portal_link_id"` // arrived through this portal link
	LinkUserID   *int64    `bun:"link_user_id"`   // a signed-in user linking a provider
	CodeVerifier string    `bun:"code_verifier"`  // PKCE, where the provider supports it
	Nonce        string    `bun:"nonce"`          // must come back in the ID token
	CreatedAt    time.Time `bun:"created_at"`
	ExpiresAt    time.Time `bun:"expires_at"`
}

// OAuthStateValidity is how long a person may take at the provider.
const OAuthStateValidity = 10 * time.Minute

// SaveOAuthState records a sign-in in progress, pruning abandoned ones.
func SaveOAuthState(ctx context.Context, db bun.IDB, st *OAuthState) error {
	now := Now()
	st.CreatedAt, st.ExpiresAt = now, now.Add(OAuthStateValidity)
	if _, err := db.NewDelete().Model((*OAuthState)(nil)).Where("expires_at < ?", now).Exec(ctx); err != nil {
		return fmt.Errorf("models: prune OAuth states: %w", err)
	}
	if _, err := db.NewInsert().Model(st).Exec(ctx); err != nil {
		return fmt.Errorf("models: save OAuth state: %w", err)
	}
	return nil
}

// TakeOAuthState returns and deletes the unexpired state of a provider's
// callback; a second use, or an unknown state, is ErrNotFound.
func TakeOAuthState(ctx context.Context, db bun.IDB, state, provider string) (*OAuthState, error) {
	st := new(OAuthState)
	err := db.NewDelete().Model(st).Where("state_hash = ?", HashToken(state)).Where("provider = ?", provider).
		Returning("*").Scan(ctx)
	if err != nil {
		return nil, notFound(err, "take OAuth state")
	}
	if !Now().Before(st.ExpiresAt) {
		return nil, fmt.Errorf("models: OAuth state expired: %w", ErrNotFound)
	}
	return st, nil
}

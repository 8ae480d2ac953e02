package models

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Kinds of API token.
const (
	TokenPersonal    = "personal"    // a staff member's own; acts as them
	TokenIntegration = "integration" // the workspace's, made by an admin; acts as that admin
)

// API scopes. ScopeInternal is ours on top of the list: without it
// a token never reads or writes an internal note, whoever owns it.
const (
	ScopeRequestsRead  = "requests:read"
	ScopeRequestsWrite = "requests:write"
	ScopeMessagesWrite = "messages:write"
	ScopeTimeRead      = "time:read"
	ScopeTimeWrite     = "time:write"
	ScopeClientsRead   = "clients:read"
	ScopeWebhooksAdmin = "webhooks:admin"
	ScopeInternal      = "notes:internal"
)

// APIScopes is every scope, in the order the console lists them.
var APIScopes = []string{ScopeRequestsRead, ScopeRequestsWrite, ScopeMessagesWrite, ScopeTimeRead,
	ScopeTimeWrite, ScopeClientsRead, ScopeWebhooksAdmin, ScopeInternal}

// apiTokenTouchEvery is how stale last_used_at may get: a token in use is
// written at most once a minute, not once per call.
const apiTokenTouchEvery = time.Minute

// APIToken is a bearer token of the API. The secret is never stored: only
// the SHA-256 of the whole token, and the prefix that names it on screen.
type APIToken struct {
	bun.BaseModel `bun:"table:api_tokens"`

	ID         int64      `bun:"id,pk,autoincrement"`
	Kind       string     `bun:"kind"`
	UserID     int64      `bun:"user_id"`
	Name       string     `bun:"name"`
	Prefix     string     `bun:"prefix"`
	TokenHash  []byte     `bun:"token_hash"`
	Scopes     string     `bun:"scopes"`
	ExpiresAt  *time.Time `bun:"expires_at"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
	CreatedAt  time.Time  `bun:"created_at"`

	User *User `bun:"rel:belongs-to,join:user_id=id"`
}

// ScopeList is the token's scopes.
func (t *APIToken) ScopeList() []string { return strings.Fields(t.Scopes) }

// Has reports whether the token carries scope.
func (t *APIToken) Has(scope string) bool { return slices.Contains(t.ScopeList(), scope) }

// Active reports whether the token may be used at now.
func (t *APIToken) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// NewAPIToken is what the console form and `portal token create` ask for.
type NewAPIToken struct {
	Kind      string
	UserID    int64
	Name      string
	Scopes    []string
	ExpiresAt *time.Time
}

// Errors of token creation, each naming what to fix.
var (
	ErrTokenName  = errors.New("models: a token needs a name of at most 100 characters")
	ErrTokenScope = errors.New("models: unknown API scope")
	ErrTokenKind  = errors.New("models: a token is personal or integration")
	ErrTokenOwner = errors.New("models: only an active staff member may own a token, and only an admin an integration token")
)

// NormalizeScopes checks and orders a list of scopes (duplicates dropped).
func NormalizeScopes(in []string) ([]string, error) {
	var out []string
	for _, s := range APIScopes {
		if slices.Contains(in, s) {
			out = append(out, s)
		}
	}
	for _, s := range in {
		if !slices.Contains(APIScopes, s) {
			return nil, fmt.Errorf("%w %q (known: %s)", ErrTokenScope, s, strings.Join(APIScopes, ", "))
		}
	}
	return out, nil
}

// CreateAPIToken makes a token and returns it with the secret, which is
// shown this once and never again.
func CreateAPIToken(ctx context.Context, db bun.IDB, in NewAPIToken) (*APIToken, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len([]rune(in.Name)) > 100 {
		return nil, "", ErrTokenName
	}
	if in.Kind != TokenPersonal && in.Kind != TokenIntegration {
		return nil, "", ErrTokenKind
	}
	scopes, err := NormalizeScopes(in.Scopes)
	if err != nil {
		return nil, "", err
	}
	owner, err := GetUser(ctx, db, in.UserID)
	if err != nil {
		return nil, "", err
	}
	if !owner.IsStaff() || owner.DisabledAt != nil || (in.Kind == TokenIntegration && !owner.IsAdmin()) {
		return nil, "", ErrTokenOwner
	}
	prefix, secret, err := newTokenParts()
	if err != nil {
		return nil, "", err
	}
	token := "pt_" + prefix + "_" + secret
	t := &APIToken{Kind: in.Kind, UserID: in.UserID, Name: in.Name, Prefix: prefix, TokenHash: HashToken(token),
		Scopes: strings.Join(scopes, " "), ExpiresAt: in.ExpiresAt, CreatedAt: Now()}
	if _, err := db.NewInsert().Model(t).Exec(ctx); err != nil {
		return nil, "", fmt.Errorf("models: create API token %q: %w", in.Name, err)
	}
	return t, token, nil
}

// newTokenParts draws a token's visible prefix (8 characters, 40 bits, so
// that two tokens are told apart on screen) and its 256-bit secret.
func newTokenParts() (prefix, secret string, err error) {
	b := make([]byte, 37)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("models: random API token: %w", err)
	}
	prefix = strings.ToLower(base32.StdEncoding.EncodeToString(b[:5]))
	return prefix, base64.RawURLEncoding.EncodeToString(b[5:]), nil
}

// ErrBadToken is every reason a presented token is refused: malformed,
// unknown, revoked, expired, or its owner disabled. The API answers all of
// them alike, so a caller learns nothing about which tokens exist.
var ErrBadToken = errors.New("models: invalid API token")

// AuthenticateAPIToken finds the active token presented and its owner. The
// row is read on every call (no cache), so a revocation is refused by every
// process from the next call on. last_used_at is written only when it is
// more than a minute old.
func AuthenticateAPIToken(ctx context.Context, db bun.IDB, token string, now time.Time) (*APIToken, error) {
	rest, ok := strings.CutPrefix(token, "pt_")
	prefix, _, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(prefix) != 8 {
		return nil, ErrBadToken
	}
	t := new(APIToken)
	err := db.NewSelect().Model(t).Relation("User").Where("api_token.prefix = ?", prefix).Limit(1).Scan(ctx)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrBadToken
		}
		return nil, fmt.Errorf("models: read API token %s: %w", prefix, err)
	}
	if subtle.ConstantTimeCompare(t.TokenHash, HashToken(token)) != 1 || !t.Active(now) ||
		t.User == nil || !t.User.IsStaff() || t.User.DisabledAt != nil ||
		(t.Kind == TokenIntegration && !t.User.IsAdmin()) {
		return nil, ErrBadToken
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= apiTokenTouchEvery {
		if _, err := db.NewUpdate().Model(t).Set("last_used_at = ?", now).WherePK().
			Where("last_used_at IS NULL OR last_used_at < ?", now.Add(-apiTokenTouchEvery)).Exec(ctx); err != nil {
			return nil, fmt.Errorf("models: note use of API token %s: %w", prefix, err)
		}
		t.LastUsedAt = &now
	}
	return t, nil
}

// ListAPITokens lists tokens for the console: a staff member sees their
// own personal tokens; an admin also sees every integration token.
func ListAPITokens(ctx context.Context, db bun.IDB, viewer *User) ([]APIToken, error) {
	var ts []APIToken
	q := db.NewSelect().Model(&ts).Relation("User", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "email") })
	if viewer.IsAdmin() {
		q = q.Where("api_token.user_id = ? OR api_token.kind = ?", viewer.ID, TokenIntegration)
	} else {
		q = q.Where("api_token.user_id = ?", viewer.ID).Where("api_token.kind = ?", TokenPersonal)
	}
	if err := q.Order("api_token.revoked_at DESC", "api_token.id DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: list API tokens of user %d: %w", viewer.ID, err)
	}
	return ts, nil
}

// RevokeAPIToken revokes a token the viewer may manage (their own, or any
// integration token for an admin); another is ErrNotFound.
func RevokeAPIToken(ctx context.Context, db bun.IDB, viewer *User, id int64) error {
	q := db.NewUpdate().Model((*APIToken)(nil)).Set("revoked_at = ?", Now()).Where("id = ?", id).Where("revoked_at IS NULL")
	if viewer.IsAdmin() {
		q = q.Where("user_id = ? OR kind = ?", viewer.ID, TokenIntegration)
	} else {
		q = q.Where("user_id = ?", viewer.ID).Where("kind = ?", TokenPersonal)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: revoke API token %d: %w", id, err)
	}
	return oneRow(res, fmt.Sprintf("revoke API token %d", id))
}

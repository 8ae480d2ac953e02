package models

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Kinds of mail a person can turn off with List-Unsubscribe. Mail about one
// request (replies, completions) is a conversation, not a list: it has no
// unsubscribe, only the Account page's preferences.
const (
	MailSummary = "summary" // the monthly summary
	MailDigest  = "digest"  // an update mail about several requests
	MailHours   = "hours"   // hour bank alerts (running low, overage)
)

// MailKinds lists them.
var MailKinds = []string{MailSummary, MailDigest, MailHours}

// MailKindText names a kind in a sentence ("monthly summaries").
func MailKindText(kind string) string {
	switch kind {
	case MailSummary:
		return "monthly summaries"
	case MailDigest:
		return "update digests (one mail about several requests)"
	case MailHours:
		return "hour bank alerts"
	}
	return "this mail"
}

// MailOptOut is one address that turned one kind of mail off.
type MailOptOut struct {
	bun.BaseModel `bun:"table:mail_opt_outs"`

	Kind      string    `bun:"kind,pk"`
	Email     string    `bun:"email,pk"`
	CreatedAt time.Time `bun:"created_at"`
}

// ErrBadUnsubscribe is a token that is not ours (mistyped or changed).
var ErrBadUnsubscribe = errors.New("models: unsubscribe link is not valid")

// unsubscribeKey is the reply-token key put to a second use: deriving
// keeps a leaked unsubscribe token from saying anything about reply tokens.
func unsubscribeKey(ctx context.Context, db bun.IDB) ([]byte, error) {
	st, err := GetInboundSettings(ctx, db)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, st.TokenKey)
	m.Write([]byte("portal list-unsubscribe v1"))
	return m.Sum(nil), nil
}

// UnsubscribeToken is the signed token of a List-Unsubscribe link: it
// names the kind and the address, and is the only authority an
// unsubscribe needs (a mail program posts it without cookies). It does not
// expire: a link in an old mail must keep working.
func UnsubscribeToken(ctx context.Context, db bun.IDB, kind, email string) (string, error) {
	sign, err := UnsubscribeSigner(ctx, db)
	if err != nil {
		return "", err
	}
	return sign(kind, email), nil
}

// UnsubscribeSigner reads the signing key once and returns a function that
// makes UnsubscribeToken's tokens, for a run that mails thousands.
func UnsubscribeSigner(ctx context.Context, db bun.IDB) (func(kind, email string) string, error) {
	key, err := unsubscribeKey(ctx, db)
	if err != nil {
		return nil, err
	}
	return func(kind, email string) string {
		payload := kind + "\n" + NormalizeEmail(email)
		enc := base64.RawURLEncoding
		return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(unsubscribeMAC(key, payload))
	}, nil
}

func unsubscribeMAC(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return m.Sum(nil)[:16]
}

// ParseUnsubscribeToken checks a token and returns its kind and address.
func ParseUnsubscribeToken(ctx context.Context, db bun.IDB, token string) (kind, email string, err error) {
	enc := base64.RawURLEncoding
	p, s, ok := strings.Cut(token, ".")
	if !ok {
		return "", "", ErrBadUnsubscribe
	}
	payload, err1 := enc.DecodeString(p)
	sig, err2 := enc.DecodeString(s)
	if err1 != nil || err2 != nil {
		return "", "", ErrBadUnsubscribe
	}
	key, err := unsubscribeKey(ctx, db)
	if err != nil {
		return "", "", err
	}
	if !hmac.Equal(sig, unsubscribeMAC(key, string(payload))) {
		return "", "", ErrBadUnsubscribe
	}
	kind, email, ok = strings.Cut(string(payload), "\n")
	if !ok || !slices.Contains(MailKinds, kind) || email == "" {
		return "", "", ErrBadUnsubscribe
	}
	return kind, email, nil
}

// SetMailOptOut turns one kind of mail off (or on again) for one address.
func SetMailOptOut(ctx context.Context, db bun.IDB, kind, email string, off bool) error {
	email = NormalizeEmail(email)
	if off {
		o := &MailOptOut{Kind: kind, Email: email, CreatedAt: Now()}
		if _, err := db.NewInsert().Model(o).On("CONFLICT (kind, email) DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("models: turn %s mail off for %s: %w", kind, email, err)
		}
		return nil
	}
	if _, err := db.NewDelete().Model((*MailOptOut)(nil)).Where("kind = ? AND email = ?", kind, email).Exec(ctx); err != nil {
		return fmt.Errorf("models: turn %s mail on for %s: %w", kind, email, err)
	}
	return nil
}

// OptedOut reports whether email turned kind off.
func OptedOut(ctx context.Context, db bun.IDB, kind, email string) (bool, error) {
	n, err := db.NewSelect().Model((*MailOptOut)(nil)).Where("kind = ? AND email = ?", kind, NormalizeEmail(email)).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("models: %s opt-out of %s: %w", kind, email, err)
	}
	return n > 0, nil
}

// optedOutSet is the addresses that turned kind off, of those given.
func optedOutSet(ctx context.Context, db bun.IDB, kind string, emails []string) (map[string]bool, error) {
	set := map[string]bool{}
	if len(emails) == 0 {
		return set, nil
	}
	norm := make([]string, len(emails))
	for i, e := range emails {
		norm[i] = NormalizeEmail(e)
	}
	var got []string
	if err := db.NewSelect().Model((*MailOptOut)(nil)).Column("email").Where("kind = ?", kind).
		Where("email IN (?)", bun.List(norm)).Scan(ctx, &got); err != nil {
		return nil, fmt.Errorf("models: %s opt-outs: %w", kind, err)
	}
	for _, e := range got {
		set[e] = true
	}
	return set, nil
}

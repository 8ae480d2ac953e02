package inbound

import (
	"context"
	"fmt"
	"strings"

	"github.com/portal-msp/portal/models"
)

// Unread is what a way in knows of a mail it will not download: an IMAP
// server tells a mail's size and envelope without its body.
type Unread struct {
	Route     string
	MessageID string // without angle brackets; "" when the mail has none
	OtherKey  string // what tells the mail apart without a Message-ID
	From      string
	Subject   string
	Size      int64
}

// tooLarge says why a mail of size bytes is not read, or "" when it may be.
func (c Config) tooLarge(size int64) string {
	if c.MaxBytes <= 0 || size <= c.MaxBytes {
		return ""
	}
	return fmt.Sprintf("The mail is %s, larger than the %s limit; it was not read.",
		models.ByteSizeText(size), models.ByteSizeText(c.MaxBytes))
}

// HoldUnread holds a mail over the size limit for staff from what its
// envelope says, as Process holds one it was handed whole: once (by its
// Message-ID, or OtherKey), with the same reason, keeping no bytes.
func HoldUnread(ctx context.Context, c Config, u Unread) (Outcome, error) {
	key := u.OtherKey
	if id := strings.TrimSpace(strings.Trim(strings.TrimSpace(u.MessageID), "<>")); id != "" && len(id) <= 500 {
		key = "mid:" + id
	}
	if seen, err := models.InboundMailSeen(ctx, c.DB, key); err != nil {
		return Outcome{}, err
	} else if seen {
		return Outcome{Status: Duplicate}, nil
	}
	why := c.tooLarge(u.Size)
	if why == "" {
		why = fmt.Sprintf("The mail is %s; it was not read.", models.ByteSizeText(u.Size))
	}
	rec := &models.InboundMail{DedupeKey: key, Route: u.Route, FromAddr: strings.ToLower(u.From), Subject: cut(u.Subject, 300), Size: u.Size}
	return c.hold(ctx, rec, nil, why)
}

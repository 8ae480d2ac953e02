package inbound

import (
	"context"
	"errors"
	"strings"

	"github.com/portal-msp/portal/models"
)

// ErrHeldUnreadable is returned for a held mail that cannot be put on a
// request (its bytes were not kept, or do not parse): staff discard it.
var ErrHeldUnreadable = errors.New("inbound: this mail cannot be read")

// ErrSenderNotClientUser is returned when a request is to be started for a
// held mail whose sender is no active client user.
var ErrSenderNotClientUser = errors.New("inbound: the sender is not a user of any client")

// heldContent reads a held mail again: its text above the quote and its
// files, stored.
func (c Config) heldContent(ctx context.Context, m *models.InboundMail) (*parsed, string, []models.NewAttachment, error) {
	if len(m.Raw) == 0 {
		return nil, "", nil, ErrHeldUnreadable
	}
	lim := attachmentLimits(ctx, c.DB)
	p, err := parse(m.Raw, lim.MaxFileBytes)
	if err != nil {
		return nil, "", nil, ErrHeldUnreadable
	}
	body := p.text
	if strings.TrimSpace(body) == "" && p.html != "" {
		body = htmlText(p.html)
	}
	body = cut(stripQuotes(body), models.MaxMessageLength-200)
	files, _, err := c.storeFiles(ctx, p.files, lim)
	if err != nil {
		return nil, "", nil, err
	}
	if body == "" {
		body = "(no text)"
	}
	return p, body, files, nil
}

// senderOf is the held mail's sender when an active client user.
func (c Config) senderOf(ctx context.Context, from string) (*models.User, error) {
	u, err := models.GetUserByEmail(ctx, c.DB, from)
	if errors.Is(err, models.ErrNotFound) || (err == nil && u.ClientID == nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	active, err := models.UserActive(ctx, c.DB, u)
	if err != nil || !active {
		return nil, err
	}
	return u, nil
}

// AcceptHeld puts held mail id on request requestID: as a message of the
// sender when the sender is an active user of that request's client, else
// as an internal note by staff that names the sender.
func AcceptHeld(ctx context.Context, c Config, id int64, staff *models.User, requestID int64) (*models.Message, error) {
	m, err := models.HeldMail(ctx, c.DB, id)
	if err != nil {
		return nil, err
	}
	_, body, files, err := c.heldContent(ctx, m)
	if err != nil {
		return nil, err
	}
	sender, err := c.senderOf(ctx, m.FromAddr)
	if err != nil {
		c.discard(ctx, files)
		return nil, err
	}
	r, _, err := models.RequestOfMail(ctx, c.DB, requestID)
	if err != nil {
		c.discard(ctx, files)
		return nil, err
	}
	if sender != nil && *sender.ClientID != r.ClientID {
		sender = nil
	}
	if sender == nil {
		body = "E-mail from " + m.FromAddr + " (accepted from Held e-mail):\n\n" + body
	}
	msg, err := models.AcceptHeldMail(ctx, c.DB, id, staff, requestID, sender, body, files)
	if err != nil {
		c.discard(ctx, files)
		return nil, err
	}
	return msg, nil
}

// StartRequestFromHeld opens a request for the sender's client from held
// mail id, with the subject as its title.
func StartRequestFromHeld(ctx context.Context, c Config, id int64, staff *models.User) (*models.Request, error) {
	m, err := models.HeldMail(ctx, c.DB, id)
	if err != nil {
		return nil, err
	}
	sender, err := c.senderOf(ctx, m.FromAddr)
	if err != nil {
		return nil, err
	}
	if sender == nil {
		return nil, ErrSenderNotClientUser
	}
	p, body, files, err := c.heldContent(ctx, m)
	if err != nil {
		return nil, err
	}
	title := strings.TrimSpace(subjectRef.ReplaceAllString(p.subject, ""))
	for _, prefix := range []string{"re:", "fw:", "fwd:", "aw:", "sv:"} {
		if len(title) >= len(prefix) && strings.EqualFold(title[:len(prefix)], prefix) {
			title = strings.TrimSpace(title[len(prefix):])
		}
	}
	if title == "" {
		title = "E-mail from " + m.FromAddr
	}
	r, err := models.StartRequestFromHeldMail(ctx, c.DB, id, staff, sender, cut(title, models.MaxTitleLength), body, files)
	if err != nil {
		c.discard(ctx, files)
		return nil, err
	}
	return r, nil
}

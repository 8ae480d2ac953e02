package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Statuses of an inbound mail.
const (
	InboundPosted    = "posted"    // a client message on RequestID
	InboundHeld      = "held"      // waiting for staff: Held e-mail
	InboundIgnored   = "ignored"   // an auto-reply or a bounce
	InboundAccepted  = "accepted"  // held, then put on a request by staff
	InboundDiscarded = "discarded" // held, then thrown away by staff
)

// InboundMail is one mail that reached the inbound processor, once: its
// DedupeKey (Message-ID, or a hash of the bytes) is unique.
type InboundMail struct {
	bun.BaseModel `bun:"table:inbound_mails,alias:inbound_mail"`

	ID         int64      `bun:"id,pk,autoincrement"`
	DedupeKey  string     `bun:"dedupe_key"`
	Route      string     `bun:"route"`
	ReceivedAt time.Time  `bun:"received_at"`
	MailFrom   string     `bun:"mail_from"` // the envelope sender
	FromAddr   string     `bun:"from_addr"` // the From header's address
	Subject    string     `bun:"subject"`
	Status     string     `bun:"status"`
	Reason     string     `bun:"reason"` // why it was held or ignored, in words for staff
	Size       int64      `bun:"size"`
	ClientID   *int64     `bun:"client_id"`  // the client it seems to be from, when known
	RequestID  *int64     `bun:"request_id"` // the request it was posted on, or seems to be about
	UserID     *int64     `bun:"user_id"`    // the user it was posted as, or seems to be from
	MessageID  *int64     `bun:"message_id"` // the message it became
	Raw        []byte     `bun:"raw"`        // kept while held, to accept it later
	DecidedBy  *int64     `bun:"decided_by"`
	DecidedAt  *time.Time `bun:"decided_at"`
}

// ErrDuplicateMail is returned when a mail with the same dedupe key was
// already recorded: it has been handled (or is being handled) once.
var ErrDuplicateMail = errors.New("models: this mail was already received")

// InboundMailSeen reports whether a mail with key was recorded, so that a
// second delivery costs no parsing or file storage.
func InboundMailSeen(ctx context.Context, db bun.IDB, key string) (bool, error) {
	ok, err := db.NewSelect().Model((*InboundMail)(nil)).Where("dedupe_key = ?", key).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("models: look up inbound mail: %w", err)
	}
	return ok, nil
}

// RecordInboundMail inserts m, or returns ErrDuplicateMail when its key is
// taken. In a transaction a concurrent insert of the same key waits for
// the other to commit and then reports the duplicate: the unique index
// decides which of two processes posts the message.
func RecordInboundMail(ctx context.Context, db bun.IDB, m *InboundMail) error {
	if m.ReceivedAt.IsZero() {
		m.ReceivedAt = Now()
	}
	res, err := db.NewInsert().Model(m).On("CONFLICT (dedupe_key) DO NOTHING").Returning("id").Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: record inbound mail: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrDuplicateMail
	}
	return nil
}

// SetInboundMailPosted links a recorded mail to the request and the
// message (0: none) it became.
func SetInboundMailPosted(ctx context.Context, db bun.IDB, id, requestID, messageID int64) error {
	var msg *int64 // a follow-up's reply is its description, not a message
	if messageID != 0 {
		msg = &messageID
	}
	if _, err := db.NewUpdate().Model((*InboundMail)(nil)).Set("request_id = ?", requestID).
		Set("message_id = ?", msg).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("models: link inbound mail %d: %w", id, err)
	}
	return nil
}

// HeldMails lists the held mails, newest first, without their bytes.
func HeldMails(ctx context.Context, db bun.IDB, limit int) ([]InboundMail, error) {
	var ms []InboundMail
	if err := db.NewSelect().Model(&ms).ExcludeColumn("raw").Where("status = ?", InboundHeld).
		OrderExpr("id DESC").Limit(limit).Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: held mails: %w", err)
	}
	return ms, nil
}

// CountHeldMails counts the held mails, for the console's navigation.
func CountHeldMails(ctx context.Context, db bun.IDB) (int, error) {
	n, err := db.NewSelect().Model((*InboundMail)(nil)).Where("status = ?", InboundHeld).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("models: count held mails: %w", err)
	}
	return n, nil
}

// HeldMail loads one held mail with its bytes.
func HeldMail(ctx context.Context, db bun.IDB, id int64) (*InboundMail, error) {
	m := new(InboundMail)
	if err := db.NewSelect().Model(m).Where("id = ?", id).Where("status = ?", InboundHeld).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load held mail %d", id))
	}
	return m, nil
}

// DecideHeldMail marks a held mail accepted (with the message it became)
// or discarded, and drops its bytes. Only a mail still held changes: of two
// staff deciding at once, the second gets ErrNotFound.
func DecideHeldMail(ctx context.Context, db bun.IDB, id int64, status string, by int64, requestID, messageID *int64) error {
	q := db.NewUpdate().Model((*InboundMail)(nil)).Set("status = ?", status).Set("raw = NULL").
		Set("decided_by = ?", by).Set("decided_at = ?", Now()).Where("id = ?", id).Where("status = ?", InboundHeld)
	if requestID != nil {
		q = q.Set("request_id = ?", *requestID).Set("message_id = ?", messageID)
	}
	if status == InboundDiscarded {
		q = q.Set("message_id = NULL")
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return fmt.Errorf("models: decide held mail %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("models: held mail %d: %w", id, ErrNotFound)
	}
	return nil
}

// InboundRoute is how one way in (smtp, imap) is doing, and for IMAP the
// mailbox position: UIDVALIDITY and the last UID read.
type InboundRoute struct {
	bun.BaseModel `bun:"table:inbound_routes,alias:inbound_route"`

	Name        string     `bun:"name,pk"`
	Connected   bool       `bun:"connected"`
	LastMailAt  *time.Time `bun:"last_mail_at"`
	LastError   string     `bun:"last_error"`
	LastErrorAt *time.Time `bun:"last_error_at"`
	UIDValidity int64      `bun:"uid_validity"`
	LastUID     int64      `bun:"last_uid"`
	UpdatedAt   time.Time  `bun:"updated_at"`
}

// InboundRoutes lists the routes that have reported, by name.
func InboundRoutes(ctx context.Context, db bun.IDB) ([]InboundRoute, error) {
	var rs []InboundRoute
	if err := db.NewSelect().Model(&rs).Order("name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: inbound routes: %w", err)
	}
	return rs, nil
}

// GetInboundRoute loads a route, or a zero one (not yet reported).
func GetInboundRoute(ctx context.Context, db bun.IDB, name string) (*InboundRoute, error) {
	r := &InboundRoute{Name: name}
	err := db.NewSelect().Model(r).WherePK().Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return &InboundRoute{Name: name}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: inbound route %s: %w", name, err)
	}
	return r, nil
}

// ensureRoute makes the route's row so that updates have one to change.
func ensureRoute(ctx context.Context, db bun.IDB, name string) error {
	r := &InboundRoute{Name: name, UpdatedAt: Now()}
	if _, err := db.NewInsert().Model(r).On("CONFLICT (name) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("models: inbound route %s: %w", name, err)
	}
	return nil
}

// ReportInboundRoute records a route's state: connected or not, a mail
// just received (mail true), an error (nil clears nothing: the last error
// stays visible with its time until the next one).
func ReportInboundRoute(ctx context.Context, db bun.IDB, name string, connected, mail bool, failure error) error {
	if err := ensureRoute(ctx, db, name); err != nil {
		return err
	}
	now := Now()
	q := db.NewUpdate().Model((*InboundRoute)(nil)).Set("connected = ?", connected).Set("updated_at = ?", now).
		Where("name = ?", name)
	if mail {
		q = q.Set("last_mail_at = ?", now)
	}
	if failure != nil {
		msg := failure.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		q = q.Set("last_error = ?", msg).Set("last_error_at = ?", now)
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("models: report inbound route %s: %w", name, err)
	}
	return nil
}

// SetMailboxPosition keeps where the IMAP reader is in its mailbox.
func SetMailboxPosition(ctx context.Context, db bun.IDB, name string, uidValidity, lastUID int64) error {
	if err := ensureRoute(ctx, db, name); err != nil {
		return err
	}
	if _, err := db.NewUpdate().Model((*InboundRoute)(nil)).Set("uid_validity = ?", uidValidity).
		Set("last_uid = ?", lastUID).Set("updated_at = ?", Now()).Where("name = ?", name).Exec(ctx); err != nil {
		return fmt.Errorf("models: mailbox position of %s: %w", name, err)
	}
	return nil
}

// PostMailReply posts an e-mailed reply of client user u on request
// requestID by the composer's rules (PostMessageOnce: a reply to a request
// waiting on the client puts it back in progress, one to a completed
// request reopens it inside the reopen window; after the window it starts
// a linked follow-up with the reply as its description), recording rec in
// the same transaction. A mail recorded before gives ErrDuplicateMail and
// writes nothing. It returns the message (nil for a follow-up) and the
// request the reply is on.
func PostMailReply(ctx context.Context, db bun.IDB, rec *InboundMail, u *User, requestID int64, body string, files []NewAttachment) (*Message, *Request, error) {
	sc, err := ScopeFor(db, u)
	if err != nil {
		return nil, nil, err
	}
	// A member restricted to their own requests cannot write into a
	// colleague's by naming its number: the mail is held for staff.
	if err := sc.requireRequest(ctx, requestID); err != nil {
		return nil, nil, err
	}
	var posted *Message
	var on *Request
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		rec.Status, rec.ClientID, rec.UserID, rec.RequestID = InboundPosted, u.ClientID, &u.ID, &requestID
		if err := RecordInboundMail(ctx, tx, rec); err != nil {
			return err
		}
		m, _, err := PostMessageOnce(ctx, tx, PostMessageInput{ClientID: sc.clientID, RequestID: requestID,
			AuthorID: u.ID, Body: body, Attachments: files})
		switch {
		case errors.Is(err, ErrReopenWindowClosed):
			in := NewRequest{Description: body, Channel: ChannelEmail, Attachments: files}
			if on, err = followUpIn(ctx, tx, Scope{db: tx, clientID: sc.clientID, userID: u.ID}, requestID, in); err != nil {
				return err
			}
			return SetInboundMailPosted(ctx, tx, rec.ID, on.ID, 0)
		case err != nil:
			return err
		}
		posted = m
		if on, err = lockRequest(ctx, tx, requestID); err != nil {
			return err
		}
		return SetInboundMailPosted(ctx, tx, rec.ID, requestID, m.ID)
	})
	if err != nil {
		return nil, nil, err
	}
	return posted, on, nil
}

// RecordHeldMail keeps a mail for staff with why it was held; a mail
// recorded before gives ErrDuplicateMail.
func RecordHeldMail(ctx context.Context, db bun.IDB, rec *InboundMail) error {
	if rec.Status == "" {
		rec.Status = InboundHeld
	}
	return RecordInboundMail(ctx, db, rec)
}

// RequestOfMail loads the request a reply names, with its client, for the
// inbound processor's checks (staff side: the processor decides who may
// post on it).
func RequestOfMail(ctx context.Context, db bun.IDB, id int64) (*Request, *Client, error) {
	r := new(Request)
	if err := db.NewSelect().Model(r).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, nil, notFound(err, fmt.Sprintf("load request %d of a mail", id))
	}
	c, err := GetClient(ctx, db, r.ClientID)
	if err != nil {
		return nil, nil, err
	}
	return r, c, nil
}

// RequestIDByClientNumber finds request number n of a client.
func RequestIDByClientNumber(ctx context.Context, db bun.IDB, clientID int64, n int) (int64, error) {
	var id int64
	if err := db.NewSelect().Model((*Request)(nil)).Column("id").Where("client_id = ?", clientID).
		Where("number = ?", n).Scan(ctx, &id); err != nil {
		return 0, notFound(err, fmt.Sprintf("request %d of client %d", n, clientID))
	}
	return id, nil
}

// AcceptHeldMail puts a held mail on request requestID, in one transaction
// with marking it accepted (a mail two staff accept at once is posted
// once: the second gets ErrNotFound). asUser, an active user of the
// request's client, becomes the author of a public message; with asUser
// nil (a sender who is no user of that client) the mail becomes an
// internal note by staff, never shown to the client.
func AcceptHeldMail(ctx context.Context, db bun.IDB, mailID int64, staff *User, requestID int64, asUser *User, body string, files []NewAttachment) (*Message, error) {
	var m *Message
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockRequest(ctx, tx, requestID)
		if err != nil {
			return err
		}
		in := PostMessageInput{ClientID: r.ClientID, RequestID: r.ID, AuthorID: staff.ID, ByStaff: true, Internal: true,
			Body: body, Attachments: files}
		if asUser != nil {
			if asUser.ClientID == nil || *asUser.ClientID != r.ClientID {
				return fmt.Errorf("models: user %d is not of the client of request %d: %w", asUser.ID, r.ID, ErrNotFound)
			}
			in.AuthorID, in.ByStaff, in.Internal = asUser.ID, false, false
		}
		if m, _, err = PostMessageOnce(ctx, tx, in); err != nil {
			return err
		}
		return DecideHeldMail(ctx, tx, mailID, InboundAccepted, staff.ID, &r.ID, &m.ID)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// StartRequestFromHeldMail opens a request for the sender (an active
// client user) from a held mail, staff acting, in one transaction with
// marking the mail accepted.
func StartRequestFromHeldMail(ctx context.Context, db bun.IDB, mailID int64, staff, sender *User, title, body string, files []NewAttachment) (*Request, error) {
	if sender.ClientID == nil {
		return nil, ErrNotClientUser
	}
	var r *Request
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		in := NewRequest{Title: title, Description: body, Urgency: UrgencyNormal, Channel: ChannelEmail, Attachments: files}
		if r, err = createRequestAt(ctx, tx, *sender.ClientID, sender.ID, staff.ID, in, time.Time{}); err != nil {
			return err
		}
		return DecideHeldMail(ctx, tx, mailID, InboundAccepted, staff.ID, &r.ID, nil)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// RequestIDByRef finds a request by the reference people write ("ACME-12"):
// the prefix names the client, preferring client (when not nil) if several
// clients share it. Anything else is ErrNotFound.
func RequestIDByRef(ctx context.Context, db bun.IDB, ref string, client *int64) (int64, error) {
	prefix, num, ok := strings.Cut(strings.TrimSpace(ref), "-")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n <= 0 || prefix == "" {
		return 0, fmt.Errorf("models: request reference %q: %w", ref, ErrNotFound)
	}
	var ids []int64
	if err := db.NewSelect().Model((*Client)(nil)).Column("id").Where("upper(request_prefix) = ?", strings.ToUpper(prefix)).
		Order("id").Scan(ctx, &ids); err != nil {
		return 0, fmt.Errorf("models: clients of prefix %q: %w", prefix, err)
	}
	switch {
	case client != nil && slices.Contains(ids, *client):
		return RequestIDByClientNumber(ctx, db, *client, n)
	case len(ids) == 1:
		return RequestIDByClientNumber(ctx, db, ids[0], n)
	}
	return 0, fmt.Errorf("models: request reference %q: %w", ref, ErrNotFound)
}

package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"
)

// Message is one entry in a request's thread. Internal notes are staff-only
// and must never reach a client page, fragment, event, e-mail or export.
type Message struct {
	bun.BaseModel `bun:"table:messages"`

	ID        int64     `bun:"id,pk,autoincrement"`
	ClientID  int64     `bun:"client_id"`
	RequestID int64     `bun:"request_id"`
	AuthorID  *int64    `bun:"author_id"`
	Body      string    `bun:"body"`
	Internal  bool      `bun:"internal"`
	CreatedAt time.Time `bun:"created_at"`
	// IdempotencyKey is the random key of the form that posted it, unique
	// per author: a second post of the same form finds this message.
	IdempotencyKey *string `bun:"idempotency_key"`
	// AttachmentCount is how many files it has (written with it).
	AttachmentCount int `bun:"attachments"`

	Author      *User        `bun:"rel:belongs-to,join:author_id=id"`
	Attachments []Attachment `bun:"-"` // loaded for the page's audience
}

// PostMessageInput is a message to add to a request's thread.
type PostMessageInput struct {
	ClientID  int64 // the request's client; the request must belong to it
	RequestID int64
	AuthorID  int64
	ByStaff   bool // the author works for the MSP
	Internal  bool // staff-only note; only staff may write one
	Body      string

	// IdempotencyKey, when set, makes the post happen once: posting again
	// with the same author and key returns the first message (see PostMessageOnce).
	IdempotencyKey string

	// Attachments are files already in storage, recorded with the message.
	Attachments []NewAttachment
}

// ErrInternalByClient is returned when a client user tries to write an internal note.
var ErrInternalByClient = errors.New("models: only staff write internal notes")

// ErrFormKeyReused is returned when a form key that already posted a
// message comes again with other words (or as a note instead of a reply):
// it is not a repeat of that post, and answering it as one would drop what
// was written.
var ErrFormKeyReused = errors.New("models: the form was already sent with another message")

// PostMessage adds a message to a request's thread in one transaction with
// its activity event and its effect on the request: a public staff reply
// stops the response clock; a client reply on a request waiting on the
// client puts it back in progress, and on a completed request reopens it
// within the reopen window (after it, ErrReopenWindowClosed and nothing is
// written). Internal notes write a staff-only event
// and touch no clock. This is the one place messages are written, so the
// realtime messenger can hook in here.
func PostMessage(ctx context.Context, db bun.IDB, in PostMessageInput) (*Message, error) {
	m, _, err := PostMessageOnce(ctx, db, in)
	return m, err
}

// PostMessageOnce is PostMessage that also reports whether in's
// IdempotencyKey had already posted the message: then nothing is written and
// the first message is returned, so a double click or a retry after a lost
// answer never posts twice. The same key with another body or kind is
// ErrFormKeyReused (files are not compared: a retry sends them again, and
// its copies are discarded). The request's row lock orders two posts of the
// same form; the unique index on (author_id, idempotency_key) backs it up.
func PostMessageOnce(ctx context.Context, db bun.IDB, in PostMessageInput) (m *Message, duplicate bool, err error) {
	if in.Internal && !in.ByStaff {
		return nil, false, ErrInternalByClient
	}
	m = new(Message)
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := lockRequest(ctx, tx, in.RequestID)
		if err != nil {
			return err
		}
		if r.ClientID != in.ClientID {
			return fmt.Errorf("models: request %d is not of client %d: %w", in.RequestID, in.ClientID, ErrNotFound)
		}
		if prior, err := messageByKey(ctx, tx, in.AuthorID, in.IdempotencyKey); err != nil {
			return err
		} else if prior != nil {
			if prior.RequestID != r.ID {
				return fmt.Errorf("models: form key of message %d reused on request %d: %w", prior.ID, r.ID, ErrNotFound)
			}
			if prior.Body != in.Body || prior.Internal != in.Internal {
				return fmt.Errorf("models: form key of message %d reused on request %d: %w", prior.ID, r.ID, ErrFormKeyReused)
			}
			*m, duplicate = *prior, true
			return nil
		}
		now := Now()
		author := in.AuthorID
		*m = Message{ClientID: r.ClientID, RequestID: r.ID, AuthorID: &author, Body: in.Body, Internal: in.Internal, CreatedAt: now}
		if in.IdempotencyKey != "" {
			m.IdempotencyKey = &in.IdempotencyKey
		}
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			return fmt.Errorf("models: post message on request %d: %w", r.ID, err)
		}
		if err := insertAttachments(ctx, tx, r, m, author, in.Attachments, now); err != nil {
			return err
		}
		if in.Internal {
			return RecordEvent(ctx, tx, &ActivityEvent{ClientID: r.ClientID, RequestID: &r.ID, ActorID: &author,
				Kind: EventInternalNote, Audience: AudienceStaff, Detail: strconv.FormatInt(m.ID, 10), CreatedAt: now})
		}
		if err := RecordEvent(ctx, tx, &ActivityEvent{ClientID: r.ClientID, RequestID: &r.ID, ActorID: &author,
			Kind: EventMessagePosted, Audience: AudiencePublic, Detail: strconv.FormatInt(m.ID, 10), CreatedAt: now}); err != nil {
			return err
		}
		if err := setAwaitingMSP(ctx, tx, r, !in.ByStaff); err != nil {
			return err
		}
		switch {
		case in.ByStaff:
			if err := applyClockEvent(ctx, tx, r, ClockEvent{Kind: ClockStaffReplied, At: now}); err != nil {
				return err
			}
			if r.Status == StatusSubmitted {
				// Answering a new request is working on it: the client sees
				// it taken up, not still waiting to be read.
				return changeStatus(ctx, tx, r, author, StatusInProgress, now)
			}
			return nil
		case r.Status == StatusCompleted:
			return reopenOnClientReply(ctx, tx, r, author, now, "")
		case r.Status == StatusWaiting:
			return changeStatus(ctx, tx, r, author, StatusInProgress, now)
		}
		return applyClockEvent(ctx, tx, r, ClockEvent{Kind: ClockTick, At: now})
	})
	if err != nil {
		return nil, false, err
	}
	return m, duplicate, nil
}

// messageByKey finds the author's message posted with key, or nil.
func messageByKey(ctx context.Context, db bun.IDB, authorID int64, key string) (*Message, error) {
	if key == "" {
		return nil, nil
	}
	m := new(Message)
	err := db.NewSelect().Model(m).Where("author_id = ?", authorID).Where("idempotency_key = ?", key).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: message of author %d by form key: %w", authorID, err)
	}
	return m, nil
}

// requestMessages returns the messages of a request's thread that v sees,
// oldest first.
func requestMessages(ctx context.Context, db bun.IDB, requestID int64, v Viewer) ([]Message, error) {
	var ms []Message
	q := db.NewSelect().Model(&ms).
		Relation("Author", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "role") }).
		Where("message.request_id = ?", requestID)
	q = v.whereSeesMessages(q, "message")
	if err := q.Order("message.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: messages of request %d: %w", requestID, err)
	}
	return ms, nil
}

// FromStaff reports whether the author works for the MSP.
func (m Message) FromStaff() bool { return m.Author != nil && m.Author.IsStaff() }

// AuthorName is the author's name, or a stand-in for a removed user.
func (m Message) AuthorName() string {
	if m.Author == nil || m.Author.Name == "" {
		return "Former user"
	}
	return m.Author.Name
}

// MessageOfEvent loads the message a message or note event announced, with
// its author. Client audiences must not be handed internal notes: callers
// check Internal.
func MessageOfEvent(ctx context.Context, db bun.IDB, ev *ActivityEvent) (*Message, error) {
	id, err := strconv.ParseInt(ev.Detail, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("models: event %d names no message: %w", ev.ID, ErrNotFound)
	}
	m := new(Message)
	err = db.NewSelect().Model(m).
		Relation("Author", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "role") }).
		Where("message.id = ?", id).Where("message.request_id = ?", ev.RequestID).Scan(ctx)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("load message %d", id))
	}
	return m, nil
}

// MessageForStaff loads one message as the console shows it: with its
// author and attachments.
func MessageForStaff(ctx context.Context, db bun.IDB, id int64) (*Message, error) {
	m := new(Message)
	err := db.NewSelect().Model(m).
		Relation("Author", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("name", "role") }).
		Where("message.id = ?", id).Scan(ctx)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("load message %d", id))
	}
	if err := LoadAttachments(ctx, db, m, StaffViewer()); err != nil {
		return nil, err
	}
	return m, nil
}

// Message finds a message of the detail's thread by id (with its author), or nil.
func (d *RequestDetail) Message(id int64) *Message {
	for i := range d.Messages {
		if d.Messages[i].ID == id {
			return &d.Messages[i]
		}
	}
	return nil
}

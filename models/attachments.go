package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Attachment is a file on a new request (MessageID nil: it goes with the
// description) or on a message. The bytes are in attachment storage under
// StorageKey, a random key the server chose; this row is written in the
// transaction of its message. Internal repeats the message's flag so that
// a client query filters on the row itself.
type Attachment struct {
	bun.BaseModel `bun:"table:attachments"`

	ID          int64     `bun:"id,pk,autoincrement"`
	ClientID    int64     `bun:"client_id"`
	RequestID   int64     `bun:"request_id"`
	MessageID   *int64    `bun:"message_id"`
	UploaderID  *int64    `bun:"uploader_id"`
	Internal    bool      `bun:"internal"`
	Name        string    `bun:"name"`
	Size        int64     `bun:"size"`
	ContentType string    `bun:"content_type"` // sniffed from the bytes, never the uploader's claim
	SHA256      string    `bun:"sha256"`
	StorageKey  string    `bun:"storage_key"`
	ThumbKey    *string   `bun:"thumb_key"`
	Width       int       `bun:"width"`
	Height      int       `bun:"height"`
	Inline      bool      `bun:"inline"` // a verified raster image, shown in the browser
	CreatedAt   time.Time `bun:"created_at"`

	// Console is set on attachments loaded for staff: their links lead
	// under /console. Client links go through the client's Scope.
	Console bool `bun:"-"`
}

// NewAttachment is a file already written to storage, to be recorded with
// its message or request.
type NewAttachment struct {
	Name        string
	Size        int64
	ContentType string
	SHA256      string
	StorageKey  string
	ThumbKey    string // "" when there is no thumbnail
	Width       int
	Height      int
	Inline      bool
}

// URL is where the attachment is downloaded or shown, for its audience.
func (a Attachment) URL() string {
	if a.Console {
		return "/console/attachments/" + strconv.FormatInt(a.ID, 10)
	}
	return "/attachments/" + strconv.FormatInt(a.ID, 10)
}

// ThumbURL is the attachment's thumbnail, or "" when it has none.
func (a Attachment) ThumbURL() string {
	if a.ThumbKey == nil {
		return ""
	}
	return a.URL() + "/thumb"
}

// Icon names the kind of file for the thread's icon: image, pdf, text,
// archive or file.
func (a Attachment) Icon() string {
	switch ct := a.ContentType; {
	case strings.HasPrefix(ct, "image/"):
		return "image"
	case ct == "application/pdf":
		return "pdf"
	case strings.HasPrefix(ct, "text/"):
		return "text"
	case ct == "application/zip" || ct == "application/x-gzip" || ct == "application/x-rar-compressed":
		return "archive"
	}
	return "file"
}

// SizeText is the size as people read it: 812 bytes, 14 KB, 3.2 MB.
func (a Attachment) SizeText() string { return ByteSizeText(a.Size) }

// ByteSizeText writes a number of bytes in the largest sensible unit.
func ByteSizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 10<<20:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	case n == 1:
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// insertAttachments records files on request r (and message, when not nil)
// and counts them on both, inside the transaction tx of the post.
func insertAttachments(ctx context.Context, tx bun.IDB, r *Request, m *Message, uploaderID int64, files []NewAttachment, now time.Time) error {
	if len(files) == 0 {
		return nil
	}
	rows := make([]Attachment, len(files))
	for i, f := range files {
		rows[i] = Attachment{ClientID: r.ClientID, RequestID: r.ID, UploaderID: &uploaderID, Name: f.Name, Size: f.Size,
			ContentType: f.ContentType, SHA256: f.SHA256, StorageKey: f.StorageKey, Width: f.Width, Height: f.Height,
			Inline: f.Inline, CreatedAt: now}
		if f.ThumbKey != "" {
			k := f.ThumbKey
			rows[i].ThumbKey = &k
		}
		if m != nil {
			rows[i].MessageID, rows[i].Internal = &m.ID, m.Internal
		}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("models: record attachments of request %d: %w", r.ID, err)
	}
	if _, err := tx.NewUpdate().Model((*Request)(nil)).Set("attachments = attachments + ?", len(files)).
		Where("id = ?", r.ID).Exec(ctx); err != nil {
		return fmt.Errorf("models: count attachments of request %d: %w", r.ID, err)
	}
	if m != nil {
		if _, err := tx.NewUpdate().Model((*Message)(nil)).Set("attachments = ?", len(files)).
			Where("id = ?", m.ID).Exec(ctx); err != nil {
			return fmt.Errorf("models: count attachments of message %d: %w", m.ID, err)
		}
		m.AttachmentCount = len(files)
	}
	return nil
}

// requestAttachments loads the attachments of a request a client sees
// (never an internal note's), or all of them for staff; oldest first.
func requestAttachments(ctx context.Context, db bun.IDB, requestID int64, v Viewer) ([]Attachment, error) {
	var as []Attachment
	q := db.NewSelect().Model(&as).Where("request_id = ?", requestID)
	if err := v.whereSeesMessages(q, "attachment").Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("models: attachments of request %d: %w", requestID, err)
	}
	for i := range as {
		as[i].Console = v.Staff()
	}
	return as, nil
}

// attachTo hands out a request's attachments to its description and its
// messages.
func (d *RequestDetail) attachTo(as []Attachment) {
	byMessage := map[int64]*Message{}
	for i := range d.Messages {
		byMessage[d.Messages[i].ID] = &d.Messages[i]
	}
	for _, a := range as {
		if a.MessageID == nil {
			d.Attachments = append(d.Attachments, a)
		} else if m := byMessage[*a.MessageID]; m != nil {
			m.Attachments = append(m.Attachments, a)
		}
	}
}

// LoadAttachments loads the attachments of a message v sees (none of an
// internal note for a client), linked for v: under /console for staff.
func LoadAttachments(ctx context.Context, db bun.IDB, m *Message, v Viewer) error {
	if m.AttachmentCount == 0 || !v.SeesMessage(m) {
		return nil
	}
	q := db.NewSelect().Model(&m.Attachments).Where("message_id = ?", m.ID)
	if err := v.whereSeesMessages(q, "attachment").Order("id").Scan(ctx); err != nil {
		return fmt.Errorf("models: attachments of message %d: %w", m.ID, err)
	}
	for i := range m.Attachments {
		m.Attachments[i].Console = v.Staff()
	}
	return nil
}

// Attachment finds one of the client's attachments that its users may
// see: an id of another client, of an internal note, or of nothing at all
// is the same ErrNotFound.
func (s Scope) Attachment(ctx context.Context, id int64) (*Attachment, error) {
	a := new(Attachment)
	q := s.db.NewSelect().Model(a).Where("id = ?", id)
	if err := s.Viewer().whereSeesMessages(q, "attachment").Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load attachment %d of client %d", id, s.clientID))
	}
	if !s.Viewer().SeesAttachment(a) { // the rule, again: fail closed if the query ever drifts
		return nil, fmt.Errorf("models: attachment %d: %w", id, ErrNotFound)
	}
	return a, nil
}

// AttachmentForStaff finds any attachment, for the console.
func AttachmentForStaff(ctx context.Context, db bun.IDB, id int64) (*Attachment, error) {
	a := new(Attachment)
	if err := db.NewSelect().Model(a).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, fmt.Sprintf("load attachment %d", id))
	}
	a.Console = true
	return a, nil
}

// KnownStorageKeys returns which of keys are recorded as a file or a
// thumbnail of an attachment.
func KnownStorageKeys(ctx context.Context, db bun.IDB, keys []string) (map[string]bool, error) {
	known := map[string]bool{}
	if len(keys) == 0 {
		return known, nil
	}
	var rows []Attachment
	err := db.NewSelect().Model(&rows).Column("storage_key", "thumb_key").
		Where("storage_key IN (?)", bun.List(keys)).WhereOr("thumb_key IN (?)", bun.List(keys)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: look up %d storage keys: %w", len(keys), err)
	}
	for _, r := range rows {
		known[r.StorageKey] = true
		if r.ThumbKey != nil {
			known[*r.ThumbKey] = true
		}
	}
	return known, nil
}

// ReplyWithAttachments posts the scope user's message on request number n
// with files already in storage, recorded in the transaction of the message.
// The form's idempotency key makes it happen once: posting the same form
// again returns the first message with duplicate set (see PostMessageOnce).
func (s Scope) ReplyWithAttachments(ctx context.Context, n int, body, key string, files []NewAttachment) (m *Message, duplicate bool, err error) {
	id, err := s.requestIDByNumber(ctx, n)
	if err != nil {
		return nil, false, err
	}
	return PostMessageOnce(ctx, s.db, PostMessageInput{ClientID: s.clientID, RequestID: id, AuthorID: s.userID,
		Body: body, IdempotencyKey: key, Attachments: files})
}

package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// InvitationText is the invitation mail as admins word it: a subject and a
// plain-text body with placeholders, filled per mail by Fill.
type InvitationText struct {
	bun.BaseModel `bun:"table:invitation_text"`

	ID        int       `bun:"id,pk"`
	Subject   string    `bun:"subject"`
	Body      string    `bun:"body"`
	UpdatedBy *int64    `bun:"updated_by"`
	UpdatedAt time.Time `bun:"updated_at"`

	Default bool `bun:"-"` // no admin has changed it
}

// InvitationPlaceholders are the words in braces the text may use.
var InvitationPlaceholders = []string{"{client}", "{workspace}", "{link}", "{expires}", "{sender}"}

// Limits of the text admins write.
const (
	maxInvitationSubject = 200
	maxInvitationBody    = 10000
)

// DefaultInvitationText is the rollout mail a new portal starts with: the
// invitation tells people what the portal is for and how to get in.
func DefaultInvitationText() InvitationText {
	return InvitationText{ID: 1, Default: true,
		Subject: "Your {client} service portal with {workspace} is ready",
		Body: `Hello,

{workspace} now runs a service portal for {client}: one place where you can ask us for help, see how each of your requests is going, and talk to the people working on it.

Your personal invitation is here, and it works until {expires}:
{link}

Inside the portal you can:
- raise a request with us whenever suits you, day or night
- follow each request as it moves, with the time we have left to answer
- see how much of your support time has been used
- write to our team right beside the request it concerns

Setting up takes a minute: choose your name and a password, and you are in.

If something is unclear, answer this e-mail and we will help you along.

Kind regards,
{sender}
{workspace}`}
}

// GetInvitationText is the text in use: the admins' own, or the default.
func GetInvitationText(ctx context.Context, db bun.IDB) (InvitationText, error) {
	t := InvitationText{}
	err := db.NewSelect().Model(&t).Where("id = 1").Scan(ctx)
	if errors.Is(notFound(err, ""), ErrNotFound) {
		return DefaultInvitationText(), nil
	}
	if err != nil {
		return InvitationText{}, fmt.Errorf("models: load invitation text: %w", err)
	}
	return t, nil
}

// SaveInvitationText keeps the admins' wording (checked by
// CheckInvitationText first).
func SaveInvitationText(ctx context.Context, db bun.IDB, subject, body string, by int64) error {
	t := &InvitationText{ID: 1, Subject: subject, Body: body, UpdatedBy: &by, UpdatedAt: Now()}
	if _, err := db.NewInsert().Model(t).On("CONFLICT (id) DO UPDATE").
		Set("subject = EXCLUDED.subject, body = EXCLUDED.body, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at").
		Exec(ctx); err != nil {
		return fmt.Errorf("models: save invitation text: %w", err)
	}
	return nil
}

// ResetInvitationText goes back to the default wording.
func ResetInvitationText(ctx context.Context, db bun.IDB) error {
	if _, err := db.NewDelete().Model((*InvitationText)(nil)).Where("id = 1").Exec(ctx); err != nil {
		return fmt.Errorf("models: reset invitation text: %w", err)
	}
	return nil
}

var placeholderPattern = regexp.MustCompile(`\{[a-zA-Z_]+\}`)

// CheckInvitationText returns a message per field ("subject", "body") that
// cannot be used as written; none when the text is fine.
func CheckInvitationText(subject, body string) map[string]string {
	errs := map[string]string{}
	switch {
	case strings.TrimSpace(subject) == "":
		errs["subject"] = "Write a subject."
	case len([]rune(subject)) > maxInvitationSubject:
		errs["subject"] = fmt.Sprintf("The subject is too long (at most %d characters).", maxInvitationSubject)
	case strings.ContainsAny(subject, "\r\n"):
		errs["subject"] = "The subject must be a single line."
	}
	switch {
	case strings.TrimSpace(body) == "":
		errs["body"] = "Write the text of the mail."
	case len([]rune(body)) > maxInvitationBody:
		errs["body"] = fmt.Sprintf("The text is too long (at most %d characters).", maxInvitationBody)
	case !strings.Contains(body, "{link}"):
		errs["body"] = "The text must contain {link}: without it nobody could accept the invitation."
	}
	for field, text := range map[string]string{"subject": subject, "body": body} {
		if errs[field] != "" {
			continue
		}
		for _, p := range placeholderPattern.FindAllString(text, -1) {
			if !knownPlaceholder(p) {
				errs[field] = p + " is not a placeholder we fill in. Use " + strings.Join(InvitationPlaceholders, ", ") + "."
				break
			}
		}
	}
	return errs
}

func knownPlaceholder(p string) bool {
	for _, k := range InvitationPlaceholders {
		if k == p {
			return true
		}
	}
	return false
}

// InvitationValues are what the placeholders stand for in one mail.
type InvitationValues struct {
	Client, Workspace, Link, Expires, Sender string
}

// Fill puts the values in the text's placeholders: one pass, so a value
// that itself reads like a placeholder (a client named "{link}") stays as
// it is.
func (t InvitationText) Fill(v InvitationValues) (subject, body string) {
	r := strings.NewReplacer("{client}", v.Client, "{workspace}", v.Workspace, "{link}", v.Link,
		"{expires}", v.Expires, "{sender}", v.Sender)
	return strings.Join(strings.Fields(r.Replace(t.Subject)), " "), strings.ReplaceAll(r.Replace(t.Body), "\r\n", "\n")
}

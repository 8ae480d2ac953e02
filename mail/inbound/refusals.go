package inbound

import (
	"context"
	"strings"

	"github.com/portal-msp/portal/mail"
	"github.com/portal-msp/portal/mail/thread"
	"github.com/portal-msp/portal/models"
)

// Mailer sends mail in the background; *mail.Mailer is one.
type Mailer interface {
	SendLater(mail.Message)
}

// RefusedFiles is the data of the one reply that tells a sender which of
// their attachments were left off the request, and why.
type RefusedFiles struct {
	Subject   string
	Name      string
	Ref       string // ACME-12
	Title     string
	Files     []string // "setup.exe (programs and scripts are refused)"
	Workspace string
}

// tellRefused answers a posted mail that had attachments refused: one
// automatic reply to its sender (the request's user, whose address the
// match proved), threaded to the request and to their mail, marked
// Auto-Submitted: auto-replied so that no responder answers it back. Only
// mail that was posted gets here, so an automatic mail or a bounce (never
// posted) is never answered, and a mail delivered twice (posted once) is
// answered once.
func (c Config) tellRefused(ctx context.Context, signer *thread.Signer, p *parsed, u *models.User, on *models.Request, refused []string) {
	if c.Mailer == nil || len(refused) == 0 {
		return
	}
	client, err := models.GetClient(ctx, c.DB, on.ClientID)
	if err != nil {
		c.Log.WarnContext(ctx, "no reply about refused attachments: client not read", "request", on.ID, "error", err)
		return
	}
	name := "Portal"
	if ws, err := models.CachedWorkspace(ctx, c.DB); err == nil {
		name = ws.Name
	}
	ref := on.Ref(client.RequestPrefix)
	refs := []string{signer.RootID(on.ID)}
	if id := strings.Trim(strings.TrimSpace(p.header.Get("Message-Id")), "<> "); id != "" && !strings.ContainsAny(id, "<> \r\n") {
		refs = append(refs, id)
	}
	c.Mailer.SendLater(mail.Message{To: u.Email, Template: "attachments_refused", References: refs, AutoReplied: true,
		Data: RefusedFiles{Subject: "[" + ref + "] " + on.Title, Name: u.Name, Ref: ref, Title: on.Title, Files: refused, Workspace: name}})
	c.Log.InfoContext(ctx, "told the sender which attachments were refused", "request", on.ID, "user", u.ID, "files", len(refused))
}

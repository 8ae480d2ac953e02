package handlers_test

import (
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/mail/thread"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// header reads one header of a raw received mail.
func header(t *testing.T, raw, name string) string {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("received mail does not parse: %v", err)
	}
	return m.Header.Get(name)
}

func TestMailAboutARequestThreadsAndCarriesASignedReplyAddress(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		n, smtp := newNotifierWith(t, db, map[string]string{"PORTAL_INBOUND_ADDRESS": "support@northwind.test"})
		r := submitAs(t, db, s.clientUser, "Printer jam")
		tick(t, n, models.Now().Add(5*time.Minute)) // staff hear of the new request

		post(t, db, r, s.admin, "We are on it.", false)
		tick(t, n, models.Now().Add(10*time.Minute))
		first := smtp.WaitFor(t, s.clientUser.Email, 1)
		post(t, db, r, s.admin, "Fixed.", false)
		tick(t, n, models.Now().Add(20*time.Minute))
		second := smtp.WaitFor(t, s.clientUser.Email, 2)

		st, err := models.GetInboundSettings(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		signer, err := thread.NewSigner(st.TokenKey, "portal.northwind.test")
		if err != nil {
			t.Fatal(err)
		}
		root := "<" + signer.RootID(r.ID) + ">"
		var ids []string
		for _, m := range []struct{ raw, subject, text string }{{first.Raw, first.Subject, first.Text}, {second.Raw, second.Subject, second.Text}} {
			if m.subject != "[ACME-1] Printer jam" {
				t.Errorf("subject %q: want the request's number and title, the same on every mail", m.subject)
			}
			id := header(t, m.raw, "Message-ID")
			if req, user, ok := signer.ParseMessageID(id); !ok || req != r.ID || user != s.clientUser.ID {
				t.Errorf("Message-ID %q is not ours for the request and Carol (%d, %d, %v)", id, req, user, ok)
			}
			ids = append(ids, id)
			if got := header(t, m.raw, "In-Reply-To"); got != root {
				t.Errorf("In-Reply-To = %q, want the request's root %q", got, root)
			}
			if got := header(t, m.raw, "References"); got != root {
				t.Errorf("References = %q, want %q", got, root)
			}
			if got := header(t, m.raw, "Auto-Submitted"); got != "auto-generated" {
				t.Errorf("Auto-Submitted = %q", got)
			}
			replyTo, err := mail.ParseAddress(header(t, m.raw, "Reply-To"))
			if err != nil {
				t.Fatalf("Reply-To: %v", err)
			}
			tok := thread.TokenOf("support@northwind.test", replyTo.Address)
			if req, user, err := signer.ParseToken(tok); err != nil || req != r.ID || user != s.clientUser.ID {
				t.Errorf("Reply-To %q: token names %d, %d (%v)", replyTo.Address, req, user, err)
			}
			if !strings.HasPrefix(strings.ReplaceAll(m.text, "\r\n", "\n"), thread.ReplyMarker+"\n") {
				t.Errorf("the mail does not start with the reply marker:\n%s", m.text)
			}
		}
		if ids[0] == ids[1] {
			t.Errorf("two mails share the Message-ID %s", ids[0])
		}

		// Staff mail threads too, but takes no reply by mail.
		staffMail := smtp.WaitFor(t, s.admin.Email, 1)
		if got := header(t, staffMail.Raw, "Reply-To"); got != "" {
			t.Errorf("staff mail has Reply-To %q", got)
		}
		if got := header(t, staffMail.Raw, "References"); got != root {
			t.Errorf("staff mail References = %q", got)
		}
	})
}

func TestMailWithoutInboundHasNoReplyAddress(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		n, smtp := newNotifier(t, db)
		r := submitAs(t, db, s.clientUser, "Printer jam")
		post(t, db, r, s.admin, "We are on it.", false)
		tick(t, n, models.Now().Add(10*time.Minute))
		m := smtp.WaitFor(t, s.clientUser.Email, 1)
		if got := header(t, m.Raw, "Reply-To"); got != "" {
			t.Errorf("Reply-To %q without PORTAL_INBOUND_ADDRESS", got)
		}
		if strings.Contains(m.Text, thread.ReplyMarker) {
			t.Errorf("reply marker without inbound mail:\n%s", m.Text)
		}
		if header(t, m.Raw, "In-Reply-To") == "" {
			t.Error("mail about a request does not thread")
		}
	})
}

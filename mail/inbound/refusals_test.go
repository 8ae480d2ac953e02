package inbound_test

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/mail"
	"github.com/portal-msp/portal/mail/inbound"
	"github.com/portal-msp/portal/mail/mailtest"
	"github.com/portal-msp/portal/mail/thread"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// replyWithFiles is a reply by e-mail from Carol with a text file and a
// program attached; extra headers go on top.
func (w *world) replyWithFiles(msgID, extra string) []byte {
	return []byte(fmt.Sprintf(`From: Carol Client <carol@acme.test>
To: %s
Subject: Re: [ACME-%d] Printer jam
Message-ID: <%s>
In-Reply-To: <%s>
%sMIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=UTF-8

The log and the vendor's tool are attached.

--b1
Content-Type: text/plain; name="spooler.log"
Content-Disposition: attachment; filename="spooler.log"

10:02 spooler stopped
--b1
Content-Type: application/octet-stream; name="fixtool.exe"
Content-Disposition: attachment; filename="fixtool.exe"
Content-Transfer-Encoding: base64

TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAA=
--b1--
`, thread.ReplyAddress(inboundAddr, w.signer.Token(w.request.ID, w.carol.ID)), w.request.Number, msgID,
		w.signer.MessageID(w.request.ID, 2, w.carol.ID), extra))
}

// TestRefusedAttachmentIsNamedInOneReply: a reply by e-mail whose program
// is refused is still added (with the file that passed), and its sender
// gets exactly one automatic answer naming the refused file and why,
// threaded to the request and to their mail. The same mail again, or an
// automatic mail with the same attachment, gets none.
func TestRefusedAttachmentIsNamedInOneReply(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := newWorld(t, db)
		smtp := mailtest.Start(t)
		mailer, err := mail.New(mail.Config{Host: smtp.Host, Port: smtp.Port, TLS: mail.TLSNone, From: "Northwind IT <portal@northwind.test>"},
			slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		w.cfg.Mailer = mailer

		raw := w.replyWithFiles("reply-1@acme.test", "")
		out := w.process(t, raw)
		if out.Status != models.InboundPosted || !strings.Contains(out.Reason, "fixtool.exe") {
			t.Fatalf("outcome %+v, want posted naming the refused file", out)
		}
		msgs := w.clientMessages(t)
		last := msgs[len(msgs)-1]
		if !strings.Contains(last.Body, "vendor's tool") || len(last.Attachments) != 1 || last.Attachments[0].Name != "spooler.log" {
			t.Errorf("message %q with %d attachment(s)", last.Body, len(last.Attachments))
		}

		m := smtp.WaitFor(t, "carol@acme.test", 1)
		if !strings.Contains(m.Subject, "[ACME-1]") || !strings.Contains(m.Text, "fixtool.exe (programs and scripts are refused)") ||
			strings.Contains(m.Text, "spooler.log") {
			t.Errorf("reply %q:\n%s", m.Subject, m.Text)
		}
		if !strings.Contains(m.Raw, "Auto-Submitted: auto-replied") {
			t.Errorf("the reply is not marked Auto-Submitted: auto-replied:\n%s", m.Raw)
		}
		if !strings.Contains(m.Raw, "In-Reply-To: <reply-1@acme.test>") || !strings.Contains(m.Raw, "<"+w.signer.RootID(w.request.ID)+">") {
			t.Errorf("the reply is not threaded to the request and the mail:\n%s", m.Raw)
		}

		// The same mail delivered again: no second message, no second reply.
		if out := w.process(t, raw); out.Status != inbound.Duplicate {
			t.Errorf("second delivery: %+v", out)
		}
		// An out-of-office carrying the same file: ignored, never answered.
		if out := w.process(t, w.replyWithFiles("auto-1@acme.test", "Auto-Submitted: auto-replied\n")); out.Status != models.InboundIgnored {
			t.Errorf("automatic mail: %+v", out)
		}
		// A reply whose files all pass gets no answer either.
		ok := string(w.replyWithFiles("reply-2@acme.test", ""))
		ok = ok[:strings.Index(ok, "--b1\nContent-Type: application/octet-stream")] + "--b1--\n"
		if out := w.process(t, []byte(ok)); out.Status != models.InboundPosted || out.Reason != "" {
			t.Errorf("clean reply: %+v", out)
		}
		// Mail is sent in the background: give a stray one time to arrive.
		smtp.WaitFor(t, "carol@acme.test", 1)
		time.Sleep(500 * time.Millisecond)
		if n := smtp.Count("carol@acme.test"); n != 1 {
			t.Errorf("%d replies to the sender, want 1", n)
		}
	})
}

package inbound_test

import (
	"errors"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/mail/inbound"
	"github.com/portal-msp/portal/mail/thread"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// startReceiver runs the built-in receiver on a free port until the test ends.
func startReceiver(t *testing.T, w *world) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := inbound.NewReceiver(w.cfg, inbound.ReceiverOptions{MaxConns: 4})
	done := make(chan error, 1)
	go func() { done <- r.Serve(ln) }()
	t.Cleanup(func() {
		r.Close()
		if err := <-done; err != nil {
			t.Errorf("receiver: %v", err)
		}
	})
	return ln.Addr().String()
}

// smtpCode is the reply code of an SMTP client error, or 0.
func smtpCode(err error) int {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code
	}
	return 0
}

func TestSMTPReceiverTakesRepliesAndRelaysNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := newWorld(t, db)
		addr := startReceiver(t, w)
		to := thread.ReplyAddress(inboundAddr, w.signer.Token(w.request.ID, w.carol.ID))
		before := len(w.clientMessages(t))

		// A reply, sent by a real SMTP client.
		if err := smtp.SendMail(addr, nil, "carol@acme.test", []string{to}, w.sample(t, "gmail.eml", "carol@acme.test")); err != nil {
			t.Fatalf("send reply: %v", err)
		}
		msgs := w.clientMessages(t)
		if len(msgs) != before+1 || !strings.HasPrefix(msgs[len(msgs)-1].Body, "Still jammed") {
			t.Fatalf("after the reply: %d messages", len(msgs))
		}

		// No relay: another domain, or another mailbox of ours, is refused.
		for _, rcpt := range []string{"someone@elsewhere.test", "sales@northwind.test"} {
			err := smtp.SendMail(addr, nil, "carol@acme.test", []string{rcpt}, []byte("Subject: x\r\n\r\nx\r\n"))
			if code := smtpCode(err); code < 500 || code > 599 {
				t.Errorf("RCPT %s: %v, want a 5xx refusal", rcpt, err)
			}
		}
		// Too large: 552, and nothing written.
		big := "From: carol@acme.test\r\nSubject: big\r\n\r\n" + strings.Repeat("0123456789abcdef\r\n", (2<<20)/18)
		err := smtp.SendMail(addr, nil, "carol@acme.test", []string{to}, []byte(big))
		if code := smtpCode(err); code != 552 {
			t.Errorf("large mail: %v, want 552", err)
		}
		if got := len(w.clientMessages(t)); got != before+1 {
			t.Errorf("%d messages, want %d", got, before+1)
		}
		// A bounce (empty envelope sender) is ignored.
		bounce := "From: MAILER-DAEMON@acme.test\r\nTo: " + to + "\r\nSubject: Undelivered Mail\r\nMessage-ID: <b1@acme.test>\r\n\r\nGone.\r\n"
		if err := smtp.SendMail(addr, nil, "", []string{to}, []byte(bounce)); err != nil {
			t.Fatalf("bounce: %v", err)
		}
		if got := len(w.clientMessages(t)); got != before+1 {
			t.Errorf("a bounce was posted: %d messages", got)
		}
		route, err := models.GetInboundRoute(t.Context(), db, inbound.RouteSMTP)
		if err != nil || route.LastMailAt == nil || !route.Connected {
			t.Errorf("route status %+v (%v)", route, err)
		}
	})
}

package inbound_test

import (
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// bodyCounter is a session of the in-memory server that counts the
// FETCHes asking for a mail's body.
type bodyCounter struct {
	imapserver.Session
	bodies *atomic.Int32
}

func (s bodyCounter) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	if len(options.BodySection) > 0 || len(options.BinarySection) > 0 {
		s.bodies.Add(1)
	}
	return s.Session.Fetch(w, numSet, options)
}

// startCountingMailbox is startMailbox (without IDLE) whose server counts
// body fetches.
func startCountingMailbox(t *testing.T) (*mailbox, *atomic.Int32) {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("support@northwind.test", "mailbox-secret")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	bodies := &atomic.Int32{}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return bodyCounter{Session: mem.NewSession(), bodies: bodies}, nil, nil
		},
		Caps: withoutIdle, InsecureAuth: true, Logger: discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return &mailbox{url: &url.URL{Scheme: "imap", User: url.User("support@northwind.test"), Host: ln.Addr().String(), Path: "/INBOX"},
		user: user}, bodies
}

// TestIMAPReaderHoldsAnOversizedMailUnread: a mail over the size limit is
// held, named by its envelope, without its body ever being fetched; the
// next mail is read as usual.
func TestIMAPReaderHoldsAnOversizedMailUnread(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := newWorld(t, db)
		w.cfg.MaxBytes = 64 << 10
		m, bodies := startCountingMailbox(t)
		seen := make(chan handled, 4)
		runReader(t, db, w, m, "a", seen)

		big := "From: Carol Client <carol@acme.test>\r\nTo: support@northwind.test\r\nSubject: Scans of every invoice\r\n" +
			"Message-ID: <big-1@acme.test>\r\nContent-Type: text/plain\r\n\r\n" + strings.Repeat("0123456789abcdef\r\n", 8<<10)
		m.deliver(t, []byte(big))
		h := next(t, seen)
		if h.uid != 1 || h.out.Status != models.InboundHeld || !strings.Contains(h.out.Reason, "larger than the 64 KB limit") {
			t.Fatalf("oversized mail: %+v, want held for its size", h)
		}
		if n := bodies.Load(); n != 0 {
			t.Errorf("the oversized mail's body was fetched %d time(s)", n)
		}
		held, err := models.HeldMails(t.Context(), db, 10)
		if err != nil || len(held) != 1 || held[0].Subject != "Scans of every invoice" || held[0].FromAddr != "carol@acme.test" ||
			held[0].Size != int64(len(big)) || len(held[0].Raw) != 0 {
			t.Fatalf("held %+v, %v", held, err)
		}

		m.deliver(t, w.sample(t, "gmail.eml", "carol@acme.test"))
		if h := next(t, seen); h.uid != 2 || h.out.Status != models.InboundPosted {
			t.Fatalf("next mail: %+v, want posted", h)
		}
		if n := bodies.Load(); n != 1 {
			t.Errorf("%d body fetches, want 1 (the mail that was read)", n)
		}
	})
}

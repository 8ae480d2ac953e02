package inbound_test

import (
	"bytes"
	"context"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/mail/inbound"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// mailbox is go-imap's in-memory IMAP server, started for one test, with
// one user and an INBOX.
type mailbox struct {
	url  *url.URL
	user *imapmemserver.User
}

func startMailbox(t *testing.T, caps imap.CapSet) *mailbox {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("support@northwind.test", "mailbox-secret")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return &mailbox{url: &url.URL{Scheme: "imap", User: url.User("support@northwind.test"), Host: ln.Addr().String(), Path: "/INBOX"},
		user: user}
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// deliver puts a mail in the INBOX, as the mail server does.
func (m *mailbox) deliver(t *testing.T, raw []byte) {
	t.Helper()
	if _, err := m.user.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

var (
	withIdle    = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}}
	withoutIdle = imap.CapSet{imap.CapIMAP4rev1: {}}
)

// handled is what a reader reported: the UID and what became of it.
type handled struct {
	reader string
	uid    uint32
	out    inbound.Outcome
}

// runReader starts a reader on db; stop ends it and waits until it has.
func runReader(t *testing.T, db *bun.DB, w *world, m *mailbox, name string, seen chan<- handled) (stop func()) {
	t.Helper()
	cfg := w.cfg
	cfg.DB = db
	r := inbound.NewIMAPReader(cfg, inbound.IMAPOptions{URL: m.url, Password: "mailbox-secret", PlainText: true,
		PollEvery: 20 * time.Millisecond, IdleRecheck: 200 * time.Millisecond, Backoff: 20 * time.Millisecond, LockRetry: 20 * time.Millisecond,
		Processed: func(uid uint32, out inbound.Outcome) { seen <- handled{reader: name, uid: uid, out: out} }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// next waits for the next mail a reader handled. The minute is only a
// guard against a hung test, not a measure of speed.
func next(t *testing.T, seen <-chan handled) handled {
	t.Helper()
	select {
	case h := <-seen:
		return h
	case <-time.After(time.Minute):
		t.Fatal("no mail was read from the mailbox")
		return handled{}
	}
}

func position(t *testing.T, db *bun.DB) *models.InboundRoute {
	t.Helper()
	r, err := models.GetInboundRoute(t.Context(), db, inbound.RouteIMAP)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestIMAPReaderPostsEachReplyOnce(t *testing.T) {
	for _, mode := range []struct {
		name string
		caps imap.CapSet
	}{{"idle", withIdle}, {"polling", withoutIdle}} {
		t.Run(mode.name, func(t *testing.T) {
			dbtest.Run(t, func(t *testing.T, db *bun.DB) {
				w := newWorld(t, db)
				before := len(w.clientMessages(t))
				m := startMailbox(t, mode.caps)
				seen := make(chan handled, 16)
				runReader(t, db, w, m, "a", seen)

				m.deliver(t, w.sample(t, "gmail.eml", "carol@acme.test"))
				if h := next(t, seen); h.uid != 1 || h.out.Status != models.InboundPosted {
					t.Fatalf("first mail: %+v, want UID 1 posted", h)
				}
				// Bad mail never stops the reader: it is held, and the next
				// mail is read.
				m.deliver(t, []byte("this is not a mail at all\x00\x01"))
				if h := next(t, seen); h.uid != 2 || h.out.Status != models.InboundHeld {
					t.Fatalf("broken mail: %+v, want UID 2 held", h)
				}
				m.deliver(t, w.sample(t, "outlook.eml", "carol@acme.test"))
				m.deliver(t, w.sample(t, "out_of_office.eml", "carol@acme.test"))
				if h := next(t, seen); h.uid != 3 || h.out.Status != models.InboundPosted {
					t.Fatalf("Outlook reply: %+v, want UID 3 posted", h)
				}
				if h := next(t, seen); h.uid != 4 || h.out.Status != models.InboundIgnored {
					t.Fatalf("out-of-office: %+v, want UID 4 ignored", h)
				}
				// The same Gmail reply delivered again (a second copy in the
				// mailbox) adds nothing.
				m.deliver(t, w.sample(t, "gmail.eml", "carol@acme.test"))
				if h := next(t, seen); h.uid != 5 || h.out.Status != inbound.Duplicate {
					t.Fatalf("second copy: %+v, want UID 5 duplicate", h)
				}
				msgs := w.clientMessages(t)
				if len(msgs) != before+2 {
					t.Fatalf("%d client messages, want %d (one per reply)", len(msgs), before+2)
				}
				if got := msgs[before].Body; got != "Still jammed after the restart — photo of the error attached.\n\nCarol" {
					t.Errorf("Gmail reply posted as %q", got)
				}
				p := position(t, db)
				if p.LastUID != 5 || p.UIDValidity == 0 || !p.Connected || p.LastMailAt == nil {
					t.Errorf("route after five mails: %+v", p)
				}
			})
		})
	}
}

func TestIMAPReaderResumesAfterARestart(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := newWorld(t, db)
		before := len(w.clientMessages(t))
		m := startMailbox(t, withIdle)
		seen := make(chan handled, 16)
		stop := runReader(t, db, w, m, "first", seen)
		m.deliver(t, w.sample(t, "gmail.eml", "carol@acme.test"))
		if h := next(t, seen); h.uid != 1 {
			t.Fatalf("first run read %+v", h)
		}
		stop()
		if p := position(t, db); p.Connected || p.LastUID != 1 {
			t.Errorf("after stopping: %+v, want disconnected at UID 1", p)
		}

		// Mail that arrives while no reader runs is read by the next one,
		// which starts after the last UID kept: UID 1 is not read again.
		m.deliver(t, w.sample(t, "outlook.eml", "carol@acme.test"))
		runReader(t, db, w, m, "second", seen)
		if h := next(t, seen); h.uid != 2 || h.reader != "second" || h.out.Status != models.InboundPosted {
			t.Fatalf("after the restart: %+v, want UID 2 posted", h)
		}
		if got := len(w.clientMessages(t)); got != before+2 {
			t.Errorf("%d client messages, want %d", got, before+2)
		}
	})
}

func TestIMAPReaderStartsOverWhenUIDValidityChanges(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := newWorld(t, db)
		m := startMailbox(t, withIdle)
		// A position kept for another mailbox (or before it was recreated).
		if err := models.SetMailboxPosition(t.Context(), db, inbound.RouteIMAP, 424242, 90); err != nil {
			t.Fatal(err)
		}
		m.deliver(t, w.sample(t, "thunderbird.eml", "carol@acme.test"))
		seen := make(chan handled, 4)
		runReader(t, db, w, m, "a", seen)
		if h := next(t, seen); h.uid != 1 || h.out.Status != models.InboundPosted {
			t.Fatalf("%+v, want UID 1 posted", h)
		}
		if p := position(t, db); p.UIDValidity == 424242 || p.LastUID != 1 {
			t.Errorf("position %+v, want the new UIDVALIDITY at UID 1", p)
		}
	})
}

// Two processes on one PostgreSQL database: one reads, the other waits
// for the lock and takes over when the first stops; each mail becomes one
// message.
func TestTwoIMAPReadersOnPostgreSQLReadEachMailOnce(t *testing.T) {
	db := dbtest.New(t, dbtest.Postgres)
	ctx := t.Context()
	var name string
	if err := db.NewRaw("SELECT current_database()").Scan(ctx, &name); err != nil {
		t.Fatal(err)
	}
	second, err := models.OpenPostgres(ctx, dbtest.URLFor(t, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { second.Close() })

	w := newWorld(t, db)
	before := len(w.clientMessages(t))
	m := startMailbox(t, withIdle)
	seen := make(chan handled, 16)
	stopA := runReader(t, db, w, m, "a", seen)
	stopB := runReader(t, second, w, m, "b", seen)
	defer stopB()

	m.deliver(t, w.sample(t, "gmail.eml", "carol@acme.test"))
	m.deliver(t, w.sample(t, "outlook.eml", "carol@acme.test"))
	first := next(t, seen)
	secondMail := next(t, seen)
	if first.uid != 1 || secondMail.uid != 2 || first.reader != secondMail.reader {
		t.Fatalf("read %+v then %+v: want UIDs 1 and 2, by one reader", first, secondMail)
	}
	// The reader that read stops; the other takes over from UID 3.
	if first.reader == "a" {
		stopA()
	} else {
		stopB()
	}
	m.deliver(t, w.sample(t, "thunderbird.eml", "carol@acme.test"))
	third := next(t, seen)
	if third.uid != 3 || third.reader == first.reader || third.out.Status != models.InboundPosted {
		t.Fatalf("after the first reader stopped: %+v, want UID 3 posted by the other", third)
	}
	select {
	case h := <-seen:
		t.Fatalf("a mail was read twice: %+v", h)
	default:
	}
	if got := len(w.clientMessages(t)); got != before+3 {
		t.Errorf("%d client messages, want %d", got, before+3)
	}
}

// A refused sign-in is shown on the console (the route's last error) and
// tried again later; the reader does not give up.
func TestIMAPReaderRecordsItsLastError(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := newWorld(t, db)
		m := startMailbox(t, withIdle)
		r := inbound.NewIMAPReader(w.cfg, inbound.IMAPOptions{URL: m.url, Password: "wrong", PlainText: true,
			Backoff: 20 * time.Millisecond, MaxBackoff: 40 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); r.Run(ctx) }()
		defer func() { cancel(); <-done }()
		guard := time.Now().Add(time.Minute) // against a hung test, not a measure of speed
		for {
			p := position(t, db)
			if p.LastError != "" {
				if !strings.Contains(p.LastError, "sign in as support@northwind.test") || p.Connected || p.LastErrorAt == nil {
					t.Errorf("route %+v, want the refused sign-in, not connected", p)
				}
				return
			}
			if time.Now().After(guard) {
				t.Fatal("no error was recorded")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

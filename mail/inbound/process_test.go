package inbound_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/mail/inbound"
	"github.com/portal-msp/portal/mail/thread"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

const inboundAddr = "support@northwind.test"

// world is a workspace with one client, its user Carol, an admin and a
// request of Carol's that the admin answered (so Carol got a mail).
type world struct {
	db      *bun.DB
	cfg     inbound.Config
	signer  *thread.Signer
	admin   *models.User
	carol   *models.User
	dave    *models.User // another user of Carol's client
	client  *models.Client
	request *models.Request
}

func newWorld(t *testing.T, db *bun.DB) *world {
	t.Helper()
	ctx := t.Context()
	admin, err := models.Setup(ctx, db, models.SetupInput{WorkspaceName: "Northwind IT", AdminName: "Ada Admin",
		AdminEmail: "ada@northwind.test", Password: "correct-horse-battery"})
	if err != nil {
		t.Fatal(err)
	}
	now := models.Now()
	client := &models.Client{Name: "Acme Corp", Slug: "acme", RequestPrefix: "ACME", Timezone: "Europe/Paris",
		NextRequestNumber: 1, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(client).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	user := func(email, name string) *models.User {
		u := &models.User{ClientID: &client.ID, Role: models.RoleClient, Email: email, Name: name,
			SignupMethod: "invite", NotifyEmail: true, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		return u
	}
	w := &world{db: db, admin: admin, client: client, carol: user("carol@acme.test", "Carol Client"),
		dave: user("dave@acme.test", "Dave Acme")}
	sc, err := models.ScopeFor(db, w.carol)
	if err != nil {
		t.Fatal(err)
	}
	if w.request, err = sc.CreateRequest(ctx, models.NewRequest{Title: "Printer jam", Description: "It jams.", Urgency: models.UrgencyNormal}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.PostMessage(ctx, db, models.PostMessageInput{ClientID: client.ID, RequestID: w.request.ID,
		AuthorID: admin.ID, ByStaff: true, Body: "Please restart it."}); err != nil {
		t.Fatal(err)
	}
	st, err := models.GetInboundSettings(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if w.signer, err = thread.NewSigner(st.TokenKey, "portal.northwind.test"); err != nil {
		t.Fatal(err)
	}
	w.cfg = inbound.Config{DB: db, Files: attachments.New(attachments.DefaultURL(t.TempDir())), Address: inboundAddr,
		Domain: "portal.northwind.test", MaxBytes: 1 << 20, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return w
}

// sample reads a testdata mail with its placeholders filled: TO is the
// reply address the portal gave Carol, FROM the sender, MSGID and ROOT
// our Message-IDs.
func (w *world) sample(t *testing.T, name, from string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	r := strings.NewReplacer(
		"{{TO}}", thread.ReplyAddress(inboundAddr, w.signer.Token(w.request.ID, w.carol.ID)),
		"{{FROM}}", from,
		"{{MSGID}}", w.signer.MessageID(w.request.ID, 2, w.carol.ID),
		"{{ROOT}}", w.signer.RootID(w.request.ID))
	return []byte(r.Replace(string(b)))
}

func (w *world) process(t *testing.T, raw []byte) inbound.Outcome {
	t.Helper()
	out, err := inbound.Process(t.Context(), w.cfg, raw, inbound.Envelope{Route: inbound.RouteSMTP,
		Sender: "carol@acme.test", SenderKnown: true, Recipients: []string{inboundAddr}})
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	return out
}

// clientMessages is the request's thread as Carol sees it: what a client
// page shows.
func (w *world) clientMessages(t *testing.T) []models.Message {
	t.Helper()
	sc, err := models.ScopeFor(w.db, w.carol)
	if err != nil {
		t.Fatal(err)
	}
	d, err := sc.RequestByNumber(t.Context(), w.request.Number, models.Now())
	if err != nil {
		t.Fatal(err)
	}
	return d.Messages
}

func TestRepliesFromGmailOutlookAndThunderbirdEachAddOneMessage(t *testing.T) {
	cases := []struct {
		sample, body, file string
	}{
		{"gmail.eml", "Still jammed after the restart — photo of the error attached.\n\nCarol", "IMG_2041.png"},
		{"outlook.eml", "Hi,\n\nThe invoice from the printer vendor is attached. Café floor printer too.\n\nKind regards,\nCarol Client\nAcme Corp", "Invoice 4411.pdf"},
		{"thunderbird.eml", "The spooler log from this morning is attached; it stops at 10:02.", "spooler.log.txt"},
	}
	for _, tc := range cases {
		t.Run(strings.TrimSuffix(tc.sample, ".eml"), func(t *testing.T) {
			dbtest.Run(t, func(t *testing.T, db *bun.DB) {
				w := newWorld(t, db)
				before := len(w.clientMessages(t))
				raw := w.sample(t, tc.sample, "carol@acme.test")
				out := w.process(t, raw)
				if out.Status != models.InboundPosted {
					t.Fatalf("outcome %+v, want posted", out)
				}
				msgs := w.clientMessages(t)
				if len(msgs) != before+1 {
					t.Fatalf("%d messages, want %d", len(msgs), before+1)
				}
				m := msgs[len(msgs)-1]
				if m.Body != tc.body {
					t.Errorf("body:\n%q\nwant:\n%q", m.Body, tc.body)
				}
				if m.AuthorID == nil || *m.AuthorID != w.carol.ID || m.Internal {
					t.Errorf("message by %v (internal %v), want Carol's public message", m.AuthorID, m.Internal)
				}
				if len(m.Attachments) != 1 || m.Attachments[0].Name != tc.file {
					var names []string
					for _, a := range m.Attachments {
						names = append(names, a.Name)
					}
					t.Errorf("attachments %v, want [%s]", names, tc.file)
				}
				// The same mail again (a retried delivery, or the other route)
				// adds nothing.
				if again := w.process(t, raw); again.Status != inbound.Duplicate {
					t.Errorf("second delivery: %+v", again)
				}
				if got := len(w.clientMessages(t)); got != before+1 {
					t.Errorf("after the second delivery: %d messages, want %d", got, before+1)
				}
			})
		})
	}
}

func TestOutOfOfficeIsIgnored(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := newWorld(t, db)
		before := len(w.clientMessages(t))
		out := w.process(t, w.sample(t, "out_of_office.eml", "carol@acme.test"))
		if out.Status != models.InboundIgnored {
			t.Fatalf("outcome %+v, want ignored", out)
		}
		if got := len(w.clientMessages(t)); got != before {
			t.Errorf("%d messages after an out-of-office, want %d", got, before)
		}
		if held, _ := models.HeldMails(t.Context(), db, 10); len(held) != 0 {
			t.Errorf("an out-of-office was held: %+v", held)
		}
	})
}

func TestAnotherSendersReplyIsHeldAndInvisible(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := newWorld(t, db)
		before := len(w.clientMessages(t))
		// Carol forwarded the mail; Mallory answers with Carol's reply address.
		out := w.process(t, w.sample(t, "thunderbird.eml", "mallory@evil.test"))
		if out.Status != models.InboundHeld || !strings.Contains(out.Reason, "mallory@evil.test") {
			t.Fatalf("outcome %+v, want held naming the sender", out)
		}
		// Even a colleague of Carol's may not use Carol's token.
		out = w.process(t, bytes.Replace(w.sample(t, "gmail.eml", "dave@acme.test"), []byte("CAJx8"), []byte("CAJx9"), 1))
		if out.Status != models.InboundHeld {
			t.Fatalf("colleague with Carol's token: %+v, want held", out)
		}
		for _, m := range w.clientMessages(t) {
			if strings.Contains(m.Body, "spooler") || strings.Contains(m.Body, "Still jammed") {
				t.Errorf("a held mail reached the client's thread: %q", m.Body)
			}
		}
		if got := len(w.clientMessages(t)); got != before {
			t.Errorf("%d messages, want %d", got, before)
		}
		held, err := models.HeldMails(t.Context(), db, 10)
		if err != nil || len(held) != 2 {
			t.Fatalf("held: %d (%v), want 2", len(held), err)
		}
		if held[1].FromAddr != "mallory@evil.test" || held[1].RequestID == nil || *held[1].RequestID != w.request.ID {
			t.Errorf("held mail %+v: want Mallory's, about the request", held[1])
		}
	})
}

func TestTamperedTokenIsRefused(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := newWorld(t, db)
		tok := w.signer.Token(w.request.ID, w.carol.ID)
		bad := tok[:5] + string("ab"[(strings.IndexByte("ab", tok[5])+1)%2]) + tok[6:]
		if strings.IndexByte("ab", tok[5]) < 0 {
			bad = tok[:5] + "a" + tok[6:]
		}
		raw := fmt.Sprintf("From: Carol Client <carol@acme.test>\r\nTo: support+%s@northwind.test\r\nSubject: Re: [ACME-1] Printer jam\r\n"+
			"Message-ID: <tampered-1@acme.test>\r\nContent-Type: text/plain\r\n\r\nPlease post this.\r\n", bad)
		before := len(w.clientMessages(t))
		out := w.process(t, []byte(raw))
		if out.Status != models.InboundHeld || !strings.Contains(out.Reason, "token") {
			t.Fatalf("outcome %+v, want held for the token", out)
		}
		if got := len(w.clientMessages(t)); got != before {
			t.Errorf("%d messages, want %d", got, before)
		}
	})
}

func TestMatchingByReferencesAndBySubject(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := newWorld(t, db)
		before := len(w.clientMessages(t))
		// Sent to the plain address (a client program that dropped
		// Reply-To), but answering our mail: Dave, Cc'd, replies to all.
		byRef := fmt.Sprintf("From: dave@acme.test\r\nTo: support@northwind.test\r\nSubject: Re: something\r\n"+
			"In-Reply-To: <%s>\r\nMessage-ID: <ref-1@acme.test>\r\nContent-Type: text/plain\r\n\r\nAdding Dave's view.\r\n",
			w.signer.MessageID(w.request.ID, 2, w.carol.ID))
		if out := w.process(t, []byte(byRef)); out.Status != models.InboundPosted || out.RequestID != w.request.ID {
			t.Fatalf("by reference: %+v", out)
		}
		bySubject := "From: Carol <CAROL@acme.test>\r\nTo: support@northwind.test\r\nSubject: about [ACME-1]\r\n" +
			"Message-ID: <subj-1@acme.test>\r\nContent-Type: text/plain\r\n\r\nNumber in the subject.\r\n"
		if out := w.process(t, []byte(bySubject)); out.Status != models.InboundPosted {
			t.Fatalf("by subject: %+v", out)
		}
		stranger := "From: someone@else.test\r\nTo: support@northwind.test\r\nSubject: about [ACME-1]\r\n" +
			"Message-ID: <subj-2@else.test>\r\nContent-Type: text/plain\r\n\r\nHello?\r\n"
		if out := w.process(t, []byte(stranger)); out.Status != models.InboundHeld {
			t.Fatalf("stranger naming a request: %+v", out)
		}
		if got := len(w.clientMessages(t)); got != before+2 {
			t.Errorf("%d messages, want %d", got, before+2)
		}
	})
}

func TestReplyAfterTheReopenWindowOpensALinkedFollowUp(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := newWorld(t, db)
		if err := models.CompleteRequest(t.Context(), db, w.request.ID, w.admin, "Replaced the roller."); err != nil {
			t.Fatal(err)
		}
		long := models.Now().Add(-30 * 24 * time.Hour)
		if _, err := db.NewUpdate().Model((*models.Request)(nil)).Set("completed_at = ?", long).
			Where("id = ?", w.request.ID).Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		out := w.process(t, w.sample(t, "thunderbird.eml", "carol@acme.test"))
		if out.Status != models.InboundPosted || out.RequestID == w.request.ID {
			t.Fatalf("outcome %+v, want posted on a new request", out)
		}
		var follow models.Request
		if err := db.NewSelect().Model(&follow).Where("id = ?", out.RequestID).Scan(t.Context()); err != nil {
			t.Fatal(err)
		}
		if follow.FollowUpOfID == nil || *follow.FollowUpOfID != w.request.ID || !strings.Contains(follow.Description, "spooler log") ||
			follow.AttachmentCount != 1 || follow.Channel != models.ChannelEmail {
			t.Errorf("follow-up %+v", follow)
		}
	})
}

func TestBadMailIsHeldWithItsReason(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := newWorld(t, db)
		var bomb strings.Builder
		bomb.WriteString("From: carol@acme.test\r\nTo: support@northwind.test\r\nSubject: [ACME-1] bomb\r\nMessage-ID: <bomb@acme.test>\r\n" +
			"Content-Type: multipart/mixed; boundary=b\r\n\r\n")
		for i := 0; i < 10000; i++ {
			bomb.WriteString("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n")
		}
		bomb.WriteString("--b--\r\n")
		cases := map[string]struct {
			raw, reason string
		}{
			"unknown charset": {"From: carol@acme.test\r\nTo: support@northwind.test\r\nSubject: [ACME-1] x\r\nMessage-ID: <cs@acme.test>\r\n" +
				"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nhello\r\n", "character set"},
			"broken multipart": {"From: carol@acme.test\r\nTo: support@northwind.test\r\nSubject: [ACME-1] x\r\nMessage-ID: <mp@acme.test>\r\n" +
				"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nno end", "could not be read"},
			"no From":       {"To: support@northwind.test\r\nSubject: x\r\n\r\nhello\r\n", "From"},
			"10,000 parts":  {bomb.String(), "more than 100 parts"},
			"too large":     {"From: carol@acme.test\r\nMessage-ID: <big@acme.test>\r\n\r\n" + strings.Repeat("a", 2<<20), "larger than"},
			"not even mail": {"\x00\x01\x02 garbage", "could not be read"},
		}
		for name, tc := range cases {
			out := w.process(t, []byte(tc.raw))
			if out.Status != models.InboundHeld || !strings.Contains(out.Reason, tc.reason) {
				t.Errorf("%s: %+v, want held with %q", name, out, tc.reason)
			}
		}
		// …and the next good mail is processed.
		if out := w.process(t, w.sample(t, "gmail.eml", "carol@acme.test")); out.Status != models.InboundPosted {
			t.Errorf("after bad mail: %+v", out)
		}
	})
}

func TestReplyInSwitchedOffHolds(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := newWorld(t, db)
		if err := models.SetReplyIn(t.Context(), db, false); err != nil {
			t.Fatal(err)
		}
		if out := w.process(t, w.sample(t, "gmail.eml", "carol@acme.test")); out.Status != models.InboundHeld {
			t.Fatalf("reply-in off: %+v", out)
		}
	})
}

package handlers_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/mail/inbound"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// holdMail runs raw through the inbound processor; it must be held.
func holdMail(t *testing.T, db *bun.DB, raw string) int64 {
	t.Helper()
	cfg := inbound.Config{DB: db, Address: "support@northwind.test", Domain: "localhost", MaxBytes: 1 << 20,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	out, err := inbound.Process(t.Context(), cfg, []byte(raw), inbound.Envelope{Route: inbound.RouteSMTP})
	if err != nil || out.Status != models.InboundHeld {
		t.Fatalf("mail not held: %+v %v", out, err)
	}
	held, err := models.HeldMails(t.Context(), db, 1)
	if err != nil || len(held) == 0 {
		t.Fatalf("held list: %v", err)
	}
	return held[0].ID
}

func TestHeldMailStaffAcceptStartOrDiscard(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		r := submitAs(t, db, s.clientUser, "Printer jam")
		stranger := holdMail(t, db, "From: Vendor <sales@vendor.test>\r\nTo: support@northwind.test\r\nSubject: Your quote\r\n"+
			"Message-ID: <q1@vendor.test>\r\n\r\nThe toner quote you asked for: 40 EUR.\r\n")
		fromCarol := holdMail(t, db, "From: carol@acme.test\r\nTo: support@northwind.test\r\nSubject: Re: Fwd: New laptop\r\n"+
			"Message-ID: <c1@acme.test>\r\n\r\nPlease order a laptop for Erin.\r\n")
		junk := holdMail(t, db, "From: x@spam.test\r\nTo: support@northwind.test\r\nSubject: win\r\nMessage-ID: <s1@spam.test>\r\n\r\nwin\r\n")

		a := newApp(t, db)
		staff := a.browser()
		staff.signIn(s.admin.Email, testPassword)
		resp, body := staff.get("/console/mail")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /console/mail: %d", resp.StatusCode)
		}
		if n := doc(t, body).Find("#held-list > article").Length(); n != 3 {
			t.Fatalf("held list shows %d mails, want 3", n)
		}
		// A client user never reaches it.
		client := a.browser()
		client.signIn(s.clientUser.Email, testPassword)
		if resp, body := client.get("/console/mail"); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "toner quote") {
			t.Errorf("client GET /console/mail: %d", resp.StatusCode)
		}
		// Without the CSRF token nothing happens.
		if resp, _ := staff.post("/console/mail/held/"+strconv.FormatInt(junk, 10)+"/discard", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("discard without CSRF: %d", resp.StatusCode)
		}

		// Bad input: a request that does not exist is a 422 beside the field.
		accept := "/console/mail/held/" + strconv.FormatInt(stranger, 10) + "/accept"
		resp, body = staff.submit("/console/mail", accept, url.Values{"request": {"ACME-99"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "No request has this number") {
			t.Fatalf("accept onto ACME-99: %d", resp.StatusCode)
		}
		// The stranger's mail goes on ACME-1 as an internal note.
		if resp, _ := staff.submit("/console/mail", accept, url.Values{"request": {"ACME-1"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("accept: %d", resp.StatusCode)
		}
		var notes []models.Message
		if err := db.NewSelect().Model(&notes).Where("request_id = ?", r.ID).Scan(t.Context()); err != nil {
			t.Fatal(err)
		}
		if len(notes) != 1 || !notes[0].Internal || !strings.Contains(notes[0].Body, "sales@vendor.test") ||
			!strings.Contains(notes[0].Body, "40 EUR") {
			t.Fatalf("accepted stranger's mail: %+v, want one internal note", notes)
		}
		if _, body := client.get("/requests/1"); strings.Contains(body, "40 EUR") {
			t.Error("the stranger's accepted mail is shown to the client")
		}
		// Carol's mail starts a request for Acme, by Carol.
		start := "/console/mail/held/" + strconv.FormatInt(fromCarol, 10) + "/request"
		if resp, _ := staff.submit("/console/mail", start, url.Values{}); resp.StatusCode != http.StatusOK {
			t.Fatalf("start request: %d", resp.StatusCode)
		}
		var created models.Request
		if err := db.NewSelect().Model(&created).Where("client_id = ?", s.client.ID).Where("number = 2").Scan(t.Context()); err != nil {
			t.Fatal(err)
		}
		if created.Title != "New laptop" || created.RequesterID == nil || *created.RequesterID != s.clientUser.ID ||
			created.Channel != models.ChannelEmail || !strings.Contains(created.Description, "Erin") {
			t.Errorf("request from mail: %+v", created)
		}
		// A stranger's mail cannot start a request: 422, still held.
		startJunk := "/console/mail/held/" + strconv.FormatInt(junk, 10) + "/request"
		if resp, _ := staff.submit("/console/mail", startJunk, url.Values{}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("start request for a stranger: %d", resp.StatusCode)
		}
		if resp, _ := staff.submit("/console/mail", "/console/mail/held/"+strconv.FormatInt(junk, 10)+"/discard", url.Values{}); resp.StatusCode != http.StatusOK {
			t.Fatalf("discard: %d", resp.StatusCode)
		}
		if n, _ := models.CountHeldMails(t.Context(), db); n != 0 {
			t.Errorf("%d mails still held", n)
		}
		// Deciding twice: the mail is no longer held.
		if resp, _ := staff.submit("/console/mail", startJunk, url.Values{}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("second decision: %d", resp.StatusCode)
		}

		// The switch (admin): off, then the page says so.
		if resp, _ := staff.submit("/console/mail", "/console/mail/reply-in", url.Values{"reply_in": {"off"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("switch off: %d", resp.StatusCode)
		}
		if st, _ := models.GetInboundSettings(t.Context(), db); st.ReplyIn {
			t.Error("reply-in still on")
		}
	})
}

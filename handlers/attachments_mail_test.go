package handlers_test

import (
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	netmail "net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// mailParts lists the leaf parts of a raw e-mail as media type and
// Content-Disposition, to tell a linked file from an attached one.
func mailParts(t *testing.T, raw string) []string {
	t.Helper()
	msg, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	var walk func(ctype, disp string, body io.Reader)
	walk = func(ctype, disp string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ctype)
		if err != nil {
			mt = "text/plain"
		}
		if !strings.HasPrefix(mt, "multipart/") {
			parts = append(parts, strings.TrimSpace(mt+" "+disp))
			return
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Disposition"), p)
		}
	}
	walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Disposition"), msg.Body)
	return parts
}

// A staff reply with files mails the client links to them, absolute under
// the base URL on the client's route, which the client can open; the files
// themselves are never in the mail. An internal note with a file mails the
// client nothing, and its file is in no later mail. A client's file reaches
// staff linked under /console.
func TestNotificationMailsLinkAttachments(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		const base = "https://portal.northwind.test"
		sd := seedWorkspace(t, db)
		r := submitAs(t, db, sd.clientUser, "Printer jam")
		n, smtp := newNotifier(t, db)
		tick(t, n, models.Now().Add(5*time.Minute)) // the new-request mail to staff
		smtp.WaitFor(t, sd.admin.Email, 1)

		store, _ := fileStore(t)
		staff := newAttachApp(t, db, store, nil)
		staff.signIn(sd.admin.Email, testPassword)
		page := "/console/requests/" + itoa(r.ID)
		postFiles := func(b *app, page, action string, fields url.Values, files ...upload) {
			t.Helper()
			if resp, body := b.postFiles(page, action, fields, files, true); resp.StatusCode != http.StatusOK {
				t.Fatalf("post %v: %d\n%s", fields, resp.StatusCode, body)
			}
		}
		noteData := []byte("NOTE-FILE-CONTENTS: the spare printer is in the MD's office\n")
		postFiles(staff, page, page+"/reply", url.Values{"body": {internalNote}, "kind": {"note"}},
			upload{name: "note-secret.txt", data: noteData})
		tick(t, n, models.Now().Add(10*time.Minute))
		time.Sleep(200 * time.Millisecond) // nothing is in flight: Send is synchronous
		if got := smtp.Count(sd.clientUser.Email); got != 0 {
			t.Fatalf("an internal note with a file mailed the client %d times", got)
		}
		if got := countRows(t, db, "pending_notifications", ""); got != 0 {
			t.Errorf("the internal note queued %d lines", got)
		}

		shot, logData := pngOf(t, 200, 150), []byte("REPLY-LOG-CONTENTS: toner replaced at 10:04\n")
		postFiles(staff, page, page+"/reply", url.Values{"body": {"Fixed, see the attached log."}, "kind": {"reply"}},
			upload{name: "toner.png", data: shot, ctype: "image/png"}, upload{name: "service-log.txt", data: logData})
		as := attachmentsOf(t, db, r.ID)
		if len(as) != 3 || !as[0].Internal || as[1].Internal || as[2].Internal {
			t.Fatalf("rows: %+v", as)
		}
		note, toner, svcLog := itoa(as[0].ID), itoa(as[1].ID), itoa(as[2].ID)
		tick(t, n, models.Now().Add(10*time.Minute))
		carol := smtp.WaitFor(t, sd.clientUser.Email, 1)
		if got := smtp.Count(sd.clientUser.Email); got != 1 {
			t.Errorf("carol got %d mails, want one", got)
		}
		for _, want := range []string{"Fixed, see the attached log.",
			"toner.png", base + "/attachments/" + toner, "service-log.txt", base + "/attachments/" + svcLog} {
			if !strings.Contains(carol.Text, want) {
				t.Errorf("carol's text mail lacks %q:\n%s", want, carol.Text)
			}
		}
		for _, want := range []string{`href="` + base + "/attachments/" + toner + `"`, `href="` + base + "/attachments/" + svcLog + `"`} {
			if !strings.Contains(carol.HTML, want) {
				t.Errorf("carol's HTML mail lacks %s:\n%s", want, carol.HTML)
			}
		}
		for _, body := range []string{carol.Raw, carol.Text, carol.HTML} {
			if m := contains(body, "/console/", "note-secret", "NOTE-FILE", internalNote, "/attachments/"+note+"\n",
				"/attachments/"+note+`"`, "REPLY-LOG-CONTENTS", base64.StdEncoding.EncodeToString(logData)[:24],
				base64.StdEncoding.EncodeToString(shot)[:24]); m != "" {
				t.Errorf("carol's mail contains %q", m)
			}
		}
		parts := mailParts(t, carol.Raw)
		for _, p := range parts {
			if !strings.HasPrefix(p, "text/plain") && !strings.HasPrefix(p, "text/html") || strings.Contains(p, "attachment") || strings.Contains(p, "name=") {
				t.Errorf("carol's mail has a part %q; want only the text and HTML bodies (parts %q)", p, parts)
			}
		}

		// The links work for the client, signed in, and lead to the files.
		client := staff.browser()
		client.signIn(sd.clientUser.Email, testPassword)
		for path, want := range map[string][]byte{"/attachments/" + toner: shot, "/attachments/" + svcLog: logData} {
			if resp, body := client.get(path); resp.StatusCode != http.StatusOK || body != string(want) {
				t.Errorf("the client following %s%s: %d, %d bytes", base, path, resp.StatusCode, len(body))
			}
		}

		// A client's reply with a file reaches staff linked in the console.
		cpage := "/requests/" + itoa(int64(r.Number))
		postFiles(client, cpage, cpage+"/reply", url.Values{"body": {"Thanks, here is the test page."}},
			upload{name: "test-page.txt", data: []byte("test page printed fine\n")})
		as = attachmentsOf(t, db, r.ID)
		if len(as) != 4 {
			t.Fatalf("rows after the client's reply: %+v", as)
		}
		tick(t, n, models.Now().Add(10*time.Minute))
		ada := smtp.WaitFor(t, sd.admin.Email, 2)
		if link := base + "/console/attachments/" + itoa(as[3].ID); !strings.Contains(ada.Text, link) || !strings.Contains(ada.HTML, `href="`+link+`"`) {
			t.Errorf("staff mail lacks %s:\n%s\n%s", link, ada.Text, ada.HTML)
		}
		if m := contains(ada.Raw, "test page printed fine", base64.StdEncoding.EncodeToString([]byte("test page printed fine\n"))[:16]); m != "" {
			t.Errorf("staff mail carries the file: %q", m)
		}
	})
}

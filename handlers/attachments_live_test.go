package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// Staff write an internal note with a screenshot and a log, then a public
// reply with a screenshot, through the console. The client's live stream
// (and its replay) never names the note's files, links them or shows their
// thumbnails; the reply's file reaches it linked under /attachments, where
// the client can open it. The staff stream carries both, linked under
// /console.
func TestLiveEventsCarryAttachmentsOnlyToTheirAudience(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		sd := seedWorkspace(t, db)
		r := submitAs(t, db, sd.clientUser, "Printer offline")
		a := newLiveApp(t, db) // attachments in its data directory
		client := a.browser()
		client.signIn(sd.clientUser.Email, testPassword)
		watcher := a.browser()
		watcher.signIn(sd.admin.Email, testPassword)
		clientEvents, staffEvents := client.listen(), watcher.listen()
		time.Sleep(200 * time.Millisecond) // the streams are attached

		staff := a.browser()
		staff.signIn(sd.admin.Email, testPassword)
		page := "/console/requests/" + itoa(r.ID)
		for _, p := range []struct {
			fields url.Values
			files  []upload
		}{
			{url.Values{"body": {"Note: warranty ran out"}, "kind": {"note"}},
				[]upload{{name: "note-secret-shot.png", data: pngOf(t, 200, 150)}, {name: "note-secret-log.txt", data: []byte("serial 1234\n")}}},
			{url.Values{"body": {"Reply: new toner is on its way"}, "kind": {"reply"}},
				[]upload{{name: "reply-shot.png", data: pngOf(t, 200, 150)}}},
		} {
			if resp, body := staff.postFiles(page, page+"/reply", p.fields, p.files, true); resp.StatusCode != http.StatusOK {
				t.Fatalf("post %v: %d\n%s", p.fields, resp.StatusCode, body)
			}
		}
		as := attachmentsOf(t, db, r.ID)
		if len(as) != 3 || !as[0].Internal || !as[1].Internal || as[2].Internal || as[0].ThumbKey == nil || as[2].ThumbKey == nil {
			t.Fatalf("rows: %+v", as)
		}
		noteShot, noteLog, replyShot := itoa(as[0].ID), itoa(as[1].ID), itoa(as[2].ID)
		// Anything of the note or its files, under either route.
		noteMarks := []string{"note-secret", "Note: warranty", models.EventInternalNote,
			"/attachments/" + noteShot + `"`, "/attachments/" + noteShot + "/thumb", "/attachments/" + noteLog + `"`}
		message := func(events []sseEvent, want string) string {
			for _, ev := range events {
				if ev.name == "message-"+itoa(r.ID) && strings.Contains(ev.data, want) {
					return ev.data
				}
			}
			return ""
		}

		got := collect(t, clientEvents, "new toner is on its way")
		// Whatever else the stream still has in flight for this post.
		drain := time.After(500 * time.Millisecond)
	draining:
		for {
			select {
			case ev, ok := <-clientEvents:
				if !ok {
					break draining
				}
				got = append(got, ev)
			case <-drain:
				break draining
			}
		}
		for _, ev := range got {
			if m := contains(ev.data, noteMarks...); m != "" {
				t.Errorf("the client's stream carries %q of the internal note's files: %+v", m, ev)
			}
			if strings.Contains(ev.data, "/console/") {
				t.Errorf("the client's stream carries a console link: %+v", ev)
			}
		}
		reply := message(got, "new toner is on its way")
		for _, want := range []string{"reply-shot.png", `href="/attachments/` + replyShot + `"`, `src="/attachments/` + replyShot + `/thumb"`} {
			if !strings.Contains(reply, want) {
				t.Errorf("the client's live reply lacks %q:\n%s", want, reply)
			}
		}
		checkInline := func(b *app, path string) {
			t.Helper()
			resp, body := b.get(path)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || len(body) == 0 {
				t.Errorf("GET %s: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
		checkInline(client, "/attachments/"+replyShot)
		checkInline(client, "/attachments/"+replyShot+"/thumb")

		// A reconnecting client browser is replayed the same thread, and
		// still nothing of the note.
		req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/events", nil)
		req.Header.Set("Last-Event-ID", "1")
		resp, err := client.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		replayed := readUntil(t, resp.Body, `src="/attachments/`+replyShot+`/thumb"`)
		if m := contains(replayed, noteMarks...); m != "" {
			t.Errorf("the client's replay carries %q of the internal note's files", m)
		}

		staffGot := collect(t, staffEvents, "new toner is on its way")
		note := message(staffGot, "Note: warranty")
		for _, want := range []string{"note-secret-shot.png", "note-secret-log.txt",
			`href="/console/attachments/` + noteShot + `"`, `src="/console/attachments/` + noteShot + `/thumb"`,
			`href="/console/attachments/` + noteLog + `"`} {
			if !strings.Contains(note, want) {
				t.Errorf("the staff stream's note lacks %q:\n%s", want, note)
			}
		}
		if reply := message(staffGot, "new toner is on its way"); !strings.Contains(reply, `href="/console/attachments/`+replyShot+`"`) {
			t.Errorf("the staff stream's reply lacks the console link:\n%s", reply)
		}
		checkInline(watcher, "/console/attachments/"+noteShot+"/thumb")
	})
}

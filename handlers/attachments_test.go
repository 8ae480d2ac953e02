package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// checkDownload asserts path is served as a download of the exact bytes,
// never as something a browser would render.
func checkDownload(t *testing.T, a *app, path string, want []byte) {
	t.Helper()
	resp, body := a.get(path)
	h := resp.Header
	if resp.StatusCode != http.StatusOK || body != string(want) {
		t.Fatalf("GET %s: %d, %d bytes; want 200 with the %d bytes uploaded", path, resp.StatusCode, len(body), len(want))
	}
	if !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") || h.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("GET %s: Content-Disposition %q, Content-Type %q; want an octet-stream attachment",
			path, h.Get("Content-Disposition"), h.Get("Content-Type"))
	}
	checkSandboxed(t, path, h)
}

func checkSandboxed(t *testing.T, path string, h http.Header) {
	t.Helper()
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != "default-src 'none'; sandbox; frame-ancestors 'none'" {
		t.Errorf("GET %s: nosniff %q, CSP %q", path, h.Get("X-Content-Type-Options"), h.Get("Content-Security-Policy"))
	}
}

// A client sends a request with a screenshot, a log, and three files a
// browser could run (a GIF/HTML polyglot, an HTML page, an SVG with a
// script). The thread lists them all; only the screenshot has a thumbnail
// and is shown inline, as image/png; the rest are downloads whatever their
// names or claimed types; every response has nosniff and the sandbox CSP.
func TestAttachmentsOnNewRequestAreServedSafely(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		sd := seedWorkspace(t, db)
		store, dir := fileStore(t)
		a := newAttachApp(t, db, store, nil)
		a.signIn(sd.clientUser.Email, testPassword)

		shot := pngOf(t, 800, 600)
		log := []byte("2026-12-01 10:00:00 ERROR printer offline\n")
		files := []upload{
			{name: "screen shot.png", data: shot, ctype: "image/png"},
			{name: `C:\Users\carol\printer.log`, data: log, ctype: "text/plain"},
			{name: "cat.gif", data: polyglotGIF, ctype: "image/gif"},
			{name: "page.html", data: htmlFile, ctype: "text/html"},
			{name: "logo.svg", data: svgFile, ctype: "image/svg+xml"},
		}
		resp, body := a.postFiles("/requests/new", "/requests", url.Values{"title": {"Printer offline"},
			"description": {"See the screenshot."}, "urgency": {models.UrgencyNormal}}, files, false)
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/requests/1" {
			t.Fatalf("submit with files: %d at %s\n%s", resp.StatusCode, resp.Request.URL.Path, body)
		}
		d := doc(t, body)
		items := d.Find(".attachments .attachment")
		if items.Length() != len(files) {
			t.Fatalf("the request lists %d attachments, want %d", items.Length(), len(files))
		}
		if n := d.Find(".attachments img").Length(); n != 1 {
			t.Errorf("%d thumbnails, want 1 (the PNG)", n)
		}
		if name := strings.TrimSpace(items.Eq(1).Find(".attachment-name").Text()); name != "printer.log" {
			t.Errorf("a path sent as the name is kept as %q, want printer.log", name)
		}
		if sz := strings.TrimSpace(items.Eq(0).Find(".attachment-size").Text()); !strings.HasSuffix(sz, "KB") {
			t.Errorf("size shown as %q", sz)
		}

		as := attachmentsOf(t, db, 1)
		if len(as) != len(files) {
			t.Fatalf("%d rows, want %d", len(as), len(files))
		}
		if got := len(storedFiles(t, dir)); got != len(files)+1 {
			t.Errorf("%d stored files, want %d and one thumbnail", got, len(files))
		}
		for i, at := range as {
			if at.MessageID != nil || at.Internal || at.ClientID != sd.client.ID || at.UploaderID == nil || *at.UploaderID != sd.clientUser.ID ||
				len(at.SHA256) != 64 || at.Size != int64(len(files[i].data)) || !strings.HasPrefix(at.StorageKey, "files/") ||
				strings.Contains(at.StorageKey, "png") {
				t.Errorf("row %d: %+v", i, at)
			}
		}
		if as[0].ContentType != "image/png" || !as[0].Inline || as[0].Width != 800 || as[0].Height != 600 || as[0].ThumbKey == nil {
			t.Errorf("screenshot row: %+v", as[0])
		}
		if as[2].ContentType != "image/gif" || as[2].Inline {
			t.Errorf("polyglot: sniffed %q, inline %v; want image/gif and not inline", as[2].ContentType, as[2].Inline)
		}

		// The screenshot: inline, its sniffed type, sandboxed.
		path := "/attachments/" + strconv.FormatInt(as[0].ID, 10)
		resp, got := a.get(path)
		if resp.StatusCode != http.StatusOK || got != string(shot) || resp.Header.Get("Content-Type") != "image/png" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") {
			t.Fatalf("GET %s: %d %q %q", path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
		checkSandboxed(t, path, resp.Header)
		resp, thumb := a.get(path + "/thumb")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("thumbnail: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		cfg, err := png.DecodeConfig(bytes.NewReader([]byte(thumb)))
		if err != nil || cfg.Width != attachments.ThumbSize || cfg.Height != 240 {
			t.Errorf("thumbnail is %dx%d (%v), want 320x240", cfg.Width, cfg.Height, err)
		}
		checkSandboxed(t, path+"/thumb", resp.Header)

		// Everything else downloads, whatever it claims to be.
		for i := 1; i < len(files); i++ {
			checkDownload(t, a, "/attachments/"+strconv.FormatInt(as[i].ID, 10), files[i].data)
			if resp, _ := a.get("/attachments/" + strconv.FormatInt(as[i].ID, 10) + "/thumb"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("thumbnail of %s: %d, want 404", files[i].name, resp.StatusCode)
			}
		}
		resp, _ = a.get("/attachments/" + strconv.FormatInt(as[1].ID, 10))
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename=printer.log` {
			t.Errorf("Content-Disposition %q", cd)
		}

		// Staff see the same files under /console.
		staff := a.browser()
		staff.signIn(sd.admin.Email, testPassword)
		_, page := staff.get("/console/requests/1")
		if href, _ := doc(t, page).Find(".attachments .attachment-name").First().Attr("href"); href != "/console/attachments/"+strconv.FormatInt(as[0].ID, 10) {
			t.Errorf("console link %q", href)
		}
		checkDownload(t, staff, "/console/attachments/"+strconv.FormatInt(as[3].ID, 10), htmlFile)
	})
}

// Staff reply with a file and write an internal note with another: the
// client sees the reply's file and never the note's, by page, fragment or
// URL; staff see both.
func TestInternalNoteAttachmentsAreStaffOnly(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		sd := seedWorkspace(t, db)
		store, _ := fileStore(t)
		r := submitAs(t, db, sd.clientUser, "VPN drops")
		staff := newAttachApp(t, db, store, nil)
		staff.signIn(sd.admin.Email, testPassword)
		page := "/console/requests/" + strconv.FormatInt(r.ID, 10)
		for _, kind := range []string{"reply", "note"} {
			resp, body := staff.postFiles(page, page+"/reply", url.Values{"body": {"Our " + kind}, "kind": {kind}},
				[]upload{{name: kind + "-file.txt", data: []byte(kind + " secret contents")}}, true)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, kind+"-file.txt") {
				t.Fatalf("%s with a file: %d\n%s", kind, resp.StatusCode, body)
			}
		}
		as := attachmentsOf(t, db, r.ID)
		if len(as) != 2 || as[0].Internal || !as[1].Internal || as[1].MessageID == nil {
			t.Fatalf("rows: %+v", as)
		}
		client := staff.browser()
		client.signIn(sd.clientUser.Email, testPassword)
		_, body := client.get("/requests/" + strconv.Itoa(r.Number))
		if !strings.Contains(body, "reply-file.txt") || strings.Contains(body, "note-file.txt") {
			t.Errorf("client page: reply file shown %v, note file shown %v", strings.Contains(body, "reply-file.txt"), strings.Contains(body, "note-file.txt"))
		}
		_, frag := client.get("/requests/"+strconv.Itoa(r.Number), "HX-Request", "true")
		if strings.Contains(frag, "note-file") {
			t.Error("the note's file is in the client's fragment")
		}
		checkDownload(t, client, "/attachments/"+strconv.FormatInt(as[0].ID, 10), []byte("reply secret contents"))
		missing := "/attachments/999999"
		_, missingBody := client.get(missing)
		for _, p := range []string{"/attachments/" + strconv.FormatInt(as[1].ID, 10), "/console/attachments/" + strconv.FormatInt(as[1].ID, 10)} {
			resp, body := client.get(p)
			if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "secret") {
				t.Errorf("client GET %s: %d, want 404", p, resp.StatusCode)
			}
			if strings.HasPrefix(p, "/attachments") && body != missingBody {
				t.Errorf("an internal file's 404 differs from a missing one's")
			}
		}
		checkDownload(t, staff, "/console/attachments/"+strconv.FormatInt(as[1].ID, 10), []byte("note secret contents"))
	})
}

// A client user walks every attachment id around the ones that exist, as
// file and thumbnail: only their own client's public files answer; another
// client's, an internal note's and ids that do not exist are the same 404.
func TestAttachmentTenantCrawl(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		sd := seedWorkspace(t, db)
		other := seedOtherClient(t, db)
		store, _ := fileStore(t)
		stored := func(name string) models.NewAttachment {
			key := attachments.NewFileKey()
			data := pngOf(t, 20, 20)
			if err := store.Put(ctx, key, bytes.NewReader(data), "application/octet-stream"); err != nil {
				t.Fatal(err)
			}
			thumb := attachments.ThumbKey(key)
			if err := store.Put(ctx, thumb, bytes.NewReader(data), "image/png"); err != nil {
				t.Fatal(err)
			}
			return models.NewAttachment{Name: name, Size: int64(len(data)), ContentType: "image/png", SHA256: strings.Repeat("0", 64),
				StorageKey: key, ThumbKey: thumb, Width: 20, Height: 20, Inline: true}
		}
		// Globex: a request with a file and a public message with one.
		if _, err := models.PostMessage(ctx, db, models.PostMessageInput{ClientID: other.client.ID, RequestID: other.request.ID,
			AuthorID: other.user.ID, Body: "globex file", Attachments: []models.NewAttachment{stored("globex.png")}}); err != nil {
			t.Fatal(err)
		}
		// Acme: a public reply and an internal note, each with a file.
		r := submitAs(t, db, sd.clientUser, "Acme request")
		for _, internal := range []bool{false, true} {
			if _, err := models.PostMessage(ctx, db, models.PostMessageInput{ClientID: r.ClientID, RequestID: r.ID, AuthorID: sd.admin.ID,
				ByStaff: true, Internal: internal, Body: "file", Attachments: []models.NewAttachment{stored(fmt.Sprintf("acme-%v.png", internal))}}); err != nil {
				t.Fatal(err)
			}
		}
		var rows []models.Attachment
		if err := db.NewSelect().Model(&rows).Order("id").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		visible := map[int64]bool{}
		var maxID int64
		for _, row := range rows {
			visible[row.ID] = row.ClientID == sd.client.ID && !row.Internal
			maxID = max(maxID, row.ID)
		}
		a := newAttachApp(t, db, store, nil)
		a.signIn(sd.clientUser.Email, testPassword)
		_, missing := a.get("/attachments/" + strconv.FormatInt(maxID+50, 10))
		seen := 0
		for id := int64(0); id <= maxID+5; id++ {
			for _, suffix := range []string{"", "/thumb"} {
				p := "/attachments/" + strconv.FormatInt(id, 10) + suffix
				resp, body := a.get(p)
				switch {
				case visible[id] && resp.StatusCode == http.StatusOK:
					seen++
				case visible[id]:
					t.Errorf("GET %s: %d, want the client's own file", p, resp.StatusCode)
				case resp.StatusCode != http.StatusNotFound || body != missing:
					t.Errorf("GET %s: %d, want the 404 of a missing id", p, resp.StatusCode)
				}
			}
		}
		if seen != 2 {
			t.Errorf("the client could open %d files and thumbnails, want 2 (its one public file)", seen)
		}
		for _, p := range []string{"/attachments/abc", "/attachments/-1", "/attachments/1e3", "/attachments/" + rows[0].StorageKey} {
			if resp, _ := a.get(p); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", p, resp.StatusCode)
			}
		}
		// The foreign user sees their own and nothing of Acme's.
		g := a.browser()
		g.signIn("gina@globex.test", testPassword)
		for _, row := range rows {
			resp, _ := g.get("/attachments/" + strconv.FormatInt(row.ID, 10))
			if want := row.ClientID == other.client.ID; (resp.StatusCode == http.StatusOK) != want {
				t.Errorf("Globex GET attachment %d (client %d): %d", row.ID, row.ClientID, resp.StatusCode)
			}
		}
	})
}

// Refused attachments: a program, too many files, a file over the limit.
// Each answers 422 with the reason beside the file field, keeps what was
// typed, and leaves no row and no stored file.
func TestRefusedAttachmentsKeepTheText(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		sd := seedWorkspace(t, db)
		limit, files := int64(4096), 3
		if err := models.UpdateWorkspace(ctx, db, models.WorkspaceSettings{Name: "Northwind IT", AttachMaxFileBytes: limit, AttachMaxFiles: files}); err != nil {
			t.Fatal(err)
		}
		r := submitAs(t, db, sd.clientUser, "Laptop slow")
		store, dir := fileStore(t)
		a := newAttachApp(t, db, store, nil)
		a.signIn(sd.clientUser.Email, testPassword)
		page := "/requests/" + strconv.Itoa(r.Number)
		small := []byte("a small log")
		cases := []struct {
			name  string
			files []upload
			want  string
		}{
			{"windows program", []upload{{name: "fix.exe", data: []byte("MZ\x90\x00 program")}}, "programs and scripts"},
			{"renamed program", []upload{{name: "notes.txt", data: []byte("MZ\x90\x00 program")}}, "programs and scripts"},
			{"script", []upload{{name: "run.PS1", data: []byte("Write-Host hi")}}, "programs and scripts"},
			{"too many", []upload{{"a.txt", small, ""}, {"b.txt", small, ""}, {"c.txt", small, ""}, {"d.txt", small, ""}}, "at most 3 files"},
			{"too large", []upload{{"ok.txt", small, ""}, {"big.log", bytes.Repeat([]byte("x"), int(limit)+1), ""}}, "larger than 4 KB"},
			{"empty", []upload{{"empty.txt", nil, ""}}, "is empty"},
		}
		for _, tc := range cases {
			typed := "Here is what I see (" + tc.name + ")"
			for _, hx := range []bool{true, false} {
				resp, body := a.postFiles(page, page+"/reply", url.Values{"body": {typed}}, tc.files, hx)
				if resp.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("%s (htmx %v): %d, want 422", tc.name, hx, resp.StatusCode)
				}
				d := doc(t, body)
				if got := d.Find("#attachments-error").Text(); !strings.Contains(got, tc.want) {
					t.Errorf("%s: error beside the field %q, want %q", tc.name, got, tc.want)
				}
				if got := d.Find("textarea#body").Text(); got != typed {
					t.Errorf("%s: the message became %q", tc.name, got)
				}
				if v, _ := d.Find("#attachments").Attr("aria-invalid"); v != "true" {
					t.Errorf("%s: the file field is not marked invalid", tc.name)
				}
			}
		}
		// A refused new request keeps its title and description too.
		resp, body := a.postFiles("/requests/new", "/requests", url.Values{"title": {"Keep me"}, "description": {"And me"},
			"urgency": {models.UrgencyLow}}, []upload{{name: "setup.msi", data: []byte("installer")}}, true)
		if d := doc(t, body); resp.StatusCode != http.StatusUnprocessableEntity || d.Find("#title").AttrOr("value", "") != "Keep me" ||
			d.Find("#description").Text() != "And me" || !strings.Contains(d.Find("#attachments-error").Text(), "setup.msi") {
			t.Errorf("refused new request: %d\n%s", resp.StatusCode, body)
		}
		// A form refused for its text says the files were not sent.
		_, body = a.postFiles(page, page+"/reply", url.Values{"body": {"  "}}, []upload{{"ok.txt", small, ""}}, true)
		if got := doc(t, body).Find("#attachments-error").Text(); !strings.Contains(got, "not sent") {
			t.Errorf("empty message with a file: file field says %q", got)
		}
		if n := attachmentRows(t, db); n != 0 {
			t.Errorf("%d attachment rows after refusals", n)
		}
		if keys := storedFiles(t, dir); len(keys) != 0 {
			t.Errorf("stored after refusals: %v", keys)
		}
	})
}

// An attachment form declaring a body over files × size is refused with
// 413 before any of it is sent; one streamed without a length is cut off
// at the limit; a body within it gets through.
func TestOversizedUploadIsRefusedBeforeItIsRead(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		sd := seedWorkspace(t, db)
		r := submitAs(t, db, sd.clientUser, "Big files")
		store, dir := fileStore(t)
		// The chunked body below is some 200 MB: a race-instrumented run on a
		// busy CI machine may spool it slower than the default read timeout,
		// which this test is not about (it would answer 408, not 413).
		a := newAttachApp(t, db, store, map[string]string{"PORTAL_READ_TIMEOUT": "10m"})
		a.signIn(sd.clientUser.Email, testPassword)
		page := "/requests/" + strconv.Itoa(r.Number)
		cookie := "Cookie: portal_session=" + a.sessionCookie() + "\r\n"
		// Default limits: 10 files of 20 MB on top of the 1 MiB form.
		limit := int64(1<<20 + 10*(20<<20+16<<10))
		for _, declared := range []int64{limit + 1, 10 << 30} {
			status, took := rawPost(t, a, page+"/reply", cookie+"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: "+
				strconv.FormatInt(declared, 10)+"\r\n", "--x\r\n", 5*time.Second)
			if !strings.Contains(status, " 413 ") || took > 2*time.Second {
				t.Errorf("declared %d bytes: %q after %s, want 413 at once", declared, status, took)
			}
		}
		// Without a session the form limit applies, files or not.
		status, _ := rawPost(t, a, page+"/reply", "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 2000000\r\n", "--x\r\n", 5*time.Second)
		if !strings.Contains(status, " 413 ") {
			t.Errorf("2 MB without a session: %q, want 413", status)
		}
		// A chunked body that goes past the limit is cut off there.
		head := "--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + a.csrfOf(page) +
			"\r\n--B\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"huge.bin\"\r\n\r\n"
		body := &limitedZeros{prefix: []byte(head), n: limit + 1<<20}
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+page+"/reply", body)
		req.Header.Set("Content-Type", "multipart/form-data; boundary=B")
		resp, text := a.do(req)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(text, "too large") {
			t.Errorf("chunked %d bytes: %d, want 413", limit+1<<20, resp.StatusCode)
		}
		if n := attachmentRows(t, db); n != 0 {
			t.Errorf("%d rows", n)
		}
		if keys := storedFiles(t, dir); len(keys) != 0 {
			t.Errorf("stored: %v", keys)
		}
		// Within the limit, a 3 MB file is fine (above the 1 MiB form limit).
		big := bytes.Repeat([]byte("log line\n"), 3<<20/9)
		resp, _ = a.postFiles(page, page+"/reply", url.Values{"body": {"a big log"}}, []upload{{"big.log", big, ""}}, true)
		if resp.StatusCode != http.StatusOK || attachmentRows(t, db) != 1 {
			t.Errorf("3 MB file: %d, %d rows", resp.StatusCode, attachmentRows(t, db))
		}
	})
}

// limitedZeros reads prefix then n bytes of "x", with no length known.
type limitedZeros struct {
	prefix []byte
	n      int64
}

func (l *limitedZeros) Read(p []byte) (int, error) {
	if len(l.prefix) > 0 {
		k := copy(p, l.prefix)
		l.prefix = l.prefix[k:]
		return k, nil
	}
	if l.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), l.n)
	for i := range k {
		p[i] = 'x'
	}
	l.n -= k
	return int(k), nil
}

// A 5000×4000 PNG is a small file but 20 megapixels: it is stored and
// can be downloaded, but it is never decoded, so it has no thumbnail and
// is not shown inline.
func TestTwentyMegapixelImageGetsNoThumbnail(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		sd := seedWorkspace(t, db)
		r := submitAs(t, db, sd.clientUser, "Huge picture")
		store, dir := fileStore(t)
		a := newAttachApp(t, db, store, nil)
		a.signIn(sd.clientUser.Email, testPassword)
		page := "/requests/" + strconv.Itoa(r.Number)
		resp, body := a.postFiles(page, page+"/reply", url.Values{"body": {"a big picture"}}, []upload{{"bomb.png", bombPNG(t), "image/png"}}, true)
		if resp.StatusCode != http.StatusOK || doc(t, body).Find(".attachments img").Length() != 0 {
			t.Fatalf("bomb upload: %d\n%s", resp.StatusCode, body)
		}
		as := attachmentsOf(t, db, r.ID)
		if len(as) != 1 || as[0].Width != 5000 || as[0].Height != 4000 || as[0].Inline || as[0].ThumbKey != nil {
			t.Fatalf("bomb row: %+v", as)
		}
		if keys := storedFiles(t, dir); len(keys) != 1 {
			t.Errorf("stored %v, want the file alone", keys)
		}
		checkDownload(t, a, "/attachments/"+strconv.FormatInt(as[0].ID, 10), bombPNG(t))
		if resp, _ := a.get("/attachments/" + strconv.FormatInt(as[0].ID, 10) + "/thumb"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("bomb thumbnail: %d, want 404", resp.StatusCode)
		}
	})
}

var (
	bombOnce  sync.Once
	bombBytes []byte
)

// bombPNG is a 5000×4000 greyscale PNG of one colour: about 20 KB on disk,
// 80 MB once decoded to RGBA.
func bombPNG(t *testing.T) []byte {
	t.Helper()
	bombOnce.Do(func() { bombBytes = attachmentsBomb(t) })
	return bombBytes
}

// Admins set the limits on Settings; bad values are refused beside their
// fields; the composer states the new limits and enforces them.
func TestAttachmentLimitsInSettings(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		sd := seedWorkspace(t, db)
		r := submitAs(t, db, sd.clientUser, "Limits")
		store, _ := fileStore(t)
		a := newAttachApp(t, db, store, nil)
		a.signIn(sd.admin.Email, testPassword)
		_, page := a.get("/console/settings")
		d := doc(t, page)
		if d.Find("#attach_max_mb").AttrOr("value", "") != "20" || d.Find("#attach_max_files").AttrOr("value", "") != "10" ||
			!strings.Contains(d.Find("#attach_blocked").Text(), "exe") {
			t.Fatalf("default limits not shown")
		}
		form := url.Values{"name": {"Northwind IT"}, "attach_max_mb": {"0"}, "attach_max_files": {"x"}, "attach_blocked": {"exe .bad/ext"}}
		resp, body := a.submit("/console/settings", "/console/settings", form)
		d = doc(t, body)
		if resp.StatusCode != http.StatusUnprocessableEntity || d.Find("#attach_max_mb-error").Length() == 0 ||
			d.Find("#attach_max_files-error").Length() == 0 || !strings.Contains(d.Find("#attach_blocked-error").Text(), "bad/ext") {
			t.Fatalf("bad limits: %d\n%s", resp.StatusCode, body)
		}
		form = url.Values{"name": {"Northwind IT"}, "attach_max_mb": {"1"}, "attach_max_files": {"2"}, "attach_blocked": {"EXE, .zip"}}
		if resp, _ := a.submit("/console/settings", "/console/settings", form); resp.StatusCode != http.StatusOK {
			t.Fatalf("save limits: %d", resp.StatusCode)
		}
		client := a.browser()
		client.signIn(sd.clientUser.Email, testPassword)
		p := "/requests/" + strconv.Itoa(r.Number)
		_, body = client.get(p)
		if hint := doc(t, body).Find("#attachments-hint").Text(); !strings.Contains(hint, "Up to 2 files of 1 MB") {
			t.Errorf("composer hint %q", hint)
		}
		resp, _ = client.postFiles(p, p+"/reply", url.Values{"body": {"zip"}}, []upload{{"logs.zip", []byte("PK\x03\x04zip"), ""}}, true)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a zip after zip was refused: %d", resp.StatusCode)
		}
		resp, _ = client.postFiles(p, p+"/reply", url.Values{"body": {"exe ok now?"}}, []upload{{"tool.exe", []byte("MZ program"), ""}}, true)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("exe still refused: %d", resp.StatusCode)
		}
		resp, _ = client.postFiles(p, p+"/reply", url.Values{"body": {"script"}}, []upload{{"run.sh", []byte("#!/bin/sh\necho hi"), ""}}, true)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("sh is no longer on the list: %d", resp.StatusCode)
		}
		// The body limit follows: 2 × 1 MB on top of the form limit.
		status, _ := rawPost(t, client, p+"/reply", "Cookie: portal_session="+client.sessionCookie()+
			"\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 4000000\r\n", "--x\r\n", 5*time.Second)
		if !strings.Contains(status, " 413 ") {
			t.Errorf("4 MB body with 2 × 1 MB allowed: %q, want 413", status)
		}
	})
}

package handlers_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/models/dbtest"
)

// newSpoolApp is the portal spooling uploads in spool.
func newSpoolApp(t *testing.T, db *bun.DB, spool string) *app {
	t.Helper()
	store, _ := fileStore(t)
	cfg, err := config.Load(func(k string) string { return map[string]string{"PORTAL_DATA_DIR": t.TempDir()}[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := handlers.New(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)),
		handlers.WithAttachments(store), handlers.WithUploadSpool(spool))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &app{t: t, db: db, srv: srv, client: newClient()}
}

// spoolFiles lists the files in the spool folder.
func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// waitFor polls cond until it holds; the bound only stops a broken run.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s", what)
		}
	}
}

// Uploads spool into the portal's own folder while their request lasts and
// leave nothing there: one sent whole, and one whose sender goes away
// half-way through the file.
func TestUploadsSpoolInThePortalsFolderAndLeaveNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		spool := t.TempDir()
		a := newSpoolApp(t, db, spool)
		a.signIn(s.clientUser.Email, testPassword)
		r := newRequest(t, db, s.clientUser, "Printer jam")
		page := "/requests/" + strconv.Itoa(r.Number)

		resp, _ := a.postFiles(page, page+"/reply", url.Values{"body": {"Photo attached"}},
			[]upload{{name: "jam.png", data: pngOf(t, 40, 30), ctype: "image/png"}}, true)
		if resp.StatusCode != http.StatusOK || attachmentRows(t, db) != 1 {
			t.Fatalf("reply with a file: %d, %d attachments", resp.StatusCode, attachmentRows(t, db))
		}
		if left := spoolFiles(t, spool); len(left) != 0 {
			t.Fatalf("files left in the upload folder after the request: %v", left)
		}

		// Half a file, then the connection drops: the part already read is
		// in the portal's folder, and gone once the request ends.
		ct, body := multipartBody(t, url.Values{"csrf": {a.csrfOf(page)}, "body": {"Cut off"}},
			[]upload{{name: "big.bin", data: bytes.Repeat([]byte("x"), 256<<10)}})
		half := body.Bytes()[:body.Len()/2]
		conn, err := net.Dial("tcp", strings.TrimPrefix(a.srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(a.srv.URL)
		var cookies []string
		for _, c := range a.client.Jar.Cookies(u) {
			cookies = append(cookies, c.Name+"="+c.Value)
		}
		fmt.Fprintf(conn, "POST %s/reply HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nCookie: %s\r\n\r\n",
			page, u.Host, ct, body.Len(), strings.Join(cookies, "; "))
		if _, err := conn.Write(half); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the cut-off upload's file in the upload folder", func() bool {
			for _, name := range spoolFiles(t, spool) {
				if info, err := os.Stat(filepath.Join(spool, name)); err == nil && info.Size() > 0 {
					return true
				}
			}
			return false
		})
		conn.Close()
		waitFor(t, "the upload folder to be empty", func() bool { return len(spoolFiles(t, spool)) == 0 })
		if attachmentRows(t, db) != 1 || countRows(t, db, "messages", "body = ?", "Cut off") != 0 {
			t.Errorf("the cut-off upload stored something")
		}
	})
}

// A process that dies mid-upload cannot remove its spool files; the next
// start removes what no live request can still be using, and keeps the
// files of uploads a sibling process may be receiving now.
func TestStartSweepsUploadsCutOffByACrash(t *testing.T) {
	spool := t.TempDir()
	now := time.Now()
	files := map[string]time.Time{
		"upload-crashed-yesterday": now.Add(-24 * time.Hour),
		"upload-crashed-2h-ago":    now.Add(-2 * time.Hour),
		"upload-live-sibling":      now.Add(-time.Minute),
		"not-ours":                 now.Add(-24 * time.Hour), // only spool files are swept
	}
	for name, at := range files {
		p := filepath.Join(spool, name)
		if err := os.WriteFile(p, []byte("part of a file"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	newSpoolApp(t, dbtest.New(t, dbtest.SQLite), spool)
	got := strings.Join(spoolFiles(t, spool), " ")
	if got != "not-ours upload-live-sibling" {
		t.Fatalf("after the start the folder holds %q, want the live sibling's file and the foreign one", got)
	}
}

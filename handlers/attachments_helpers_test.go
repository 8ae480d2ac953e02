package handlers_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/models"
)

// fileStore is attachment storage in a fresh folder, and that folder.
func fileStore(t *testing.T) (attachments.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s := attachments.New("file://" + filepath.ToSlash(dir) + "?no_tmp_dir=1&metadata=skip")
	t.Cleanup(func() { s.Close() })
	return s, dir
}

// storedFiles lists the keys in a file store's folder.
func storedFiles(t *testing.T, dir string) []string {
	t.Helper()
	var keys []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		keys = append(keys, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// newAttachApp is the portal storing attachments in store.
func newAttachApp(t *testing.T, db *bun.DB, store attachments.Store, env map[string]string) *app {
	t.Helper()
	vars := map[string]string{"PORTAL_DATA_DIR": t.TempDir()}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := handlers.New(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)), handlers.WithAttachments(store))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &app{t: t, db: db, srv: srv, client: newClient()}
}

// upload is one file of a multipart form.
type upload struct {
	name  string
	data  []byte
	ctype string // what the browser claims; "" for application/octet-stream
}

// multipartBody encodes fields and files (in the "attachments" field).
func multipartBody(t *testing.T, fields url.Values, files []upload) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v) //nolint:errcheck
		}
	}
	for _, f := range files {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="attachments"; filename="` + strings.ReplaceAll(f.name, `"`, `\"`) + `"`}
		ct := f.ctype
		if ct == "" {
			ct = "application/octet-stream"
		}
		h["Content-Type"] = []string{ct}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(f.data) //nolint:errcheck
	}
	w.Close()
	return w.FormDataContentType(), &buf
}

// postFiles posts a multipart form with files, with this browser's CSRF
// token for page, as htmx would when hx is true.
func (a *app) postFiles(page, action string, fields url.Values, files []upload, hx bool) (*http.Response, string) {
	a.t.Helper()
	if fields == nil {
		fields = url.Values{}
	}
	fields.Set("csrf", a.csrfOf(page))
	ct, body := multipartBody(a.t, fields, files)
	req, err := http.NewRequest(http.MethodPost, a.srv.URL+action, body)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	if hx {
		req.Header.Set("HX-Request", "true")
	}
	return a.do(req)
}

// pngOf is a w×h PNG with a little pattern.
func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 5), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Files that must never be shown in a browser.
var (
	// polyglotGIF starts as a GIF (http.DetectContentType says image/gif)
	// and goes on as an HTML page with a script.
	polyglotGIF = []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00<html><body><script>alert(document.cookie)</script></body></html>")
	htmlFile    = []byte("<!doctype html><html><body><script>fetch('/console')</script><p>hello</p></body></html>")
	svgFile     = []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>`)
)

// attachmentRows counts attachment rows.
func attachmentRows(t *testing.T, db *bun.DB) int {
	t.Helper()
	n, err := db.NewSelect().Model((*models.Attachment)(nil)).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// attachmentsOf lists the rows of a request, oldest first.
func attachmentsOf(t *testing.T, db *bun.DB, requestID int64) []models.Attachment {
	t.Helper()
	var as []models.Attachment
	if err := db.NewSelect().Model(&as).Where("request_id = ?", requestID).Order("id").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return as
}

func attachmentsBomb(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 5000, 4000))
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

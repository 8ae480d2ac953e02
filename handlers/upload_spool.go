package handlers

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Files sent with a form are written to the portal's own spool folder while
// the request is served, and removed when it ends (limitRequests). A process
// that dies mid-upload cannot remove them, so each start sweeps the folder of
// files nobody can still be using. Go's own multipart parser spools to the
// system temporary folder among everyone's files, where nothing would ever
// know them for ours.

// staleSpool is how long after its last write a spool file is surely
// abandoned: a request holds one from the end of its upload until it ends,
// seconds, and the body itself must arrive within PORTAL_READ_TIMEOUT.
// Several processes of one machine may share the folder; a sibling's live
// upload is younger than this.
const staleSpool = time.Hour

// maxFormParts bounds the parts of one multipart form (Go's parser has the
// same default): each costs a header parse and maybe a file.
const maxFormParts = 1000

// ctxUploads holds the request's spooled files (spooledFiles).
const ctxUploads = "portal.uploads"

// WithUploadSpool makes uploads spool in dir instead of the default folder
// (defaultSpoolDir); tests give each server its own.
func WithUploadSpool(dir string) Option {
	return func(s *Server) { s.spoolDir = dir }
}

// defaultSpoolDir is the portal's folder in the system temporary folder,
// one per OS user so that two users' portals never share (or sweep) it.
func defaultSpoolDir() string {
	return filepath.Join(os.TempDir(), "portal-uploads-"+strconv.Itoa(os.Getuid()))
}

// spooledFile is one file of a form, in the spool folder.
type spooledFile struct {
	Filename string
	Size     int64
	Header   textproto.MIMEHeader
	path     string
}

// Open opens the file for reading (an *os.File reads, seeks and reads at).
func (f *spooledFile) Open() (multipart.File, error) {
	return os.Open(f.path)
}

// spooledFiles are a request's files by form field.
type spooledFiles map[string][]*spooledFile

// uploadsOf is the files the request's form carried, by field.
func uploadsOf(c echo.Context) spooledFiles {
	files, _ := c.Get(ctxUploads).(spooledFiles)
	return files
}

// remove deletes every spooled file.
func (sf spooledFiles) remove() {
	for _, files := range sf {
		for _, f := range files {
			os.Remove(f.path) //nolint:errcheck // a leftover is swept at the next start
		}
	}
}

// readMultipartForm reads a multipart body: its values into r.Form and
// r.PostForm (at most maxValues bytes of them, else an
// http.MaxBytesError), its files into the spool folder, recorded in the
// context for uploadsOf and for removal when the request ends, even when
// reading fails half-way.
func (s *Server) readMultipartForm(c echo.Context, maxValues int64) error {
	r := c.Request()
	mr, err := r.MultipartReader()
	if err != nil {
		return err
	}
	values, files := url.Values{}, spooledFiles{}
	c.Set(ctxUploads, files)
	// The fields read so far are kept even when the body breaks off, as
	// Go's parser does, so the handler can answer about them.
	defer func() {
		r.PostForm = values
		r.Form = url.Values{}
		for k, vs := range r.URL.Query() {
			r.Form[k] = append(r.Form[k], vs...)
		}
		for k, vs := range values {
			r.Form[k] = append(r.Form[k], vs...)
		}
		r.MultipartForm = &multipart.Form{Value: values, File: map[string][]*multipart.FileHeader{}}
	}()
	budget := maxValues
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if parts >= maxFormParts {
			return &http.MaxBytesError{Limit: maxValues}
		}
		name := p.FormName()
		if name == "" {
			continue
		}
		if p.FileName() == "" { // a value (an empty file input sends filename="", read as one too)
			b, err := io.ReadAll(io.LimitReader(p, budget+1))
			if err != nil {
				return err
			}
			if budget -= int64(len(b)); budget < 0 {
				return &http.MaxBytesError{Limit: maxValues}
			}
			values.Add(name, string(b))
			continue
		}
		f, err := s.spool(p)
		if f != nil {
			files[name] = append(files[name], f)
		}
		if err != nil {
			return err
		}
	}
}

// spool writes one file part to the spool folder. The file is returned
// even when writing failed, so that it is removed.
func (s *Server) spool(p *multipart.Part) (*spooledFile, error) {
	if err := os.MkdirAll(s.spoolDir, 0o700); err != nil {
		return nil, fmt.Errorf("handlers: upload folder: %w", err)
	}
	tmp, err := os.CreateTemp(s.spoolDir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("handlers: spool an upload: %w", err)
	}
	f := &spooledFile{Filename: p.FileName(), Header: p.Header, path: tmp.Name()}
	f.Size, err = io.Copy(tmp, p)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("handlers: spool an upload: %w", cerr)
	}
	return f, err
}

// sweepSpool removes the spool files left by requests that never ended (a
// crash, a kill): every file of dir last written before now minus
// staleSpool. A missing folder is an empty one.
func sweepSpool(dir string, now time.Time, log *slog.Logger) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		log.Warn("upload folder: cannot list it to sweep leftovers", "dir", dir, "error", err)
		return
	}
	removed := 0
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "upload-") {
			continue // only what spool writes
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(now.Add(-staleSpool)) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			log.Warn("upload folder: cannot remove a leftover", "file", e.Name(), "error", err)
			continue
		}
		removed++
	}
	if removed > 0 {
		log.Info("upload folder: removed files of uploads cut off by a stop", "dir", dir, "files", removed)
	}
}

// Package attachments keeps the files people attach to requests and
// messages: where they are stored (a folder, or an S3-compatible bucket
// through the AWS SDK's S3 client), what they are (sniffed from their bytes,
// never from what the uploader claims) and their thumbnails. Who may see a
// file is decided by the models package; this package only stores bytes
// under keys it chose itself.
package attachments

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// Key prefixes: an uploaded file, and the thumbnail made from it, which
// shares the file's random part.
const (
	filePrefix  = "files/"
	thumbPrefix = "thumbs/"
)

// ErrNotFound is returned for a key with nothing stored under it.
var ErrNotFound = errors.New("attachments: no such file")

// Store is the one interface to attachment storage: a folder (folder.go) or
// an S3 bucket (s3.go), chosen by Open from PORTAL_ATTACHMENTS_URL. Neither
// touches the disk or the network before its first use, so a process (or a
// test) that never sees an attachment never creates the folder or dials the
// object store; a first use that fails is tried again on the next one (a
// volume mounted late, an object store that was unreachable).
type Store interface {
	// Put stores everything r yields under key. r is read from where it
	// stands; it can seek so that an upload can be measured, signed and,
	// when a request is retried, sent again.
	Put(ctx context.Context, key string, r io.ReadSeeker, contentType string) error
	// Open returns what is stored under key; ErrNotFound when nothing is.
	Open(ctx context.Context, key string) (File, error)
	// Exists reports whether something is stored under key.
	Exists(ctx context.Context, key string) (bool, error)
	// Delete removes key; a key already gone is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every file and thumbnail key, a page at a time,
	// stopping at fn's first error.
	List(ctx context.Context, fn func(Stored) error) error
	// URL is where the store keeps files, with any query (which may name
	// credentials' profiles or endpoints) left out, for logs.
	URL() string
	// Close releases what the store holds open.
	Close() error
}

// File is a stored file being read. It seeks, so that http.ServeContent
// can answer range requests and learn the size.
type File interface {
	io.ReadSeekCloser
}

// Stored is one key in the store and when it was last written.
type Stored struct {
	Key     string
	ModTime time.Time
}

// DefaultURL is the folder under the data directory where files go when
// PORTAL_ATTACHMENTS_URL is not set; it is created on first use.
func DefaultURL(dataDir string) string {
	abs, err := filepath.Abs(filepath.Join(dataDir, "attachments"))
	if err != nil {
		abs = filepath.Join(dataDir, "attachments")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "create_dir=1"}
	return u.String()
}

// Open returns the store rawURL names: file:///folder or
// s3://bucket?region=… It reads the URL only (no disk, no network), so a
// word it does not know stops start-up instead of the first upload.
func Open(rawURL string) (Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("attachments: storage URL: %w", err)
	}
	var s Store
	switch u.Scheme {
	case "file":
		s, err = newFolder(u)
	case "s3":
		s, err = newS3(u)
	default:
		err = fmt.Errorf("unknown scheme %q (want file or s3)", u.Scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("attachments: storage %s: %w", redacted(u), err)
	}
	return s, nil
}

// New is Open for a URL already checked (the default folder, a test's): a
// URL it cannot use gives a store whose every use fails with the reason.
func New(rawURL string) Store {
	s, err := Open(rawURL)
	if err != nil {
		return failed{url: "(unusable)", err: err}
	}
	return s
}

// redacted is u without its query and user, for logs.
func redacted(u *url.URL) string {
	c := *u
	c.RawQuery, c.User = "", nil
	return c.String()
}

// NewFileKey is a fresh random key for an uploaded file: 128 random bits,
// never derived from anything the uploader sent.
func NewFileKey() string {
	b := make([]byte, 16)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read never fails (Go 1.24+)
	return filePrefix + hex.EncodeToString(b)
}

// ThumbKey is the key of the thumbnail of the file stored under fileKey.
func ThumbKey(fileKey string) string { return thumbPrefix + strings.TrimPrefix(fileKey, filePrefix) }

// checkKey refuses a key this package could not have made: keys are chosen
// here, but a folder must never be left through "..".
func checkKey(key string) error {
	if !strings.HasPrefix(key, filePrefix) && !strings.HasPrefix(key, thumbPrefix) ||
		strings.Contains(key, "..") || strings.Contains(key, "\\") {
		return fmt.Errorf("attachments: %q is not a storage key", key)
	}
	return nil
}

// failed is the store of a URL that cannot be used: every use says why.
type failed struct {
	url string
	err error
}

func (f failed) Put(context.Context, string, io.ReadSeeker, string) error { return f.err }
func (f failed) Open(context.Context, string) (File, error)               { return nil, f.err }
func (f failed) Exists(context.Context, string) (bool, error)             { return false, f.err }
func (f failed) Delete(context.Context, string) error                     { return f.err }
func (f failed) List(context.Context, func(Stored) error) error           { return f.err }
func (f failed) URL() string                                              { return f.url }
func (f failed) Close() error                                             { return nil }

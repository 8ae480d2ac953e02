// Package attachments keeps the files people attach to requests and
// messages: where they are stored (a folder or S3-compatible object storage,
// behind gocloud.dev/blob), what they are (sniffed from their bytes, never
// from what the uploader claims) and their thumbnails. Who may see a file is
// decided by the models package; this package only stores bytes under keys
// it chose itself.
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
	"sync"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// URLs, the default
	_ "gocloud.dev/blob/s3blob"   // s3:// URLs (AWS S3, MinIO and compatibles)
	"gocloud.dev/gcerrors"
)

// Key prefixes: an uploaded file, and the thumbnail made from it, which
// shares the file's random part.
const (
	filePrefix  = "files/"
	thumbPrefix = "thumbs/"
)

// ErrNotFound is returned for a key with nothing stored under it.
var ErrNotFound = errors.New("attachments: no such file")

// Store is the one interface to attachment storage. The bucket is opened on
// first use, so a process (or a test) that never touches an attachment
// never creates the folder or dials the object store. A failure to open it
// is not kept: the next use tries again (a volume mounted late, an object
// store that was unreachable).
type Store struct {
	url string

	mu     sync.Mutex
	bucket *blob.Bucket // nil until opened
}

// DefaultURL is the folder under the data directory where files go when
// PORTAL_ATTACHMENTS_URL is not set. Temporary files are written beside
// their final place (no_tmp_dir) so the final rename never crosses devices,
// and no metadata sidecar files are written (nothing reads them).
func DefaultURL(dataDir string) string {
	abs, err := filepath.Abs(filepath.Join(dataDir, "attachments"))
	if err != nil {
		abs = filepath.Join(dataDir, "attachments")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "create_dir=1&no_tmp_dir=1&metadata=skip"}
	return u.String()
}

// New returns the store at rawURL, opened on first use.
func New(rawURL string) *Store { return &Store{url: rawURL} }

// URL is where the store keeps files, with any query (which may name
// credentials' profiles or endpoints) left out, for logs.
func (s *Store) URL() string {
	u, err := url.Parse(s.url)
	if err != nil {
		return "(unparsable)"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}

func (s *Store) open(ctx context.Context) (*blob.Bucket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bucket != nil {
		return s.bucket, nil
	}
	// The bucket outlives the request that happens to open it.
	b, err := blob.OpenBucket(context.WithoutCancel(ctx), s.url)
	if err != nil {
		return nil, fmt.Errorf("attachments: open storage %s: %w", s.URL(), err)
	}
	s.bucket = b
	return b, nil
}

// Close releases the bucket, if it was opened.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bucket == nil {
		return nil
	}
	err := s.bucket.Close()
	s.bucket = nil
	return err
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

// Put stores everything r yields under key.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, contentType string) error {
	b, err := s.open(ctx)
	if err != nil {
		return err
	}
	w, err := b.NewWriter(ctx, key, &blob.WriterOptions{ContentType: contentType})
	if err != nil {
		return fmt.Errorf("attachments: write %s: %w", key, err)
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return fmt.Errorf("attachments: write %s: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("attachments: write %s: %w", key, err)
	}
	return nil
}

// Open returns a reader of what is stored under key; ErrNotFound when
// nothing is.
func (s *Store) Open(ctx context.Context, key string) (*blob.Reader, error) {
	b, err := s.open(ctx)
	if err != nil {
		return nil, err
	}
	r, err := b.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("attachments: read %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("attachments: read %s: %w", key, err)
	}
	return r, nil
}

// Exists reports whether something is stored under key.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	b, err := s.open(ctx)
	if err != nil {
		return false, err
	}
	ok, err := b.Exists(ctx, key)
	if err != nil {
		return false, fmt.Errorf("attachments: look for %s: %w", key, err)
	}
	return ok, nil
}

// Delete removes key; a key already gone is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	b, err := s.open(ctx)
	if err != nil {
		return err
	}
	if err := b.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("attachments: delete %s: %w", key, err)
	}
	return nil
}

// Stored is one key in the store and when it was last written.
type Stored struct {
	Key     string
	ModTime time.Time
}

// List calls fn for every file and thumbnail key in the store, a page at a
// time, stopping at fn's first error.
func (s *Store) List(ctx context.Context, fn func(Stored) error) error {
	b, err := s.open(ctx)
	if err != nil {
		return err
	}
	for _, prefix := range []string{filePrefix, thumbPrefix} {
		it := b.List(&blob.ListOptions{Prefix: prefix})
		for {
			obj, err := it.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("attachments: list %s: %w", prefix, err)
			}
			if obj.IsDir {
				continue
			}
			if err := fn(Stored{Key: obj.Key, ModTime: obj.ModTime}); err != nil {
				return err
			}
		}
	}
	return nil
}

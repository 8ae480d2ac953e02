package attachments

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// s3URL starts an S3-compatible server (gofakes3, in memory, behind a real
// HTTP listener) with one bucket and names it as PORTAL_ATTACHMENTS_URL
// would. Credentials come from the environment, as in production.
func s3URL(t *testing.T) string {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "portal-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "portal-test-secret")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	backend := s3mem.New()
	if err := backend.CreateBucket("portal-files"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	q := url.Values{"endpoint": {srv.URL}, "region": {"us-east-1"}, "use_path_style": {"true"},
		"request_checksum_calculation": {"when_required"}, "response_checksum_validation": {"when_required"}}
	return "s3://portal-files?" + q.Encode()
}

// Both stores keep, serve (whole and by range), list and delete files the
// same way, and say "not found" the same way.
func TestStores(t *testing.T) {
	for name, rawURL := range map[string]func(t *testing.T) string{
		"folder": func(t *testing.T) string {
			return (&url.URL{Scheme: "file", Path: filepath.ToSlash(t.TempDir())}).String()
		},
		"s3": s3URL,
	} {
		t.Run(name, func(t *testing.T) {
			s := New(rawURL(t))
			defer s.Close()
			ctx := t.Context()
			content := strings.Repeat("0123456789", 1000)
			file := NewFileKey()
			thumb := ThumbKey(file)
			if err := s.Put(ctx, file, strings.NewReader(content), "application/octet-stream"); err != nil {
				t.Fatalf("Put: %v", err)
			}
			if err := s.Put(ctx, thumb, strings.NewReader("png"), "image/png"); err != nil {
				t.Fatalf("Put thumbnail: %v", err)
			}

			f, err := s.Open(ctx, file)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if got, err := io.ReadAll(f); err != nil || string(got) != content {
				t.Errorf("read back %d bytes, %v", len(got), err)
			}
			f.Close()
			// What a download does with it: the size by seeking, then a range.
			for _, rng := range []struct{ header, want string }{{"bytes=9995-10004", "56789"}, {"bytes=10-14", "01234"}} {
				f, err = s.Open(ctx, file)
				if err != nil {
					t.Fatal(err)
				}
				rec := httptest.NewRecorder()
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.Header.Set("Range", rng.header)
				rec.Header().Set("Content-Type", "application/octet-stream")
				http.ServeContent(rec, req, "", time.Time{}, f)
				f.Close()
				if rec.Code != http.StatusPartialContent || rec.Body.String() != rng.want {
					t.Errorf("range %s: %d %q, want 206 %q", rng.header, rec.Code, rec.Body.String(), rng.want)
				}
			}

			var listed []string
			if err := s.List(ctx, func(st Stored) error {
				if st.ModTime.IsZero() {
					t.Errorf("%s listed without a time", st.Key)
				}
				listed = append(listed, st.Key)
				return nil
			}); err != nil {
				t.Fatalf("List: %v", err)
			}
			if !slices.Equal(listed, []string{file, thumb}) {
				t.Errorf("listed %v, want %v", listed, []string{file, thumb})
			}
			stop := errors.New("enough")
			if err := s.List(ctx, func(Stored) error { return stop }); err != stop {
				t.Errorf("List passes on fn's error as it is: got %v", err)
			}

			if err := s.Delete(ctx, file); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if err := s.Delete(ctx, file); err != nil {
				t.Errorf("Delete of a key already gone: %v", err)
			}
			if ok, err := s.Exists(ctx, file); ok || err != nil {
				t.Errorf("Exists after Delete: %v %v", ok, err)
			}
			if ok, err := s.Exists(ctx, thumb); !ok || err != nil {
				t.Errorf("Exists of the thumbnail: %v %v", ok, err)
			}
			if _, err := s.Open(ctx, file); !errors.Is(err, ErrNotFound) {
				t.Errorf("Open after Delete: %v, want ErrNotFound", err)
			}
			if err := s.Put(ctx, "files/../../etc/passwd", strings.NewReader("x"), ""); err == nil {
				t.Errorf("a key that leaves the store was taken")
			}
		})
	}
}

// A URL the store cannot use is refused when opened (start-up), naming the
// word; New's store says the same at its first use.
func TestStoreURLMistakes(t *testing.T) {
	for rawURL, want := range map[string]string{
		"s3://portal-files?regoin=eu-west-1":     `unknown query parameter "regoin"`,
		"s3://portal-files?use_path_style=maybe": "use_path_style",
		"file:///srv/files?create_dirs=1":        `unknown query parameter "create_dirs"`,
		"gs://portal-files":                      "unknown scheme",
	} {
		if _, err := Open(rawURL); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open %s: %v, want it to say %s", rawURL, err, want)
		}
		err := New(rawURL).Put(t.Context(), NewFileKey(), strings.NewReader("x"), "")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Put into New(%s): %v, want it to say %s", rawURL, err, want)
		}
	}
}

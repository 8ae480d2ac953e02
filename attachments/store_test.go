package attachments

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A store that could not be opened (its folder not there yet, say) is
// tried again on the next use rather than failing until a restart.
func TestStoreRetriesOpening(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "later")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(dir), RawQuery: ""}
	s := New(u.String())
	defer s.Close()
	key := NewFileKey()
	if err := s.Put(t.Context(), key, strings.NewReader("x"), "text/plain"); err == nil {
		t.Fatal("Put into a folder that does not exist: no error")
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(t.Context(), key, strings.NewReader("x"), "text/plain"); err != nil {
		t.Fatalf("Put once the folder exists: %v", err)
	}
	if ok, err := s.Exists(t.Context(), key); err != nil || !ok {
		t.Errorf("Exists: %v %v", ok, err)
	}
}

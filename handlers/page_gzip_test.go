package handlers

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
)

// TestHoledGzipFillsItsHoles: the gzip file made from a page compressed with
// holes reads back, through the standard library's reader (which checks the
// CRC and length), as the page with the keys in place: keys at the start,
// side by side and at the end included.
func TestHoledGzipFillsItsHoles(t *testing.T) {
	const k = 22
	hole := strings.Repeat("?", k)
	for _, tt := range []struct{ name, page string }{
		{"one key", "<form>" + hole + "</form>"},
		{"key first and last", hole + strings.Repeat("<p>some text</p>", 500) + hole},
		{"keys side by side", "<a>" + hole + hole + "</a>"},
		{"no key", strings.Repeat("<li>row</li>", 100)},
		{"only a key", hole},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var offsets []int
			for i := 0; ; {
				j := strings.Index(tt.page[i:], hole)
				if j < 0 {
					break
				}
				offsets = append(offsets, i+j)
				i += j + k
			}
			h := newHoledGzip([]byte(tt.page), offsets, k)
			for round := range 2 {
				keys := make([][]byte, len(offsets))
				want := []byte(tt.page)
				for i, off := range offsets {
					keys[i] = []byte(newFormKey())
					copy(want[off:], keys[i])
				}
				var file bytes.Buffer
				if err := h.writeTo(&file, keys); err != nil {
					t.Fatal(err)
				}
				if file.Len() != h.gzLen() {
					t.Fatalf("wrote %d bytes, said %d", file.Len(), h.gzLen())
				}
				r, err := gzip.NewReader(&file)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(r)
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("round %d: got %q, want %q", round, got, want)
				}
			}
		})
	}
}

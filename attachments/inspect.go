package attachments

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits are the workspace's attachment settings.
type Limits struct {
	MaxFileBytes int64    // largest file
	MaxFiles     int      // most files on one message or request
	Blocked      []string // refused types: file extensions, lower case, without the dot
}

// Defaults, also the database columns' defaults (migration 20261201010000).
const (
	DefaultMaxFileBytes = 20 << 20
	DefaultMaxFiles     = 10
	// DefaultBlocked refuses programs and scripts a double click would run
	// on Windows, macOS, Linux or Android. elf is the pseudo-extension of a
	// Linux program found by its content (see contentKind).
	DefaultBlocked = "apk app bat cmd com cpl dll dmg elf exe hta jar js jse lnk msi msp ps1 psm1 reg scr sh vb vbe vbs wsf"
	// MaxNameLength is how much of a file's name is kept, in characters.
	MaxNameLength = 200
)

// Errors an upload is refused with; the handler words them for people.
var (
	ErrEmpty    = errors.New("attachments: empty file")
	ErrTooLarge = errors.New("attachments: file too large")
	ErrBlocked  = errors.New("attachments: file type not allowed")
)

// ParseBlocked splits a deny-list as admins type it ("exe, .msi  bat") into
// lower-case extensions without dots; bad is the first entry that is not one.
func ParseBlocked(raw string) (exts []string, bad string) {
	for _, f := range strings.FieldsFunc(strings.ToLower(raw), func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		entry := f
		f = strings.TrimPrefix(f, ".")
		if f == "" || len(f) > 16 || strings.Trim(f, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			return nil, entry
		}
		if !slices.Contains(exts, f) {
			exts = append(exts, f)
		}
	}
	return exts, ""
}

// CleanName is the name a file is shown and downloaded under: the last part
// of what the browser sent (some send a whole path), without control
// characters or trailing dots and spaces, at most MaxNameLength characters.
// Bidirectional controls (U+202A–U+202E, U+2066–U+2069, the LRM, RLM and
// ALM marks) go too: they reorder what is shown, so "invoice\u202Efdp.exe"
// would read as a PDF while being a program.
// It is only ever shown (escaped) and put in Content-Disposition, never used
// as a storage key.
func CleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = trimEnd(strings.TrimSpace(name))
	if r := []rune(name); len(r) > MaxNameLength {
		ext := []rune(path.Ext(name))
		if len(ext) > 16 {
			ext = nil
		}
		name = trimEnd(string(r[:MaxNameLength-len(ext)]) + string(ext))
	}
	if name == "" || name == "/" {
		name = "file"
	}
	return name
}

// trimEnd drops trailing dots and spaces. Windows (and browsers saving
// for it) drop them, so "run.bat." is saved as run.bat: the deny-list must
// check the extension the file will have once downloaded.
func trimEnd(name string) string {
	return strings.TrimRightFunc(name, func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
}

// extension is a name's last extension, lower case, without the dot.
func extension(name string) string {
	return strings.TrimPrefix(strings.ToLower(path.Ext(name)), ".")
}

// contentKind names the kind of program a file's first bytes show it to be,
// as the extension such a program usually has, or "": a renamed program is
// refused like one with its usual name.
func contentKind(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("MZ")):
		return "exe" // Windows programs and DLLs
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return "elf"
	case bytes.HasPrefix(head, []byte("\xcf\xfa\xed\xfe")), bytes.HasPrefix(head, []byte("\xce\xfa\xed\xfe")),
		bytes.HasPrefix(head, []byte("\xfe\xed\xfa\xcf")), bytes.HasPrefix(head, []byte("\xfe\xed\xfa\xce")):
		return "app" // Mach-O
	case bytes.HasPrefix(head, []byte("#!")):
		return "sh"
	}
	return ""
}

// Inspected is what the server found out about a file from its bytes.
type Inspected struct {
	Name        string
	Size        int64
	ContentType string // sniffed with http.DetectContentType
	SHA256      string
	Width       int // an image's size in pixels, from its header; 0 otherwise
	Height      int
	Inline      bool   // shown in the browser: see inlineTypes and Inspect
	Thumb       []byte // a PNG thumbnail, for images small enough to decode
}

// inlineTypes are the only types ever shown in the browser rather than
// downloaded: raster images a browser cannot run anything from. SVG (which
// can hold scripts) and everything else are downloads.
var inlineTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// IsInlineType reports whether a sniffed type may be shown inline.
func IsInlineType(ct string) bool { return slices.Contains(inlineTypes, ct) }

// markup is what a file shown inline must not contain anywhere: an image
// that is also an HTML or SVG document (a polyglot) is a download.
var markup = [][]byte{[]byte("<html"), []byte("<script"), []byte("<svg"), []byte("<body"), []byte("<iframe"),
	[]byte("<!doctype"), []byte("<?xml"), []byte("<object"), []byte("<embed")}

// Inspect reads a file once (hashing it and looking for markup), checks it
// against the limits, and for a raster image reads its size from its header
// and, when that is within MaxThumbPixels, decodes it to verify it is
// really an image and to make its thumbnail. f is read from the start.
func Inspect(f io.ReadSeeker, size int64, name string, lim Limits) (Inspected, error) {
	in := Inspected{Name: CleanName(name), Size: size}
	if size <= 0 {
		return in, ErrEmpty
	}
	if lim.MaxFileBytes > 0 && size > lim.MaxFileBytes {
		return in, ErrTooLarge
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return in, fmt.Errorf("attachments: read %q: %w", in.Name, err)
	}
	head = head[:n]
	if slices.Contains(lim.Blocked, extension(in.Name)) {
		return in, ErrBlocked
	}
	if k := contentKind(head); k != "" && slices.Contains(lim.Blocked, k) {
		return in, ErrBlocked
	}
	in.ContentType, _, _ = strings.Cut(http.DetectContentType(head), ";")
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return in, fmt.Errorf("attachments: rewind %q: %w", in.Name, err)
	}
	h := sha256.New()
	scan := &markupScanner{}
	got, err := io.Copy(io.MultiWriter(h, scan), f)
	if err != nil {
		return in, fmt.Errorf("attachments: read %q: %w", in.Name, err)
	}
	in.Size, in.SHA256 = got, hex.EncodeToString(h.Sum(nil))
	if lim.MaxFileBytes > 0 && got > lim.MaxFileBytes {
		return in, ErrTooLarge
	}
	if !IsInlineType(in.ContentType) {
		return in, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return in, fmt.Errorf("attachments: rewind %q: %w", in.Name, err)
	}
	img, err := examineImage(f)
	in.Width, in.Height = img.width, img.height
	if err != nil {
		return in, nil // not really an image, or too large to decode: a download without a thumbnail
	}
	in.Thumb = img.thumb
	in.Inline = !scan.found
	return in, nil
}

// markupScanner looks for any of markup, case-insensitively, across writes.
type markupScanner struct {
	tail  []byte
	found bool
}

func (m *markupScanner) Write(p []byte) (int, error) {
	if m.found {
		return len(p), nil
	}
	buf := bytes.ToLower(append(m.tail, p...))
	for _, tag := range markup {
		if bytes.Contains(buf, tag) {
			m.found = true
			return len(p), nil
		}
	}
	keep := 16 // longer than any tag
	if len(buf) < keep {
		keep = len(buf)
	}
	m.tail = append(m.tail[:0], buf[len(buf)-keep:]...)
	return len(p), nil
}

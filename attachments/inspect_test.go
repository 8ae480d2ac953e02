package attachments

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"
)

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func defaults() Limits {
	blocked, _ := ParseBlocked(DefaultBlocked)
	return Limits{MaxFileBytes: DefaultMaxFileBytes, MaxFiles: DefaultMaxFiles, Blocked: blocked}
}

func inspect(t *testing.T, name string, data []byte) (Inspected, error) {
	t.Helper()
	return Inspect(bytes.NewReader(data), int64(len(data)), name, defaults())
}

func TestInspectDecidesFromTheBytes(t *testing.T) {
	in, err := inspect(t, "photo.jpg", pngBytes(t, 400, 100))
	if err != nil || in.ContentType != "image/png" || !in.Inline || in.Thumb == nil || in.Width != 400 || len(in.SHA256) != 64 {
		t.Fatalf("a PNG named .jpg: %+v %v", in, err)
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(in.Thumb)); err != nil || cfg.Width != ThumbSize || cfg.Height != 80 {
		t.Errorf("thumbnail %dx%d %v", cfg.Width, cfg.Height, err)
	}
	for name, data := range map[string][]byte{
		"polyglot.gif": []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00<html><script>alert(1)</script>"),
		"page.png":     []byte("<html><body>not an image</body></html>"),
		"logo.svg":     []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
		// A real PNG with markup after its end is a polyglot too.
		"trailer.png": append(pngBytes(t, 2, 2), []byte("<script>alert(1)</script>")...),
	} {
		in, err := inspect(t, name, data)
		if err != nil || in.Inline || in.Thumb != nil && name != "trailer.png" {
			t.Errorf("%s: inline %v, thumb %v, %v; want a download", name, in.Inline, in.Thumb != nil, err)
		}
	}
}

// A picture above MaxThumbPixels is never decoded, whatever its file size.
func TestInspectRefusesToDecodeABomb(t *testing.T) {
	bomb := pngBytes(t, 5000, 4000)
	if len(bomb) > 200<<10 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	in, err := inspect(t, "bomb.png", bomb)
	if err != nil || in.Inline || in.Thumb != nil || in.Width != 5000 || in.Height != 4000 {
		t.Fatalf("20 MP image: %+v %v", in, err)
	}
	if _, err := examineImage(bytes.NewReader(bomb)); !errors.Is(err, ErrTooManyPixels) {
		t.Errorf("examineImage: %v, want ErrTooManyPixels", err)
	}
}

func TestInspectRefusals(t *testing.T) {
	for name, data := range map[string][]byte{
		"setup.EXE": []byte("anything"), "report.pdf.exe": []byte("%PDF"), "notes.txt": []byte("MZ\x90\x00"),
		"a.out": []byte("\x7fELF\x02\x01"), "tool": []byte("\xcf\xfa\xed\xfe"), "x.txt": []byte("#!/bin/sh\nrm -rf /"),
		// Trailing dots and spaces, which Windows drops when it saves the file.
		"run.bat.": []byte("del *"), "run.bat. . ": []byte("del *"), "run.vbs\u3000": []byte("x"),
		// Cut to MaxNameLength right after a dot, the long last extension dropped.
		strings.Repeat("a", MaxNameLength-5) + ".bat." + strings.Repeat("b", 20): []byte("del *"),
	} {
		if _, err := inspect(t, name, data); !errors.Is(err, ErrBlocked) {
			t.Errorf("%s: %v, want ErrBlocked", name, err)
		}
	}
	if _, err := inspect(t, "empty.txt", nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	lim := defaults()
	lim.MaxFileBytes = 10
	if _, err := Inspect(strings.NewReader("eleven bytes"), 12, "a.txt", lim); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too large: %v", err)
	}
	// A size the multipart header understated is caught while reading.
	if _, err := Inspect(strings.NewReader("eleven bytes"), 5, "a.txt", lim); !errors.Is(err, ErrTooLarge) {
		t.Errorf("understated size: %v", err)
	}
}

func TestCleanNameAndBlockedList(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Users\me\report.pdf`: "report.pdf", "../../etc/passwd": "passwd", "a\x00b\nc.txt": "abc.txt",
		"": "file", "..": "file", "...": "file", "notes.txt. ": "notes.txt", strings.Repeat("é", 300) + ".png": strings.Repeat("é", MaxNameLength-4) + ".png",
		// Bidirectional controls reorder what is shown: "invoice\u202Efdp.exe"
		// reads "invoiceexe.pdf". Every one of them is dropped.
		"invoice\u202Efdp.exe": "invoicefdp.exe", "a\u202Ab\u202Bc\u202Cd\u202De.txt": "abcde.txt",
		"x\u2066y\u2067z\u2068w\u2069.png": "xyzw.png", "r\u200Ee\u200Fp\u061Co.pdf": "repo.pdf",
		"\u202E\u2066": "file",
	} {
		if got := CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
	exts, bad := ParseBlocked("EXE, .msi\n bat exe")
	if bad != "" || strings.Join(exts, " ") != "exe msi bat" {
		t.Errorf("ParseBlocked: %v %q", exts, bad)
	}
	if _, bad := ParseBlocked("exe ../x"); bad != "../x" {
		t.Errorf("bad entry %q", bad)
	}
	if k := NewFileKey(); ThumbKey(k) != "thumbs/"+strings.TrimPrefix(k, "files/") {
		t.Errorf("ThumbKey(%q) = %q", k, ThumbKey(k))
	}
	if a, b := NewFileKey(), NewFileKey(); a == b || len(a) != len("files/")+32 {
		t.Errorf("keys %q %q", a, b)
	}
}

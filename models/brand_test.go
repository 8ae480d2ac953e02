package models

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"
)

// The WCAG 2 contrast formula against values published with the guideline
// (black on white is 21:1; #767676 is the classic lightest grey for AA on
// white, 4.54:1).
func TestContrastRatio(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{{"#000000", "#ffffff", 21}, {"#ffffff", "#ffffff", 1}, {"#767676", "#ffffff", 4.54}, {"#2f54d1", "#ffffff", 6.35}} {
		if got := ContrastRatio(tc.a, tc.b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("contrast %s on %s = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestCheckAccent(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"#0B6E4F", "#0b6e4f", nil},
		{" 0b6e4f ", "#0b6e4f", nil},
		{"#036", "#003366", nil},
		{DefaultAccent, DefaultAccent, nil},
		{"#717171", "#717171", nil},               // 4.55:1 against the page
		{"#727272", "#727272", ErrAccentContrast}, // 4.49:1
		{"#767676", "#767676", ErrAccentContrast}, // 4.54:1 on white, 4.2:1 on the page
		{"#ffcc00", "#ffcc00", ErrAccentContrast}, // white text unreadable
		{"blue", "", ErrAccentFormat},
		{"#12345g", "", ErrAccentFormat},
		{"#1234", "", ErrAccentFormat},
		{"", "", ErrAccentFormat},
	} {
		got, err := CheckAccent(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("CheckAccent(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	if ShadeAccent("#0b6e4f", 0.15) != "#095e43" {
		t.Errorf("shade = %s", ShadeAccent("#0b6e4f", 0.15))
	}
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, h/2, color.NRGBA{0, 100, 0, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Pictures are redrawn within bounds, never enlarged; what cannot be used
// says why.
func TestPrepareBrandPictures(t *testing.T) {
	for _, tc := range []struct{ w, h, wantW, wantH int }{{1200, 300, 480, 120}, {300, 600, 80, 160}, {100, 50, 100, 50}} {
		data := pngBytes(t, tc.w, tc.h)
		img, err := PrepareLogo(bytes.NewReader(data), int64(len(data)))
		if err != nil || img.Width != tc.wantW || img.Height != tc.wantH {
			t.Fatalf("logo %dx%d: %v %+v", tc.w, tc.h, err, img)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(img.Data))
		if err != nil || cfg.Width != tc.wantW || cfg.Height != tc.wantH || len(img.SHA256) != 64 {
			t.Errorf("logo %dx%d encoded as %dx%d (%v)", tc.w, tc.h, cfg.Width, cfg.Height, err)
		}
		pic, _ := img.Picture()
		fav, err := FaviconOf(pic)
		if err != nil || fav.Width != 64 || fav.Height != 64 {
			t.Errorf("favicon of %dx%d: %v %+v", tc.w, tc.h, err, fav)
		}
	}
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	for name, tc := range map[string]struct {
		data []byte
		size int64
		want string
	}{
		"svg":       {svg, int64(len(svg)), "SVG is not accepted"},
		"too big":   {pngBytes(t, 10, 10), MaxBrandUploadBytes + 1, "at most 512 KB"},
		"too large": {pngBytes(t, 5000, 10), 100, "5000 × 10 pixels"},
		"truncated": {pngBytes(t, 50, 50)[:60], 60, "damaged"},
	} {
		_, err := PrepareLogo(bytes.NewReader(tc.data), tc.size)
		refusal, ok := IsBrandImageError(err)
		if !ok || !strings.Contains(refusal.Reason, tc.want) {
			t.Errorf("%s: %v, want a refusal with %q", name, err, tc.want)
		}
	}
}

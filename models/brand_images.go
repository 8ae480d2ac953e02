package models

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders of the accepted logo types
	_ "image/jpeg"
	"image/png"
	"io"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// The brand's pictures are never served as uploaded: each is decoded,
// scaled down to a bounded size and encoded again as PNG, so what reaches a
// browser or a mail reader is a small picture the server drew itself.
// SVG is refused: it is a document that can carry script and links, and
// nothing here can draw it to pixels, so it could only be passed through.

// Bounds of an uploaded brand picture.
const (
	MaxBrandUploadBytes = 512 << 10 // a logo is small; 512 KB is generous
	// MaxBrandSide bounds each side before decoding: a small file can
	// declare a huge picture that would cost 4 bytes a pixel (64 MB here).
	MaxBrandSide = 4096
)

// Sizes the pictures are drawn to (never enlarged): the logo fits the
// header's box at twice its CSS size, for sharp high-density screens.
const (
	logoMaxWidth  = 480
	logoMaxHeight = 160
	faviconSize   = 64
)

// Kinds of brand picture.
const (
	BrandLogo    = "logo"
	BrandFavicon = "favicon"
)

// ErrBrandImage is a picture the brand cannot use; the message says why,
// for the admin.
type ErrBrandImage struct{ Reason string }

func (e *ErrBrandImage) Error() string { return e.Reason }

// BrandImage is a stored brand picture: a PNG the server encoded.
type BrandImage struct {
	bun.BaseModel `bun:"table:brand_images"`

	Kind      string    `bun:"kind,pk"`
	SHA256    string    `bun:"sha256"`
	Width     int       `bun:"width"`
	Height    int       `bun:"height"`
	Data      []byte    `bun:"data"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// PrepareLogo reads an uploaded logo of size bytes and returns it redrawn
// to fit the header, or an *ErrBrandImage saying why it cannot be used.
func PrepareLogo(r io.ReadSeeker, size int64) (*BrandImage, error) {
	img, err := decodeBrandImage(r, size)
	if err != nil {
		return nil, err
	}
	return encodeBrandImage(fitInside(img, logoMaxWidth, logoMaxHeight))
}

// PrepareFavicon reads an uploaded favicon as PrepareLogo does and draws
// it centred on a transparent square.
func PrepareFavicon(r io.ReadSeeker, size int64) (*BrandImage, error) {
	img, err := decodeBrandImage(r, size)
	if err != nil {
		return nil, err
	}
	return FaviconOf(img)
}

// FaviconOf draws img centred on a transparent faviconSize square.
func FaviconOf(img image.Image) (*BrandImage, error) {
	fit := fitInside(img, faviconSize, faviconSize)
	square := image.NewNRGBA(image.Rect(0, 0, faviconSize, faviconSize))
	b := fit.Bounds()
	at := image.Pt((faviconSize-b.Dx())/2, (faviconSize-b.Dy())/2)
	draw.Draw(square, b.Sub(b.Min).Add(at), fit, b.Min, draw.Src)
	return encodeBrandImage(square)
}

// Picture decodes the stored PNG again (to make a favicon from a logo).
func (b *BrandImage) Picture() (image.Image, error) {
	img, err := png.Decode(bytes.NewReader(b.Data))
	if err != nil {
		return nil, fmt.Errorf("models: decode brand %s: %w", b.Kind, err)
	}
	return img, nil
}

func decodeBrandImage(r io.ReadSeeker, size int64) (image.Image, error) {
	if size > MaxBrandUploadBytes {
		return nil, &ErrBrandImage{fmt.Sprintf("The picture is %d KB; it may be at most %d KB.", (size+1023)>>10, MaxBrandUploadBytes>>10)}
	}
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return nil, &ErrBrandImage{"The file is not a PNG, JPEG, GIF or WebP picture (SVG is not accepted)."}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxBrandSide || cfg.Height > MaxBrandSide {
		return nil, &ErrBrandImage{fmt.Sprintf("The picture is %d × %d pixels; it may have at most %d × %d.", cfg.Width, cfg.Height, MaxBrandSide, MaxBrandSide)}
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("models: rewind brand picture: %w", err)
	}
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, &ErrBrandImage{"The picture could not be read: the file is damaged or incomplete."}
	}
	return img, nil
}

// fitInside scales img down (never up) to fit w × h, keeping its shape.
func fitInside(img image.Image, w, h int) image.Image {
	b := img.Bounds()
	scale := min(1, float64(w)/float64(b.Dx()), float64(h)/float64(b.Dy()))
	dw, dh := max(1, int(float64(b.Dx())*scale+0.5)), max(1, int(float64(b.Dy())*scale+0.5))
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

func encodeBrandImage(img image.Image) (*BrandImage, error) {
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("models: encode brand picture: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	b := img.Bounds()
	return &BrandImage{SHA256: hex.EncodeToString(sum[:]), Width: b.Dx(), Height: b.Dy(), Data: buf.Bytes()}, nil
}

// putBrandImage stores img as the brand's picture of kind, replacing any.
func putBrandImage(ctx context.Context, tx bun.Tx, kind string, img *BrandImage) error {
	row := *img
	row.Kind, row.UpdatedAt = kind, Now()
	if _, err := tx.NewDelete().Model((*BrandImage)(nil)).Where("kind = ?", kind).Exec(ctx); err != nil {
		return fmt.Errorf("models: replace brand %s: %w", kind, err)
	}
	if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("models: store brand %s: %w", kind, err)
	}
	return nil
}

// GetBrandImage loads the brand's picture of kind; ErrNotFound if none.
func GetBrandImage(ctx context.Context, db bun.IDB, kind string) (*BrandImage, error) {
	img := new(BrandImage)
	if err := db.NewSelect().Model(img).Where("kind = ?", kind).Scan(ctx); err != nil {
		return nil, notFound(err, "load brand "+kind)
	}
	return img, nil
}

// IsBrandImageError reports whether err is a refusal to show the admin.
func IsBrandImageError(err error) (*ErrBrandImage, bool) {
	var e *ErrBrandImage
	ok := errors.As(err, &e)
	return e, ok
}

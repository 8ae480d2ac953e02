package attachments

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders for the inline types
	_ "image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// MaxThumbPixels is the largest image (width × height) the server decodes.
// Decoding costs four bytes a pixel whatever the file's size, so a small
// file can claim a huge picture (a decompression bomb): the header is read
// first with image.DecodeConfig and anything above this bound is never
// decoded. 16 megapixels covers phone photos and 4K screenshots (8 MP) and
// costs at most 64 MB while decoding; a 20-megapixel image is stored and
// offered as a download, without a thumbnail.
const MaxThumbPixels = 16_000_000

// ThumbSize is the longest side of a thumbnail, in pixels.
const ThumbSize = 320

// ErrTooManyPixels is returned for an image above MaxThumbPixels.
var ErrTooManyPixels = errors.New("attachments: image too large to decode")

// decoding bounds how many images are decoded at once in this process, so
// several uploads together cannot take more than a few images' memory.
var decoding = make(chan struct{}, 2)

type examined struct {
	width, height int
	thumb         []byte
}

// examineImage reads r's image header, refuses a picture above
// MaxThumbPixels before decoding it, then decodes it and makes a PNG
// thumbnail that fits in ThumbSize × ThumbSize.
func examineImage(r io.ReadSeeker) (examined, error) {
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return examined{}, fmt.Errorf("attachments: read image header: %w", err)
	}
	out := examined{width: cfg.Width, height: cfg.Height}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxThumbPixels {
		return out, ErrTooManyPixels
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return out, fmt.Errorf("attachments: rewind image: %w", err)
	}
	decoding <- struct{}{}
	defer func() { <-decoding }()
	img, _, err := image.Decode(r)
	if err != nil {
		return out, fmt.Errorf("attachments: decode image: %w", err)
	}
	out.thumb, err = thumbnail(img)
	return out, err
}

// thumbnail scales img down (never up) to fit ThumbSize and encodes it as PNG.
func thumbnail(img image.Image) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > ThumbSize || h > ThumbSize {
		if w >= h {
			w, h = ThumbSize, max(1, h*ThumbSize/w)
		} else {
			w, h = max(1, w*ThumbSize/h), ThumbSize
		}
	}
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, dst); err != nil {
		return nil, fmt.Errorf("attachments: encode thumbnail: %w", err)
	}
	return buf.Bytes(), nil
}

package handlers

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
	"sync"
)

// holedGzip is a page compressed once with holes for its form keys, which
// must be new on every view: sending it fills the holes without compressing
// the page again (compressing it per view cost more than everything else a
// kept page costs, and its garbage showed in the slowest answers).
//
// A deflate stream may mix compressed and stored (uncompressed) blocks. The
// text between holes is compressed piece by piece, each piece ended by a
// sync flush, which leaves the stream at a byte boundary; a hole is a stored
// block holding the key. The gzip trailer's CRC-32 is computed over the
// text with the keys, when sent.
type holedGzip struct {
	pieces  [][]byte // the text between holes
	packed  [][]byte // each piece deflated; the last one ends the stream
	holeLen int
	size    int // uncompressed length with the holes filled
}

// gzipHeader: magic, deflate, no flags, no time, no extra flags, unknown OS.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

// newHoledGzip compresses body with holes of holeLen bytes at offsets.
func newHoledGzip(body []byte, offsets []int, holeLen int) *holedGzip {
	h := &holedGzip{holeLen: holeLen, size: len(body)}
	prev := 0
	for _, off := range offsets {
		h.pieces = append(h.pieces, body[prev:off])
		prev = off + holeLen
	}
	h.pieces = append(h.pieces, body[prev:])
	w := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(w)
	for i, piece := range h.pieces {
		var out bytes.Buffer
		w.Reset(&out)
		w.Write(piece) //nolint:errcheck // writes to a bytes.Buffer do not fail
		if i < len(h.pieces)-1 {
			w.Flush() //nolint:errcheck // a sync flush: byte-aligned, the stream goes on
		} else {
			w.Close() //nolint:errcheck // the final block
		}
		h.packed = append(h.packed, out.Bytes())
	}
	return h
}

// flateWriters are reused: a new one allocates its whole window.
var flateWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(io.Discard, flate.BestSpeed) // a valid level: no error
	return w
}}

// gzLen is the length of the gzip file fill writes.
func (h *holedGzip) gzLen() int {
	n := len(gzipHeader) + 8
	for _, p := range h.packed {
		n += len(p)
	}
	return n + (len(h.packed)-1)*(5+h.holeLen)
}

// writeTo writes the gzip file of the page with keys in its holes, in
// order; each key must be holeLen bytes. It writes the kept pieces as they
// are, allocating nothing per view.
func (h *holedGzip) writeTo(w io.Writer, keys [][]byte) error {
	if _, err := w.Write(gzipHeader); err != nil {
		return err
	}
	crc := uint32(0)
	var head [5]byte // a stored block, not the last: three zero bits padded to the byte, the length and its complement
	binary.LittleEndian.PutUint16(head[1:], uint16(h.holeLen))
	binary.LittleEndian.PutUint16(head[3:], ^uint16(h.holeLen))
	for i, p := range h.packed {
		if _, err := w.Write(p); err != nil {
			return err
		}
		crc = crc32.Update(crc, crc32.IEEETable, h.pieces[i])
		if i < len(keys) {
			if _, err := w.Write(head[:]); err != nil {
				return err
			}
			if _, err := w.Write(keys[i]); err != nil {
				return err
			}
			crc = crc32.Update(crc, crc32.IEEETable, keys[i])
		}
	}
	var tail [8]byte
	binary.LittleEndian.PutUint32(tail[:4], crc)
	binary.LittleEndian.PutUint32(tail[4:], uint32(h.size))
	_, err := w.Write(tail[:])
	return err
}

package realtime

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// streamWriter is the http.ResponseWriter of a connection taken over from
// net/http (Hijack): a plain HTTP/1.1 response whose body ends when the
// connection closes, which is all an event stream needs. A write error (the
// browser went away) ends the stream. Between sessions it holds no buffer
// and no header map: an idle stream should cost next to nothing.
type streamWriter struct {
	conn        net.Conn
	buf         *bufio.Writer // nil while idle
	header      http.Header   // until the header is written
	wroteHeader bool
	failed      context.CancelFunc
}

func newStreamWriter(conn net.Conn, header http.Header, failed context.CancelFunc) *streamWriter {
	return &streamWriter{conn: conn, header: header.Clone(), failed: failed}
}

// Header is the response header until it is written; after that, what the
// library sets at the start of each session goes nowhere.
func (w *streamWriter) Header() http.Header {
	if w.wroteHeader {
		return http.Header{}
	}
	return w.header
}

func (w *streamWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	b := w.buffer()
	fmt.Fprintf(b, "HTTP/1.1 %d %s\r\n", code, http.StatusText(code))
	w.header.Del("Connection")
	w.header.Del("Content-Length")
	w.header.Write(b) //nolint:errcheck // a failed write shows on Flush
	b.WriteString("Connection: close\r\n\r\n")
	w.header = nil
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	n, err := w.buffer().Write(p)
	if err != nil {
		w.failed()
	}
	return n, err
}

// Flush sends what is buffered; the library flushes after every event.
func (w *streamWriter) Flush() {
	if w.buf == nil {
		return
	}
	if err := w.buf.Flush(); err != nil {
		w.failed()
	}
}

// release lets the buffer go once a session has written everything.
func (w *streamWriter) release() {
	w.Flush()
	w.buf = nil
}

func (w *streamWriter) buffer() *bufio.Writer {
	if w.buf == nil {
		w.buf = bufio.NewWriterSize(w.conn, 512)
	}
	return w.buf
}

// SetWriteDeadline lets the hub fail the writes of a connection it drops.
func (w *streamWriter) SetWriteDeadline(t time.Time) error { return w.conn.SetWriteDeadline(t) }

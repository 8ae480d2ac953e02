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
// browser went away) ends the stream.
type streamWriter struct {
	conn        net.Conn
	buf         *bufio.Writer
	header      http.Header
	wroteHeader bool
	failed      context.CancelFunc
}

func newStreamWriter(conn net.Conn, header http.Header, failed context.CancelFunc) *streamWriter {
	return &streamWriter{conn: conn, buf: bufio.NewWriterSize(conn, 512), header: header.Clone(), failed: failed}
}

func (w *streamWriter) Header() http.Header { return w.header }

func (w *streamWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	fmt.Fprintf(w.buf, "HTTP/1.1 %d %s\r\n", code, http.StatusText(code))
	w.header.Del("Connection")
	w.header.Del("Content-Length")
	w.header.Write(w.buf) //nolint:errcheck // a failed write shows on Flush
	w.buf.WriteString("Connection: close\r\n\r\n")
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	n, err := w.buf.Write(p)
	if err != nil {
		w.failed()
	}
	return n, err
}

// Flush sends what is buffered; the library flushes after every event.
func (w *streamWriter) Flush() {
	if err := w.buf.Flush(); err != nil {
		w.failed()
	}
}

// SetWriteDeadline lets the hub fail the writes of a connection it drops.
func (w *streamWriter) SetWriteDeadline(t time.Time) error { return w.conn.SetWriteDeadline(t) }

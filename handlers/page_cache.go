package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// Rendering a page costs milliseconds of templates and several queries, and
// most views of a page show exactly what the previous view of it showed. So
// each process keeps the pages it renders for a signed-in session in memory
// and sends them again while three things hold:
//
//   - nothing the page could show has changed: models.DataVersion is the
//     same as when it was rendered. On PostgreSQL every process hears each
//     commit on the portal_data channel, named by the clients it concerns,
//     so a client user's page stays while other clients' data changes (a
//     staff page, which shows every client, goes with any change); on
//     SQLite a row kept by triggers counts every change. While the version
//     cannot be known, nothing is kept;
//   - the clock still shows the same minute, so "5 minutes ago" and due
//     times read as they would if rendered now;
//   - the session read with it is still good (models.Session.GoodUntil): its
//     once-a-minute touch, expiry and idle end happen on a fresh render.
//
// A page is kept per session and per request (URL, htmx headers and every
// cookie), so it is only ever sent to the browser it was made for, with that
// session's CSRF token. Only the pages in cachedRoutes are kept, only a 200
// that sets no cookie. A browser that has just posted something (the fresh
// cookie, see markFresh), carries a flash message, or asks for a fresh copy
// (Cache-Control: no-cache, a hard reload) is always rendered for, so
// people see their own change at once on whichever process answers.
//
// Form keys (form_keys.go) must differ per form shown, so they are replaced
// with new ones each time a kept page is sent.

// readerRoutes are the kept pages that show what their viewer has not read,
// which moves with each thread they open (models.ReadVersion).
var readerRoutes = map[string]bool{"/messages": true}

// cachedRoutes are the pages worth keeping: the ones people open most.
var cachedRoutes = map[string]bool{
	"/": true, "/requests": true, "/requests/closed": true, "/requests/:number": true,
	"/messages": true, "/hours": true, "/reports": true,
	"/console": true, "/console/clients": true, "/console/clients/:id": true,
	"/console/requests/:id": true, "/console/hours": true, "/console/clients/:id/hours": true,
}

const (
	freshCookie     = "portal_fresh"
	freshFor        = 5 // seconds after a post during which pages are rendered, not kept ones sent
	pageCacheBudget = 64 << 20
	pageMaxBytes    = 1 << 20
)

// formKeyAttr precedes each form key in a rendered page.
var formKeyAttr = []byte(`name="` + formKeyField + `" value="`)

type keptPage struct {
	clientID  int64  // whose data it shows; 0: everyone's (a staff page)
	readerID  int64  // whose read markers it shows (readerRoutes); 0: none
	version   uint64 // models.DataVersion of clientID when rendered
	minute    int64
	goodUntil time.Time
	user      *models.User // for the request log
	status    int
	header    http.Header // Content-Type, Cache-Control, Vary
	body      []byte
	formKeys  []int      // offsets of the form keys in body
	gz        []byte     // body compressed, for a page without form keys
	holed     *holedGzip // body compressed around its form keys (page_gzip.go)
}

type pageCache struct {
	mu      sync.Mutex
	entries map[string]*keptPage
	bytes   int
}

func newPageCache() *pageCache { return &pageCache{entries: make(map[string]*keptPage)} }

func (pc *pageCache) get(key string) *keptPage {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.entries[key]
}

// current reports whether p may be sent at now, given the data version of
// its client.
func (p *keptPage) current(version uint64, now time.Time) bool {
	return p.version == version && p.minute == now.Unix()/60 && now.Before(p.goodUntil)
}

// size is the memory a kept page holds, near enough.
func (p *keptPage) size() int {
	n := len(p.body) + len(p.gz)
	if p.holed != nil {
		for _, b := range p.holed.packed {
			n += len(b)
		}
	}
	return n
}

func (pc *pageCache) put(key string, p *keptPage, now time.Time) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if old := pc.entries[key]; old != nil {
		pc.bytes -= old.size()
	}
	if pc.bytes+p.size() > pageCacheBudget {
		// Drop what can no longer be sent; if that is not enough, start over.
		minute := now.Unix() / 60
		for k, e := range pc.entries {
			if e.minute != minute || !now.Before(e.goodUntil) {
				pc.bytes -= e.size()
				delete(pc.entries, k)
			}
		}
		if pc.bytes+p.size() > pageCacheBudget {
			clear(pc.entries)
			pc.bytes = 0
		}
	}
	pc.entries[key] = p
	pc.bytes += p.size()
}

// pageKey names one browser's view of one page: the URL, the htmx headers
// that choose between page and fragment (htmxOf), the host, and every
// cookie, the session's among them.
func pageKey(r *http.Request) string {
	var b strings.Builder
	for _, part := range []string{r.Host, r.URL.RequestURI(), r.Header.Get("HX-Request"), r.Header.Get("HX-Boosted"),
		r.Header.Get("HX-History-Restore-Request"), strings.Join(r.Header.Values("Cookie"), "; ")} {
		b.WriteString(part)
		b.WriteByte(0)
	}
	return b.String()
}

// keepable reports whether a request may be answered from, or stored in,
// the cache.
func keepable(c echo.Context) bool {
	r := c.Request()
	if r.Method != http.MethodGet || !cachedRoutes[c.Path()] {
		return false
	}
	if ck, err := r.Cookie(sessionCookie); err != nil || ck.Value == "" {
		return false
	}
	for _, name := range []string{flashCookie, freshCookie} {
		if _, err := r.Cookie(name); err == nil {
			return false
		}
	}
	cc := r.Header.Get("Cache-Control") + r.Header.Get("Pragma")
	return !strings.Contains(cc, "no-cache") && !strings.Contains(cc, "max-age=0")
}

// ctxKeep carries a cache miss from sendKeptPages to keepPages.
const ctxKeep = "portal.keep_page"

type keepRequest struct {
	key    string
	before uint64 // versionOf's anyChange before rendering
	now    time.Time
}

// versionOf is the version of a page of clientID (0: a staff page) that
// shows readerID's read markers (0: none), and anyChange, which moves with
// any change such a page could show, for anyone (see models.DataVersion).
func (s *Server) versionOf(ctx context.Context, clientID, readerID int64, reads bool) (version, anyChange uint64, ok bool, err error) {
	version, anyChange, ok, err = models.DataVersion(ctx, s.db, clientID)
	if err != nil || !ok || !reads {
		return version, anyChange, ok, err
	}
	mine, all := models.ReadVersion(s.db, readerID)
	return version + mine, anyChange + all, true, nil
}

// sendKeptPages answers from the page cache when it can. It runs before the
// gzip middleware: kept pages are compressed once, when kept.
func (s *Server) sendKeptPages(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.pages == nil || !keepable(c) {
			return next(c)
		}
		ctx := c.Request().Context()
		now := models.Now()
		key := pageKey(c.Request())
		if p := s.pages.get(key); p != nil {
			version, _, ok, err := s.versionOf(ctx, p.clientID, p.readerID, p.readerID != 0)
			if err != nil {
				return fmt.Errorf("handlers: page cache: %w", err)
			}
			if ok && p.current(version, now) {
				return s.sendKept(c, p)
			}
		}
		_, before, ok, err := s.versionOf(ctx, 0, 0, readerRoutes[c.Path()])
		if err != nil {
			return fmt.Errorf("handlers: page cache: %w", err)
		}
		if ok {
			c.Set(ctxKeep, &keepRequest{key: key, before: before, now: now})
		}
		return next(c)
	}
}

// keepPages records a page sendKeptPages did not have and keeps it. It runs
// after the gzip middleware, so it sees the page as rendered.
func (s *Server) keepPages(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		kr, _ := c.Get(ctxKeep).(*keepRequest)
		if kr == nil {
			return next(c)
		}
		rec := &recorder{ResponseWriter: c.Response().Writer}
		c.Response().Writer = rec
		err := next(c)
		c.Response().Writer = rec.ResponseWriter
		if err != nil {
			return err
		}
		p := s.keep(c, rec, kr.now)
		if p == nil {
			return nil
		}
		// The page's version is its client's as it stood before rendering:
		// known only when nothing at all changed meanwhile (then the
		// client's version now is the one it had). Otherwise it is not kept.
		ctx := c.Request().Context()
		version, after, ok, err := s.versionOf(ctx, p.clientID, p.readerID, readerRoutes[c.Path()])
		if err != nil || !ok || after != kr.before {
			return nil
		}
		p.version = version
		s.pages.put(kr.key, p, kr.now)
		return nil
	}
}

// keep makes a kept page of what was just sent, or nil when it may not be
// kept.
func (s *Server) keep(c echo.Context, rec *recorder, now time.Time) *keptPage {
	res := c.Response()
	u := currentUser(c)
	sess, _ := c.Get(ctxSession).(*models.Session)
	ct := res.Header().Get(echo.HeaderContentType)
	if res.Status != http.StatusOK || u == nil || sess == nil || rec.tooBig ||
		len(res.Header().Values("Set-Cookie")) > 0 || !strings.HasPrefix(ct, echo.MIMETextHTML) {
		return nil
	}
	p := &keptPage{minute: now.Unix() / 60, goodUntil: sess.GoodUntil(s.sessionPolicy()),
		user: u, status: res.Status, body: bytes.Clone(rec.buf.Bytes()), header: http.Header{}}
	if !u.IsStaff() && u.ClientID != nil {
		p.clientID = *u.ClientID // a client user's page shows their client's data only
	}
	if readerRoutes[c.Path()] {
		p.readerID = u.ID
	}
	for _, h := range []string{echo.HeaderContentType, "Cache-Control", echo.HeaderVary} {
		if v := res.Header().Values(h); len(v) > 0 {
			p.header[h] = v
		}
	}
	for off := 0; ; {
		i := bytes.Index(p.body[off:], formKeyAttr)
		if i < 0 {
			break
		}
		start := off + i + len(formKeyAttr)
		end := bytes.IndexByte(p.body[start:], '"')
		if end != formKeyLen {
			return nil // not a key this process renders: keep nothing rather than send it twice
		}
		p.formKeys = append(p.formKeys, start)
		off = start + end
	}
	if len(p.formKeys) == 0 {
		p.gz = gzipped(p.body)
	} else {
		p.holed = newHoledGzip(p.body, p.formKeys, formKeyLen)
	}
	return p
}

// sendKept sends a kept page, compressed when the browser accepts it, with
// fresh form keys.
func (s *Server) sendKept(c echo.Context, p *keptPage) error {
	c.Set(ctxUser, p.user) // for the request log
	h := c.Response().Header()
	for k, v := range p.header {
		if k == echo.HeaderVary {
			for _, x := range v {
				h.Add(k, x)
			}
			continue
		}
		h[k] = slices.Clone(v) // the kept slice is shared by every view: never appended to
	}
	if strings.Contains(c.Request().Header.Get(echo.HeaderAcceptEncoding), "gzip") {
		h.Set(echo.HeaderContentEncoding, "gzip")
		if p.holed == nil {
			h.Set(echo.HeaderContentLength, strconv.Itoa(len(p.gz)))
			c.Response().WriteHeader(p.status)
			_, err := c.Response().Write(p.gz)
			return err
		}
		keys := make([][]byte, len(p.formKeys))
		for i := range keys {
			keys[i] = []byte(newFormKey())
		}
		h.Set(echo.HeaderContentLength, strconv.Itoa(p.holed.gzLen()))
		c.Response().WriteHeader(p.status)
		return p.holed.writeTo(c.Response(), keys)
	}
	body := p.body
	if len(p.formKeys) > 0 {
		body = bytes.Clone(p.body)
		for _, off := range p.formKeys {
			copy(body[off:], newFormKey())
		}
	}
	c.Response().WriteHeader(p.status)
	_, err := c.Response().Write(body)
	return err
}

var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed) // a valid level: no error
	return w
}}

// gzipped is b compressed at the level the gzip middleware uses.
func gzipped(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b)/3 + 64)
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&out)
	w.Write(b) //nolint:errcheck // writes to a bytes.Buffer do not fail
	w.Close()  //nolint:errcheck
	gzipWriters.Put(w)
	return out.Bytes()
}

// markFresh gives a browser that changed something the fresh cookie: for a
// few seconds its pages are rendered, not sent from a cache, so what it
// just did shows even on a process that has not yet heard of the change.
func (s *Server) markFresh(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		c.Response().Before(func() {
			c.SetCookie(&http.Cookie{Name: freshCookie, Value: "1", Path: "/", MaxAge: freshFor,
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: overTLS(c)})
		})
		return next(c)
	}
}

// recorder keeps a copy of what a handler writes, up to pageMaxBytes.
type recorder struct {
	http.ResponseWriter
	buf    bytes.Buffer
	tooBig bool
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.tooBig {
		if r.buf.Len()+len(b) > pageMaxBytes {
			r.tooBig = true
			r.buf = bytes.Buffer{}
		} else {
			r.buf.Write(b)
		}
	}
	return r.ResponseWriter.Write(b)
}

// Flush lets a kept handler flush as it could before.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the writer underneath.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// The mix (-pages -mix) measures the client pages the way people use them:
// together, on the whole of a large client's history, while staff write.
// Each user picks its next view at random by the shares in mixSteps: any of
// the client's requests (not a hot few), open and closed list pages across
// their whole range (and the next page each offers), filtered lists,
// Messages and Hours. Every full page is followed by the unread badge the
// layout loads. Meanwhile one staff member replies to the client's open
// requests at a set rate through the console's reply route. Every answer
// is read to the end and must be a 200 with a complete body.

// mixData is what the mix picks from: the large client's requests.
type mixData struct {
	numbers  []int   // every request number of the client
	openIDs  []int64 // ids of its open requests, for the console's reply route
	openLen  int     // open requests, to pick open list pages across the range
	shutLen  int     // closed requests, likewise
	perPage  int     // list page size (models.DefaultPerPage)
	tokens   []string
	staff    string
	replyGap time.Duration // between staff replies; 0, none
	db       *bun.DB       // the portal's database, to find its backends' CPU time
}

// mixStep is one kind of view: its row in the table, its share of the
// views and how a user picks its URL.
type mixStep struct {
	name  string
	share int
	url   func(d *mixData, r *mrand.Rand) string
}

// nextStep follows the Next link a list page offers (its keyset cursor),
// taken after half of the list pages, as a reader paging on would.
const nextStep = "list, its Next link"

// badgeStep is the unread badge every full page loads (hx-trigger="load").
const badgeStep = "unread badge (htmx)"

// replyStep is the staff reply, posted as htmx does from the console.
const replyStep = "staff reply POST"

var mixSteps = []mixStep{
	{name: "dashboard /", share: 15, url: func(*mixData, *mrand.Rand) string { return "/" }},
	{name: "request detail (any)", share: 35, url: func(d *mixData, r *mrand.Rand) string {
		return fmt.Sprintf("/requests/%d", d.numbers[r.IntN(len(d.numbers))])
	}},
	{name: "open list, page N", share: 10, url: func(d *mixData, r *mrand.Rand) string {
		return fmt.Sprintf("/requests?page=%d", 1+r.IntN(pages(d.openLen, d.perPage)))
	}},
	{name: "closed list, page N", share: 10, url: func(d *mixData, r *mrand.Rand) string {
		return fmt.Sprintf("/requests/closed?page=%d", 1+r.IntN(pages(d.shutLen, d.perPage)))
	}},
	{name: "open list, filtered", share: 8, url: func(_ *mixData, r *mrand.Rand) string {
		statuses := []string{"", "submitted", "in_progress", "waiting"}
		urgencies := []string{"", "low", "normal", "high", "critical"}
		sorts := []string{"updated", "due", "created", "oldest", "urgency"}
		q := ""
		if r.IntN(3) == 0 {
			q = fmt.Sprint(1 + r.IntN(999)) // "Title or number": part of a number
		}
		return fmt.Sprintf("/requests?q=%s&status=%s&urgency=%s&sort=%s", q,
			statuses[r.IntN(len(statuses))], urgencies[r.IntN(len(urgencies))], sorts[r.IntN(len(sorts))])
	}},
	{name: "closed list, search", share: 7, url: func(d *mixData, r *mrand.Rand) string {
		sorts := []string{"completed", "created", "oldest", "urgency"}
		return fmt.Sprintf("/requests/closed?q=%d&sort=%s", 1+r.IntN(len(d.numbers)), sorts[r.IntN(len(sorts))])
	}},
	{name: "messages /messages", share: 8, url: func(*mixData, *mrand.Rand) string { return "/messages" }},
	{name: "hours /hours", share: 7, url: func(*mixData, *mrand.Rand) string { return "/hours" }},
}

func pages(n, per int) int { return max(1, (n+per-1)/per) }

// mixer drives the mix.
type mixer struct {
	client *http.Client
	base   string
	data   mixData
	o      pageOptions
	rows   []string       // table rows in order: mixSteps, then next, badge, reply
	row    map[string]int // name to index in rows
	total  int            // sum of the shares
}

func newMixer(client *http.Client, base string, d mixData, o pageOptions) *mixer {
	m := &mixer{client: client, base: base, data: d, o: o, row: map[string]int{}}
	for _, s := range mixSteps {
		m.rows = append(m.rows, s.name)
		m.total += s.share
	}
	m.rows = append(m.rows, nextStep, badgeStep, replyStep)
	for k, n := range m.rows {
		m.row[n] = k
	}
	return m
}

// measure warms up, counts each page's statements, runs the mix and prints
// the table.
func (m *mixer) measure(ctx context.Context) error {
	fmt.Printf("%d concurrent users of a client with %d requests (%d open) for %s after %s warm-up; staff reply every %s\n",
		m.o.concurrency, len(m.data.numbers), m.data.openLen, m.o.duration, m.o.warmup, m.data.replyGap)
	if m.o.warmup > 0 {
		if _, _, err := m.run(ctx, m.o.warmup); err != nil {
			return fmt.Errorf("mix warm-up: %w", err)
		}
	}
	stmts := make([]string, len(m.rows))
	for k := range stmts {
		stmts[k] = "-"
	}
	r := mrand.New(mrand.NewPCG(1, 2))
	for k, s := range mixSteps {
		var err error
		p := page{name: s.name, path: func(int) string { return s.url(&m.data, r) }}
		if stmts[k], err = statements(m.client, m.base, p, m.data.tokens[0]); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	load0 := loadAverage()
	cpu := startCPU(ctx, m.data.db, m.o.pid)
	lat, elapsed, err := m.run(ctx, m.o.duration)
	if err != nil {
		return fmt.Errorf("mix: %w", err)
	}
	views, err := m.report(lat, elapsed, stmts, load0, loadAverage())
	if err != nil {
		return err
	}
	cpu.report(views)
	return nil
}

// run is a closed loop of o.concurrency users, plus the staff replier,
// until d has passed. It returns the latencies per row and how long it ran.
func (m *mixer) run(ctx context.Context, d time.Duration) ([][]time.Duration, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu    sync.Mutex
		lat   = make([][]time.Duration, len(m.rows))
		first error
		wg    sync.WaitGroup
		start = time.Now()
	)
	collect := func(mine [][]time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			first = cmpErr(first, err)
		}
		for k := range mine {
			lat[k] = append(lat[k], mine[k]...)
		}
	}
	for u := range m.o.concurrency {
		wg.Go(func() {
			mine := make([][]time.Duration, len(m.rows))
			collect(mine, m.user(ctx, u, mine))
		})
	}
	if m.data.replyGap > 0 {
		wg.Go(func() {
			mine := make([][]time.Duration, len(m.rows))
			collect(mine, m.staffReplies(ctx, mine))
		})
	}
	wg.Wait()
	return lat, time.Since(start), first
}

// user is one signed-in user's loop of random views. An answer cut short
// because the time is up ends the loop without an error and is not counted.
func (m *mixer) user(ctx context.Context, u int, lat [][]time.Duration) error {
	token := m.data.tokens[u%len(m.data.tokens)]
	r := mrand.New(mrand.NewPCG(uint64(u), uint64(time.Now().UnixNano())))
	for {
		s := m.pick(r)
		body, err := m.view(ctx, token, s.name, s.url(&m.data, r), lat)
		if err != nil {
			return stopped(ctx, err)
		}
		if strings.Contains(s.name, "list") && r.IntN(2) == 0 {
			if next := nextLink(body); next != "" {
				if _, err := m.view(ctx, token, nextStep, next, lat); err != nil {
					return stopped(ctx, err)
				}
			}
		}
	}
}

// view reads one full page and the unread badge it loads, timing each.
func (m *mixer) view(ctx context.Context, token, name, path string, lat [][]time.Duration) ([]byte, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.base+path, nil)
	body, d, err := m.do(req, token)
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(body, []byte("</html>")) {
		return nil, fmt.Errorf("GET %s: the page ends before </html> (%d bytes)", path, len(body))
	}
	lat[m.row[name]] = append(lat[m.row[name]], d)
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, m.base+"/messages/unread", nil)
	req.Header.Set("HX-Request", "true")
	badge, d, err := m.do(req, token)
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(badge, []byte("unread-badge")) {
		return nil, fmt.Errorf("GET /messages/unread: no badge in the answer (%d bytes)", len(badge))
	}
	lat[m.row[badgeStep]] = append(lat[m.row[badgeStep]], d)
	return body, nil
}

// pick draws a step by the shares.
func (m *mixer) pick(r *mrand.Rand) mixStep {
	n := r.IntN(m.total)
	for _, s := range mixSteps {
		if n < s.share {
			return s
		}
		n -= s.share
	}
	return mixSteps[0]
}

// staffReplies posts a staff reply to a random open request of the client
// every replyGap, through the console's reply route as htmx does (the
// session's CSRF token, a fresh form key), as one staff member would.
func (m *mixer) staffReplies(ctx context.Context, lat [][]time.Duration) error {
	r := mrand.New(mrand.NewPCG(7, uint64(time.Now().UnixNano())))
	tick := time.NewTicker(m.data.replyGap)
	defer tick.Stop()
	csrf := ""
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		id := m.data.openIDs[r.IntN(len(m.data.openIDs))]
		if csrf == "" {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/console/requests/%d", m.base, id), nil)
			page, _, err := m.do(req, m.data.staff)
			if err != nil {
				return stopped(ctx, err)
			}
			if csrf, err = csrfIn(page); err != nil {
				return fmt.Errorf("console request page: %w", err)
			}
		}
		form := fmt.Sprintf("body=%s&%s=%s", "portal-load+mix%3A+staff+reply+"+fmt.Sprint(n), "idempotency_key", newFormKey())
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/console/requests/%d/reply", m.base, id), strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", csrf)
		req.Header.Set("HX-Request", "true")
		body, d, err := m.do(req, m.data.staff)
		if err != nil {
			return stopped(ctx, err)
		}
		if !bytes.Contains(body, []byte("staff reply "+fmt.Sprint(n))) {
			return fmt.Errorf("staff reply %d: the answer does not show the message posted", n)
		}
		lat[m.row[replyStep]] = append(lat[m.row[replyStep]], d)
	}
}

// do sends req in the session of token and reads the whole answer. The time
// is from sending to the last byte read; any answer but 200 is an error.
func (m *mixer) do(req *http.Request, token string) ([]byte, time.Duration, error) {
	req.AddCookie(&http.Cookie{Name: "portal_session", Value: token})
	t0 := time.Now()
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	d := time.Since(t0)
	if ctx := req.Context(); ctx.Err() != nil {
		return nil, 0, ctx.Err() // the time is up: neither counted nor an error
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%s %s: %w", req.Method, req.URL.RequestURI(), err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("%s %s: %s", req.Method, req.URL.RequestURI(), resp.Status)
	}
	return body, d, nil
}

var nextHref = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)

// nextLink is the list page's Next link, as the browser would follow it.
func nextLink(page []byte) string {
	m := nextHref.FindSubmatch(page)
	if m == nil {
		return ""
	}
	return html.UnescapeString(string(m[1]))
}

// stopped is nil when err only says the run's time is up, else err.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// csrfIn reads the session's CSRF token from a page's
// <meta name="csrf-token">, which htmx sends back as X-CSRF-Token.
func csrfIn(page []byte) (string, error) {
	m := csrfMeta.FindSubmatch(page)
	if m == nil {
		return "", errors.New("no CSRF token in the page")
	}
	return string(m[1]), nil
}

// newFormKey is a reply form's idempotency key as the portal renders it
// (16 random bytes, base64url): fresh for every post, so each reply is a
// new message and not taken for a resubmit of the last.
func newFormKey() string {
	b := make([]byte, 16)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// loadAverage is the machine's 1-minute load average, or "?" where
// /proc/loadavg cannot be read: the machine may be shared, and a figure
// means little without it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

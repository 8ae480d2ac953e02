package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const marker = "load-msg-"

// receipt is one browser seeing message n.
type receipt struct {
	browser int
	n       int
	at      time.Time
}

// pool is the set of open browsers. Each behaves as an EventSource does:
// when the server ends its stream it connects again at once with the
// Last-Event-ID of the last event it saw, so a stream the server ended
// (its age limit, a failed read under load) is resumed, and counted.
type pool struct {
	ctx      context.Context
	stop     context.CancelFunc
	mu       sync.Mutex
	browsers []*browser
	receipts chan receipt
}

// browser is one EventSource.
type browser struct {
	i      int
	token  string
	mu     sync.Mutex
	conn   net.Conn
	lastID string
	ends   int // streams the server ended
	failed int // reconnections refused or failed
}

// openAll opens one SSE connection per token, a batch at a time.
func openAll(ctx context.Context, o options, w *world) (*pool, error) {
	ctx, stop := context.WithCancel(ctx)
	p := &pool{ctx: ctx, stop: stop, receipts: make(chan receipt, o.browsers*16)}
	sem := make(chan struct{}, o.openBatch)
	errs := make(chan error, len(w.tokens))
	var wg sync.WaitGroup
	for i, token := range w.tokens {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := &browser{i: i, token: token}
			conn, body, err := connect(o.url, token, "")
			<-sem
			if err != nil {
				errs <- fmt.Errorf("connection %d: %w", i, err)
				return
			}
			b.conn = conn
			p.mu.Lock()
			p.browsers = append(p.browsers, b)
			p.mu.Unlock()
			var out chan<- receipt
			if i < w.targetUsers {
				out = p.receipts
			}
			go p.follow(o.url, b, body, out)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		p.closeAll()
		return nil, err
	}
	return p, nil
}

// follow reads a browser's stream and, whenever the server ends it,
// connects again from the last event seen, until the pool closes.
func (p *pool) follow(base string, b *browser, body io.Reader, out chan<- receipt) {
	for {
		read(body, b, out)
		if p.ctx.Err() != nil {
			return
		}
		b.mu.Lock()
		b.ends++
		last := b.lastID
		b.mu.Unlock()
		for {
			conn, next, err := connect(base, b.token, last)
			if err == nil {
				b.mu.Lock()
				b.conn = conn
				b.mu.Unlock()
				if p.ctx.Err() != nil { // closed meanwhile
					conn.Close()
					return
				}
				body = next
				break
			}
			b.mu.Lock()
			b.failed++
			b.mu.Unlock()
			select {
			case <-p.ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}
}

func (p *pool) closeAll() {
	p.stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.browsers {
		b.mu.Lock()
		if b.conn != nil {
			b.conn.Close()
		}
		b.mu.Unlock()
	}
	p.browsers = nil
}

// restarts sums, over the browsers that get the messages, the streams the
// server ended and the reconnections that failed.
func (p *pool) restarts(targets int) (ends, failed int, by map[int]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	by = map[int]int{}
	for _, b := range p.browsers {
		b.mu.Lock()
		ends, failed = ends+b.ends, failed+b.failed
		if b.i < targets && b.ends > 0 {
			by[b.i] = b.ends
		}
		b.mu.Unlock()
	}
	return ends, failed, by
}

// connect opens /events as the session's browser (from lastID, as an
// EventSource resumes) and returns once the server has answered 200.
func connect(base, token, lastID string) (net.Conn, io.Reader, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, nil, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		return nil, nil, err
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	req.AddCookie(&http.Cookie{Name: "portal_session", Value: token})
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 1024), req)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		conn.Close()
		return nil, nil, fmt.Errorf("GET /events: status %d", resp.StatusCode)
	}
	conn.SetDeadline(time.Time{})
	return conn, resp.Body, nil
}

// read consumes a stream until it ends, keeping the browser's
// Last-Event-ID and reporting each message marker it sees to out.
func read(body io.Reader, b *browser, out chan<- receipt) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if id, ok := bytes.CutPrefix(line, []byte("id: ")); ok {
			b.mu.Lock()
			b.lastID = string(id)
			b.mu.Unlock()
			continue
		}
		if out == nil {
			continue
		}
		i := bytes.Index(line, []byte(marker))
		if i < 0 {
			continue
		}
		digits := line[i+len(marker):]
		end := 0
		for end < len(digits) && digits[end] >= '0' && digits[end] <= '9' {
			end++
		}
		if n, err := strconv.Atoi(string(digits[:end])); err == nil {
			out <- receipt{browser: b.i, n: n, at: time.Now()}
		}
	}
}

// latencies are publish-to-receive times, one per browser per message,
// and what each browser received.
type latencies struct {
	samples []time.Duration
	missing int // deliveries not there within the wait for their message
	// per browser: messages received (at any time) and received twice
	got   []map[int]bool
	twice []int
}

func newLatencies(browsers int) latencies {
	l := latencies{got: make([]map[int]bool, browsers), twice: make([]int, browsers)}
	for i := range l.got {
		l.got[i] = map[int]bool{}
	}
	return l
}

// note counts a receipt for its browser; true the first time.
func (l *latencies) note(r receipt) bool {
	if l.got[r.browser][r.n] {
		l.twice[r.browser]++
		return false
	}
	l.got[r.browser][r.n] = true
	return true
}

func (l latencies) print(messages int, p *pool) {
	if len(l.samples) == 0 {
		fmt.Println("  no message was received")
	} else {
		sort.Slice(l.samples, func(i, j int) bool { return l.samples[i] < l.samples[j] })
		pct := func(p float64) time.Duration { return l.samples[int(float64(len(l.samples)-1)*p)] }
		fmt.Printf("  publish-to-receive over %d deliveries: p50 %s, p90 %s, p99 %s, max %s; %d deliveries missing\n",
			len(l.samples), pct(.50).Round(time.Microsecond*100), pct(.90).Round(time.Microsecond*100),
			pct(.99).Round(time.Microsecond*100), l.samples[len(l.samples)-1].Round(time.Microsecond*100), l.missing)
	}
	// Per browser, everything that arrived in the end (also after its
	// message's wait), so one browser missing all is told from many
	// missing a few.
	counts := make([]int, len(l.got))
	short, doubled := 0, 0
	for i, got := range l.got {
		counts[i] = len(got)
		if counts[i] < messages {
			short++
		}
		if l.twice[i] > 0 {
			doubled++
		}
	}
	sorted := append([]int(nil), counts...)
	sort.Ints(sorted)
	fmt.Printf("  per browser, of %d messages: min %d, median %d, max %d received; %d browsers short, %d received some twice\n",
		messages, sorted[0], sorted[len(sorted)/2], sorted[len(sorted)-1], short, doubled)
	ends, failed, by := p.restarts(len(l.got))
	for i, n := range counts {
		if n < messages || l.twice[i] > 0 || by[i] > 0 {
			fmt.Printf("    browser %d: %d of %d received, %d twice, stream ended by the server %d times\n", i, n, messages, l.twice[i], by[i])
		}
	}
	fmt.Printf("  streams ended by the server and resumed from their Last-Event-ID: %d (%d reconnections failed)\n", ends, failed)
}

// measureLatency posts staff replies one at a time and waits for each to
// reach every browser of the target client.
func measureLatency(ctx context.Context, o options, w *world, p *pool) (latencies, error) {
	lat := newLatencies(o.browsers)
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	page := fmt.Sprintf("%s/console/requests/%d", o.url, w.requestID)
	csrf, err := csrfToken(ctx, client, page, w.staffToken)
	if err != nil {
		return lat, err
	}
	for n := range o.messages {
		form := url.Values{"body": {fmt.Sprintf("%s%d from portal-load", marker, n)}, "csrf": {csrf},
			"idempotency_key": {fmt.Sprintf("portal-load-%d-%d", time.Now().UnixNano(), n)}}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost,
			fmt.Sprintf("%s/console/requests/%d/reply", o.url, w.requestID), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "portal_session", Value: w.staffToken})
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return lat, fmt.Errorf("post reply %d: %w", n, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			return lat, fmt.Errorf("post reply %d: status %d", n, resp.StatusCode)
		}
		got := 0
		timeout := time.After(5 * time.Second)
	wait:
		for got < o.browsers {
			select {
			case r := <-p.receipts:
				if lat.note(r) && r.n == n {
					lat.samples = append(lat.samples, r.at.Sub(t0))
					got++
				}
			case <-timeout:
				break wait
			}
		}
		lat.missing += o.browsers - got
		time.Sleep(o.interval)
	}
	// Late arrivals still count for their browser.
	linger := time.After(2 * time.Second)
	for {
		select {
		case r := <-p.receipts:
			lat.note(r)
		case <-linger:
			return lat, nil
		}
	}
}

// cycle opens and closes connections repeatedly, 50 at a time.
func cycle(ctx context.Context, o options, w *world) error {
	work := make(chan int)
	errs := make(chan error, 50)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				conn, _, err := connect(o.url, w.tokens[i%len(w.tokens)], "")
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				conn.Close()
			}
		}()
	}
	for i := range o.cycles {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return fmt.Errorf("cycles: %w", err)
	default:
		return nil
	}
}

// server reads the portal's own figures.
type server struct {
	url, debugURL string
	pid           int
}

// rssKB is the portal's resident memory from /proc.
func (s server) rssKB() (int, error) {
	if s.pid == 0 {
		return 0, fmt.Errorf("no -pid")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			return strconv.Atoi(strings.Fields(line)[1])
		}
	}
	return 0, fmt.Errorf("no VmRSS")
}

// goroutines reads the total from the portal's goroutine profile.
func (s server) goroutines() (int, error) {
	resp, err := http.Get(s.debugURL + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil {
		return 0, err
	}
	var n int
	_, err = fmt.Sscanf(line, "goroutine profile: total %d", &n)
	return n, err
}

// gc asks the portal to collect garbage before a memory reading, a few
// times: each collection also halves goroutine stacks that use under a
// quarter of their size, as an idle server's periodic collections would.
func (s server) gc() {
	for range 4 {
		if resp, err := http.Get(s.debugURL + "/debug/pprof/heap?gc=1"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// liveKB is the memory the portal's Go runtime holds for live data: heap
// spans in use plus goroutine stacks (from /debug/vars), unlike RSS free of
// garbage not yet collected and memory not yet returned to the system.
func (s server) liveKB() (int, error) {
	resp, err := http.Get(s.debugURL + "/debug/vars")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var vars struct {
		Memstats struct {
			HeapInuse  uint64
			StackInuse uint64
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&vars); err != nil {
		return 0, err
	}
	return int((vars.Memstats.HeapInuse + vars.Memstats.StackInuse) / 1024), nil
}

// csrfToken reads the token a page gives its forms (bound to the session),
// as a browser posting from that page would send it.
func csrfToken(ctx context.Context, client *http.Client, page, session string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
	if err != nil {
		return "", err
	}
	req.AddCookie(&http.Cookie{Name: "portal_session", Value: session})
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("load %s: %w", page, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("load %s: %w", page, err)
	}
	m := csrfMeta.FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		return "", fmt.Errorf("load %s: status %d, no CSRF token", page, resp.StatusCode)
	}
	return string(m[1]), nil
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

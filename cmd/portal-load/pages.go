package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/loaddata"
	"github.com/portal-msp/portal/models"
)

// pageOptions are the flags of the page mix (-pages).
type pageOptions struct {
	prefix      string
	requests    int
	clients     int
	users       int
	messages    int
	concurrency int
	duration    time.Duration
	warmup      time.Duration
	only        string
	mix         bool    // random views over the client's whole history while staff reply (see mix.go)
	staffRate   float64 // with mix: staff replies per second; 0, none
	pid         int     // with mix: the portal's process, to read its CPU time; 0, not read
}

// page is one page the mix browses: a path and whose session asks for it.
type page struct {
	name  string
	path  func(i int) string
	staff bool
}

// runPages creates (or reuses) the data set, then drives each page in turn
// with the configured number of concurrent signed-in users, and prints
// req/s, p50/p99 and the statements the page ran (X-Portal-Statements, when
// the portal runs with PORTAL_COUNT_STATEMENTS=1).
func runPages(ctx context.Context, db *bun.DB, url string, o pageOptions) error {
	set, err := dataSet(ctx, db, o)
	if err != nil {
		return err
	}
	if len(set.OpenNumbers) == 0 {
		return errors.New("the large client has no open request to open")
	}
	// View i reads open request i (mod their number), so the users of a run
	// spread over the requests rather than all reading (or, in the mix,
	// replying to) the same one.
	request := func(i int) string {
		return "/requests/" + strconv.Itoa(set.OpenNumbers[i%len(set.OpenNumbers)])
	}
	pages := []page{
		{name: "dashboard /", path: func(int) string { return "/" }},
		{name: "open list /requests", path: func(int) string { return "/requests" }},
		{name: "request detail", path: request},
		{name: "staff queue /console", path: func(int) string { return "/console" }, staff: true},
	}
	client := &http.Client{
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
		Transport: &http.Transport{MaxIdleConns: o.concurrency * 2, MaxIdleConnsPerHost: o.concurrency * 2,
			DisableCompression: false},
	}
	if o.mix {
		if o.only != "" {
			return errors.New("-page picks one page; -mix browses them all")
		}
		d, err := loadMixData(ctx, db, set, o)
		if err != nil {
			return err
		}
		return newMixer(client, url, d, o).measure(ctx)
	}
	fmt.Printf("%d concurrent users for %s per page (after %s warm-up)\n", o.concurrency, o.duration, o.warmup)
	printHeader()
	for _, p := range pages {
		if o.only != "" && o.only != p.name[:len(o.only)] {
			continue
		}
		tokens := set.UserTokens
		if p.staff {
			tokens = []string{set.StaffToken}
		}
		if o.warmup > 0 {
			if _, err := drive(ctx, client, url, p, tokens, o.concurrency, o.warmup); err != nil {
				return fmt.Errorf("%s: %w", p.name, err)
			}
		}
		// Counted once warm: caches filled and the session touched (once a
		// minute a view also writes the session's last-seen time).
		stmts, err := statements(client, url, p, tokens[0])
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		res, err := drive(ctx, client, url, p, tokens, o.concurrency, o.duration)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		res.print(p.name, stmts)
	}
	return nil
}

// dataSet reuses the set of this prefix when it exists (new sessions for
// its users), else builds it.
func dataSet(ctx context.Context, db *bun.DB, o pageOptions) (*loaddata.Set, error) {
	c := new(models.Client)
	err := db.NewSelect().Model(c).Where("slug = ?", o.prefix+"-big").Scan(ctx)
	if err != nil {
		fmt.Printf("building the data set: %d clients, the largest with %d requests (%d messages each), %d users…\n",
			o.clients+1, o.requests, o.messages, o.users)
		start := time.Now()
		set, err := loaddata.Build(ctx, db, loaddata.Spec{Prefix: o.prefix, Clients: o.clients, Requests: o.requests,
			OtherRequests: 20, Messages: o.messages, Users: o.users})
		if err != nil {
			return nil, err
		}
		// Fresh tables have no planner statistics until autovacuum runs.
		for _, table := range []string{"requests", "messages", "activity_events", "request_counts", "sessions", "users"} {
			if _, err := db.ExecContext(ctx, "ANALYZE "+table); err != nil {
				fmt.Printf("  ANALYZE %s: %v (run ANALYZE yourself before measuring)\n", table, err)
			}
		}
		fmt.Printf("  built in %s\n", time.Since(start).Round(time.Second))
		return set, nil
	}
	set := &loaddata.Set{Client: c}
	var users []int64
	if err := db.NewSelect().Model((*models.User)(nil)).Column("id").Where("client_id = ?", c.ID).
		Order("id").Limit(o.users).Scan(ctx, &users); err != nil {
		return nil, err
	}
	var staff int64
	if err := db.NewSelect().Model((*models.User)(nil)).Column("id").
		Where("email = ?", "staff@"+o.prefix+".load.test").Scan(ctx, &staff); err != nil {
		return nil, err
	}
	if set.UserTokens, err = loaddata.Sessions(ctx, db, users); err != nil {
		return nil, err
	}
	tokens, err := loaddata.Sessions(ctx, db, []int64{staff})
	if err != nil {
		return nil, err
	}
	set.StaffToken = tokens[0]
	if err := db.NewSelect().Model((*models.Request)(nil)).Column("number").Where("client_id = ?", c.ID).
		Where("status <> ?", models.StatusCompleted).Order("number").Scan(ctx, &set.OpenNumbers); err != nil {
		return nil, err
	}
	var n int
	if n, err = db.NewSelect().Model((*models.Request)(nil)).Where("client_id = ?", c.ID).Count(ctx); err == nil {
		fmt.Printf("reusing data set %q: the largest client has %d requests, %d users signed in\n", o.prefix, n, len(users))
	}
	return set, err
}

// statements asks for the page once and reads X-Portal-Statements.
func statements(client *http.Client, base string, p page, token string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, base+p.path(0), nil)
	req.AddCookie(&http.Cookie{Name: "portal_session", Value: token})
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s answered %s", p.path(0), resp.Status)
	}
	if n := resp.Header.Get("X-Portal-Statements"); n != "" {
		return n, nil
	}
	return "-", nil
}

type pageResult struct {
	rate          float64
	p50, p99, max time.Duration
}

// printHeader and print make the table both -pages and the mix print.
func printHeader() {
	fmt.Printf("%-22s %9s %9s %9s %9s %6s\n", "page", "req/s", "p50", "p99", "max", "stmts")
}

func (r pageResult) print(name, stmts string) {
	fmt.Printf("%-22s %9.0f %9s %9s %9s %6s\n", name, r.rate, ms(r.p50), ms(r.p99), ms(r.max), stmts)
}

// summarize turns the latencies of a run that took elapsed into its rate
// and quantiles; false when nothing completed.
func summarize(lat []time.Duration, elapsed time.Duration) (pageResult, bool) {
	if len(lat) == 0 {
		return pageResult{}, false
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(f float64) time.Duration { return lat[min(len(lat)-1, int(f*float64(len(lat))))] }
	return pageResult{rate: float64(len(lat)) / elapsed.Seconds(), p50: q(0.50), p99: q(0.99), max: lat[len(lat)-1]}, true
}

// drive runs a closed loop: each of n users asks for the page, reads the
// whole answer, and asks again, until d has passed.
func drive(ctx context.Context, client *http.Client, base string, p page, tokens []string, n int, d time.Duration) (pageResult, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu     sync.Mutex
		lat    []time.Duration
		first  error
		wg     sync.WaitGroup
		starts = time.Now()
	)
	for u := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := u; ctx.Err() == nil; i += n {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+p.path(i), nil)
				req.AddCookie(&http.Cookie{Name: "portal_session", Value: tokens[u%len(tokens)]})
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						mu.Lock()
						first = cmpErr(first, err)
						mu.Unlock()
					}
					break
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if ctx.Err() != nil {
					break
				}
				if err != nil || resp.StatusCode != http.StatusOK {
					mu.Lock()
					first = cmpErr(first, fmt.Errorf("GET %s: %s %v", p.path(i), resp.Status, err))
					mu.Unlock()
					break
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(starts)
	if first != nil {
		return pageResult{}, first
	}
	res, ok := summarize(lat, elapsed)
	if !ok {
		return pageResult{}, errors.New("no request completed")
	}
	return res, nil
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + "ms"
}

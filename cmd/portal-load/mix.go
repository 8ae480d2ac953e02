package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The mix (-pages -mix) measures the client pages the way people use them:
// together, while others write. Each user loops over the dashboard, the open
// list and a request and now and then replies to that request, so every page
// is timed while replies keep changing what it shows (and what the portal
// may keep of it).

// mixer drives the mix: the pages each loop asks for, in order, and where
// its reply goes.
type mixer struct {
	client *http.Client
	base   string
	pages  []page             // asked for once per loop, in this order
	reply  func(i int) string // where loop i posts its reply: the request it read
	tokens []string           // session tokens; user u signs in with tokens[u%len]
	o      pageOptions
}

// measure warms up, counts each page's statements, runs the mix and prints
// one row per kind of step.
func (m *mixer) measure(ctx context.Context) error {
	loop := make([]string, 0, len(m.pages)+1)
	for _, p := range m.pages {
		loop = append(loop, p.name)
	}
	if m.o.replyEvery > 0 {
		loop = append(loop, "a reply every "+strconv.Itoa(m.o.replyEvery)+" loops")
	}
	fmt.Printf("%d concurrent users for %s, each looping: %s (after %s warm-up)\n",
		m.o.concurrency, m.o.duration, strings.Join(loop, ", "), m.o.warmup)
	if m.o.warmup > 0 {
		if _, _, err := m.run(ctx, m.o.warmup); err != nil {
			return fmt.Errorf("mix warm-up: %w", err)
		}
	}
	// Counted once warm, as for single pages; the replies of the run that
	// follows grow the threads, so a request page may run a little more.
	stmts := make([]string, len(m.pages))
	for k, p := range m.pages {
		var err error
		if stmts[k], err = statements(m.client, m.base, p, m.tokens[0]); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	lat, elapsed, err := m.run(ctx, m.o.duration)
	if err != nil {
		return fmt.Errorf("mix: %w", err)
	}
	printHeader()
	for k, p := range m.pages {
		res, ok := summarize(lat[k], elapsed)
		if !ok {
			return fmt.Errorf("%s: no request completed", p.name)
		}
		res.print(p.name, stmts[k])
	}
	if m.o.replyEvery > 0 {
		// A short run may end before any user's loop reached a reply: a
		// row of dashes says so rather than failing the pages measured.
		if res, ok := summarize(lat[len(m.pages)], elapsed); ok {
			res.print("reply POST", "-")
		} else {
			fmt.Printf("%-22s %9s %9s %9s %9s %6s\n", "reply POST", "-", "-", "-", "-", "-")
		}
	}
	return nil
}

// run is a closed loop of o.concurrency users until d has passed. It returns
// the latencies per kind of step (the pages in order, then the reply) and
// how long it ran.
func (m *mixer) run(ctx context.Context, d time.Duration) ([][]time.Duration, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu    sync.Mutex
		lat   = make([][]time.Duration, len(m.pages)+1)
		first error
		wg    sync.WaitGroup
		start = time.Now()
	)
	for u := range m.o.concurrency {
		wg.Go(func() {
			mine := make([][]time.Duration, len(lat))
			err := m.user(ctx, u, mine)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				first = cmpErr(first, err)
			}
			for k := range mine {
				lat[k] = append(lat[k], mine[k]...)
			}
		})
	}
	wg.Wait()
	return lat, time.Since(start), first
}

// user is one signed-in user's loop. Loop i of user u reads request
// u+i*concurrency, as drive's users do, so the users spread over the open
// requests. An answer cut short because the time is up ends the loop
// without an error and is not counted.
func (m *mixer) user(ctx context.Context, u int, lat [][]time.Duration) error {
	token := m.tokens[u%len(m.tokens)]
	var csrf string // the session's token, the same on every page it is shown
	for loop := 0; ; loop++ {
		i := u + loop*m.o.concurrency
		for k, p := range m.pages {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.base+p.path(i), nil)
			body, d, err := m.do(req, token, csrf == "")
			if err != nil {
				return stopped(ctx, err)
			}
			if csrf == "" {
				if csrf, err = csrfIn(body); err != nil {
					return fmt.Errorf("GET %s: %w", p.path(i), err)
				}
			}
			lat[k] = append(lat[k], d)
		}
		if m.o.replyEvery == 0 || (loop+1)%m.o.replyEvery != 0 {
			continue
		}
		form := url.Values{"body": {fmt.Sprintf("portal-load mix: a reply from user %d, loop %d", u, loop)},
			"idempotency_key": {newFormKey()}}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, m.base+m.reply(i), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", csrf)
		// As from htmx: the portal answers 200 with the new message rather
		// than redirecting to the page, which the next loop reads anyway.
		req.Header.Set("HX-Request", "true")
		_, d, err := m.do(req, token, false)
		if err != nil {
			return stopped(ctx, err)
		}
		lat[len(m.pages)] = append(lat[len(m.pages)], d)
	}
}

// do sends req in the session of token and reads the whole answer, keeping
// it when keep is set. The time is from sending to the last byte read; any
// answer but 200 is an error.
func (m *mixer) do(req *http.Request, token string, keep bool) ([]byte, time.Duration, error) {
	req.AddCookie(&http.Cookie{Name: "portal_session", Value: token})
	t0 := time.Now()
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	var body []byte
	if keep {
		body, err = io.ReadAll(resp.Body)
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	d := time.Since(t0)
	if ctx := req.Context(); ctx.Err() != nil {
		return nil, 0, ctx.Err() // the time is up: neither counted nor an error
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("%s %s: %s", req.Method, req.URL.Path, resp.Status)
	}
	return body, d, nil
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

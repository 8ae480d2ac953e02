// Command portal-load measures the portal under load.
//
// With -pages it measures page cost: it creates (or reuses) a data set of a
// given size — clients, one large client with many requests, each with
// messages and activity, and its signed-in users — then drives the
// dashboard, the open list, a request page and the staff queue with N
// concurrent users in turn, printing req/s, p50/p99 and statements per page:
//
//	DATABASE_URL=postgres://… portal-load -pages -requests 10000 -c 50 -duration 15s
//	portal-load -pages -sqlite data/portal.db -clients 20 -requests 2000
//
// With -pages -mix the client pages are measured together instead, as
// people use them, under writes: each of the N users opens random views of
// the large client (any of its requests, open and closed list pages across
// their range and the Next links they offer, filtered lists, Messages,
// Hours, each with the unread badge it loads) while a staff member replies
// to the client's open requests through the console at
// -staff-replies-per-second. It prints count, p50/p90/p99/max per page,
// views/s, the mix's median page p99 and flags any page whose p99 is over
// three times it:
//
//	DATABASE_URL=postgres://… portal-load -pages -mix -c 50 -staff-replies-per-second 1 -duration 30s
//
// Without -pages it measures the realtime messenger. It signs
// in real users (sessions created in the portal's own database), holds N
// server-sent-event connections open against a running portal, posts staff
// replies to one client's request and times how long each of that client's
// browsers takes to receive them. It also reads the server's resident memory
// and goroutine count (PORTAL_DEBUG_ADDR) to check idle cost and leaks.
//
//	DATABASE_URL=postgres://… portal-load -url http://127.0.0.1:8080 \
//	    -debug http://127.0.0.1:6060 -pid $(pgrep -f 'portal serve') -conns 10000
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
)

type options struct {
	url       string
	dbURL     string
	debugURL  string
	pid       int
	conns     int
	browsers  int
	messages  int
	cycles    int
	clients   int
	interval  time.Duration
	openBatch int
	hold      time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the running portal")
	flag.StringVar(&o.dbURL, "database-url", os.Getenv("DATABASE_URL"), "the portal's PostgreSQL database (DATABASE_URL), to create users and sessions")
	flag.StringVar(&o.debugURL, "debug", "http://127.0.0.1:6060", "the portal's PORTAL_DEBUG_ADDR, for goroutine counts")
	flag.IntVar(&o.pid, "pid", 0, "process id of the portal, to read its resident memory (with -pages -mix, its CPU time)")
	flag.IntVar(&o.conns, "conns", 10000, "SSE connections to hold open")
	flag.IntVar(&o.browsers, "browsers", 50, "of which belong to the client whose request gets the messages")
	flag.IntVar(&o.messages, "messages", 200, "staff replies to time")
	flag.IntVar(&o.cycles, "cycles", 10000, "connect/disconnect cycles for the leak check")
	flag.IntVar(&o.clients, "clients", 200, "clients the other connections are spread over")
	flag.DurationVar(&o.interval, "interval", 50*time.Millisecond, "pause between messages")
	flag.IntVar(&o.openBatch, "open-batch", 200, "connections opened at a time")
	flag.DurationVar(&o.hold, "hold", 0, "keep the idle connections open this long before messaging (to profile the server)")
	var po pageOptions
	var pages bool
	var sqlitePath string
	flag.BoolVar(&pages, "pages", false, "measure pages (dashboard, open list, request detail, staff queue; or with -mix, the client pages together with replies) instead of the messenger")
	flag.StringVar(&sqlitePath, "sqlite", "", "with -pages: the portal's SQLite file instead of DATABASE_URL")
	flag.StringVar(&po.prefix, "prefix", "load", "with -pages: name stem of the data set (reused when it exists)")
	flag.IntVar(&po.requests, "requests", 10000, "with -pages: requests of the largest client")
	flag.IntVar(&po.users, "users", 50, "with -pages: signed-in users of the largest client")
	flag.IntVar(&po.messages, "request-messages", 3, "with -pages: messages per request")
	flag.IntVar(&po.concurrency, "c", 50, "with -pages: concurrent users")
	flag.DurationVar(&po.duration, "duration", 10*time.Second, "with -pages: measuring time per page (with -mix, of the mix)")
	flag.DurationVar(&po.warmup, "warmup", 2*time.Second, "with -pages: unmeasured time per page first (with -mix, of the mix)")
	flag.StringVar(&po.only, "page", "", "with -pages: only the page whose name starts with this")
	flag.BoolVar(&po.mix, "mix", false, "with -pages: each user opens random client pages over the whole history (any request, list pages, filters, Messages, Hours) while staff reply, instead of one page at a time")
	flag.Float64Var(&po.staffRate, "staff-replies-per-second", 1, "with -pages -mix: staff replies to the client's open requests per second, through the console (0: none)")
	flag.Parse()
	if pages {
		po.clients, po.pid = o.clients, o.pid
		if err := runPagesWith(context.Background(), o, po, sqlitePath); err != nil {
			fmt.Fprintln(os.Stderr, "portal-load:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "portal-load:", err)
		os.Exit(1)
	}
}

func runPagesWith(ctx context.Context, o options, po pageOptions, sqlitePath string) error {
	var db *bun.DB
	var err error
	switch {
	case sqlitePath != "":
		db, err = models.OpenSQLite(ctx, sqlitePath)
	case o.dbURL != "":
		db, err = models.OpenPostgres(ctx, o.dbURL)
	default:
		return fmt.Errorf("set -database-url (DATABASE_URL) or -sqlite to the portal's database")
	}
	if err != nil {
		return err
	}
	defer db.Close()
	return runPages(ctx, db, o.url, po)
}

func run(ctx context.Context, o options) error {
	if o.dbURL == "" {
		return fmt.Errorf("set -database-url or DATABASE_URL to the portal's PostgreSQL database")
	}
	if o.browsers > o.conns {
		return fmt.Errorf("-browsers (%d) cannot exceed -conns (%d)", o.browsers, o.conns)
	}
	db, err := models.OpenPostgres(ctx, o.dbURL)
	if err != nil {
		return err
	}
	defer db.Close()

	fmt.Printf("preparing %d signed-in users over %d clients…\n", o.conns, o.clients+1)
	world, err := prepare(ctx, db, o)
	if err != nil {
		return err
	}
	srv := server{url: o.url, debugURL: o.debugURL, pid: o.pid}

	baseGoroutines, _ := srv.goroutines()
	baseRSS, _ := srv.rssKB()
	srv.gc()
	baseLive, _ := srv.liveKB()

	fmt.Printf("opening %d SSE connections…\n", o.conns)
	start := time.Now()
	pool, err := openAll(ctx, o, world)
	if err != nil {
		return err
	}
	fmt.Printf("  all %d open in %s\n", o.conns, time.Since(start).Round(time.Millisecond))
	time.Sleep(2 * time.Second)
	srv.gc()
	if rss, err := srv.rssKB(); err == nil && baseRSS > 0 {
		fmt.Printf("  server resident memory: %d MB before, %d MB with %d idle connections: %.1f KB per connection\n",
			baseRSS/1024, rss/1024, o.conns, float64(rss-baseRSS)/float64(o.conns))
	}
	if live, err := srv.liveKB(); err == nil {
		fmt.Printf("  server live heap+stacks: %d MB before, %d MB with %d idle connections: %.1f KB per connection\n",
			baseLive/1024, live/1024, o.conns, float64(live-baseLive)/float64(o.conns))
	}
	if g, err := srv.goroutines(); err == nil {
		fmt.Printf("  server goroutines: %d before, %d with connections open\n", baseGoroutines, g)
	}

	time.Sleep(o.hold)

	fmt.Printf("posting %d staff replies to %s; %d browsers of that client listening…\n", o.messages, world.requestRef, o.browsers)
	lat, err := measureLatency(ctx, o, world, pool)
	if err != nil {
		return err
	}
	lat.print(o.messages, pool)

	pool.closeAll()
	fmt.Printf("connect/disconnect cycles: %d…\n", o.cycles)
	if err := cycle(ctx, o, world); err != nil {
		return err
	}
	time.Sleep(2 * time.Second)
	if g, err := srv.goroutines(); err == nil {
		fmt.Printf("  server goroutines: %d at start, %d after all connections closed and %d cycles (growth %d)\n",
			baseGoroutines, g, o.cycles, g-baseGoroutines)
	}
	return nil
}

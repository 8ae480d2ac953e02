package realtime_test

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/portal-msp/portal/models/dbtest"
	"github.com/portal-msp/portal/realtime"
)

// TestIdleStreamCost holds 1,000 idle streams open and measures what each
// costs the server: one goroutine (the read that notices the browser
// leaving; the SSE library's stream and goroutines exist only while there
// is something to write) and a few kilobytes.
func TestIdleStreamCost(t *testing.T) {
	if testing.Short() {
		t.Skip("holds 1,000 connections")
	}
	if os.Getenv("PORTAL_TEST_HEAP_PROFILE") != "" {
		runtime.MemProfileRate = 256
	}
	db := dbtest.New(t, dbtest.SQLite)
	f := newFixture(t, db, realtime.Options{})
	addr := strings.TrimPrefix(f.srv.URL, "http://")
	// What an idle stream holds: live heap objects, and the stacks of its
	// goroutines (counted at the starting size: an idle goroutine's stack
	// shrinks back to it; the runtime's stack spans also hold the freed
	// stacks of finished goroutines, reused by the next ones, which
	// StackInuse would count against the streams).
	measure := func() (int, uint64) {
		for range 5 {
			runtime.GC()
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		sm := []metrics.Sample{{Name: "/gc/stack/starting-size:bytes"}}
		metrics.Read(sm)
		g := runtime.NumGoroutine()
		return g, m.HeapAlloc + uint64(g)*sm[0].Value.Uint64()
	}
	g0, m0 := measure()
	const n = 1000
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET /events HTTP/1.1\r\nHost: x\r\nX-Test-Client: %d\r\n\r\n", f.clients[0])
		conns = append(conns, c)
	}
	f.waitConns(t, n)
	time.Sleep(300 * time.Millisecond) // every stream has caught up and gone idle
	g1, m1 := measure()
	if path := os.Getenv("PORTAL_TEST_HEAP_PROFILE"); path != "" {
		out, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		pprof.WriteHeapProfile(out) //nolint:errcheck
		out.Close()
	}
	perG := float64(g1-g0) / n
	perB := float64(m1-m0) / n
	t.Logf("idle stream: %.2f goroutines, %.1f KB (live heap + stacks)", perG, perB/1024)
	if perG > 1.05 {
		t.Errorf("an idle stream holds %.2f goroutines, want 1", perG)
	}
	if perB > 10*1024 {
		t.Errorf("an idle stream holds %.1f KB, want under 10 KB", perB/1024)
	}
}

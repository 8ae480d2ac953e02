package realtime_test

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/portal-msp/portal/models/dbtest"
	"github.com/portal-msp/portal/realtime"
)

// TestIdleStreamCost holds 1,000 idle streams open and measures what each
// costs the server: goroutines (three are the SSE library's, one notices
// the browser leaving; no writer of ours waits while there is nothing to
// write) and memory.
func TestIdleStreamCost(t *testing.T) {
	if testing.Short() {
		t.Skip("holds 1,000 connections")
	}
	db := dbtest.New(t, dbtest.SQLite)
	f := newFixture(t, db, realtime.Options{})
	addr := strings.TrimPrefix(f.srv.URL, "http://")
	measure := func() (int, uint64) {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return runtime.NumGoroutine(), m.HeapInuse + m.StackInuse
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
	t.Logf("idle stream: %.2f goroutines, %.1f KB (heap in use + stacks)", perG, perB/1024)
	if perG > 4.05 {
		t.Errorf("an idle stream holds %.2f goroutines, want at most 4", perG)
	}
}

package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/portal-msp/portal/models"
)

// BenchmarkExecToReady measures a cold start: from exec of `portal serve`
// on a SQLite data folder holding one client with 100,000 requests to the
// first 200 from /readyz (polled every millisecond). The target: under
// 100 ms. The child is this test binary (as in startServe).
//
//	go test ./cmd/portal -run '^$' -bench ExecToReady -benchtime 10x
func BenchmarkExecToReady(b *testing.B) {
	dir := b.TempDir()
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "up"}, envOf("PORTAL_DATA_DIR="+dir), &out); err != nil {
		b.Fatal(err)
	}
	db, err := models.OpenSQLite(ctx, filepath.Join(dir, "portal.db"))
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO clients (name, slug, request_prefix, timezone, contact_email, next_request_number, created_at, updated_at)
		 VALUES ('Big', 'big', 'BIG', 'UTC', 'ops@big.test', 100001, '2026-01-01 00:00:00', '2026-01-01 00:00:00')`,
		`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100000)
		 INSERT INTO requests (client_id, number, title, urgency, status, created_at, updated_at, clock_updated_at)
		 SELECT (SELECT id FROM clients WHERE slug = 'big'), n, 'Request ' || n, 'normal',
		        CASE WHEN n % 3 = 0 THEN 'in_progress' ELSE 'completed' END, '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00'
		 FROM g`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	db.Close()

	var total time.Duration
	for b.Loop() {
		total += execToReady(b, dir)
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/ready")
}

// execToReady starts the portal on dir and returns how long /readyz took
// to answer 200, then stops it.
func execToReady(b *testing.B, dir string) time.Duration {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), "PORTAL_RUN_MAIN=1", "PORTAL_ARGS=serve", "PORTAL_DATA_DIR="+dir, "PORTAL_ADDR="+addr,
		"PORTAL_DRAIN_PERIOD=0", "PORTAL_LOG_LEVEL=error")
	client := http.Client{Timeout: time.Second}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill() //nolint:errcheck
		cmd.Wait()         //nolint:errcheck
	}()
	for time.Since(start) < 30*time.Second {
		if resp, err := client.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start)
			}
		}
		time.Sleep(time.Millisecond)
	}
	b.Fatal("portal serve never became ready")
	return 0
}

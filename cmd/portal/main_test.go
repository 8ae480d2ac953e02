package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portal-msp/portal/models/dbtest"
)

// TestMain lets a test re-run this binary as the real command, to check what
// a user sees: the message on stderr and the exit code.
func TestMain(m *testing.M) {
	if os.Getenv("PORTAL_RUN_MAIN") == "1" {
		os.Args = append([]string{"portal"}, strings.Fields(os.Getenv("PORTAL_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runMain(t *testing.T, args string, env ...string) (stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, "PORTAL_RUN_MAIN=1", "PORTAL_ARGS="+args,
		"PORTAL_DATA_DIR="+t.TempDir(), "PORTAL_ADDR=127.0.0.1:0")...)
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return errBuf.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return errBuf.String(), 0
}

func TestBadDatabaseStopsStartupWithOneLine(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"postgres://postgres@127.0.0.1:1/portal?sslmode=disable": "connect to PostgreSQL",
		"not a url at all": "DATABASE_URL",
	}
	for url, want := range cases {
		stderr, code := runMain(t, "serve", "DATABASE_URL="+url)
		if code != 1 {
			t.Errorf("DATABASE_URL=%q: exit code %d, want 1", url, code)
		}
		if !strings.Contains(stderr, want) || strings.Contains(stderr, "goroutine ") {
			t.Errorf("DATABASE_URL=%q: stderr %q should name the problem without a panic trace", url, stderr)
		}
		if lines := strings.Count(strings.TrimSpace(stderr), "\n"); lines != 0 {
			t.Errorf("DATABASE_URL=%q: want one line, got %d:\n%s", url, lines+1, stderr)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	if stderr, code := runMain(t, "frobnicate"); code != 1 || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestMigrateAndDemoOnBothDatabases(t *testing.T) {
	for _, kind := range dbtest.Kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dir := t.TempDir()
			env := []string{"PORTAL_DATA_DIR=" + dir}
			if kind == dbtest.Postgres {
				dbtest.Empty(t, kind) // skips or fails loudly without PostgreSQL
				env = append(env, "DATABASE_URL="+dbtest.URLFor(t, emptyDatabase(t)))
			}
			getenv := envOf(env...)
			var out bytes.Buffer
			for _, step := range []struct{ args, want string }{
				{"migrate status", "pending"},
				{"migrate up", "applied 20261124000100_init"},
				{"migrate up", "database is up to date"},
				{"demo", "password:"},
				{"demo", "password:"}, // re-running is safe
				{"migrate status", "applied"},
			} {
				out.Reset()
				if err := run(ctx, strings.Fields(step.args), getenv, &out); err != nil {
					t.Fatalf("portal %s: %v", step.args, err)
				}
				if !strings.Contains(out.String(), step.want) {
					t.Fatalf("portal %s printed %q, want %q", step.args, out.String(), step.want)
				}
			}
			if kind == dbtest.SQLite {
				if _, err := os.Stat(filepath.Join(dir, "portal.db")); err != nil {
					t.Fatalf("no SQLite file in the data folder: %v", err)
				}
			}
		})
	}
}

// emptyDatabase creates an unmigrated PostgreSQL database and returns its name.
func emptyDatabase(t *testing.T) string {
	db := dbtest.Empty(t, dbtest.Postgres)
	var name string
	if err := db.NewRaw("SELECT current_database()").Scan(context.Background(), &name); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestServeStopsOnCancel(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	getenv := envOf("PORTAL_DATA_DIR="+t.TempDir(), "PORTAL_ADDR="+addr, "PORTAL_DRAIN_PERIOD=0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv, &bytes.Buffer{}) }()
	// Wait until it is ready (the listener answers 503 while start-up goes
	// on), then ask it to stop as SIGTERM would.
	up := false
	for deadline := time.Now().Add(90 * time.Second); !up && time.Now().Before(deadline); {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			up = resp.StatusCode == http.StatusOK
		}
		if !up {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !up {
		cancel()
		<-done
		t.Fatal("the server never became ready")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v after cancel, want a clean stop", err)
	}
}

// envOf is a getenv over KEY=value pairs, so parallel tests need not touch
// the process environment.
func envOf(kvs ...string) func(string) string {
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

package main

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startServe runs `portal serve` as a child process on a free port of
// 127.0.0.1 and waits until /readyz answers 200. The process is killed when
// the test ends if it is still running.
func startServe(t *testing.T, dataDir string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"PORTAL_RUN_MAIN=1", "PORTAL_ARGS=serve",
		"PORTAL_DATA_DIR=" + dataDir, "PORTAL_ADDR=" + addr}, env...)...)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill() //nolint:errcheck
			cmd.Wait()         //nolint:errcheck
		}
	})
	// A race-instrumented binary on a CI machine busy with other packages can
	// take many seconds to migrate and listen: wait generously.
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if status(addr, "/readyz") == http.StatusOK {
			return cmd, addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("portal serve never became ready:\n%s", stderr)
	return nil, ""
}

// lockedBuffer collects a child's stderr: exec copies into it from its own
// goroutine while the test may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// status GETs path and returns the status code, or 0 if nothing answered.
func status(addr, path string) int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A second process on the same SQLite data folder refuses to start, saying
// to use PostgreSQL for several processes, and the first keeps serving.
func TestSecondProcessOnTheDataFolderRefusesToStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, addr := startServe(t, dir, "PORTAL_DRAIN_PERIOD=0")

	second := exec.Command(os.Args[0], "-test.run=^$")
	second.Env = append(os.Environ(), "PORTAL_RUN_MAIN=1", "PORTAL_ARGS=serve", "PORTAL_DATA_DIR="+dir,
		"PORTAL_ADDR="+freeAddr(t))
	var stderr bytes.Buffer
	second.Stderr = &stderr
	done := make(chan error, 1)
	go func() { done <- second.Run() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("second process: %v, want exit code 1", err)
		}
	case <-time.After(20 * time.Second):
		second.Process.Kill() //nolint:errcheck
		t.Fatal("a second process on the same data folder started")
	}
	if msg := stderr.String(); !strings.Contains(msg, "PostgreSQL") || !strings.Contains(msg, dir) {
		t.Fatalf("second process said %q; want the data folder named and PostgreSQL suggested", msg)
	}
	if code := status(addr, "/readyz"); code != http.StatusOK {
		t.Fatalf("first process /readyz = %d after the refused start", code)
	}

	// Once the first has stopped, the folder is free again.
	first.Process.Signal(syscall.SIGTERM) //nolint:errcheck
	if err := first.Wait(); err != nil {
		t.Fatalf("first process: %v", err)
	}
	startServe(t, dir, "PORTAL_DRAIN_PERIOD=0")
}

// On SIGTERM /readyz turns red at once while the listener keeps serving for
// PORTAL_DRAIN_PERIOD; then the process stops cleanly.
func TestSigtermDrainsBeforeShutdown(t *testing.T) {
	t.Parallel()
	// The drain period is long enough that a loaded machine still sees the
	// red /readyz and the serving listener inside it.
	const drain = 4 * time.Second
	cmd, addr := startServe(t, t.TempDir(), "PORTAL_DRAIN_PERIOD="+drain.String())
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	red := false
	for time.Since(sent) < drain/2 {
		if status(addr, "/readyz") == http.StatusServiceUnavailable {
			red = true
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !red {
		t.Fatalf("/readyz did not turn red within %s of SIGTERM", drain/2)
	}
	if code := status(addr, "/healthz"); code != http.StatusOK {
		t.Fatalf("during the drain /healthz = %d, want the listener still serving", code)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
		if took := time.Since(sent); took < drain-100*time.Millisecond {
			t.Fatalf("stopped %s after SIGTERM, before the %s drain period", took, drain)
		}
	case <-time.After(drain + 60*time.Second):
		t.Fatal("the process did not stop after the drain period")
	}
	if code := status(addr, "/healthz"); code != 0 {
		t.Fatalf("after shutdown something still answers: %d", code)
	}
}

// A word the attachment storage does not know stops start-up, naming the
// variable and the word, rather than failing the first upload.
func TestUnknownStorageWordStopsStartUp(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PORTAL_RUN_MAIN=1", "PORTAL_ARGS=serve", "PORTAL_DATA_DIR="+t.TempDir(),
		"PORTAL_ADDR="+freeAddr(t), "PORTAL_ATTACHMENTS_URL=s3://portal-files?regoin=eu-west-1")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("serve with a misspelt storage URL: %v, want exit code 1\n%s", err, out)
	}
	if msg := string(out); !strings.Contains(msg, "PORTAL_ATTACHMENTS_URL") || !strings.Contains(msg, `"regoin"`) {
		t.Fatalf("start-up said %q; want the variable and the word named", msg)
	}
}

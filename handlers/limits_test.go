package handlers_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models/dbtest"
)

// rawPost sends a POST's headers and the first part of its body over a bare
// connection, and reads the status line the server answers within wait.
func rawPost(t *testing.T, a *app, path string, headers, body string, wait time.Duration) (status string, elapsed time.Duration) {
	t.Helper()
	u, _ := url.Parse(a.srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, "POST "+path+" HTTP/1.1\r\nHost: "+u.Host+"\r\n"+headers+"\r\n"+body); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(wait)) //nolint:errcheck
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "no answer: " + err.Error(), time.Since(start)
	}
	return strings.TrimSpace(line), time.Since(start)
}

// A body declared larger than the limit is refused before it is sent, and
// one sent without a length is cut off at the limit: both 413, with a
// message, never read to the end.
func TestOversizedBodiesAreRefused(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		seedWorkspace(t, db)
		a := newAuthApp(t, db, nil)

		status, _ := rawPost(t, a.app, "/signin",
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 104857600\r\n", "email=a", 5*time.Second)
		if !strings.Contains(status, " 413 ") {
			t.Fatalf("100 MB declared body: got %q, want 413 at once", status)
		}

		// Chunked: the client does not say how long the body is.
		body := io.MultiReader(strings.NewReader("email=a%40b.test&password="), strings.NewReader(strings.Repeat("x", 2<<20)))
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/signin", io.NopCloser(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, text := a.do(req)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(text, "too large") {
			t.Fatalf("2 MB chunked form: %d, want 413 with a message", resp.StatusCode)
		}

		// A form under the limit still reaches its handler (the CSRF check).
		resp, _ = a.post("/signin", url.Values{"email": {"a@b.test"}, "password": {strings.Repeat("x", 100_000)}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("small form without a token: %d, want the CSRF refusal 403", resp.StatusCode)
		}
	})
}

// A client that sends a body too slowly is answered (408) once
// PORTAL_READ_TIMEOUT has passed instead of holding the handler for ever.
func TestSlowBodyHitsTheReadDeadline(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		seedWorkspace(t, db)
		a := newAuthApp(t, db, map[string]string{"PORTAL_READ_TIMEOUT": "300ms"})
		status, took := rawPost(t, a.app, "/signin",
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n", "email=a", 5*time.Second)
		if !strings.Contains(status, " 408 ") || took > 3*time.Second {
			t.Fatalf("trickled body: got %q after %s, want 408 soon after 300ms", status, took)
		}
	})
}

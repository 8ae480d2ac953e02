package dbtest

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A busy server can take longer than the portal's 5 s read timeout to
// create a test database; creating one must wait for it. The server is
// made slow here by a proxy that holds its answers back, rather than by a
// lock held in PostgreSQL: a transaction held open would stall the live
// updates of every other test on the cluster meanwhile (they read up to
// the cluster's oldest running transaction).
func TestCreateWaitsForASlowServer(t *testing.T) {
	adm := adminDB(t)
	tpl := createPostgresDB(t, "template0")

	proxy := slowProxy(t, PostgresURL(t))
	slow, err := openSlow(proxy.url)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	name := "portal_test_slow_" + tpl[len("portal_test_"):]
	t.Cleanup(func() { dropPostgresDB(t, adm, name) })
	proxy.delay.Store(int64(6500 * time.Millisecond)) // beyond models.OpenPostgres's 5 s
	if err := createFromTemplate(slow, name, tpl); err != nil {
		t.Fatalf("create through a slow server: %v", err)
	}
	var exists bool
	if err := adm.QueryRowContext(context.Background(), "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", name).Scan(&exists); err != nil || !exists {
		t.Fatalf("database %s after a slow create: exists %v, %v", name, exists, err)
	}
}

type proxy struct {
	url   string       // the database URL, through the proxy
	delay atomic.Int64 // how long each answer from the server is held back
}

// slowProxy forwards connections to the server of dsn, holding each chunk
// of the server's answers back by delay.
func slowProxy(t *testing.T, dsn string) *proxy {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	target := u.Host
	u.Host = ln.Addr().String()
	p.url = u.String()
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, client, server)
			mu.Unlock()
			go io.Copy(server, client) //nolint:errcheck // ends with the connection
			go func() {
				buf := make([]byte, 32<<10)
				for {
					n, err := server.Read(buf)
					if n > 0 {
						time.Sleep(time.Duration(p.delay.Load()))
						if _, werr := client.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						client.Close()
						return
					}
				}
			}()
		}
	}()
	return p
}

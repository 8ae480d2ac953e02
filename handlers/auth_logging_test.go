package handlers_test

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/models/dbtest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func TestTokensStayOutOfTheRequestLog(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		var logs lockedBuffer
		cfg, err := config.Load(func(k string) string { return map[string]string{"PORTAL_DATA_DIR": t.TempDir()}[k] }, nil)
		if err != nil {
			t.Fatal(err)
		}
		e, err := handlers.New(cfg, db, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(e)
		defer srv.Close()
		a := &app{t: t, db: db, srv: srv, client: newClient()}
		link, _ := makeLink(t, db, s.client.ID, 90)
		token := strings.TrimPrefix(link, "/join/")
		a.get(link)
		a.submit(link, link, url.Values{"name": {"Z"}, "email": {"z@acme.test"}, "password": {"zed-password-1"}})
		a.get("/reset/" + token)
		if strings.Contains(logs.String(), token) {
			t.Fatalf("a token reached the log:\n%s", logs.String())
		}
		if !strings.Contains(logs.String(), "/join/[redacted]") {
			t.Errorf("request lines missing:\n%s", logs.String())
		}
	})
}

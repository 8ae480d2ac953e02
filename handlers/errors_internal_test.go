package handlers

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestAbandonedRequestIsNotAServerError: a page whose browser went away
// while it was being read from the database ends with "client closed
// request", no error page and no "server error" in the log (a load test
// stopping, or people clicking on, filled the log with 500s).
func TestAbandonedRequestIsNotAServerError(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodGet, "/requests/7", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(req, rec)
	s.handleError(fmt.Errorf("models: find request 7 of client 1: %w", context.Canceled), c)
	if c.Response().Status != statusClientClosed || rec.Body.Len() != 0 || logs.Len() != 0 {
		t.Errorf("status %d, body %q, log %q", c.Response().Status, rec.Body.String(), logs.String())
	}
}

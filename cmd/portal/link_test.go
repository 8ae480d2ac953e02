package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portal-msp/portal/models"
)

func TestOperatorCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PORTAL_DATA_DIR": dir, "PORTAL_BASE_URL": "https://portal.example.com"}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	cmd := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, args, getenv, &out)
		return out.String(), err
	}

	out, err := cmd("staff", "create", "--email", "Ada@Northwind.test", "--name", "Ada Admin", "--role", "admin", "--password", "a-long-enough-secret")
	if err != nil || !strings.Contains(out, "created admin Ada Admin <ada@northwind.test>") {
		t.Fatalf("staff create: %v %q", err, out)
	}
	// Before setup, the operator is also given a one-time setup code.
	if !strings.Contains(out, "https://portal.example.com/setup and enter the one-time setup code ") {
		t.Errorf("staff create before setup gives no setup code: %q", out)
	}
	out, err = cmd("staff", "create", "--email", "alan@northwind.test", "--name", "Alan", "--role", "agent")
	if err != nil || !strings.Contains(out, "https://portal.example.com/reset/") {
		t.Fatalf("staff create without password: %v %q", err, out)
	}
	if _, err := cmd("staff", "create", "--email", "ada@northwind.test", "--name", "Again", "--role", "admin"); err == nil || !strings.Contains(err.Error(), "already has an account") {
		t.Errorf("duplicate staff: %v", err)
	}
	if _, err := cmd("staff", "create", "--email", "x@y.test", "--name", "X", "--role", "owner"); err == nil || !strings.Contains(err.Error(), "--role") {
		t.Errorf("bad role: %v", err)
	}

	out, err = cmd("client", "create", "--name", "Acme Corp", "--slug", "acme", "--timezone", "Europe/Paris", "--monthly-hours", "10")
	if err != nil || !strings.Contains(out, "created client Acme Corp") {
		t.Fatalf("client create: %v %q", err, out)
	}
	if _, err := cmd("client", "create", "--name", "Bad", "--slug", "Bad Slug"); err == nil || !strings.Contains(err.Error(), "--slug") {
		t.Errorf("bad slug: %v", err)
	}

	out, err = cmd("link", "create", "--client", "acme", "--days", "30", "--label", "website")
	if err != nil || !strings.HasPrefix(out, "https://portal.example.com/join/") {
		t.Fatalf("link create: %v %q", err, out)
	}
	token := strings.TrimSpace(out[strings.LastIndex(out, "/")+1:])
	if _, err := cmd("link", "create", "--client", "nope"); err == nil || !strings.Contains(err.Error(), "no client") {
		t.Errorf("unknown client: %v", err)
	}
	if _, err := cmd("link", "create", "--client", "acme", "--days", "12"); err == nil {
		t.Errorf("--days 12 accepted")
	}

	db, err := models.OpenSQLite(ctx, filepath.Join(dir, "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	link, err := models.FindPortalLink(ctx, db, token)
	if err != nil || link.Client.Slug != "acme" || link.Label != "website" {
		t.Fatalf("printed link does not work: %+v %v", link, err)
	}
	if _, err := models.Authenticate(ctx, db, "ada@northwind.test", "a-long-enough-secret"); err != nil {
		t.Errorf("CLI admin cannot sign in: %v", err)
	}
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/portal-msp/portal/models"
)

// portal token create prints the new token alone on its last line; that
// token opens the API (checked against the database the command wrote).
func TestTokenCreate(t *testing.T) {
	ctx := context.Background()
	getenv := envOf("PORTAL_DATA_DIR=" + t.TempDir())
	var out bytes.Buffer
	if err := run(ctx, strings.Fields("staff create --email ada@example.com --name Ada --role admin --password correct-horse-battery"), getenv, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := run(ctx, []string{"token", "create", "--staff", "ada@example.com", "--name", "jira", "--scopes", "requests:read,webhooks:admin"}, getenv, &out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	token := lines[len(lines)-1]
	if !strings.HasPrefix(token, "pt_") || strings.Contains(token, " ") {
		t.Fatalf("last line %q is not a token alone:\n%s", token, out.String())
	}
	db, _, err := operatorDB(ctx, getenv)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := models.AuthenticateAPIToken(ctx, db, token, time.Now().UTC())
	if err != nil || !got.Has(models.ScopeWebhooksAdmin) || got.Has(models.ScopeRequestsWrite) {
		t.Fatalf("the printed token: %+v, %v", got, err)
	}

	for args, want := range map[string]string{
		"token create --staff ada@example.com --name x --scopes requests:nap":     "unknown API scope",
		"token create --staff nobody@example.com --name x --scopes requests:read": "no user has the e-mail",
		"token create --name x --scopes requests:read":                            "--staff is required",
	} {
		err := run(ctx, strings.Fields(args), getenv, &out)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("portal %s: %v, want %q", args, err, want)
		}
	}
}

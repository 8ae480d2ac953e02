package dbtest

import (
	"context"
	"testing"
	"time"
)

// A busy server can take longer than the portal's 5 s read timeout to
// create a test database; creating one must wait for it. The template is
// held here by a rename left open in a transaction (it takes the lock
// CREATE DATABASE … TEMPLATE needs) for longer than that timeout.
func TestCreateWaitsForASlowServer(t *testing.T) {
	adm := adminDB(t)
	ctx := context.Background()
	tpl := createPostgresDB(t, "template0")

	conn, err := adm.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "ALTER DATABASE "+tpl+" RENAME TO "+tpl+"_held"); err != nil {
		t.Fatal(err)
	}
	const held = 6500 * time.Millisecond // beyond models.OpenPostgres's 5 s
	released := make(chan error, 1)
	go func() {
		time.Sleep(held)
		released <- tx.Rollback()
	}()

	name := createPostgresDB(t, tpl)
	if err := <-released; err != nil {
		t.Fatalf("release the template: %v", err)
	}
	var exists bool
	if err := adm.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ?)", name).Scan(&exists); err != nil || !exists {
		t.Fatalf("database %s after a slow create: exists %v, %v", name, exists, err)
	}
}

package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

// A portal with no webhook endpoint does not poll for deliveries: after its
// first look, a sender ticking every 50 ms runs no statement for two
// seconds. With an endpoint registered, the same loop delivers at once.
func TestWebhookSenderIdlesWithoutEndpoints(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		w := newHookWorld(t, db)
		models.AddStatementCounter(db)
		ctx, cancel := context.WithCancel(context.Background())
		ctx, count := models.CountStatements(ctx)
		w.sender.Every = 50 * time.Millisecond
		done := make(chan struct{})
		go func() { w.sender.Run(ctx); close(done) }()
		time.Sleep(500 * time.Millisecond) // the first look and the first prune
		before := count.N()
		time.Sleep(2 * time.Second)
		cancel()
		<-done
		if after := count.N(); after != before {
			t.Fatalf("an idle sender ran %d statements in 2 s (ticking every 50 ms)", after-before)
		}

		rec := newReceiver(t)
		w.endpoint(t, rec.srv.URL, false, models.HookRequestCreated)
		w.request(t, "Printer")
		ctx, cancel = context.WithCancel(context.Background())
		defer cancel()
		go w.sender.Run(ctx)
		deadline := time.Now().Add(30 * time.Second)
		for len(rec.all()) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("with an endpoint, the sender's loop delivered nothing in 30 s")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

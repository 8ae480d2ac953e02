package realtime_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
	"github.com/portal-msp/portal/realtime"
)

// TestARendererKnowsACatchUpFromALiveEvent: an event a stream missed is
// rendered for it with Replaying set (a render paid per connection); one
// fanned out live is rendered without it (shared by the audience).
func TestARendererKnowsACatchUpFromALiveEvent(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		f := newFixture(t, db, realtime.Options{})
		f.hub.SetRenderer(func(ctx context.Context, ev *models.ActivityEvent, _ models.Viewer, _ *time.Location) ([]realtime.Frame, error) {
			return []realtime.Frame{{Name: "message", Data: fmt.Sprintf("%s replaying=%t", ev.Detail, realtime.Replaying(ctx))}}, nil
		})
		start := f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, "seen")
		f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, "missed")
		s := open(t, f.srv, realtime.Audience{ClientID: f.clients[0]}, start)
		f.waitConns(t, 1)
		if got := s.next().Data; got != "missed replaying=true" {
			t.Fatalf("the missed event: %q, want it rendered as a catch-up", got)
		}
		// The stream goes live once its catch-up has read everything; an
		// event committed before that hand-over is still caught up.
		for i := 0; ; i++ {
			f.record(t, f.clients[0], models.EventMessagePosted, models.AudiencePublic, fmt.Sprint("live ", i))
			got := s.next().Data
			if got == fmt.Sprintf("live %d replaying=false", i) {
				return
			}
			// The hand-over waits for the feed's first read: on a loaded
			// machine that can take seconds, hence up to 400 tries.
			if !strings.HasSuffix(got, "replaying=true") || i == 400 {
				t.Fatalf("live event %d: %q; never rendered as a live event", i, got)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

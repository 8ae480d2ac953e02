package realtime_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
	"github.com/portal-msp/portal/realtime"
)

// TestNoEventAfterARevocationReachesTheStream (SQLite, whose feed reads
// revocations from a table): an event committed just after a user was
// disabled, or their client archived, never reaches the stream opened under
// that user's session. The feed polls slowly here so that the revocation and
// the event land in one of its cycles, which is when it used to deliver the
// event before ending the stream.
func TestNoEventAfterARevocationReachesTheStream(t *testing.T) {
	db := dbtest.New(t, dbtest.SQLite)
	ctx := context.Background()
	f := newFixtureFeed(t, db, realtime.Options{}, func(feed *realtime.Feed) { feed.PollEvery = 300 * time.Millisecond }, nil)
	policy := models.SessionPolicy{Idle: time.Hour, Max: time.Hour}
	for trial := range 10 {
		archive := trial%2 == 1
		clientID := f.clients[0]
		if archive { // each archiving trial needs a client of its own
			c, err := models.CreateClient(ctx, db, models.ClientInput{Name: fmt.Sprint("Archived ", trial), Slug: fmt.Sprint("arch", trial), Timezone: "UTC"})
			if err != nil {
				t.Fatal(err)
			}
			clientID = c.ID
		}
		u, err := models.CreateUser(ctx, db, models.NewUser{ClientID: &clientID, Role: models.RoleClient,
			Email: fmt.Sprintf("u%d@example.com", trial), Name: "U", SignupMethod: models.SignupCLI})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.CreateSession(ctx, db, u.ID, "", "", policy); err != nil {
			t.Fatal(err)
		}
		var sessionID int64
		if err := db.NewSelect().Table("sessions").Column("id").Where("user_id = ?", u.ID).Scan(ctx, &sessionID); err != nil {
			t.Fatal(err)
		}
		s := open(t, f.srv, realtime.Audience{ClientID: clientID, UserID: u.ID, SessionID: sessionID}, "")
		f.waitConns(t, 1)

		if archive {
			err = models.SetClientArchived(ctx, db, clientID, true)
		} else {
			err = models.SetUserDisabled(ctx, db, u.ID, &clientID, true)
		}
		if err != nil {
			t.Fatal(err)
		}
		late := fmt.Sprint("after revocation ", trial)
		if err := models.RecordEvent(ctx, db, &models.ActivityEvent{ClientID: clientID, Kind: models.EventMessagePosted,
			Audience: models.AudiencePublic, Detail: late}); err != nil {
			t.Fatal(err)
		}
		deadline := time.After(10 * time.Second)
	read:
		for {
			select {
			case ev, ok := <-s.events:
				if !ok {
					break read
				}
				if ev.Event != "comment" {
					t.Fatalf("trial %d (archive %v): the stream received %+v after its access was revoked", trial, archive, ev)
				}
			case <-deadline:
				t.Fatalf("trial %d: the stream was not ended", trial)
			}
		}
		f.waitConns(t, 0)
	}
}

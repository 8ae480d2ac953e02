package realtime_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

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

// TestEveryStreamOpenedDuringEventsReceives: streams opened all at once
// while events keep coming (registration racing the feed's dispatch and
// the first read of each stream's starting point) each receive, from their
// first event on, every later event exactly once and in order, and the
// marker written once all are registered: no stream is subscribed without
// receiving.
func TestEveryStreamOpenedDuringEventsReceives(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		f := newFixture(t, db, realtime.Options{BufferSize: 4})
		var details []string
		stop := make(chan struct{})
		written := make(chan struct{})
		go func() {
			defer close(written)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				d := fmt.Sprint("e", i)
				if err := models.RecordEvent(ctx, db, &models.ActivityEvent{ClientID: f.clients[0], Kind: "k", Audience: models.AudiencePublic, Detail: d}); err != nil {
					t.Error(err)
					return
				}
				details = append(details, "client:"+d)
				time.Sleep(2 * time.Millisecond)
			}
		}()
		const n = 150
		browsers := make([]*browser, n)
		var wg sync.WaitGroup
		for i := range browsers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				browsers[i] = openBrowser(t, f.srv.URL, realtime.Audience{ClientID: f.clients[0]}, "")
			}()
		}
		wg.Wait()
		f.waitConns(t, n)
		close(stop)
		<-written
		f.record(t, f.clients[0], "k", models.AudiencePublic, "marker")
		details = append(details, "client:marker")
		for i, b := range browsers {
			deadline := time.Now().Add(60 * time.Second)
			for !hasData(b.events(), "client:marker") {
				if time.Now().After(deadline) {
					t.Fatalf("browser %d, subscribed, received %d events and never the marker", i, len(b.events()))
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		time.Sleep(100 * time.Millisecond)
		for i, b := range browsers {
			got := b.events()
			first := slices.Index(details, got[0].Data)
			want := map[string]bool{}
			for _, d := range details[first:] {
				want[d] = true
			}
			checkExactlyOnceInOrder(t, fmt.Sprint("browser ", i), got, want)
		}
	})
}

func hasData(evs []received, data string) bool {
	for _, ev := range evs {
		if ev.Data == data {
			return true
		}
	}
	return false
}

// TestCatchUpReadsNothingForARevokedSession: a stream catching up from the
// database never writes events its session may no longer see, even when the
// feed has not applied the revocation (here it never reads again: the poll
// is an hour, as for a revocation committed just before the feed started).
// The catch-up asks the database after reading and ends the stream.
func TestCatchUpReadsNothingForARevokedSession(t *testing.T) {
	db := dbtest.New(t, dbtest.SQLite)
	ctx := context.Background()
	f := newFixtureFeed(t, db, realtime.Options{}, func(feed *realtime.Feed) { feed.PollEvery = time.Hour }, nil)
	clientID := f.clients[0]
	u, err := models.CreateUser(ctx, db, models.NewUser{ClientID: &clientID, Role: models.RoleClient,
		Email: "late@example.com", Name: "U", SignupMethod: models.SignupCLI})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.CreateSession(ctx, db, u.ID, "", "", models.SessionPolicy{Idle: time.Hour, Max: time.Hour}); err != nil {
		t.Fatal(err)
	}
	var sessionID int64
	if err := db.NewSelect().Table("sessions").Column("id").Where("user_id = ?", u.ID).Scan(ctx, &sessionID); err != nil {
		t.Fatal(err)
	}
	from, err := models.LatestPosition(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for i, step := range []func() error{
		func() error {
			return models.RecordEvent(ctx, db, &models.ActivityEvent{ClientID: clientID, Kind: models.EventMessagePosted,
				Audience: models.AudiencePublic, Detail: "before"})
		},
		func() error { return models.SetUserDisabled(ctx, db, u.ID, &clientID, true) },
		func() error {
			return models.RecordEvent(ctx, db, &models.ActivityEvent{ClientID: clientID, Kind: models.EventMessagePosted,
				Audience: models.AudiencePublic, Detail: "after"})
		},
	} {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}

	s := open(t, f.srv, realtime.Audience{ClientID: clientID, UserID: u.ID, SessionID: sessionID}, from.String())
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				f.waitConns(t, 0)
				return
			}
			if ev.Event != "comment" {
				t.Fatalf("a stream of an ended session received %+v", ev)
			}
		case <-deadline:
			t.Fatal("the stream of an ended session was not ended")
		}
	}
}

package loaddata

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
)

// ClockStoryPassword signs in the story's people (dana@ and sam@
// <prefix>.clock.test) through the sign-in page.
const ClockStoryPassword = "clock-story-password"

// ClockStory is the worked example of a request's SLA clock history
// (issue 21), written for tests as the portal would have written it.
type ClockStory struct {
	Client      *models.Client
	Policy      *models.SLAPolicy
	Request     *models.Request
	Friday      time.Time // the request's start: a Friday, 16:00 UTC
	ClientToken string    // session of the requester, Dana
	StaffToken  string    // session of the agent, Sam
	StaffAsk    int64     // Sam's question on Monday 10:00 (message id)
	ClientReply int64     // Dana's answer on Tuesday 11:00 (message id)
	Note        int64     // Sam's internal note on Monday 12:00 (message id)
	WaitEvent   int64     // the status change to Waiting on client (event id)
}

// NewClockStory writes, for a new client under its own policy (Mon–Fri
// 09:00–17:00 UTC; high urgency: 1 h to answer, 8 h to resolve): a high
// urgency request submitted on a Friday at 16:00 at least a week before
// now; on Monday at 10:00 the agent's question and the status Waiting on
// client; an internal note at 12:00; on Tuesday at 11:00 the client's
// answer, which puts it back In Progress. Its clocks are stored as the
// model functions would have left them, brought up to now.
func NewClockStory(ctx context.Context, db *bun.DB, prefix string, now time.Time) (*ClockStory, error) {
	targets := map[string][2]int{}
	for _, u := range models.Urgencies {
		targets[u] = models.DefaultSLATarget(u)
	}
	targets[models.UrgencyHigh] = [2]int{60, 8 * 60}
	policy, err := models.SaveSLAPolicy(ctx, db, 0, models.SLAPolicyInput{Name: prefix + " office hours", WarningPercent: 75,
		Timezone: "UTC", WorkDays: 0b0111110, StartMinute: 9 * 60, EndMinute: 17 * 60, Targets: targets})
	if err != nil {
		return nil, fmt.Errorf("loaddata: clock story policy: %w", err)
	}
	st := &ClockStory{Policy: policy, Friday: fridayBefore(now)}
	st.Client = &models.Client{Name: "Clock " + prefix, Slug: prefix + "-clock", RequestPrefix: "CLK", Timezone: "UTC",
		SLAPolicyID: &policy.ID, NextRequestNumber: 2, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(st.Client).Exec(ctx); err != nil {
		return nil, fmt.Errorf("loaddata: clock story client: %w", err)
	}
	hash, err := models.HashPassword(ClockStoryPassword)
	if err != nil {
		return nil, err
	}
	dana := &models.User{ClientID: &st.Client.ID, Role: models.RoleClient, Email: "dana@" + prefix + ".clock.test",
		Name: "Dana Client", PasswordHash: &hash, SignupMethod: "load", CreatedAt: now, UpdatedAt: now}
	sam := &models.User{Role: models.RoleAgent, Email: "sam@" + prefix + ".clock.test", Name: "Sam Agent",
		PasswordHash: &hash, SignupMethod: "load", CreatedAt: now, UpdatedAt: now}
	for _, u := range []*models.User{dana, sam} {
		if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
			return nil, fmt.Errorf("loaddata: clock story user: %w", err)
		}
	}
	tokens, err := Sessions(ctx, db, []int64{dana.ID, sam.ID})
	if err != nil {
		return nil, err
	}
	st.ClientToken, st.StaffToken = tokens[0], tokens[1]
	if err := st.writeRequest(ctx, db, dana.ID, sam.ID, now); err != nil {
		return nil, err
	}
	return st, nil
}

// fridayBefore is 16:00 UTC on the last Friday at least seven days before now.
func fridayBefore(now time.Time) time.Time {
	d := now.UTC().AddDate(0, 0, -7)
	for d.Weekday() != time.Friday {
		d = d.AddDate(0, 0, -1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 16, 0, 0, 0, time.UTC)
}

// writeRequest writes the request's rows and replays its clocks with the
// same rules the model functions apply at each step.
func (st *ClockStory) writeRequest(ctx context.Context, db *bun.DB, dana, sam int64, now time.Time) error {
	bundle, err := models.ResolveSLAPolicy(ctx, db, st.Client.ID)
	if err != nil {
		return err
	}
	version, err := models.RecordPolicyVersion(ctx, db, bundle)
	if err != nil {
		return err
	}
	// The policy was in force from before the request, as it would have been.
	if _, err := db.NewUpdate().Model((*models.SLAPolicyVersion)(nil)).Set("created_at = ?", st.Friday.Add(-time.Hour)).
		Where("id = ?", *version).Exec(ctx); err != nil {
		return fmt.Errorf("loaddata: clock story policy version: %w", err)
	}
	cal, warn := bundle.Cal(), bundle.WarningPercent()
	resp, res := bundle.TargetSecs(models.UrgencyHigh)
	fri := st.Friday
	monAsk, monNote, tueReply := fri.Add(66*time.Hour), fri.Add(68*time.Hour), fri.Add(91*time.Hour)

	clock := models.StartClocks(cal, warn, fri, resp, res)
	clock = clock.Apply(cal, warn, models.ClockEvent{Kind: models.ClockStaffReplied, At: monAsk})
	clock = clock.Apply(cal, warn, models.ClockEvent{Kind: models.ClockStatusChanged, Status: models.StatusInProgress, At: monAsk})
	clock = clock.Apply(cal, warn, models.ClockEvent{Kind: models.ClockStatusChanged, Status: models.StatusWaiting, At: monAsk})
	clock = clock.Apply(cal, warn, models.ClockEvent{Kind: models.ClockStatusChanged, Status: models.StatusInProgress, At: tueReply})
	clock = clock.Apply(cal, warn, models.ClockEvent{Kind: models.ClockTick, At: now})

	r := &models.Request{ClientID: st.Client.ID, Number: 1, Title: "Printer on the second floor is offline",
		Description: "Nobody on the second floor can print.", Urgency: models.UrgencyHigh, RequesterID: &dana,
		AssigneeID: &sam, Channel: models.ChannelPortal, SLAPolicyVersionID: version, CreatedAt: fri, UpdatedAt: tueReply}
	r.SetClock(clock)
	if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
		return fmt.Errorf("loaddata: clock story request: %w", err)
	}
	st.Request = r

	msgs := []*models.Message{
		{ClientID: r.ClientID, RequestID: r.ID, AuthorID: &sam, CreatedAt: monAsk,
			Body: "Could you send a photo of the printer's display?"},
		{ClientID: r.ClientID, RequestID: r.ID, AuthorID: &sam, CreatedAt: monNote, Internal: true,
			Body: "Internal: the toner supplier is late again."},
		{ClientID: r.ClientID, RequestID: r.ID, AuthorID: &dana, CreatedAt: tueReply,
			Body: "Here it is: it says PC LOAD LETTER."},
	}
	for _, m := range msgs {
		if _, err := db.NewInsert().Model(m).Exec(ctx); err != nil {
			return fmt.Errorf("loaddata: clock story message: %w", err)
		}
	}
	st.StaffAsk, st.Note, st.ClientReply = msgs[0].ID, msgs[1].ID, msgs[2].ID
	ev := func(actor int64, kind, audience, detail string, at time.Time) *models.ActivityEvent {
		return &models.ActivityEvent{ClientID: r.ClientID, RequestID: &r.ID, ActorID: &actor, Kind: kind,
			Audience: audience, Detail: detail, CreatedAt: at}
	}
	events := []*models.ActivityEvent{
		ev(dana, models.EventRequestSubmitted, models.AudiencePublic, models.UrgencyHigh, fri),
		ev(sam, models.EventMessagePosted, models.AudiencePublic, strconv.FormatInt(st.StaffAsk, 10), monAsk),
		ev(sam, models.EventStatusChanged, models.AudiencePublic, models.StatusInProgress, monAsk),
		ev(sam, models.EventStatusChanged, models.AudiencePublic, models.StatusWaiting, monAsk),
		ev(sam, models.EventInternalNote, models.AudienceStaff, strconv.FormatInt(st.Note, 10), monNote),
		ev(dana, models.EventMessagePosted, models.AudiencePublic, strconv.FormatInt(st.ClientReply, 10), tueReply),
		ev(dana, models.EventStatusChanged, models.AudiencePublic, models.StatusInProgress, tueReply),
	}
	for _, e := range events {
		if _, err := db.NewInsert().Model(e).ExcludeColumn("tx_id").Exec(ctx); err != nil {
			return fmt.Errorf("loaddata: clock story event: %w", err)
		}
	}
	st.WaitEvent = events[3].ID
	return nil
}

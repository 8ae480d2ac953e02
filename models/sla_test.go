package models

import (
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

// officeHours is Mon–Fri 09:00–17:00 in zone, with the given holidays.
func officeHours(t *testing.T, zone string, holidays ...string) BusinessCalendar {
	t.Helper()
	c := SLACalendar{Timezone: zone, WorkDays: weekdaysMask, StartMinute: 9 * 60, EndMinute: 17 * 60}
	var hs []SLAHoliday
	for _, h := range holidays {
		d, err := time.Parse(time.DateOnly, h)
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, SLAHoliday{Day: d})
	}
	bc := NewBusinessCalendar(c, hs)
	if bc.Location.String() != zone {
		t.Fatalf("zone %s not loaded", zone)
	}
	return bc
}

func at(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestBusinessCalendarAdd(t *testing.T) {
	london := mustZone(t, "Europe/London")
	newYork := mustZone(t, "America/New_York")
	tokyo := mustZone(t, "Asia/Tokyo")
	ldn := officeHours(t, "Europe/London", "2026-12-25", "2026-12-28")
	nyc := officeHours(t, "America/New_York")
	tyo := officeHours(t, "Asia/Tokyo")
	allDay := NewBusinessCalendar(SLACalendar{Timezone: "Europe/London", WorkDays: 0x7f, StartMinute: 0, EndMinute: 1440}, nil)
	always := NewBusinessCalendar(SLACalendar{Timezone: "Europe/London", AlwaysOpen: true}, nil)

	tests := []struct {
		name string
		cal  BusinessCalendar
		from time.Time
		secs int
		want time.Time
	}{
		{"within the day", ldn, at(t, london, "2026-11-23 10:00"), 7200, at(t, london, "2026-11-23 12:00")},
		{"to the exact close", ldn, at(t, london, "2026-11-23 15:00"), 7200, at(t, london, "2026-11-23 17:00")},
		{"across a night", ldn, at(t, london, "2026-11-23 16:00"), 7200, at(t, london, "2026-11-24 10:00")},
		{"across a weekend", ldn, at(t, london, "2026-11-27 16:00"), 7200, at(t, london, "2026-11-30 10:00")},
		{"from a Saturday", ldn, at(t, london, "2026-11-28 12:00"), 3600, at(t, london, "2026-11-30 10:00")},
		{"before opening", ldn, at(t, london, "2026-11-30 07:00"), 1800, at(t, london, "2026-11-30 09:30")},
		{"after closing", ldn, at(t, london, "2026-11-30 19:00"), 1800, at(t, london, "2026-12-01 09:30")},
		{"several days", ldn, at(t, london, "2026-11-23 09:00"), 5 * 8 * 3600, at(t, london, "2026-11-27 17:00")},
		{"across holidays", ldn, at(t, london, "2026-12-24 16:00"), 7200, at(t, london, "2026-12-29 10:00")},
		{"spring forward weekend (London)", ldn, at(t, london, "2026-03-27 16:00"), 7200, at(t, london, "2026-03-30 10:00")},
		{"fall back weekend (London)", ldn, at(t, london, "2026-10-23 16:00"), 7200, at(t, london, "2026-10-26 10:00")},
		{"spring forward weekend (New York)", nyc, at(t, newYork, "2026-03-06 16:00"), 7200, at(t, newYork, "2026-03-09 10:00")},
		{"fall back weekend (New York)", nyc, at(t, newYork, "2026-10-30 16:00"), 7200, at(t, newYork, "2026-11-02 10:00")},
		{"another zone: late UTC evening is Tokyo morning", tyo, time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC), 3600,
			at(t, tokyo, "2026-11-24 10:00")},
		{"24x7 keeps real time over DST", always, at(t, london, "2026-03-28 12:00"), 24 * 3600,
			at(t, london, "2026-03-29 13:00")},
		{"all-day window: the spring-forward day has 23 hours", allDay, at(t, london, "2026-03-29 00:00"), 23 * 3600,
			at(t, london, "2026-03-30 00:00")},
		{"all-day window: the fall-back day has 25 hours", allDay, at(t, london, "2026-10-25 00:00"), 25 * 3600,
			at(t, london, "2026-10-26 00:00")},
		{"zero outside hours is the next opening", ldn, at(t, london, "2026-11-28 12:00"), 0, at(t, london, "2026-11-30 09:00")},
		{"zero inside hours is now", ldn, at(t, london, "2026-11-30 12:00"), 0, at(t, london, "2026-11-30 12:00")},
		{"backwards across a weekend", ldn, at(t, london, "2026-11-30 10:00"), -7200, at(t, london, "2026-11-27 16:00")},
		{"backwards from a night", ldn, at(t, london, "2026-11-24 20:00"), -3600, at(t, london, "2026-11-24 16:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Add(tt.from, tt.secs)
			if !got.Equal(tt.want) {
				t.Fatalf("Add(%s, %d) = %s, want %s", tt.from, tt.secs, got.In(tt.want.Location()), tt.want)
			}
			// Between is Add's inverse.
			if tt.secs > 0 {
				if n := tt.cal.Between(tt.from, got); n != tt.secs {
					t.Errorf("Between(%s, %s) = %d, want %d", tt.from, got, n, tt.secs)
				}
			}
		})
	}
}

func TestBusinessCalendarBetween(t *testing.T) {
	london := mustZone(t, "Europe/London")
	ldn := officeHours(t, "Europe/London", "2026-12-25", "2026-12-28")
	always := AlwaysOpenCalendar()
	tests := []struct {
		name     string
		cal      BusinessCalendar
		from, to time.Time
		want     int
	}{
		{"a working week", ldn, at(t, london, "2026-11-23 00:00"), at(t, london, "2026-11-30 00:00"), 40 * 3600},
		{"a week with two holidays", ldn, at(t, london, "2026-12-24 00:00"), at(t, london, "2026-12-31 00:00"), 3 * 8 * 3600},
		{"a weekend", ldn, at(t, london, "2026-11-28 00:00"), at(t, london, "2026-11-30 00:00"), 0},
		{"the DST week", ldn, at(t, london, "2026-03-23 00:00"), at(t, london, "2026-04-06 00:00"), 80 * 3600},
		{"a night", ldn, at(t, london, "2026-11-23 16:30"), at(t, london, "2026-11-24 09:15"), 45 * 60},
		{"reversed is zero", ldn, at(t, london, "2026-11-24 12:00"), at(t, london, "2026-11-23 12:00"), 0},
		{"24x7 counts real time across the fall-back night", always, at(t, london, "2026-10-25 00:00"),
			at(t, london, "2026-10-26 00:00"), 25 * 3600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.Between(tt.from, tt.to); got != tt.want {
				t.Fatalf("Between = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestColour(t *testing.T) {
	tests := []struct {
		used, target, warn int
		want               string
	}{
		{0, 900, 75, ColourGreen},
		{674, 900, 75, ColourGreen},
		{675, 900, 75, ColourYellow},
		{900, 900, 75, ColourYellow}, // at the target is still met
		{901, 900, 75, ColourRed},
		{500, 1000, 50, ColourYellow},
		{750, 1000, 0, ColourYellow}, // unset threshold means the default 75 %
		{10, 0, 75, ColourGreen},     // no target, no alarm
	}
	for _, tt := range tests {
		if got := Colour(tt.used, tt.target, tt.warn); got != tt.want {
			t.Errorf("Colour(%d, %d, %d) = %s, want %s", tt.used, tt.target, tt.warn, got, tt.want)
		}
	}
}

// step is one event in a clock scenario and what the state must be after it.
type step struct {
	name              string
	ev                ClockEvent
	respUsed, resUsed int
	respDue, resDue   *time.Time // nil: paused or stopped
	respColour        string
	resColour         string
	check             func(t *testing.T, st ClockState)
}

func runSteps(t *testing.T, cal BusinessCalendar, st ClockState, steps []step) {
	t.Helper()
	for _, s := range steps {
		before := st
		st = st.Apply(cal, 75, s.ev)
		if before.ResponseUsedSecs > st.ResponseUsedSecs && s.ev.Kind != ClockTargetsChanged {
			t.Fatalf("%s: response time went backwards", s.name)
		}
		if st.ResponseUsedSecs != s.respUsed || st.ResolutionUsedSecs != s.resUsed {
			t.Errorf("%s: used = %d/%d, want %d/%d", s.name, st.ResponseUsedSecs, st.ResolutionUsedSecs, s.respUsed, s.resUsed)
		}
		if !sameTime(st.ResponseDueAt, s.respDue) || !sameTime(st.ResolutionDueAt, s.resDue) {
			t.Errorf("%s: due = %v/%v, want %v/%v", s.name, st.ResponseDueAt, st.ResolutionDueAt, s.respDue, s.resDue)
		}
		if s.respColour != "" && st.ResponseColour != s.respColour {
			t.Errorf("%s: response colour %s, want %s", s.name, st.ResponseColour, s.respColour)
		}
		if s.resColour != "" && st.ResolutionColour != s.resColour {
			t.Errorf("%s: resolution colour %s, want %s", s.name, st.ResolutionColour, s.resColour)
		}
		if s.check != nil {
			s.check(t, st)
		}
	}
}

func ptr(t time.Time) *time.Time { return &t }

func TestClockLifecycle24x7(t *testing.T) {
	cal := AlwaysOpenCalendar()
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	min := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }
	st := StartClocks(cal, 75, t0, 15*60, 4*3600)
	if !sameTime(st.ResponseDueAt, ptr(min(15))) || !sameTime(st.ResolutionDueAt, ptr(min(240))) {
		t.Fatalf("start: due %v/%v", st.ResponseDueAt, st.ResolutionDueAt)
	}
	runSteps(t, cal, st, []step{
		{name: "10 min in: green", ev: ClockEvent{Kind: ClockTick, At: min(10)},
			respUsed: 600, resUsed: 600, respDue: ptr(min(15)), resDue: ptr(min(240)), respColour: ColourGreen},
		{name: "12 min in: past 75 %, yellow", ev: ClockEvent{Kind: ClockTick, At: min(12)},
			respUsed: 720, resUsed: 720, respDue: ptr(min(15)), resDue: ptr(min(240)), respColour: ColourYellow},
		{name: "first public reply stops the response clock", ev: ClockEvent{Kind: ClockStaffReplied, At: min(13)},
			respUsed: 780, resUsed: 780, resDue: ptr(min(240)), respColour: ColourYellow,
			check: func(t *testing.T, st ClockState) {
				resp, _ := st.Timers()
				if !resp.Stopped || !resp.Met || resp.MarginSecs != 120 {
					t.Errorf("response timer %+v, want met by 120 s", resp)
				}
			}},
		{name: "a second reply changes nothing", ev: ClockEvent{Kind: ClockStaffReplied, At: min(20)},
			respUsed: 780, resUsed: 1200, resDue: ptr(min(240))},
		{name: "in progress", ev: ClockEvent{Kind: ClockStatusChanged, Status: StatusInProgress, At: min(30)},
			respUsed: 780, resUsed: 1800, resDue: ptr(min(240))},
		{name: "waiting on client pauses resolution", ev: ClockEvent{Kind: ClockStatusChanged, Status: StatusWaiting, At: min(60)},
			respUsed: 780, resUsed: 3600,
			check: func(t *testing.T, st ClockState) {
				if _, res := st.Timers(); !res.Paused || res.DueAt != nil {
					t.Errorf("resolution timer %+v, want paused", res)
				}
			}},
		{name: "time passes while paused", ev: ClockEvent{Kind: ClockTick, At: min(180)},
			respUsed: 780, resUsed: 3600},
		{name: "client answers: resumes, due moves by the pause", ev: ClockEvent{Kind: ClockStatusChanged, Status: StatusInProgress, At: min(180)},
			respUsed: 780, resUsed: 3600, resDue: ptr(min(360)), resColour: ColourGreen},
		{name: "completed within target", ev: ClockEvent{Kind: ClockStatusChanged, Status: StatusCompleted, At: min(240)},
			respUsed: 780, resUsed: 7200,
			check: func(t *testing.T, st ClockState) {
				_, res := st.Timers()
				if !res.Stopped || !res.Met || res.MarginSecs != 7200 || st.CompletedAt == nil {
					t.Errorf("resolution timer %+v, want met by 2 h", res)
				}
			}},
		{name: "no time counts once completed", ev: ClockEvent{Kind: ClockTick, At: min(600)},
			respUsed: 780, resUsed: 7200},
		{name: "reopened: resumes from the time used", ev: ClockEvent{Kind: ClockStatusChanged, Status: StatusInProgress, At: min(600)},
			respUsed: 780, resUsed: 7200, resDue: ptr(min(720)),
			check: func(t *testing.T, st ClockState) {
				if st.CompletedAt != nil {
					t.Error("reopened request keeps CompletedAt")
				}
			}},
		{name: "breached", ev: ClockEvent{Kind: ClockTick, At: min(730)},
			respUsed: 780, resUsed: 14400 + 600, resDue: ptr(min(720)), resColour: ColourRed},
		{name: "completed late", ev: ClockEvent{Kind: ClockStatusChanged, Status: StatusCompleted, At: min(740)},
			respUsed: 780, resUsed: 14400 + 1200, resColour: ColourRed,
			check: func(t *testing.T, st ClockState) {
				if _, res := st.Timers(); res.Met || res.MarginSecs != 1200 {
					t.Errorf("resolution timer %+v, want breached by 20 min", res)
				}
			}},
	})
}

func TestClockPausesAndUrgencyChanges(t *testing.T) {
	london := mustZone(t, "Europe/London")
	cal := officeHours(t, "Europe/London")
	t0 := at(t, london, "2026-11-27 16:00") // a Friday
	st := StartClocks(cal, 75, t0, 3600, 8*3600)
	runSteps(t, cal, st, []step{
		{name: "the weekend does not count", ev: ClockEvent{Kind: ClockTick, At: at(t, london, "2026-11-30 08:00")},
			respUsed: 3600, resUsed: 3600, respDue: ptr(at(t, london, "2026-11-30 09:00")),
			resDue: ptr(at(t, london, "2026-11-30 16:00")), respColour: ColourYellow},
		{name: "waiting before any reply pauses both clocks", ev: ClockEvent{Kind: ClockStatusChanged, Status: StatusWaiting, At: at(t, london, "2026-11-30 08:30")},
			respUsed: 3600, resUsed: 3600},
		{name: "back in progress on Monday noon", ev: ClockEvent{Kind: ClockStatusChanged, Status: StatusInProgress, At: at(t, london, "2026-11-30 12:00")},
			respUsed: 3600, resUsed: 3600, respDue: ptr(at(t, london, "2026-11-30 12:00")),
			resDue: ptr(at(t, london, "2026-12-01 11:00"))},
		{name: "an hour over the response target is red", ev: ClockEvent{Kind: ClockTick, At: at(t, london, "2026-11-30 13:00")},
			respUsed: 7200, resUsed: 7200, respDue: ptr(at(t, london, "2026-11-30 12:00")),
			resDue: ptr(at(t, london, "2026-12-01 11:00")), respColour: ColourRed},
		{name: "lower urgency: new targets, elapsed time kept", ev: ClockEvent{Kind: ClockTargetsChanged, At: at(t, london, "2026-11-30 13:00"),
			ResponseTargetSecs: 4 * 3600, ResolutionTargetSecs: 16 * 3600},
			respUsed: 7200, resUsed: 7200, respDue: ptr(at(t, london, "2026-11-30 15:00")),
			resDue: ptr(at(t, london, "2026-12-02 11:00")), respColour: ColourGreen, resColour: ColourGreen},
		{name: "higher urgency: a due time already past", ev: ClockEvent{Kind: ClockTargetsChanged, At: at(t, london, "2026-11-30 13:00"),
			ResponseTargetSecs: 900, ResolutionTargetSecs: 3 * 3600},
			respUsed: 7200, resUsed: 7200, respDue: ptr(at(t, london, "2026-11-30 11:15")),
			resDue: ptr(at(t, london, "2026-11-30 14:00")), respColour: ColourRed, resColour: ColourGreen},
		{name: "a late reply stops the response clock as breached", ev: ClockEvent{Kind: ClockStaffReplied, At: at(t, london, "2026-11-30 13:30")},
			respUsed: 9000, resUsed: 9000, resDue: ptr(at(t, london, "2026-11-30 14:00")), respColour: ColourRed,
			check: func(t *testing.T, st ClockState) {
				if resp, _ := st.Timers(); !resp.Stopped || resp.Met || resp.MarginSecs != 9000-900 {
					t.Errorf("response timer %+v, want breached", resp)
				}
			}},
	})
}

func TestCompletingWithoutReplyDecidesResponse(t *testing.T) {
	cal := AlwaysOpenCalendar()
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	st := StartClocks(cal, 75, t0, 900, 3600)
	st = st.Apply(cal, 75, ClockEvent{Kind: ClockStatusChanged, Status: StatusCompleted, At: t0.Add(10 * time.Minute)})
	if st.FirstResponseAt == nil || st.ResponseDueAt != nil || st.ResolutionDueAt != nil {
		t.Fatalf("completed state %+v", st)
	}
	c := Compliance{}.Add(st)
	if c.Met != 2 || c.Decided != 2 {
		t.Fatalf("compliance %+v, want 2/2", c)
	}
}

func TestComplianceRate(t *testing.T) {
	cal := AlwaysOpenCalendar()
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	open := StartClocks(cal, 75, t0, 900, 3600)
	repliedLate := open.Apply(cal, 75, ClockEvent{Kind: ClockStaffReplied, At: t0.Add(20 * time.Minute)})
	done := repliedLate.Apply(cal, 75, ClockEvent{Kind: ClockStatusChanged, Status: StatusCompleted, At: t0.Add(30 * time.Minute)})
	tests := []struct {
		name   string
		states []ClockState
		met    int
		total  int
		rate   float64
		ok     bool
	}{
		{"nothing decided", []ClockState{open}, 0, 0, 0, false},
		{"response breached", []ClockState{open, repliedLate}, 0, 1, 0, true},
		{"one of two met", []ClockState{done}, 1, 2, 50, true},
	}
	for _, tt := range tests {
		c := Compliance{}
		for _, st := range tt.states {
			c = c.Add(st)
		}
		rate, ok := c.Rate()
		if c.Met != tt.met || c.Decided != tt.total || rate != tt.rate || ok != tt.ok {
			t.Errorf("%s: %+v rate %v %v", tt.name, c, rate, ok)
		}
	}
}

func TestNextColourChange(t *testing.T) {
	cal := AlwaysOpenCalendar()
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name         string
		running      bool
		target, used int
		want         *time.Time
	}{
		{"green: when it reaches 75 %", true, 100, 0, ptr(at.Add(75 * time.Second))},
		{"yellow: one second past the target", true, 100, 80, ptr(at.Add(21 * time.Second))},
		{"red: nothing more to come", true, 100, 101, nil},
		{"paused", false, 100, 10, nil},
		{"no target", true, 0, 10, nil},
	}
	for _, c := range cases {
		got := nextColourChange(cal, at, c.running, c.target, c.used, 75)
		if !sameTime(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
		if got != nil {
			before := Colour(c.used+int(got.Sub(at)/time.Second)-1, c.target, 75)
			after := Colour(c.used+int(got.Sub(at)/time.Second), c.target, 75)
			if before == after {
				t.Errorf("%s: colour does not change at %v (%s)", c.name, got, after)
			}
		}
	}
}

package models

import (
	"strings"
	"testing"
	"time"
)

// historyVersion is a Mon–Fri 09:00–17:00 UTC version with a holiday on
// Monday 8 June 2026 and 8 h to resolve a high urgency request.
func historyVersion(alwaysOpen bool) *SLAPolicyVersion {
	return &SLAPolicyVersion{Version: 3, Name: "Office", WarningPercent: 75, Timezone: "UTC", AlwaysOpen: alwaysOpen,
		WorkDays: weekdaysMask, StartMinute: 9 * 60, EndMinute: 17 * 60,
		HolidaysJSON: `[{"day":"2026-06-08","name":"Whit Monday"},{"day":"2026-06-13","name":"Saturday fair"}]`,
		TargetsJSON:  `{"high":[60,480]}`}
}

// A stretch not counted names a holiday that falls on a working day in
// it, and only those; the counted stretches add up to what the clock
// rules (Apply) count.
func TestClockHistoryNamesHolidays(t *testing.T) {
	fri := time.Date(2026, 6, 5, 16, 0, 0, 0, time.UTC)
	now := time.Date(2026, 6, 16, 12, 0, 0, 0, time.UTC)
	h := buildClockHistory(historyVersion(false), clockFacts{Start: fri, Urgency: UrgencyHigh, Now: now}, nil)
	res := h.Clocks[1]
	var gaps []string
	counted := 0
	for _, e := range res.Entries {
		switch e.Class {
		case EntryNotCounted:
			gaps = append(gaps, e.From.Format("Mon 15:04")+" "+e.Reason)
		case EntryCounted:
			counted += e.Secs
		}
	}
	want := []string{
		"Fri 17:00 outside business hours; holiday: Whit Monday", // to Tuesday 09:00
		"Tue 17:00 outside business hours",
		"Wed 17:00 outside business hours",
		"Thu 17:00 outside business hours",
		"Fri 17:00 outside business hours", // the Saturday fair is no working day
	}
	if strings.Join(gaps[:5], "\n") != strings.Join(want, "\n") {
		t.Errorf("stretches not counted:\n%s\nwant first:\n%s", strings.Join(gaps, "\n"), strings.Join(want, "\n"))
	}
	v := historyVersion(false)
	st := StartClocks(v.Business(), 75, fri, 3600, 8*3600).Apply(v.Business(), 75, ClockEvent{Kind: ClockTick, At: now})
	if counted != st.ResolutionUsedSecs || res.CountedSecs != counted {
		t.Errorf("counted %ds (history says %ds), the clock rules %ds", counted, res.CountedSecs, st.ResolutionUsedSecs)
	}
}

// A 24x7 clock has nothing it does not count; a request with no policy
// has no clocks to tell.
func TestClockHistoryAroundTheClock(t *testing.T) {
	start := time.Date(2026, 6, 5, 16, 0, 0, 0, time.UTC)
	now := start.Add(30 * time.Hour)
	h := buildClockHistory(historyVersion(true), clockFacts{Start: start, Urgency: UrgencyHigh, Now: now}, nil)
	res := h.Clocks[1]
	for _, e := range res.Entries {
		if e.Class == EntryNotCounted {
			t.Errorf("a 24x7 clock has a stretch not counted: %+v", e)
		}
	}
	if res.CountedSecs != 30*3600 || res.ElapsedSecs != 30*3600 || res.BreachedAt == nil || !res.BreachedAt.Equal(start.Add(8*time.Hour)) {
		t.Errorf("24x7: counted %d, elapsed %d, breached %v; want 30 h, 30 h, 8 h in", res.CountedSecs, res.ElapsedSecs, res.BreachedAt)
	}
	if none := buildClockHistory(nil, clockFacts{Start: start, Now: now}, nil); none.Version != nil || len(none.Clocks) != 0 {
		t.Errorf("no policy: %+v", none)
	}
}

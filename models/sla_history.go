package models

import (
	"sort"
	"time"
)

// ClockHistory is the evidence behind a request's SLA timers: for each
// clock, when it started and why, every stretch it counted, every stretch
// it did not (and why), its target and how it ended. It is replayed from
// the request's stored events with the clock rules (ClockState.Apply) and
// the policy version the request started under, so a later edit of the
// policy does not change it. It is built from what the viewer may see:
// internal notes and staff-only events never feed it.
type ClockHistory struct {
	Version *SLAPolicyVersion // nil: no policy applied, no targets
	// RecordedLate: the version was written after the request started (the
	// snapshot taken when histories began); the settings before it are lost.
	RecordedLate bool
	// Unrecorded: the request has no version of its own (written straight
	// into the table, as the demo does); its history is told with the
	// policy's current settings.
	Unrecorded bool
	Clocks     []ClockStory // first response, then resolution
}

// ClockStory is one clock's history.
type ClockStory struct {
	Label       string // "First response", "Resolution"
	StartedAt   time.Time
	StartedWhy  string
	TargetSecs  int // the target in force at the end (0: none)
	Entries     []ClockEntry
	CountedSecs int       // business time counted, the timer's used time
	ElapsedSecs int       // real time from the start to the stop (or now)
	Until       time.Time // the stop, or the moment the history was read
	Stopped     bool
	Met         bool       // stopped within its target
	BreachedAt  *time.Time // when the counted time passed the target
	Paused      bool       // waiting on the client right now
}

// Outcome says where the clock stands, in a few words.
func (s ClockStory) Outcome() string {
	switch {
	case s.TargetSecs <= 0:
		return "no target"
	case s.Stopped && s.Met:
		return "met"
	case s.Stopped:
		return "breached"
	case s.BreachedAt != nil:
		return "breached, still running"
	case s.Paused:
		return "paused, waiting on the client"
	}
	return "running"
}

// Kinds of clock history entry; the page styles each by its Class.
const (
	EntryStarted    = "started"
	EntryCounted    = "counted"
	EntryNotCounted = "not-counted"
	EntryPaused     = "paused"
	EntryTarget     = "target"
	EntryBreached   = "breached"
	EntryStopped    = "stopped"
	EntryResumed    = "resumed"
)

// ClockEntry is one line of a clock's history: an instant (To zero) or a
// span [From, To). An open pause has To zero and Open set.
type ClockEntry struct {
	Class  string // EntryCounted, …
	Title  string // "Counted", "Not counted", …
	From   time.Time
	To     time.Time
	Open   bool   // a span still going on (a pause not yet ended)
	Secs   int    // a span's length: business seconds when counted, else real
	Reason string // why not counted, or what happened
	Links  []ClockLink
}

// IsSpan reports whether the entry covers a stretch of time.
func (e ClockEntry) IsSpan() bool { return !e.To.IsZero() || e.Open }

// SecsText is Secs in words.
func (e ClockEntry) SecsText() string { return DurationText(e.Secs) }

// ClockLink points at the message or history entry behind an entry, on
// the same page (#message-12, #event-34).
type ClockLink struct {
	Anchor string
	Text   string
}

// Kinds of clock mark.
const (
	markSubmitted = iota
	markStatus
	markUrgency
	markStaffReply
	markClientReply
)

// clockMark is one stored event as the clocks see it.
type clockMark struct {
	At     time.Time
	Kind   int
	Detail string // markStatus: the new status; markUrgency: the new urgency; markSubmitted: the urgency
	Who    string // the actor's name
	Anchor string // message-12, event-34
}

// clockFacts is what a history is replayed from besides its marks.
type clockFacts struct {
	Start     time.Time // the request's CreatedAt: the clocks' start
	Urgency   string    // at submission (used when no submitted mark says)
	Channel   string
	Requester string
	Now       time.Time
}

// sameInstant is how close a message and a status change must be to be one
// action: both are written in one transaction with one timestamp.
const sameInstant = 2 * time.Second

// buildClockHistory replays marks (any order) from f.Start under version v.
func buildClockHistory(v *SLAPolicyVersion, f clockFacts, marks []clockMark) *ClockHistory {
	h := &ClockHistory{Version: v}
	if v == nil {
		return h
	}
	h.RecordedLate = v.CreatedAt.After(f.Start.Add(time.Minute))
	sort.SliceStable(marks, func(i, j int) bool {
		if !marks[i].At.Equal(marks[j].At) {
			return marks[i].At.Before(marks[j].At)
		}
		return marks[i].Kind > marks[j].Kind // a reply before the status change it caused
	})
	r := newReplay(v, f, marks)
	for i, m := range marks {
		r.step(i, m)
	}
	r.finish(f.Now)
	h.Clocks = []ClockStory{r.stories[0], r.stories[1]}
	return h
}

// CountedText and ElapsedText are the totals in words.
func (s ClockStory) CountedText() string { return DurationText(s.CountedSecs) }
func (s ClockStory) ElapsedText() string { return DurationText(s.ElapsedSecs) }

// TargetText is the target in words ("none" without one).
func (s ClockStory) TargetText() string {
	if s.TargetSecs <= 0 {
		return "none"
	}
	return DurationText(s.TargetSecs)
}

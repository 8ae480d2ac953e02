package models

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SLA colours of a clock, decided by the server.
const (
	ColourGreen  = "green"  // on track
	ColourYellow = "yellow" // past the warning threshold
	ColourRed    = "red"    // over the target
)

// DefaultWarningPercent is the share of a target after which a clock turns yellow.
const DefaultWarningPercent = 75

// ClockState is a request's two SLA clocks as stored on the request row:
// business seconds used up to UpdatedAt, and while a clock runs the instant it
// reaches its target. Apply moves it from one event to the next.
type ClockState struct {
	Status               string
	ResponseTargetSecs   int // 0 = no target
	ResolutionTargetSecs int
	ResponseUsedSecs     int
	ResolutionUsedSecs   int
	UpdatedAt            time.Time
	ResponseDueAt        *time.Time // nil while paused or stopped
	ResolutionDueAt      *time.Time
	ResponseColour       string
	ResolutionColour     string
	FirstResponseAt      *time.Time
	CompletedAt          *time.Time
	// NextChangeAt is the earliest instant a running clock changes colour
	// (turns yellow, or red); nil when none will without another event. The
	// SLA ticker looks only at requests whose moment has come.
	NextChangeAt *time.Time
}

// ClockEventKind is what happened to a request, as the clocks see it.
type ClockEventKind int

// The events that move the clocks.
const (
	ClockTick           ClockEventKind = iota // time passes (recompute colour)
	ClockStatusChanged                        // Status holds the new status
	ClockStaffReplied                         // a public staff reply
	ClockTargetsChanged                       // urgency change: new targets
)

// ClockEvent is one input to Apply.
type ClockEvent struct {
	Kind                 ClockEventKind
	At                   time.Time
	Status               string // ClockStatusChanged
	ResponseTargetSecs   int    // ClockTargetsChanged
	ResolutionTargetSecs int
}

// StartClocks is the state of a request submitted at at with the given targets.
func StartClocks(cal BusinessCalendar, warningPercent int, at time.Time, responseTarget, resolutionTarget int) ClockState {
	at = at.Truncate(time.Second)
	st := ClockState{Status: StatusSubmitted, ResponseTargetSecs: responseTarget,
		ResolutionTargetSecs: resolutionTarget, UpdatedAt: at}
	return st.Apply(cal, warningPercent, ClockEvent{Kind: ClockTick, At: at})
}

// responseRunning: the response clock runs from submission until the first
// public staff reply (or completion), and not while waiting on the client.
func (st ClockState) responseRunning() bool {
	return st.FirstResponseAt == nil && st.Status != StatusWaiting && st.Status != StatusCompleted
}

// resolutionRunning: the resolution clock runs until Completed (again after a
// reopen), and not while waiting on the client.
func (st ClockState) resolutionRunning() bool {
	return st.Status != StatusWaiting && st.Status != StatusCompleted
}

// ResponseStopped reports whether the response clock has finished for good.
func (st ClockState) ResponseStopped() bool { return st.FirstResponseAt != nil }

// ResolutionStopped reports whether the resolution clock is stopped (until a reopen).
func (st ClockState) ResolutionStopped() bool { return st.Status == StatusCompleted }

// Apply returns the state after ev: first the business time since UpdatedAt
// is added to the clocks that were running, then the event changes what runs,
// then due times and colours are recomputed. An event dated before UpdatedAt
// adds no time. The receiver is not modified.
func (st ClockState) Apply(cal BusinessCalendar, warningPercent int, ev ClockEvent) ClockState {
	// Clocks count whole seconds: an instant's fraction would be dropped from
	// the used time yet kept in UpdatedAt, so used time would lag a little at
	// each event and due times would carry the fraction.
	ev.At = ev.At.Truncate(time.Second)
	if ev.At.After(st.UpdatedAt) {
		elapsed := cal.Between(st.UpdatedAt, ev.At)
		if st.responseRunning() {
			st.ResponseUsedSecs += elapsed
		}
		if st.resolutionRunning() {
			st.ResolutionUsedSecs += elapsed
		}
		st.UpdatedAt = ev.At
	}
	at := st.UpdatedAt

	switch ev.Kind {
	case ClockStatusChanged:
		switch {
		case ev.Status == StatusCompleted && st.Status != StatusCompleted:
			t := at
			st.CompletedAt = &t
			// Resolving a request answers it too: the response clock stops
			// rather than running on a closed request.
			if st.FirstResponseAt == nil {
				st.FirstResponseAt = &t
			}
		case ev.Status != StatusCompleted && st.Status == StatusCompleted:
			st.CompletedAt = nil // reopened: the resolution clock resumes
		}
		st.Status = ev.Status
	case ClockStaffReplied:
		if st.FirstResponseAt == nil {
			t := at
			st.FirstResponseAt = &t
		}
	case ClockTargetsChanged:
		// Elapsed time is kept; only the targets, hence the due times, move.
		st.ResponseTargetSecs = ev.ResponseTargetSecs
		st.ResolutionTargetSecs = ev.ResolutionTargetSecs
	}

	st.ResponseDueAt = dueAt(cal, at, st.responseRunning(), st.ResponseTargetSecs, st.ResponseUsedSecs)
	st.ResolutionDueAt = dueAt(cal, at, st.resolutionRunning(), st.ResolutionTargetSecs, st.ResolutionUsedSecs)
	st.ResponseColour = Colour(st.ResponseUsedSecs, st.ResponseTargetSecs, warningPercent)
	st.ResolutionColour = Colour(st.ResolutionUsedSecs, st.ResolutionTargetSecs, warningPercent)
	st.NextChangeAt = earliest(
		nextColourChange(cal, at, st.responseRunning(), st.ResponseTargetSecs, st.ResponseUsedSecs, warningPercent),
		nextColourChange(cal, at, st.resolutionRunning(), st.ResolutionTargetSecs, st.ResolutionUsedSecs, warningPercent))
	return st
}

// nextColourChange is when a running clock next changes colour: when it
// reaches the warning share of its target (yellow), or passes the target
// (red). Nil for a paused, stopped or already red clock.
func nextColourChange(cal BusinessCalendar, at time.Time, running bool, target, used, warningPercent int) *time.Time {
	if !running || target <= 0 {
		return nil
	}
	if warningPercent <= 0 || warningPercent >= 100 {
		warningPercent = DefaultWarningPercent
	}
	yellowAt := (target*warningPercent + 99) / 100 // first used value that is yellow
	var next time.Time
	switch {
	case used < yellowAt:
		next = cal.Add(at, yellowAt-used)
	case used <= target:
		next = cal.Add(at, target-used+1)
	default:
		return nil
	}
	return &next
}

func earliest(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil || a.Before(*b):
		return a
	}
	return b
}

// dueAt is when a running clock reaches its target (in the past when it
// already has); nil for a paused or stopped clock or one without a target.
func dueAt(cal BusinessCalendar, at time.Time, running bool, target, used int) *time.Time {
	if !running || target <= 0 {
		return nil
	}
	due := cal.Add(at, target-used)
	return &due
}

// Colour is the colour of a clock that has used used of target seconds:
// red once over the target, yellow from warningPercent of it, else green.
func Colour(used, target, warningPercent int) string {
	if target <= 0 {
		return ColourGreen
	}
	if warningPercent <= 0 || warningPercent >= 100 {
		warningPercent = DefaultWarningPercent
	}
	switch {
	case used > target:
		return ColourRed
	case int64(used)*100 >= int64(target)*int64(warningPercent):
		return ColourYellow
	}
	return ColourGreen
}

// Timer is one clock as a page shows it.
type Timer struct {
	Label      string     // "Response", "Resolution"
	HasTarget  bool       // false: the policy sets no target
	Colour     string     // green, yellow, red
	DueAt      *time.Time // set while running
	Paused     bool       // waiting on the client
	Stopped    bool       // decided: met or breached
	Met        bool       // stopped within the target
	MarginSecs int        // stopped: |target - used| in business seconds
	UsedSecs   int
	TargetSecs int
	// Running in business hours only (not 24x7): the next stretches of
	// working time, and whether the clock stands still right now because
	// it is outside them. The page's countdown counts only inside Windows.
	Windows      []Window
	OutsideHours bool
	ResumesAt    *time.Time // the next opening, while OutsideHours
	At           time.Time  // when UsedSecs was read
}

// LeftSecs is the business time left before a running timer's target
// (negative once over it).
func (t Timer) LeftSecs() int { return t.TargetSecs - t.UsedSecs }

// LeftText is LeftSecs in words: "3h 5m left" or "overdue by 20m".
func (t Timer) LeftText() string {
	if left := t.LeftSecs(); left < 0 {
		return "overdue by " + DurationText(left)
	}
	return DurationText(t.LeftSecs()) + " left"
}

// WindowsAttr is Windows for the page's script: "start-end start-end" in
// Unix seconds.
func (t Timer) WindowsAttr() string {
	parts := make([]string, len(t.Windows))
	for i, w := range t.Windows {
		parts[i] = strconv.FormatInt(w.Start.Unix(), 10) + "-" + strconv.FormatInt(w.End.Unix(), 10)
	}
	return strings.Join(parts, " ")
}

// countdownWindows is how many stretches of working time a page is given
// to count down through: two weeks of a five-day week. A page left open
// longer stands still until it is refreshed.
const countdownWindows = 10

// inHours fills a running timer's business-hours fields from cal at now.
func (t *Timer) inHours(cal BusinessCalendar, now time.Time) {
	if t.DueAt == nil || t.Paused || t.Stopped {
		return
	}
	t.At = now
	t.Windows = cal.OpenWindows(now, countdownWindows)
	if len(t.Windows) > 0 && t.Windows[0].Start.After(now) {
		t.OutsideHours, t.ResumesAt = true, &t.Windows[0].Start
	}
}

// Timers returns the response and resolution timers of st as of its
// UpdatedAt (bring it up to date with a ClockTick first).
func (st ClockState) Timers() (response, resolution Timer) {
	response = timer("Response", st.ResponseTargetSecs, st.ResponseUsedSecs, st.ResponseColour,
		st.ResponseDueAt, st.ResponseStopped(), st.Status == StatusWaiting && !st.ResponseStopped())
	resolution = timer("Resolution", st.ResolutionTargetSecs, st.ResolutionUsedSecs, st.ResolutionColour,
		st.ResolutionDueAt, st.ResolutionStopped(), st.Status == StatusWaiting)
	return response, resolution
}

func timer(label string, target, used int, colour string, due *time.Time, stopped, paused bool) Timer {
	t := Timer{Label: label, HasTarget: target > 0, Colour: colour, DueAt: due, Paused: paused,
		Stopped: stopped, UsedSecs: used, TargetSecs: target}
	if stopped {
		t.DueAt, t.Paused = nil, false
		t.Met = used <= target
		t.MarginSecs = target - used
		if t.MarginSecs < 0 {
			t.MarginSecs = -t.MarginSecs
		}
	}
	return t
}

// Compliance counts decided SLA targets: met or breached.
type Compliance struct {
	Met     int
	Decided int
}

// Add counts the decided clocks of a request's state.
func (c Compliance) Add(st ClockState) Compliance {
	if st.ResponseStopped() && st.ResponseTargetSecs > 0 {
		c.Decided++
		if st.ResponseUsedSecs <= st.ResponseTargetSecs {
			c.Met++
		}
	}
	if st.ResolutionStopped() && st.ResolutionTargetSecs > 0 {
		c.Decided++
		if st.ResolutionUsedSecs <= st.ResolutionTargetSecs {
			c.Met++
		}
	}
	return c
}

// Rate is met/decided as a percentage; ok is false when nothing is decided.
func (c Compliance) Rate() (percent float64, ok bool) {
	if c.Decided == 0 {
		return 0, false
	}
	return float64(c.Met) * 100 / float64(c.Decided), true
}

// MarginText is a stopped timer's margin in words, e.g. "1h 5m".
func (t Timer) MarginText() string { return DurationText(t.MarginSecs) }

// DurationText shows seconds briefly: "2d 3h", "1h 5m", "12m", "40s".
func DurationText(secs int) string {
	if secs < 0 {
		secs = -secs
	}
	d, h, m := secs/86400, secs%86400/3600, secs%3600/60
	switch {
	case d > 0:
		return fmt.Sprintf("%dd %dh", d, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%ds", secs)
}

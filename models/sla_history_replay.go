package models

import (
	"strings"
	"time"
)

// replay walks a request's marks through the clock rules, writing both
// clocks' stories as it goes.
type replay struct {
	cal      BusinessCalendar
	holidays map[int]string
	version  *SLAPolicyVersion
	warning  int
	st       ClockState
	prev     time.Time
	marks    []clockMark
	stories  [2]ClockStory
	pause    [2]int // index of the open pause entry, -1 if none
	lastAsk  *clockMark
}

func newReplay(v *SLAPolicyVersion, f clockFacts, marks []clockMark) *replay {
	urgency, why := f.Urgency, startReason(f)
	for _, m := range marks {
		if m.Kind == markSubmitted {
			if m.Detail != "" {
				urgency = m.Detail
			}
			if m.Who != "" && m.Who != f.Requester {
				why = "Opened by " + m.Who + " for " + nameOr(f.Requester, "the client") + " (" + strings.ToLower(ChannelLabel(f.Channel)) + ")"
			}
			break
		}
	}
	resp, res := v.TargetSecs(urgency)
	r := &replay{cal: v.Business(), holidays: v.HolidayNames(), version: v, warning: v.WarningPercent,
		marks: marks, pause: [2]int{-1, -1}}
	start := f.Start.Truncate(time.Second)
	r.st = StartClocks(r.cal, r.warning, start, resp, res)
	r.prev = start
	for i, label := range []string{"First response", "Resolution"} {
		s := &r.stories[i]
		s.Label, s.StartedAt, s.StartedWhy, s.TargetSecs = label, start, why, r.target(i)
		s.Entries = append(s.Entries, ClockEntry{Class: EntryStarted, Title: "Started", From: start,
			Reason: why + "; target " + targetText(s.TargetSecs, urgency)})
	}
	return r
}

func startReason(f clockFacts) string {
	if f.Channel == "" || f.Channel == ChannelPortal {
		return "Submitted by " + nameOr(f.Requester, "the client") + " in the portal"
	}
	return "Opened for " + nameOr(f.Requester, "the client") + " (" + strings.ToLower(ChannelLabel(f.Channel)) + ")"
}

func nameOr(name, other string) string {
	if name == "" {
		return other
	}
	return name
}

func targetText(secs int, urgency string) string {
	if secs <= 0 {
		return "none for " + strings.ToLower(urgency) + " urgency"
	}
	return DurationText(secs) + " of business time (" + strings.ToLower(urgency) + " urgency)"
}

func (r *replay) target(i int) int {
	if i == 0 {
		return r.st.ResponseTargetSecs
	}
	return r.st.ResolutionTargetSecs
}

func (r *replay) used(i int) int {
	if i == 0 {
		return r.st.ResponseUsedSecs
	}
	return r.st.ResolutionUsedSecs
}

func (r *replay) running(i int) bool {
	if i == 0 {
		return r.st.responseRunning()
	}
	return r.st.resolutionRunning()
}

func (r *replay) stopped(i int) bool {
	if i == 0 {
		return r.st.ResponseStopped()
	}
	return r.st.ResolutionStopped()
}

// step moves both clocks to mark i and applies it.
func (r *replay) step(i int, m clockMark) {
	at := m.At.Truncate(time.Second)
	if at.Before(r.prev) {
		at = r.prev
	}
	r.advance(at)
	wasStopped := [2]bool{r.stopped(0), r.stopped(1)}
	wasWaiting := r.st.Status == StatusWaiting
	ev := ClockEvent{Kind: ClockTick, At: at}
	switch m.Kind {
	case markStatus:
		ev = ClockEvent{Kind: ClockStatusChanged, Status: m.Detail, At: at}
	case markStaffReply:
		ev = ClockEvent{Kind: ClockStaffReplied, At: at}
	case markUrgency:
		resp, res := r.version.TargetSecs(m.Detail)
		ev = ClockEvent{Kind: ClockTargetsChanged, ResponseTargetSecs: resp, ResolutionTargetSecs: res, At: at}
	}
	r.st = r.st.Apply(r.cal, r.warning, ev)
	waiting := r.st.Status == StatusWaiting

	for c := 0; c < 2; c++ {
		s := &r.stories[c]
		switch {
		case !wasStopped[c] && r.stopped(c):
			r.closePause(c, at, nil)
			r.stop(c, at, m)
		case wasStopped[c] && !r.stopped(c):
			s.Entries = append(s.Entries, ClockEntry{Class: EntryResumed, Title: "Resumed", From: at,
				Reason: nameOr(m.Who, "Someone") + " reopened the request", Links: r.linksOf(m)})
		case !r.stopped(c) && !wasWaiting && waiting:
			r.openPause(c, at, m)
		case !r.stopped(c) && wasWaiting && !waiting:
			r.closePause(c, at, &m)
		}
		if m.Kind == markUrgency && !r.stopped(c) && r.target(c) != s.TargetSecs {
			s.TargetSecs = r.target(c)
			s.Entries = append(s.Entries, ClockEntry{Class: EntryTarget, Title: "Target changed", From: at,
				Reason: nameOr(m.Who, "Someone") + " changed the urgency; target " + targetText(s.TargetSecs, m.Detail),
				Links:  []ClockLink{{Anchor: m.Anchor, Text: "the change"}}})
		}
	}
	switch m.Kind {
	case markStaffReply:
		r.lastAsk = &r.marks[i]
	case markClientReply:
		r.lastAsk = nil
	}
}

// advance adds the time from r.prev to at to each running clock's story.
func (r *replay) advance(at time.Time) {
	if !at.After(r.prev) {
		return
	}
	for c := 0; c < 2; c++ {
		if r.running(c) {
			r.addRunning(c, r.prev, at)
		}
	}
	r.prev = at
}

// addRunning writes the counted and not-counted stretches of [from, to)
// for a running clock, noting the instant it passes its target.
func (r *replay) addRunning(c int, from, to time.Time) {
	s := &r.stories[c]
	used := r.used(c) // before this stretch: Apply adds it afterwards
	target := r.target(c)
	for _, sp := range r.cal.stretches(from, to) {
		if !sp.counted {
			r.appendSpan(s, ClockEntry{Class: EntryNotCounted, Title: "Not counted", From: sp.from, To: sp.to,
				Secs: int(sp.to.Sub(sp.from) / time.Second), Reason: r.gapReason(sp.from, sp.to)})
			continue
		}
		secs := int(sp.to.Sub(sp.from) / time.Second)
		if target > 0 && used <= target && used+secs > target && s.BreachedAt == nil {
			// The clock goes over its target inside this stretch: the
			// stretch is told in two, either side of that instant.
			at := sp.from.Add(time.Duration(target-used) * time.Second)
			r.counted(s, sp.from, at)
			s.BreachedAt = &at
			s.Entries = append(s.Entries, ClockEntry{Class: EntryBreached, Title: "Target passed", From: at,
				Reason: "The counted time reached the target of " + DurationText(target)})
			r.counted(s, at, sp.to)
		} else {
			r.counted(s, sp.from, sp.to)
		}
		used += secs
	}
}

// counted adds a counted stretch [from, to), if it is not empty.
func (r *replay) counted(s *ClockStory, from, to time.Time) {
	if to.After(from) {
		r.appendSpan(s, ClockEntry{Class: EntryCounted, Title: "Counted", From: from, To: to, Secs: int(to.Sub(from) / time.Second)})
	}
}

// appendSpan adds e, joining it to the previous entry when that is the
// same kind of stretch and ends where e starts (an event that did not
// change the clock splits nothing).
func (r *replay) appendSpan(s *ClockStory, e ClockEntry) {
	if n := len(s.Entries); n > 0 {
		last := &s.Entries[n-1]
		if last.Class == e.Class && last.To.Equal(e.From) && last.Reason == e.Reason {
			last.To = e.To
			last.Secs += e.Secs
			return
		}
	}
	s.Entries = append(s.Entries, e)
}

// gapReason says why [from, to) was not counted: outside the working
// hours, naming any holiday on a working day inside it.
func (r *replay) gapReason(from, to time.Time) string {
	reason := "outside business hours"
	loc := r.cal.loc()
	var names []string
	for d := from.In(loc); d.Before(to); d = d.AddDate(0, 0, 1) {
		y, m, day := d.Date()
		name, ok := r.holidays[DayKey(y, m, day)]
		if !ok || r.cal.WorkDays&(1<<time.Date(y, m, day, 12, 0, 0, 0, loc).Weekday()) == 0 {
			continue
		}
		if name == "" {
			name = "a holiday"
		}
		names = append(names, name)
	}
	if len(names) > 0 {
		reason += "; holiday: " + strings.Join(names, ", ")
	}
	return reason
}

// openPause starts a wait on the client for clock c.
func (r *replay) openPause(c int, at time.Time, m clockMark) {
	s := &r.stories[c]
	links := []ClockLink{{Anchor: m.Anchor, Text: nameOr(m.Who, "Someone") + " set Waiting on client"}}
	if r.lastAsk != nil {
		links = append([]ClockLink{{Anchor: r.lastAsk.Anchor, Text: r.lastAsk.Who + "’s message"}}, links...)
	}
	s.Entries = append(s.Entries, ClockEntry{Class: EntryPaused, Title: "Paused: waiting for the client", From: at,
		Open: true, Reason: "Started when " + nameOr(m.Who, "someone") + " set the status to Waiting on client", Links: links})
	r.pause[c] = len(s.Entries) - 1
}

// closePause ends clock c's open wait at at; end is the mark that ended it
// (nil: the clock stopped).
func (r *replay) closePause(c int, at time.Time, end *clockMark) {
	i := r.pause[c]
	if i < 0 {
		return
	}
	r.pause[c] = -1
	e := &r.stories[c].Entries[i]
	e.To, e.Open, e.Secs = at, false, int(at.Sub(e.From)/time.Second)
	if end == nil {
		return
	}
	if reply := r.replyAt(at, markClientReply); reply != nil {
		e.Reason += "; ended by " + nameOr(reply.Who, "the client") + "’s reply"
		e.Links = append(e.Links, ClockLink{Anchor: reply.Anchor, Text: nameOr(reply.Who, "the client") + "’s reply"})
		return
	}
	e.Reason += "; ended when " + nameOr(end.Who, "someone") + " set the status to " + StatusLabel(end.Detail)
	e.Links = append(e.Links, ClockLink{Anchor: end.Anchor, Text: "status change"})
}

// replyAt finds a reply of kind written with the change at at.
func (r *replay) replyAt(at time.Time, kind int) *clockMark {
	for i := range r.marks {
		m := &r.marks[i]
		if m.Kind == kind && m.At.Sub(at) < sameInstant && at.Sub(m.At) < sameInstant {
			return m
		}
	}
	return nil
}

// linksOf links mark m and the client reply written with it, if any.
func (r *replay) linksOf(m clockMark) []ClockLink {
	links := []ClockLink{{Anchor: m.Anchor, Text: "the change"}}
	if m.Kind == markStatus {
		if reply := r.replyAt(m.At, markClientReply); reply != nil {
			links = append(links, ClockLink{Anchor: reply.Anchor, Text: nameOr(reply.Who, "the client") + "’s reply"})
		}
	}
	return links
}

// stop ends clock c at at because of mark m.
func (r *replay) stop(c int, at time.Time, m clockMark) {
	s := &r.stories[c]
	s.Stopped, s.Until = true, at
	s.Met = r.target(c) <= 0 || r.used(c) <= r.target(c)
	verdict := "met"
	if !s.Met {
		verdict = "breached"
	}
	why := nameOr(m.Who, "Someone") + " completed the request"
	links := []ClockLink{{Anchor: m.Anchor, Text: "the change"}}
	if m.Kind == markStaffReply {
		why = "First public reply, by " + nameOr(m.Who, "the team")
		links = []ClockLink{{Anchor: m.Anchor, Text: "the reply"}}
	} else if m.Kind == markStatus && m.Detail == StatusCompleted {
		links = r.linksOf(m)
	}
	s.Entries = append(s.Entries, ClockEntry{Class: EntryStopped, Title: "Stopped: target " + verdict, From: at,
		Reason: why, Links: links})
}

// finish brings running clocks up to now and totals both stories.
func (r *replay) finish(now time.Time) {
	now = now.Truncate(time.Second)
	if now.After(r.prev) {
		r.advance(now)
		r.st = r.st.Apply(r.cal, r.warning, ClockEvent{Kind: ClockTick, At: now})
	}
	for c := 0; c < 2; c++ {
		s := &r.stories[c]
		s.TargetSecs, s.CountedSecs = r.target(c), r.used(c)
		if !r.stopped(c) {
			s.Stopped, s.Until = false, r.prev
			s.Paused = r.st.Status == StatusWaiting
			if s.Paused && r.pause[c] >= 0 {
				e := &s.Entries[r.pause[c]]
				e.Secs = int(r.prev.Sub(e.From) / time.Second)
			}
		}
		s.ElapsedSecs = int(s.Until.Sub(s.StartedAt) / time.Second)
	}
}

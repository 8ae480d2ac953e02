package models

import "time"

// stretch is a piece of [from, to) that a running clock counts or not.
type stretch struct {
	from, to time.Time
	counted  bool
}

// stretches splits [from, to) into counted working time and the gaps
// between, in order; one counted stretch for a calendar that always runs.
func (c BusinessCalendar) stretches(from, to time.Time) []stretch {
	if !to.After(from) {
		return nil
	}
	if c.continuous() {
		return []stretch{{from, to, true}}
	}
	var out []stretch
	cursor := from
	y, m, d := from.In(c.loc()).Date()
	for i := 0; i < maxDays*10 && cursor.Before(to); i++ {
		if !time.Date(y, m, d+i, 0, 0, 0, 0, c.loc()).Before(to) {
			break
		}
		start, end, ok := c.window(y, m, d+i)
		if !ok || !end.After(cursor) {
			continue
		}
		if start.Before(cursor) {
			start = cursor
		}
		if !start.Before(to) {
			break
		}
		if end.After(to) {
			end = to
		}
		if start.After(cursor) {
			out = append(out, stretch{cursor, start, false})
		}
		out = append(out, stretch{start, end, true})
		cursor = end
	}
	if cursor.Before(to) {
		out = append(out, stretch{cursor, to, false})
	}
	return out
}

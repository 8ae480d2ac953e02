package models

import (
	"context"
	"fmt"
	"time"
)

// RequestHours is the time logged on one request within a period.
type RequestHours struct {
	Number  int    `bun:"number"`
	Title   string `bun:"title"`
	Minutes int    `bun:"minutes"`
	Prefix  string `bun:"-"`
}

// Ref is the request's number as people write it, e.g. ACME-42.
func (r RequestHours) Ref() string { return fmt.Sprintf("%s-%d", r.Prefix, r.Number) }

// Hours builds the overview of the period starting on at (zero: the period
// containing now); ok is false when the client has no hour bank. The balance
// is summed from the same rows the page lists, so its Used figure always
// equals the breakdown's total. Hidden time is left out.
//
// A member from whom hours are hidden gets ErrNotFound; one restricted to
// their own requests sees the others' time only as one sum (OtherMinutes).
func (s Scope) Hours(ctx context.Context, now, at time.Time) (HoursOverview, bool, error) {
	if err := s.requireHours(); err != nil {
		return HoursOverview{}, false, err
	}
	client, err := s.Client(ctx) // the session's copy when it has one
	if err != nil {
		return HoursOverview{}, false, err
	}
	o, ok, err := clientHours(ctx, s.db, client, now, at, false, true)
	if err == nil {
		err = s.keepOwnHours(ctx, &o)
	}
	return o, ok, err
}

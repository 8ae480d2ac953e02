package models

import (
	"sync/atomic"
	"time"
)

// clockShift is how far Now runs ahead of (or behind) the system clock, in
// nanoseconds. It is zero in the portal; a test process moves it to run the
// whole suite as if it were another day (dbtest reads PORTAL_TEST_CLOCK), so
// a test that quietly depends on today's date fails now, not on the day its
// fixed dates fall into a closed period or past an expiry.
var clockShift atomic.Int64

// Now is the clock every model write and every page uses: UTC, microsecond
// precision (what PostgreSQL keeps), so a value read back equals the value
// written.
func Now() time.Time {
	return time.Now().Add(time.Duration(clockShift.Load())).UTC().Truncate(time.Microsecond)
}

// ShiftClockTo moves Now so that it reads at this moment, for the whole
// process; time goes on from there at the normal pace (timers, expiries and
// SLA clocks keep running). Only tests call it, before they start servers.
func ShiftClockTo(at time.Time) {
	clockShift.Store(int64(time.Until(at)))
}

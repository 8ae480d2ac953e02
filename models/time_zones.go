package models

import (
	"strings"
	"sync"
	"time"
)

// Time zones are stored by IANA name (a client's, a staff member's, the
// workspace's, an SLA calendar's). Forms check a name with ValidTimezone;
// pages, e-mail and jobs load one with LoadLocation.

// ValidTimezone reports whether name is an IANA zone this server knows
// ("Local" and "" are not zones a person chose).
func ValidTimezone(name string) bool {
	if name == "" || strings.EqualFold(name, "local") {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// LoadLocation is the zone of that name, or UTC for a name this server does
// not know: a stored setting that no longer loads (an older tzdata, say)
// shows times in UTC rather than failing a page, a mail or a job.
//
// Each zone is read from the zone database once per process: time.LoadLocation
// reads and parses a file every time, and every page, event stream and
// summary asks for its viewer's zone. A *time.Location is safe to share.
func LoadLocation(name string) *time.Location {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = time.UTC // not kept: a zone database installed later is picked up
		return loc
	}
	actual, _ := zones.LoadOrStore(name, loc)
	return actual.(*time.Location)
}

// zones holds the zones loaded so far, by name; there are only so many.
var zones sync.Map

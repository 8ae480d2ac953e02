package models

import (
	"strings"
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
func LoadLocation(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

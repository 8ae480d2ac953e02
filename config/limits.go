package config

import (
	"strconv"
	"time"
)

// loadLimits reads the request limits and the shutdown drain period.
func loadLimits(cfg *Config, get func(name, def string) string, bad func(name, value, why string)) {
	v := get("PORTAL_MAX_BODY_BYTES", "1048576")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1024 {
		bad("PORTAL_MAX_BODY_BYTES", v, "want a number of bytes of at least 1024, such as 1048576 (1 MiB)")
		n = 1 << 20
	}
	cfg.MaxBodyBytes = n

	v = get("PORTAL_READ_TIMEOUT", "30s")
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		bad("PORTAL_READ_TIMEOUT", v, "want a positive duration such as 30s")
		d = 30 * time.Second
	}
	cfg.ReadTimeout = d

	// Zero is allowed: tests and single-process setups stop at once.
	v = get("PORTAL_DRAIN_PERIOD", "5s")
	d, err = time.ParseDuration(v)
	if err != nil || d < 0 {
		bad("PORTAL_DRAIN_PERIOD", v, "want a duration such as 5s, or 0 to stop at once")
		d = 5 * time.Second
	}
	cfg.DrainPeriod = d
}

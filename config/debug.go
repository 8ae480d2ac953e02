package config

import "net"

// loadDebug reads PORTAL_DEBUG_ADDR: when set, the process serves Go's pprof
// profiles there (for the load tool and for operators chasing a leak). It is
// meant for a loopback or private address, never the public listener.
//
// PORTAL_COUNT_STATEMENTS=1 counts the SQL statements each request runs and
// sends the figure in an X-Portal-Statements response header (for the load
// tool's statements per page).
func loadDebug(cfg *Config, get func(name, def string) string, bad func(name, value, why string)) {
	switch v := get("PORTAL_COUNT_STATEMENTS", ""); v {
	case "", "0", "false":
	case "1", "true":
		cfg.CountStatements = true
	default:
		bad("PORTAL_COUNT_STATEMENTS", v, "want 1 or 0")
	}
	cfg.DebugAddr = get("PORTAL_DEBUG_ADDR", "")
	if cfg.DebugAddr == "" {
		return
	}
	if _, port, err := net.SplitHostPort(cfg.DebugAddr); err != nil || port == "" {
		bad("PORTAL_DEBUG_ADDR", cfg.DebugAddr, "want host:port such as 127.0.0.1:6060")
	}
}

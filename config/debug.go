package config

import "net"

// loadDebug reads PORTAL_DEBUG_ADDR: when set, the process serves Go's pprof
// profiles there (for the load tool and for operators chasing a leak). It is
// meant for a loopback or private address, never the public listener.
func loadDebug(cfg *Config, get func(name, def string) string, bad func(name, value, why string)) {
	cfg.DebugAddr = get("PORTAL_DEBUG_ADDR", "")
	if cfg.DebugAddr == "" {
		return
	}
	if _, port, err := net.SplitHostPort(cfg.DebugAddr); err != nil || port == "" {
		bad("PORTAL_DEBUG_ADDR", cfg.DebugAddr, "want host:port such as 127.0.0.1:6060")
	}
}

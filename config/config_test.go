package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	cfg, err := Load(env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":8080" || cfg.Postgres() || cfg.DataDir != "data" || cfg.BaseURL.String() != "http://localhost:8080" {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
	if cfg.SessionIdle != 7*24*time.Hour || cfg.ShutdownTimeout != 15*time.Second {
		t.Fatalf("unexpected durations: %+v", cfg)
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	cfg, err := Load(env(map[string]string{"PORTAL_ADDR": ":9000"}), []string{"--addr", "127.0.0.1:7000", "--demo"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:7000" || !cfg.Demo || cfg.BaseURL.String() != "http://localhost:7000" {
		t.Fatalf("flags not applied: %+v", cfg)
	}
}

func TestInvalidValuesNameTheVariable(t *testing.T) {
	cases := map[string]map[string]string{
		"DATABASE_URL":            {"DATABASE_URL": "mysql://localhost/portal"},
		"PORTAL_ADDR":             {"PORTAL_ADDR": "8080"},
		"PORTAL_BASE_URL":         {"PORTAL_BASE_URL": "portal.example.com"},
		"PORTAL_LOG_LEVEL":        {"PORTAL_LOG_LEVEL": "loud"},
		"PORTAL_LOG_FORMAT":       {"PORTAL_LOG_FORMAT": "xml"},
		"PORTAL_SHUTDOWN_TIMEOUT": {"PORTAL_SHUTDOWN_TIMEOUT": "soon"},
		"PORTAL_FRAME_ANCESTORS":  {"PORTAL_FRAME_ANCESTORS": "javascript:alert(1)"},
		"PORTAL_TRUSTED_PROXIES":  {"PORTAL_TRUSTED_PROXIES": "10.0.0.0/99"},
		"PORTAL_SESSION_MAX":      {"PORTAL_SESSION_IDLE": "48h", "PORTAL_SESSION_MAX": "24h"},
	}
	for name, vars := range cases {
		_, err := Load(env(vars), nil)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v does not name the variable", name, err)
		}
	}
}

func TestDatabaseURLPasswordIsNotEchoed(t *testing.T) {
	_, err := Load(env(map[string]string{"DATABASE_URL": "mysql://u:s3cret@db/portal"}), nil)
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error leaks the password: %v", err)
	}
}

func TestListsAreParsed(t *testing.T) {
	cfg, err := Load(env(map[string]string{
		"PORTAL_FRAME_ANCESTORS": "https://www.example.com https://intranet.example.com",
		"PORTAL_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.10",
	}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.FrameAncestors) != 2 || len(cfg.TrustedProxies) != 2 || cfg.TrustedProxies[1].String() != "192.168.1.10/32" {
		t.Fatalf("lists: %v %v", cfg.FrameAncestors, cfg.TrustedProxies)
	}
}

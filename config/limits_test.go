package config

import (
	"strings"
	"testing"
	"time"
)

func TestLimitsDefaultsAndErrors(t *testing.T) {
	cfg, err := Load(env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxBodyBytes != 1<<20 || cfg.ReadTimeout != 30*time.Second || cfg.DrainPeriod != 5*time.Second {
		t.Fatalf("limits defaults: %d %s %s", cfg.MaxBodyBytes, cfg.ReadTimeout, cfg.DrainPeriod)
	}
	if cfg, err := Load(env(map[string]string{"PORTAL_DRAIN_PERIOD": "0"}), nil); err != nil || cfg.DrainPeriod != 0 {
		t.Fatalf("PORTAL_DRAIN_PERIOD=0: %v %s", err, cfg.DrainPeriod)
	}
	for name, value := range map[string]string{"PORTAL_MAX_BODY_BYTES": "lots", "PORTAL_READ_TIMEOUT": "0s",
		"PORTAL_DRAIN_PERIOD": "-1s"} {
		if _, err := Load(env(map[string]string{name: value}), nil); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: error %v does not name the variable", name, value, err)
		}
	}
}

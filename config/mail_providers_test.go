package config

import (
	"strings"
	"testing"
)

func TestMailAndProviderSettings(t *testing.T) {
	load := func(env map[string]string) (Config, error) {
		return Load(func(k string) string { return env[k] }, nil)
	}
	cfg, err := load(map[string]string{"PORTAL_BASE_URL": "https://portal.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTPHost != "" || cfg.SMTPTLS != "starttls" || cfg.SMTPPort != 587 || cfg.SMTPFrom != "noreply@portal.example.com" {
		t.Errorf("mail defaults: %+v", cfg)
	}
	cfg, err = load(map[string]string{"PORTAL_SMTP_HOST": "smtp.example.com", "PORTAL_SMTP_TLS": "tls",
		"PORTAL_SMTP_USERNAME": "u", "PORTAL_SMTP_PASSWORD": "p", "PORTAL_SMTP_FROM": "Portal <p@example.com>"})
	if err != nil || cfg.SMTPPort != 465 {
		t.Errorf("implicit TLS: port %d, %v", cfg.SMTPPort, err)
	}
	cases := map[string]map[string]string{
		"PORTAL_SMTP_TLS":             {"PORTAL_SMTP_TLS": "ssl3"},
		"PORTAL_SMTP_PORT":            {"PORTAL_SMTP_PORT": "99999"},
		"PORTAL_SMTP_FROM":            {"PORTAL_SMTP_FROM": "not an address"},
		"PORTAL_SMTP_USERNAME":        {"PORTAL_SMTP_PASSWORD": "secret"},
		"PORTAL_GOOGLE_CLIENT_SECRET": {"PORTAL_GOOGLE_CLIENT_ID": "id"},
		"PORTAL_MICROSOFT_CLIENT_ID":  {"PORTAL_MICROSOFT_CLIENT_SECRET": "s"},
		"PORTAL_OIDC_ISSUER":          {"PORTAL_OIDC_CLIENT_ID": "id", "PORTAL_OIDC_CLIENT_SECRET": "s", "PORTAL_OIDC_ISSUER": "nope"},
	}
	for name, env := range cases {
		if _, err := load(env); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: error %v should name %s", env, err, name)
		}
	}
	cfg, err = load(map[string]string{"PORTAL_GOOGLE_CLIENT_ID": "id", "PORTAL_GOOGLE_CLIENT_SECRET": "s"})
	if err != nil || cfg.GoogleClientID != "id" || cfg.MicrosoftTenant != "common" {
		t.Errorf("google: %+v %v", cfg, err)
	}
}

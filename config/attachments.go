package config

import "net/url"

// loadAttachments reads PORTAL_ATTACHMENTS_URL: a file:// folder or an
// s3:// bucket (S3, MinIO and compatibles; credentials come from the usual
// AWS_* variables or profile, never from this URL). Empty keeps files in
// the data directory.
func loadAttachments(cfg *Config, get func(name, def string) string, bad func(name, value, why string)) {
	v := get("PORTAL_ATTACHMENTS_URL", "")
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		bad("PORTAL_ATTACHMENTS_URL", v, "not a URL")
	case u.User != nil:
		bad("PORTAL_ATTACHMENTS_URL", Redact(v), "put credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, not in the URL")
	case u.Scheme == "file" && u.Path != "":
	case u.Scheme == "s3" && u.Host != "":
	default:
		bad("PORTAL_ATTACHMENTS_URL", v, "want file:///absolute/folder or s3://bucket?region=eu-west-1 (add &endpoint=https://minio.example:9000&use_path_style=true for MinIO)")
	}
	cfg.AttachmentsURL = v
}

package templates

import "embed"

// Emails holds the e-mail templates: for each message, <name>.txt (text/template,
// defining "subject" and "text") and <name>.html (html/template, defining "html").
// The mail package parses them once.
//
//go:embed emails/*.txt emails/*.html emails/brand/*
var Emails embed.FS

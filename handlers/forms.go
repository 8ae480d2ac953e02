package handlers

import (
	"html/template"
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FieldErrors maps a form field's name to the message shown beside it.
type FieldErrors map[string]string

// ErrorOf is a field's message with the id its field points at.
type ErrorOf struct{ ID, Message string }

// errorOf is the message of field in errs (template "error-of" shows it).
func errorOf(errs FieldErrors, field string) ErrorOf {
	return ErrorOf{ID: field + "-error", Message: errs[field]}
}

// invalidAttrs are the attributes of a form field: aria-describedby naming
// its hint (if any) and, when it has an error, aria-invalid and the error's
// id too, so a screen reader reads the message with the field.
func invalidAttrs(errs FieldErrors, field, hint string) template.HTMLAttr {
	ids := hint
	invalid := errs[field] != ""
	if invalid {
		ids = strings.TrimSpace(ids + " " + field + "-error")
	}
	var b strings.Builder
	if invalid {
		b.WriteString(`aria-invalid="true" `)
	}
	if ids != "" {
		b.WriteString(`aria-describedby="` + template.HTMLEscapeString(ids) + `"`)
	}
	return template.HTMLAttr(b.String()) // field names and ids come from templates, not from people
}

// Any reports whether validation failed.
func (e FieldErrors) Any() bool { return len(e) > 0 }

// required records a message when a trimmed value is empty or too long.
func (e FieldErrors) required(field, value, label string, maxLen int) {
	switch n := utf8.RuneCountInString(strings.TrimSpace(value)); {
	case n == 0:
		e[field] = label + " is required."
	case n > maxLen:
		e[field] = label + " is too long (at most " + strconv.Itoa(maxLen) + " characters)."
	}
}

// line is required for a one-line field (a name, a title, a label): it
// also refuses control characters. A CR or LF there would start a line of
// its own in a plain-text e-mail, where it could pass for a header or a
// line the portal wrote.
func (e FieldErrors) line(field, value, label string, maxLen int) {
	e.required(field, value, label, maxLen)
	e.singleLine(field, value, label)
}

// singleLine records a message when a value holds control characters; for
// optional one-line fields, beside their own length check.
func (e FieldErrors) singleLine(field, value, label string) {
	if _, bad := e[field]; bad {
		return
	}
	if strings.IndexFunc(value, isLineBreaking) >= 0 {
		e[field] = label + " must be a single line, without line breaks or control characters."
	}
}

// isLineBreaking is a control character, or one of the Unicode line and
// paragraph separators that some mail readers also break lines on.
func isLineBreaking(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u0085'
}

// email records a message for an address that does not parse.
func (e FieldErrors) email(field, value string) {
	value = strings.TrimSpace(value)
	if value == "" {
		e[field] = "E-mail is required."
		return
	}
	addr, err := mail.ParseAddress(value)
	if err != nil || addr.Address != value || len(value) > 254 {
		e[field] = "Enter an e-mail address such as name@example.com."
	}
}

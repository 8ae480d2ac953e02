package handlers

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"
)

// FieldErrors maps a form field's name to the message shown beside it.
type FieldErrors map[string]string

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

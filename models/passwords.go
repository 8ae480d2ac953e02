package models

import (
	"strings"
	"unicode/utf8"
)

// Password rules: long enough to resist guessing, and not one of the
// passwords every attacker tries first.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 256
)

// commonPasswords are frequent choices that meet the length rule anyway.
var commonPasswords = map[string]bool{
	"1234567890": true, "12345678910": true, "123456789a": true, "0123456789": true,
	"password12": true, "password123": true, "password1!": true, "passw0rd123": true,
	"qwertyuiop": true, "qwerty1234": true, "qwerty12345": true, "1q2w3e4r5t": true,
	"iloveyou12": true, "letmein123": true, "welcome123": true, "admin12345": true,
	"administrator": true, "changeme123": true, "football123": true, "abcdefghij": true,
	"aaaaaaaaaa": true, "1111111111": true, "0000000000": true, "asdfghjkl1": true,
	"zaq12wsxcde": true, "monkey1234": true, "sunshine12": true, "princess12": true,
}

// CheckPassword returns a message for a password that breaks a rule, or "".
func CheckPassword(password string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return "Use at least 10 characters."
	case n > MaxPasswordLength:
		return "Use at most 256 characters."
	case commonPasswords[strings.ToLower(password)]:
		return "This password is too common. Choose another."
	}
	return ""
}

package inbound

import (
	"regexp"
	"strings"

	"github.com/portal-msp/portal/mail/thread"
)

var (
	// Gmail and Apple Mail: "On Mon, 7 Dec 2026 at 10:00, Name <a@b> wrote:",
	// which Gmail may wrap over two lines.
	onWrote = regexp.MustCompile(`(?i)^on\b.*\bwrote:\s*$`)
	onStart = regexp.MustCompile(`(?i)^on\s.+`)
	// Outlook's header block of the quoted mail: "From: …" then "Sent: …"
	// (or "Date:"), often after a line of underscores.
	outlookFrom = regexp.MustCompile(`(?i)^\*?from:\*?\s`)
	outlookSent = regexp.MustCompile(`(?i)^\*?(sent|date):\*?\s`)
	outlookRule = regexp.MustCompile(`^_{10,}\s*$`)
	// Outlook's text part names the images the HTML shows: "[cid:…]".
	inlineImage  = regexp.MustCompile(`^\[cid:[^\]]*\]$`)
	originalMail = regexp.MustCompile(`(?i)^-{2,}\s*original message\s*-{2,}\s*$`)
)

// stripQuotes keeps what the sender wrote: the text above our reply
// marker, or else above Gmail's "On … wrote:", Outlook's quoted header
// block, or "-----Original Message-----"; then drops lines quoted with
// '>' and the signature after "-- ".
func stripQuotes(text string) string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	lines := strings.Split(text, "\n")
	cut := len(lines)
	for i, l := range lines {
		if strings.Contains(l, thread.ReplyMarker) {
			cut = i
			break
		}
	}
	lines = lines[:cut]
	lines = lines[:quoteStart(lines)]
	var kept []string
	for _, l := range lines {
		if l == "-- " || l == "--" {
			break // the signature
		}
		if strings.HasPrefix(strings.TrimLeft(l, " "), ">") || inlineImage.MatchString(strings.TrimSpace(l)) {
			continue
		}
		kept = append(kept, l)
	}
	return strings.TrimSpace(strings.Join(kept, "\n"))
}

// quoteStart is the index of the first line of the quoted mail's
// attribution (Gmail, Outlook, the "original message" rule), or len(lines).
func quoteStart(lines []string) int {
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		switch {
		case onWrote.MatchString(l):
			return i
		case onStart.MatchString(l) && i+1 < len(lines) && onWrote.MatchString("on "+strings.TrimSpace(lines[i+1])):
			return i
		case originalMail.MatchString(l):
			return i
		case outlookRule.MatchString(l) && i+1 < len(lines) && outlookFrom.MatchString(strings.TrimSpace(lines[i+1])):
			return i
		case outlookFrom.MatchString(l) && headerBlockFollows(lines[i+1:]):
			return i
		}
	}
	return len(lines)
}

// headerBlockFollows reports whether a "Sent:" or "Date:" line comes within
// the next few lines, as in Outlook's block of the quoted mail's headers.
func headerBlockFollows(lines []string) bool {
	for i := 0; i < len(lines) && i < 4; i++ {
		if outlookSent.MatchString(strings.TrimSpace(lines[i])) {
			return true
		}
	}
	return false
}

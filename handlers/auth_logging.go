package handlers

import "strings"

// redactURI hides the secrets some addresses carry before they reach a log
// line: the token of a portal link or a password reset, and the code and
// state of an OAuth callback.
func redactURI(uri string) string {
	for _, prefix := range []string{"/join/", "/reset/"} {
		if rest, ok := strings.CutPrefix(uri, prefix); ok {
			tail := ""
			if i := strings.IndexAny(rest, "/?"); i >= 0 {
				tail = rest[i:]
			}
			return prefix + "[redacted]" + tail
		}
	}
	if strings.HasPrefix(uri, "/auth/") {
		if path, _, ok := strings.Cut(uri, "?"); ok {
			return path + "?[redacted]"
		}
	}
	return uri
}

package handlers

import (
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"
)

// Some addresses carry a secret: a portal link, a password reset, a sign-up
// confirmation, a rating link, an OAuth round trip. Such addresses must never
// reach a log line. Which ones they are is read from the route table, so a
// new token link cannot be forgotten:
//
//   - a path parameter named :token carries a secret (secretParam);
//   - the routes of secretQueryRoutes carry secrets in their query string.
//
// Any other path parameter must be one of publicParams; a test walks the
// route table and fails on a parameter that is in neither list, so whoever
// adds one decides which it is.
const secretParam = "token"

// secretQueryRoutes are the routes whose query string carries a secret: the
// portal link of ?join= on the way out to a provider, the code and state on
// the way back.
var secretQueryRoutes = []string{"/auth/:provider", "/auth/:provider/callback"}

// publicParams are the path parameters that name nothing secret (row ids,
// request numbers, months, a provider's name, a rating's choice).
var publicParams = map[string]bool{
	"id": true, "number": true, "user": true, "link": true, "entry": true, "purchase": true,
	"month": true, "provider": true, "rating": true, "delivery": true, "invitation": true, "*": true,
}

// secretURLs redacts, from an address as a browser sent it, the parts the
// route table marks secret. It matches on the route's leading segments up
// to the secret, not the whole route, so an address that matches no route
// ("/join/<token>/x", a token with a typo'd tail) is redacted as well.
type secretURLs struct {
	paths []secretPath
}

// secretPath is one route's lead (its segments before the secret; a
// parameter there matches any segment) and what follows it: the segment
// right after the lead is secret, or (query) the query string.
type secretPath struct {
	lead  []string // "" for a parameter segment
	query bool     // the query is secret, the path is not
}

// secretURLsOf reads the marks of a route table.
func secretURLsOf(routes []*echo.Route) *secretURLs {
	out := &secretURLs{}
	seen := map[string]bool{}
	add := func(p secretPath) {
		key := fmt.Sprint(p.lead, p.query)
		if !seen[key] {
			seen[key] = true
			out.paths = append(out.paths, p)
		}
	}
	queryRoutes := map[string]bool{}
	for _, r := range secretQueryRoutes {
		queryRoutes[r] = true
	}
	for _, r := range routes {
		segs := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
		for i, seg := range segs {
			if seg == ":"+secretParam {
				add(secretPath{lead: leadOf(segs[:i])})
			}
		}
		if queryRoutes[r.Path] {
			// The query of anything under the route's static lead: a
			// provider's answer at an address no route serves still
			// carries its code.
			n := len(segs)
			for i, seg := range segs {
				if strings.HasPrefix(seg, ":") {
					n = i
					break
				}
			}
			add(secretPath{lead: leadOf(segs[:n]), query: true})
		}
	}
	return out
}

func leadOf(segs []string) []string {
	lead := make([]string, len(segs))
	for i, s := range segs {
		if !strings.HasPrefix(s, ":") {
			lead[i] = s
		}
	}
	return lead
}

// redact is uri with the secrets it carries replaced by "[redacted]".
func (u *secretURLs) redact(uri string) string {
	path, query, hasQuery := strings.Cut(uri, "?")
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	hideQuery := false
	for _, p := range u.paths {
		if !p.matches(segs) {
			continue
		}
		if p.query {
			hideQuery = true
			continue
		}
		if i := len(p.lead); i < len(segs) && segs[i] != "" {
			segs[i] = "[redacted]"
		}
	}
	out := "/" + strings.Join(segs, "/")
	switch {
	case !hasQuery:
	case hideQuery:
		out += "?[redacted]"
	default:
		out += "?" + query
	}
	return out
}

// matches reports whether an address's segments start with the lead and go
// on past it.
func (p secretPath) matches(segs []string) bool {
	if len(segs) < len(p.lead) || (!p.query && len(segs) == len(p.lead)) {
		return false
	}
	for i, want := range p.lead {
		if want != "" && segs[i] != want {
			return false
		}
	}
	return true
}

// redactURI is the address of a request as log lines may show it.
func (s *Server) redactURI(uri string) string {
	if s.secretURLs == nil { // before the routes exist, nothing is served
		return uri
	}
	return s.secretURLs.redact(uri)
}

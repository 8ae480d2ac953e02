package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"
)

// CSRF tokens are bound to what the browser holds: the session token once
// someone is signed in, an anonymous random cookie before. The token is an
// HMAC of that secret, so it can be checked without storing anything, on any
// process, and a sibling subdomain that sets a cookie of its own choosing
// still cannot produce the token of a victim's session, which it never sees.
// Over https the anonymous cookie takes the __Host- prefix, which browsers
// refuse to let any other host (a subdomain included) set.
const (
	csrfCookie      = "portal_csrf"
	csrfHostCookie  = "__Host-portal_csrf"
	ctxCSRF         = "csrf" // read by fillChrome
	ctxSessionToken = "portal.session_token"
)

var errCSRF = echo.NewHTTPError(http.StatusForbidden,
	"This form has expired or was sent from another site. Reload the page and try again.")

// csrf checks a token on every state-changing request: the form field "csrf"
// or, from htmx, the X-CSRF-Token header (see static/js/portal.js). It runs
// after loadSession, which tells it the session token.
func (s *Server) csrf() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			want := s.csrfToken(c)
			switch c.Request().Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			default:
				// Either carrier will do: a page opened before signing in
				// (kept by boosted navigation) can still hold the old
				// header token while its form carries the current one.
				header := c.Request().Header.Get("X-CSRF-Token")
				if !hmac.Equal([]byte(header), []byte(want)) && !hmac.Equal([]byte(c.FormValue("csrf")), []byte(want)) {
					return errCSRF
				}
			}
			c.Set(ctxCSRF, want)
			return next(c)
		}
	}
}

// csrfToken is the token this browser's forms must carry: bound to its
// session when it has one, otherwise to an anonymous cookie (set here).
func (s *Server) csrfToken(c echo.Context) string {
	if token, ok := c.Get(ctxSessionToken).(string); ok && token != "" {
		return csrfMAC(token)
	}
	name := s.csrfCookieName(c)
	if ck, err := c.Cookie(name); err == nil && len(ck.Value) >= 43 {
		return csrfMAC(ck.Value)
	}
	b := make([]byte, 32)
	rand.Read(b) //nolint:errcheck // crypto/rand.Read never fails (Go 1.24+)
	secret := base64.RawURLEncoding.EncodeToString(b)
	c.SetCookie(s.embeddable(c, &http.Cookie{Name: name, Value: secret, Path: "/", HttpOnly: true,
		Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode}))
	return csrfMAC(secret)
}

// bindCSRF moves the token to a session started during this request, so a
// page rendered after sign-in carries the token the next request expects.
func (s *Server) bindCSRF(c echo.Context, sessionToken string) {
	c.Set(ctxSessionToken, sessionToken)
	c.Set(ctxCSRF, csrfMAC(sessionToken))
}

func (s *Server) csrfCookieName(c echo.Context) string {
	if s.secureCookies(c) {
		return csrfHostCookie
	}
	return csrfCookie
}

func csrfMAC(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("portal csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// embeddable adapts a cookie the portal needs inside a frame (the session and
// the CSRF secret) when other sites may frame it (PORTAL_FRAME_ANCESTORS or
// the workspace's allowed origins): over https it becomes SameSite=None;
// Secure; Partitioned, so a browser that allows it keeps the visitor signed
// in inside the frame, in a cookie jar kept for that embedding site only.
// Framing stays limited to the listed origins by the CSP's frame-ancestors;
// the CSRF token still guards every change. Over plain http, or with no
// origin listed, the cookie stays SameSite=Lax.
func (s *Server) embeddable(c echo.Context, ck *http.Cookie) *http.Cookie {
	if ck.Secure && len(s.frameAncestors(c)) > 0 {
		ck.SameSite = http.SameSiteNoneMode
		ck.Partitioned = true
	}
	return ck
}

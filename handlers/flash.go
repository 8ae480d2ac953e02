package handlers

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// Flash is a one-time message shown on the next page after a redirect.
type Flash struct {
	Kind    string // success, error or info
	Message string
}

const flashCookie = "portal_flash"

// setFlash stores a message for the next page the browser renders.
func setFlash(c echo.Context, kind, message string) {
	val := base64.RawURLEncoding.EncodeToString([]byte(kind + "\n" + message))
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: val, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: overTLS(c), MaxAge: 60})
}

// overTLS reports whether browsers reach the portal over TLS, directly or
// through a proxy (PORTAL_BASE_URL https), as secureHeaders found.
func overTLS(c echo.Context) bool {
	https, _ := c.Get(ctxHTTPS).(bool)
	return https || c.IsTLS()
}

// takeFlash returns the pending message, if any, and clears it.
func takeFlash(c echo.Context) *Flash {
	ck, err := c.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: overTLS(c)})
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return nil
	}
	kind, msg, ok := strings.Cut(string(raw), "\n")
	if !ok || (kind != "success" && kind != "error" && kind != "info") {
		return nil
	}
	return &Flash{Kind: kind, Message: msg}
}

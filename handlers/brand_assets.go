package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// The brand's pictures and stylesheet are public: the sign-in page shows
// them, and mail readers fetch the logo without a session. Their URLs carry
// a version (the picture's hash, the colour itself; see models.Brand), so
// the current version is cached for a year and another one is not cached.

const (
	cacheForever = "public, max-age=31536000, immutable"
	cacheNever   = "no-cache"
)

// brandImage serves the brand's logo or favicon: a PNG the server drew
// (models.PrepareLogo), sent as attachments are, with its type stated and
// never sniffed, and a policy that runs nothing should it be opened alone.
func (s *Server) brandImage(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		img, err := models.GetBrandImage(c.Request().Context(), s.db, kind)
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, "image/png")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", attachmentCSP)
		// Mail readers on other sites show the logo: it is public.
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		h.Set("ETag", strconv.Quote(img.SHA256))
		h.Set("Cache-Control", cacheNever)
		if v := c.QueryParam("v"); v != "" && strings.HasPrefix(img.SHA256, v) {
			h.Set("Cache-Control", cacheForever)
		}
		http.ServeContent(c.Response(), c.Request(), "", img.UpdatedAt, bytes.NewReader(img.Data))
		return nil
	}
}

// brandStylesheet sets the accent colour named by v, which must pass the
// contrast check: the stylesheet is a function of its URL, so it is cached
// for good. With scope=preview it colours only the preview panel.
func (s *Server) brandStylesheet(c echo.Context) error {
	accent, err := models.CheckAccent(c.QueryParam("v"))
	if err != nil {
		// Only accepted colours have a stylesheet.
		return echo.NewHTTPError(http.StatusNotFound, "No stylesheet for this colour.")
	}
	selector := ":root"
	if c.QueryParam("scope") == "preview" {
		selector = ".brand-preview"
	}
	h := c.Response().Header()
	h.Set("Cache-Control", cacheForever)
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", []byte(accentCSS(selector, accent)))
}

// accentCSS overrides the stylesheet's accent tokens (static/css/portal.css).
// Buttons take the accent in both themes (white text on it passed the
// check); links and focus rings take it only in the light theme, where it
// was checked against the page: the dark theme keeps its light link colour.
func accentCSS(selector, accent string) string {
	return fmt.Sprintf(`%[1]s {
  --primary: %[2]s;
  --primary-hover: %[3]s;
  --primary-text: #ffffff;
  --brand: %[2]s;
}
@media (prefers-color-scheme: light) {
  %[1]s {
    --accent: %[2]s;
    --focus: %[2]s;
    --ring: rgba(%[4]s, 0.28);
  }
}
`, selector, accent, models.ShadeAccent(accent, 0.15), models.AccentRGB(accent))
}

// brandOf is the brand for the page chrome, from the settings cache; none
// (the stylesheet's own colours, the name "Portal") if the workspace cannot
// be read, as before setup.
func (s *Server) brandOf(c echo.Context) models.Brand {
	w, err := models.CachedWorkspace(c.Request().Context(), s.db)
	if err != nil {
		return models.Brand{Name: "Portal"}
	}
	return w.Brand()
}

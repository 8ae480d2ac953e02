package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes is the whole route table on one screen.
//
// Middleware is attached per route rather than to a root group: a group on
// "" would also catch unknown paths, sending visitors to sign in where they
// should see the 404 page.
func (s *Server) routes(e *echo.Echo) {
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(middleware.RequestID())
	e.Use(s.requestLog())
	e.Use(middleware.Recover())
	e.Use(s.secureHeaders)
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Skipper: skipGzip}))

	// Probes and assets need no session and no setup.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/static/*", echo.WrapHandler(s.assets))

	// Pages: a session (if any), CSRF on state changes, setup done.
	app := []echo.MiddlewareFunc{s.csrf(), s.loadSession, s.requireSetUp}
	e.GET("/setup", s.setupForm, app...)
	e.POST("/setup", s.setupSubmit, app...)
	e.GET("/signin", s.signinForm, app...)
	e.POST("/signin", s.signinSubmit, app...)
	e.POST("/signout", s.signout, app...)

	// Portal: client users only, through their Scope.
	portal := append(app[:len(app):len(app)], s.requireClient)
	e.GET("/", s.dashboard, portal...)

	// Console: staff only. Unknown /console paths are 404 for staff too.
	console := e.Group("/console", append(app[:len(app):len(app)], s.requireStaff)...)
	console.GET("", s.queue)
}

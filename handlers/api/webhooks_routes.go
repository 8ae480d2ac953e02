package api

import "github.com/labstack/echo/v4"

func (a *API) webhookRoutes(g *echo.Group) {}

func (a *API) openAPI(c echo.Context) error { return notFound() }

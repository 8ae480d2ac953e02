package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIDoc is the OpenAPI 3.1 description of every route, written by hand
// and kept honest by TestOpenAPICoversRoutes, which fails when a registered
// route is missing from it or it names one that is not served. Hand-written
// rather than generated (huma): huma would bring its own router adapter,
// validation and a second way of writing handlers into the module and the
// binary, for a table of two dozen routes that a test can check.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPI serves the document; it needs no token, as it holds no data.
func (a *API) openAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "application/json", openAPIDoc)
}

package handlers

import (
	"strconv"

	"github.com/labstack/echo/v4"
)

// Path parameters that name a row. Anything but a positive number answers
// 404, exactly like a row that does not exist, so a mistyped or probing URL
// learns nothing.

// idParam reads a positive integer path parameter (:id, :entry, :user…).
func idParam(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// requestNumber reads a portal request's :number (the number its client
// sees, not its id). Numbers are INTEGER columns: one past their range
// names no request, and must not reach PostgreSQL, which refuses it as
// out of range instead of finding nothing.
func requestNumber(c echo.Context) (int, error) {
	n, err := strconv.ParseInt(c.Param("number"), 10, 32)
	if err != nil || n <= 0 {
		return 0, echo.ErrNotFound
	}
	return int(n), nil
}

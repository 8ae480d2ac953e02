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
// sees, not its id).
func requestNumber(c echo.Context) (int, error) {
	n, err := strconv.Atoi(c.Param("number"))
	if err != nil || n <= 0 {
		return 0, echo.ErrNotFound
	}
	return n, nil
}

package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// Problem is an RFC 9457 problem details answer. Type is stable: an
// integration may switch on it; Title and Detail are for people.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Errors []FieldError `json:"errors,omitempty"` // on 422: what is wrong with which field
}

// FieldError is one field's fault in a 422 answer; Field is the JSON name.
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

// problemBase prefixes every problem type. A URN, not a URL: nothing is to
// be fetched from it, it only has to stay the same.
const problemBase = "urn:portal:problem:"

// Problem types.
const (
	probUnauthorized = "unauthorized"
	probForbidden    = "forbidden"
	probNotFound     = "not-found"
	probValidation   = "validation"
	probBadRequest   = "bad-request"
	probPrecondition = "precondition-failed"
	probRateLimited  = "rate-limited"
	probIdempotency  = "idempotency-key-reused"
	probConflict     = "conflict"
	probMethod       = "method-not-allowed"
	probTooLarge     = "too-large"
	probServer       = "server-error"
)

func problem(status int, kind, title, detail string) *Problem {
	return &Problem{Type: problemBase + kind, Title: title, Status: status, Detail: detail}
}

func notFound() *Problem {
	return problem(http.StatusNotFound, probNotFound, "Not found", "There is no such resource, or this token may not see it.")
}

func forbidden(scope string) *Problem {
	return problem(http.StatusForbidden, probForbidden, "Missing scope", "This token lacks the scope "+scope+".")
}

func badRequest(detail string) *Problem {
	return problem(http.StatusBadRequest, probBadRequest, "Bad request", detail)
}

// invalid is the 422 of a body or query whose fields are wrong.
func invalid(errs []FieldError) *Problem {
	p := problem(http.StatusUnprocessableEntity, probValidation, "Invalid fields", "Some fields are missing or wrong; see errors.")
	p.Errors = errs
	return p
}

func invalidField(field, detail string) *Problem { return invalid([]FieldError{{field, detail}}) }

// fields collects field errors in the order they were found.
type fields []FieldError

func (f *fields) add(field, detail string) { *f = append(*f, FieldError{field, detail}) }
func (f fields) err() error {
	if len(f) == 0 {
		return nil
	}
	return invalid(f)
}

// writeProblem answers with p as application/problem+json.
func writeProblem(c echo.Context, p *Problem) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return c.Blob(p.Status, "application/problem+json", b)
}

// problems turns every error of an API handler into problem details, so the
// HTML error page of the rest of the portal never answers an API call.
func (a *API) problems(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		return writeProblem(c, a.toProblem(c, err))
	}
}

func (a *API) toProblem(c echo.Context, err error) *Problem {
	var p *Problem
	var he *echo.HTTPError
	switch {
	case errors.As(err, &p):
		return p
	case errors.Is(err, models.ErrNotFound):
		return notFound()
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return notFound()
		case http.StatusMethodNotAllowed:
			return problem(he.Code, probMethod, "Method not allowed", "This path does not take "+c.Request().Method+".")
		case http.StatusRequestEntityTooLarge:
			return problem(he.Code, probTooLarge, "Request too large", "The body is larger than this portal accepts.")
		}
		if he.Code < 500 {
			msg, _ := he.Message.(string)
			return problem(he.Code, probBadRequest, http.StatusText(he.Code), msg)
		}
	}
	a.log.Error("api call failed", "method", c.Request().Method, "path", c.Path(), "error", err)
	return problem(http.StatusInternalServerError, probServer, "Server error", "Something went wrong on our side; it was logged.")
}

// Package api is the portal's JSON API, /api/v1: bearer tokens only (no
// session cookie is read, so no CSRF applies), RFC 9457 problem details for
// every error, opaque cursors on lists, Idempotency-Key on POST and a rate
// limit per token. It changes data only through the model functions the
// console's handlers call, so both follow the same rules.
package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// DefaultRateLimit is calls per token per minute unless configured.
const DefaultRateLimit = 600

// Options configure the API.
type Options struct {
	BaseURL   *url.URL // links in answers and webhook bodies
	RateLimit int      // calls per token per minute (PORTAL_API_RATE_LIMIT); 0: DefaultRateLimit
	// AllowPrivate lets webhook endpoints be plain http and private,
	// loopback or link-local addresses (PORTAL_WEBHOOK_ALLOW_PRIVATE=1):
	// tests and development only.
	AllowPrivate bool
	// HoursChanged is called after time is logged, changed or voided: the
	// console's hour alert check (handlers/hour_alerts.go), so the API's
	// time crosses thresholds exactly as the console's does.
	HoursChanged func(c echo.Context, clientID int64)
}

// API serves /api/v1.
type API struct {
	db   *bun.DB
	log  *slog.Logger
	opts Options
}

// route is one registered route, kept so the OpenAPI test can compare the
// document with what is served.
type route struct{ Method, Path string }

// Register adds /api/v1 to e and returns the API (its routes for the tests).
func Register(e *echo.Echo, db *bun.DB, log *slog.Logger, opts Options) *API {
	if opts.RateLimit <= 0 {
		opts.RateLimit = DefaultRateLimit
	}
	a := &API{db: db, log: log, opts: opts}
	g := e.Group(Prefix, a.problems)
	g.GET("/openapi.json", a.openAPI)
	auth := g.Group("", a.authenticate, a.rateLimit, a.idempotent)
	a.routes(auth)
	// Anything else under the prefix is a problem+json 404, not the HTML page.
	g.Any("/*", func(echo.Context) error { return notFound() })
	return a
}

// Routes lists every API route Echo serves (for the OpenAPI test).
func Routes(e *echo.Echo) []route {
	var out []route
	for _, r := range e.Routes() {
		if strings.HasPrefix(r.Path, Prefix+"/") && !strings.HasSuffix(r.Path, "/*") {
			out = append(out, route{r.Method, strings.TrimPrefix(r.Path, Prefix)})
		}
	}
	return out
}

const ctxToken = "api.token"

// token is the authenticated token of the call.
func token(c echo.Context) *models.APIToken { return c.Get(ctxToken).(*models.APIToken) }

// actor is the user the call's changes are recorded under.
func actor(c echo.Context) *models.User { return token(c).User }

// authenticate accepts only Authorization: Bearer. Cookies are never read
// here, so a browser's session cannot make an API call on its own.
func (a *API) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, raw, _ := strings.Cut(c.Request().Header.Get("Authorization"), " ")
		t, err := models.AuthenticateAPIToken(c.Request().Context(), a.db, strings.TrimSpace(raw), models.Now())
		if !strings.EqualFold(scheme, "Bearer") || errors.Is(err, models.ErrBadToken) {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="portal", error="invalid_token"`)
			return problem(http.StatusUnauthorized, probUnauthorized, "Unauthorized",
				"Send a valid, unrevoked API token as Authorization: Bearer <token>.")
		}
		if err != nil {
			return err
		}
		// A token acts as its owner, so it is refused while its owner must
		// still set up two-factor sign-in, like their pages and stream.
		if must, err := models.StaffMustEnrol(c.Request().Context(), a.db, t.User); err != nil {
			return err
		} else if must {
			return problem(http.StatusForbidden, probForbidden, "Two-factor sign-in required",
				"The MSP requires two-factor sign-in of staff: the owner of this token must set it up on their account page before it works again.")
		}
		c.Set(ctxToken, t)
		return next(c)
	}
}

// need is the scope check of one route.
func need(scope string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !token(c).Has(scope) {
				return forbidden(scope)
			}
			return next(c)
		}
	}
}

// rateLimit counts the call against its token's minute and sets the
// RateLimit and RateLimit-Policy headers (draft-ietf-httpapi-ratelimit-headers)
// on every answer; over the limit it is 429 with Retry-After.
func (a *API) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		now := models.Now()
		calls, reset, err := models.CountAPICall(c.Request().Context(), a.db, token(c).ID, now)
		if err != nil {
			return err
		}
		limit := a.opts.RateLimit
		left := max(limit-calls, 0)
		secs := max(int(reset.Sub(now).Round(time.Second)/time.Second), 1)
		h := c.Response().Header()
		h.Set("RateLimit-Policy", fmt.Sprintf(`"per-token";q=%d;w=60`, limit))
		h.Set("RateLimit", fmt.Sprintf(`"per-token";r=%d;t=%d`, left, secs))
		if calls > limit {
			h.Set("Retry-After", strconv.Itoa(secs))
			return problem(http.StatusTooManyRequests, probRateLimited, "Too many requests",
				fmt.Sprintf("This token may make %d calls a minute; try again in %d seconds.", limit, secs))
		}
		return next(c)
	}
}

// maxBody is the largest JSON body the API reads.
const maxBody = 1 << 20

// idempotent makes a POST with an Idempotency-Key happen once per token
// within 24 hours: the same key and body answer the first call's answer
// again (Idempotent-Replayed: true); the same key with another method, path
// or body is 422. Only successful answers are kept: a refused or failed call
// may be corrected and sent again under its key.
func (a *API) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := c.Request().Header.Get("Idempotency-Key")
		if c.Request().Method != http.MethodPost || key == "" {
			return next(c)
		}
		if len(key) > 255 {
			return invalidField("Idempotency-Key", "At most 255 characters.")
		}
		body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxBody+1))
		if err != nil {
			return badRequest("The body could not be read.")
		}
		c.Request().Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.New()
		fmt.Fprintf(sum, "%s %s\n", c.Request().Method, c.Request().URL.Path)
		sum.Write(body)
		ctx := c.Request().Context()
		claim, first, err := models.ClaimIdempotencyKey(ctx, a.db, token(c).ID, key, sum.Sum(nil), models.Now())
		switch {
		case errors.Is(err, models.ErrIdempotencyMismatch):
			return problem(http.StatusUnprocessableEntity, probIdempotency, "Idempotency key reused",
				"This Idempotency-Key was sent before with another request; use a new key for a new request.")
		case errors.Is(err, models.ErrIdempotencyBusy):
			return problem(http.StatusConflict, probConflict, "Request in progress",
				"The first request with this Idempotency-Key is still being answered; retry in a moment.")
		case err != nil:
			return err
		case first != nil:
			h := c.Response().Header()
			h.Set("Idempotent-Replayed", "true")
			if first.Location != "" {
				h.Set("Location", first.Location)
			}
			return c.Blob(first.Status, first.ContentType, []byte(first.Body))
		}
		rec := &recorder{ResponseWriter: c.Response().Writer}
		c.Response().Writer = rec
		if err := next(c); err != nil && !c.Response().Committed {
			err = writeProblem(c, a.toProblem(c, err))
			if err != nil {
				return err
			}
		}
		st := c.Response().Status
		if st < 200 || st > 299 {
			return models.ReleaseIdempotencyKey(ctx, a.db, claim)
		}
		h := c.Response().Header()
		claim.Status, claim.ContentType, claim.Location, claim.Body = st, h.Get("Content-Type"), h.Get("Location"), rec.body.String()
		return models.SaveIdempotentAnswer(ctx, a.db, claim)
	}
}

// recorder keeps a copy of what a handler writes.
type recorder struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// bind reads a JSON body into v, refusing unknown fields so a typo in a
// field name is a clear 422 rather than silently ignored.
func bind(c echo.Context, v any) error {
	ct := c.Request().Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/json") {
		return problem(http.StatusUnsupportedMediaType, probBadRequest, "Unsupported media type", "Send the body as application/json.")
	}
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute):
			return invalidField(ute.Field, "Wrong type: want "+ute.Type.String()+".")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return invalidField(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "Unknown field.")
		case errors.Is(err, io.EOF):
			return badRequest("The body is empty; send a JSON object.")
		}
		return badRequest("The body is not valid JSON: " + err.Error())
	}
	return nil
}

// list is the shape of every list answer.
type list[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// page reads limit and cursor. Lists walk by id, which never changes and
// only grows: a walk returns every row that existed when it began exactly
// once, however rows are updated (or added, at the end) meanwhile.
func page(c echo.Context) (limit int, after int64, err error) {
	limit = 50
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return 0, 0, invalidField("limit", "A whole number from 1 to 100.")
		}
		limit = n
	}
	if s := c.QueryParam("cursor"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		id, found := strings.CutPrefix(string(b), "id:")
		n, err2 := strconv.ParseInt(id, 10, 64)
		if err != nil || !found || err2 != nil || n < 0 {
			return 0, 0, invalidField("cursor", "Not a cursor this API gave out; start again without one.")
		}
		after = n
	}
	return limit, after, nil
}

// answerList writes a page; rows holds up to limit+1 items, the extra one
// only telling that there is a next page.
func answerList[T any](c echo.Context, rows []T, limit int, idOf func(T) int64) error {
	out := list[T]{Data: rows}
	if out.Data == nil {
		out.Data = []T{}
	}
	if len(rows) > limit {
		out.Data = rows[:limit]
		cur := base64.RawURLEncoding.EncodeToString([]byte("id:" + strconv.FormatInt(idOf(rows[limit-1]), 10)))
		out.NextCursor = &cur
		u := *c.Request().URL
		q := u.Query()
		q.Set("cursor", cur)
		u.RawQuery = q.Encode()
		c.Response().Header().Set("Link", "<"+u.RequestURI()+`>; rel="next"`)
	}
	return c.JSON(http.StatusOK, out)
}

// pathID reads a numeric path parameter; anything else is 404, as for an
// id that does not exist.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound()
	}
	return id, nil
}

// link is an absolute URL of an API path.
func (a *API) link(path string) string {
	if a.opts.BaseURL == nil {
		return Prefix + path
	}
	return a.opts.BaseURL.String() + Prefix + path
}

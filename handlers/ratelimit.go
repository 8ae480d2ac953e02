package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
)

// Rate limits. Sign-in counts failures only; a reset request or a link
// redemption counts every attempt (each may send mail or create an account).
// Buckets are keyed by IP and by the e-mail typed, whether or not it has an
// account, so a refusal reveals nothing about which addresses exist.
var (
	limitSigninEmail = models.RateLimit{Max: 5, Window: 15 * time.Minute}
	limitSigninIP    = models.RateLimit{Max: 30, Window: 15 * time.Minute}
	limitResetEmail  = models.RateLimit{Max: 3, Window: time.Hour}
	limitResetIP     = models.RateLimit{Max: 10, Window: time.Hour}
	limitJoinEmail   = models.RateLimit{Max: 5, Window: time.Hour}
	limitJoinIP      = models.RateLimit{Max: 20, Window: time.Hour}
)

func ipBucket(kind string, c echo.Context) string { return kind + "-ip:" + c.RealIP() }
func emailBucket(kind, email string) string       { return kind + "-email:" + models.NormalizeEmail(email) }

// errTooMany is the 429 page; Retry-After says when to come back.
func errTooMany(c echo.Context, window time.Duration) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(window.Seconds())))
	return echo.NewHTTPError(http.StatusTooManyRequests,
		"Too many attempts. For your security, wait "+strconv.Itoa(int(window.Minutes()))+" minutes, then try again.")
}

// signinBlocked reports whether sign-in for email from this IP is paused.
func (s *Server) signinBlocked(c echo.Context, email string) (bool, error) {
	ctx := c.Request().Context()
	if over, err := models.OverLimit(ctx, s.db, limitSigninIP, ipBucket("signin", c)); err != nil || over {
		return over, err
	}
	return models.OverLimit(ctx, s.db, limitSigninEmail, emailBucket("signin", email))
}

// signinFailed counts a failed sign-in against the IP and the e-mail.
func (s *Server) signinFailed(c echo.Context, email string) error {
	return models.RecordAttempt(c.Request().Context(), s.db, ipBucket("signin", c), emailBucket("signin", email))
}

// allowAttempt counts an attempt of kind against the IP and e-mail limits.
func (s *Server) allowAttempt(c echo.Context, kind, email string, ipLimit, emailLimit models.RateLimit) (bool, error) {
	ctx := c.Request().Context()
	ok, err := models.AllowAttempt(ctx, s.db, ipLimit, ipBucket(kind, c))
	if err != nil || !ok || email == "" {
		return ok, err
	}
	return models.AllowAttempt(ctx, s.db, emailLimit, emailBucket(kind, email))
}

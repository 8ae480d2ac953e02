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

	limitPasswordCheck = models.RateLimit{Max: 5, Window: 15 * time.Minute}
	limitSetupIP       = models.RateLimit{Max: 10, Window: 15 * time.Minute}
)

func ipBucket(kind string, c echo.Context) string { return kind + "-ip:" + c.RealIP() }
func emailBucket(kind, email string) string       { return kind + "-email:" + models.NormalizeEmail(email) }

// errTooMany is the 429 page; Retry-After says when to come back.
func errTooMany(c echo.Context, window time.Duration) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(window.Seconds())))
	return echo.NewHTTPError(http.StatusTooManyRequests,
		"Too many attempts. For your security, wait "+strconv.Itoa(int(window.Minutes()))+" minutes, then try again.")
}

// claimSignin counts a sign-in attempt against the IP and the e-mail typed
// before its password is hashed, so concurrent guesses cannot all slip past
// the limit; an unknown address is counted exactly like a known one. The
// caller releases the claim when the password was right: only failures
// count. A refusal is the 429 page.
func (s *Server) claimSignin(c echo.Context, email string) (*models.Claim, error) {
	return s.claim(c, limitSigninIP.Window,
		models.BucketLimit{Bucket: ipBucket("signin", c), Limit: limitSigninIP},
		models.BucketLimit{Bucket: emailBucket("signin", email), Limit: limitSigninEmail})
}

// claimPasswordCheck counts a check of the current password on the account
// page against the signed-in user, who may not guess it by the thousand.
func (s *Server) claimPasswordCheck(c echo.Context, userID int64) (*models.Claim, error) {
	return s.claim(c, limitPasswordCheck.Window,
		models.BucketLimit{Bucket: "password-check-user:" + strconv.FormatInt(userID, 10), Limit: limitPasswordCheck})
}

func (s *Server) claim(c echo.Context, window time.Duration, limits ...models.BucketLimit) (*models.Claim, error) {
	claim, ok, err := models.ClaimAttempt(c.Request().Context(), s.db, limits...)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errTooMany(c, window)
	}
	return claim, nil
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

package handlers

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/pquerna/otp"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

// Two-factor sign-in (TOTP): staff and client users turn it on from their
// account page; admins can make it compulsory for staff. After a right
// password (or provider sign-in) a user with it on gets no session yet, only
// a short-lived challenge cookie, and the session starts once the code from
// their app (or a recovery code) is right.

const (
	tplSigninCode   templates.Page = "auth/signin_code"
	challengeCookie string         = "portal_2fa"
)

var limitSecondFactor = models.RateLimit{Max: 5, Window: 15 * time.Minute}

// TOTPSetup is what an authenticator app needs: the QR code of the key URL,
// and the secret for typing by hand.
type TOTPSetup struct {
	Secret string
	URL    string
	QR     template.URL // a data: URL of a PNG made here, never user text
}

// SigninCodeForm asks for the second factor.
type SigninCodeForm struct {
	Errors FieldErrors
}

// signInUser finishes a sign-in whose first factor was right: at once, or
// through the code page when the user has two-factor sign-in on.
func (s *Server) signInUser(c echo.Context, u *models.User, next, welcome string, method models.SigninMethod) error {
	if !u.TOTPEnabled() {
		if err := s.startSession(c, u, method); err != nil {
			return err
		}
		if welcome != "" {
			setFlash(c, "success", welcome)
		}
		return redirect(c, next)
	}
	token, err := models.CreateSigninChallenge(c.Request().Context(), s.db, u.ID, next, method)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: challengeCookie, Value: token, Path: "/signin/code", HttpOnly: true,
		Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode, MaxAge: int(models.SigninChallengeValidity.Seconds())})
	return redirect(c, "/signin/code")
}

// challenge is the sign-in waiting for this browser's second factor.
func (s *Server) challenge(c echo.Context) (*models.SigninChallenge, *models.User, error) {
	ck, err := c.Cookie(challengeCookie)
	if err != nil {
		return nil, nil, nil
	}
	ch, u, err := models.GetSigninChallenge(c.Request().Context(), s.db, ck.Value)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, nil
	}
	return ch, u, err
}

func (s *Server) signinCodeForm(c echo.Context) error {
	ch, _, err := s.challenge(c)
	if err != nil || ch == nil {
		return s.restartSignin(c, err)
	}
	return s.render(c, http.StatusOK, tplSigninCode, View{Title: "Two-factor sign-in", Data: SigninCodeForm{}})
}

func (s *Server) signinCodeSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	ch, u, err := s.challenge(c)
	if err != nil || ch == nil {
		return s.restartSignin(c, err)
	}
	claim, err := s.claim(c, limitSecondFactor.Window,
		models.BucketLimit{Bucket: "second-factor-user:" + strconv.FormatInt(u.ID, 10), Limit: limitSecondFactor})
	if err != nil {
		return err
	}
	err = models.CheckSecondFactor(ctx, s.db, u.ID, c.FormValue("code"))
	if errors.Is(err, models.ErrTOTPCode) {
		f := SigninCodeForm{Errors: FieldErrors{"code": "That code is not right. Enter the 6-digit code your app shows now, or one of your recovery codes."}}
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplSigninCode, "form", View{Title: "Two-factor sign-in", Data: f})
	}
	if err != nil {
		return err
	}
	if err := claim.Release(ctx, s.db); err != nil {
		return err
	}
	if err := models.DeleteSigninChallenge(ctx, s.db, ch.ID); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: challengeCookie, Path: "/signin/code", MaxAge: -1, HttpOnly: true,
		Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode})
	if err := s.startSession(c, u, ch.Method); err != nil {
		return err
	}
	return redirect(c, cmpOr(ch.NextPath, homeOf(u)))
}

// restartSignin sends a browser without a live challenge back to sign in.
func (s *Server) restartSignin(c echo.Context, err error) error {
	if err != nil {
		return err
	}
	setFlash(c, "info", "Your sign-in expired. Sign in again.")
	return redirect(c, "/signin")
}

// totpSetup starts turning two-factor sign-in on, or moving it to a new
// app: a new secret, shown as a QR code, that a first right code confirms.
// Until then the app in use, if any, keeps working.
func (s *Server) totpSetup(c echo.Context) error {
	u := currentUser(c)
	key, err := models.BeginTOTP(c.Request().Context(), s.db, u, s.workspaceName(c))
	if err != nil {
		return err
	}
	return s.renderTOTPSetup(c, http.StatusOK, key, nil)
}

func (s *Server) renderTOTPSetup(c echo.Context, status int, key *otp.Key, errs FieldErrors) error {
	page, err := s.accountPage(c)
	if err != nil {
		return err
	}
	if page.TOTPSetup, err = totpSetupOf(key); err != nil {
		return err
	}
	if errs != nil {
		page.Errors = errs
	}
	u := currentUser(c)
	return s.render(c, status, accountTemplate(u), View{Title: "Account", Nav: "account", Data: page})
}

// totpEnable confirms the pending secret with a code from the new app. A
// user replacing an app in use also gives a code of that app (or a recovery
// code), counted against the same limit as sign-in codes.
func (s *Server) totpEnable(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	var claim *models.Claim
	if u.TOTPEnabled() {
		var err error
		if claim, err = s.claimSecondFactor(c, u.ID); err != nil {
			return err
		}
	}
	codes, err := models.ConfirmTOTP(ctx, s.db, u.ID, c.FormValue("totp_code"), c.FormValue("current_code"))
	var errs FieldErrors
	switch {
	case errors.Is(err, models.ErrTOTPCode):
		errs = FieldErrors{"totp_code": "That code is not right. Enter the 6-digit code your app shows now."}
	case errors.Is(err, models.ErrCurrentFactor):
		errs = FieldErrors{"current_code": "That code is not right. Enter the code your current app shows now, or one of your recovery codes."}
	case err != nil:
		return err
	}
	if errs != nil {
		fresh, gerr := models.GetUser(ctx, s.db, u.ID)
		if gerr != nil {
			return gerr
		}
		if fresh.TOTPPendingSecret == nil {
			return redirect(c, accountPath(u))
		}
		key, kerr := otp.NewKeyFromURL(totpURL(s.workspaceName(c), u.Email, *fresh.TOTPPendingSecret))
		if kerr != nil {
			return kerr
		}
		return s.renderTOTPSetup(c, http.StatusUnprocessableEntity, key, errs)
	}
	if claim != nil {
		if err := claim.Release(ctx, s.db); err != nil {
			return err
		}
	}
	message := "Two-factor sign-in is on. Keep your recovery codes somewhere safe."
	if u.TOTPEnabled() {
		message = "Two-factor sign-in now uses your new app. Your old app's codes and recovery codes no longer work: keep the new recovery codes somewhere safe."
	}
	page, err := s.accountPage(c)
	if err != nil {
		return err
	}
	page.TOTPEnabled, page.RecoveryCodes, page.RecoveryLeft = true, codes, len(codes)
	return s.render(c, http.StatusOK, accountTemplate(u), View{Title: "Account", Nav: "account", Data: page,
		Flash: &Flash{Kind: "success", Message: message}})
}

// totpDisable turns two-factor sign-in off. A session alone is not enough:
// it takes the password (for an account that has one) and a current code
// of the app or a recovery code, the same as signing in. Staff may not turn
// it off while their MSP requires it.
func (s *Server) totpDisable(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	page, err := s.accountPage(c)
	if err != nil {
		return err
	}
	if !u.TOTPEnabled() {
		return redirect(c, accountPath(u))
	}
	if page.TOTPRequired {
		page.Errors["disable_code"] = "Your MSP requires two-factor sign-in for staff."
		return s.render(c, http.StatusUnprocessableEntity, accountTemplate(u), View{Title: "Account", Nav: "account", Data: page})
	}
	// Both checks count against their limits at once, so neither can be
	// guessed by way of the other.
	claim, err := s.claim(c, limitSecondFactor.Window,
		models.BucketLimit{Bucket: "password-check-user:" + strconv.FormatInt(u.ID, 10), Limit: limitPasswordCheck},
		models.BucketLimit{Bucket: "second-factor-user:" + strconv.FormatInt(u.ID, 10), Limit: limitSecondFactor})
	if err != nil {
		return err
	}
	code := strings.TrimSpace(c.FormValue("disable_code"))
	if u.PasswordHash != nil && !models.VerifyPassword(ctx, u, c.FormValue("disable_password")) {
		page.Errors["disable_password"] = "This is not your current password."
	}
	if code == "" {
		page.Errors["disable_code"] = "Enter the code your app shows now, or one of your recovery codes."
	}
	// The code is checked (and a recovery code used up) only once the
	// password is right.
	if !page.Errors.Any() {
		err := models.DisableTOTP(ctx, s.db, u.ID, code)
		if errors.Is(err, models.ErrTOTPCode) {
			page.Errors["disable_code"] = "That code is not right. Enter the code your app shows now, or one of your recovery codes."
		} else if err != nil {
			return err
		}
	}
	if page.Errors.Any() {
		return s.render(c, http.StatusUnprocessableEntity, accountTemplate(u), View{Title: "Account", Nav: "account", Data: page})
	}
	if err := claim.Release(ctx, s.db); err != nil {
		return err
	}
	setFlash(c, "success", "Two-factor sign-in is off.")
	return redirect(c, accountPath(u))
}

func (s *Server) claimSecondFactor(c echo.Context, userID int64) (*models.Claim, error) {
	return s.claim(c, limitSecondFactor.Window,
		models.BucketLimit{Bucket: "second-factor-user:" + strconv.FormatInt(userID, 10), Limit: limitSecondFactor})
}

// enrolmentRoutes are the routes a staff member who must still set up
// two-factor sign-in may use: their own account page and its forms (where
// they set it up), signing out, and the pages that need no session at all.
// Every other route, present or future, is closed to them (enrolFirst).
var enrolmentRoutes = map[string]bool{
	"/console/account": true, "/console/account/timezone": true,
	"/account/profile": true, "/account/password": true, "/account/identities/:id/unlink": true,
	"/account/totp/setup": true, "/account/totp/enable": true,
	"/signout": true, "/signin": true, "/signin/code": true, "/setup": true, "/forgot": true, "/reset/:token": true,
	"/join/:token": true, "/join/:token/signin": true, "/welcome/:token": true, "/rate/:token/:rating": true,
	"/auth/:provider": true, "/auth/:provider/callback": true,
}

// mustEnrol is models.StaffMustEnrol, the one rule the pages (enrolFirst),
// the event stream (streamAudience) and the API keep.
func (s *Server) mustEnrol(ctx context.Context, u *models.User) (bool, error) {
	return models.StaffMustEnrol(ctx, s.db, u)
}

// enrolFirst sends staff who must set up two-factor sign-in to their
// account page from every route but enrolmentRoutes. It runs on every page
// route, not only on the console's, so that no staff route (an export, a
// file, a fragment) is left out.
func (s *Server) enrolFirst(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if enrolmentRoutes[c.Path()] {
			return next(c)
		}
		must, err := s.mustEnrol(c.Request().Context(), currentUser(c))
		if err != nil {
			return err
		}
		if !must {
			return next(c)
		}
		setFlash(c, "info", "Your MSP requires two-factor sign-in for staff. Set it up below to continue.")
		return redirect(c, "/console/account#two-factor")
	}
}

// totpSetupOf renders a key for the page.
func totpSetupOf(key *otp.Key) (*TOTPSetup, error) {
	img, err := key.Image(200, 200)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return &TOTPSetup{Secret: key.Secret(), URL: key.URL(),
		QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))}, nil //nolint:gosec // made here
}

// totpURL is the otpauth:// URL of a stored secret.
func totpURL(issuer, account, secret string) string {
	return "otpauth://totp/" + urlPathEscape(issuer) + ":" + urlPathEscape(account) +
		"?secret=" + secret + "&issuer=" + urlPathEscape(issuer) + "&algorithm=SHA1&digits=6&period=30"
}

func urlPathEscape(s string) string { return strings.ReplaceAll(url.PathEscape(s), ":", "%3A") }

package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplSignin templates.Page = "auth/signin"

// SigninForm is the sign-in page. Error never says which part was wrong.
type SigninForm struct {
	Email string
	Error string
}

func (s *Server) signinForm(c echo.Context) error {
	if u := currentUser(c); u != nil {
		return redirect(c, homeOf(u))
	}
	return s.render(c, http.StatusOK, tplSignin, View{Title: "Sign in", Data: SigninForm{}})
}

func (s *Server) signinSubmit(c echo.Context) error {
	f := SigninForm{Email: strings.TrimSpace(c.FormValue("email"))}
	claim, err := s.claimSignin(c, f.Email)
	if err != nil {
		return err
	}
	u, err := models.Authenticate(c.Request().Context(), s.db, f.Email, c.FormValue("password"))
	if errors.Is(err, models.ErrBadCredentials) {
		f.Error = "That e-mail and password do not match an active account."
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplSignin, "form", View{Title: "Sign in", Data: f})
	}
	if err != nil {
		return err
	}
	if err := claim.Release(c.Request().Context(), s.db); err != nil {
		return err
	}
	return s.signInUser(c, u, homeOf(u), "", models.SigninPassword)
}

func (s *Server) signout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := models.DeleteSession(c.Request().Context(), s.db, ck.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(c)
	setFlash(c, "info", "You are signed out.")
	return redirect(c, "/signin")
}

// startSession signs a user in with a brand-new session id, so a session
// fixed before sign-in is never promoted. method is how they proved who
// they are, recorded for adoption with the session (models.SigninNone when
// the session is no sign-in, as after a password change).
func (s *Server) startSession(c echo.Context, u *models.User, method models.SigninMethod) error {
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := models.DeleteSession(c.Request().Context(), s.db, ck.Value); err != nil {
			return err
		}
	}
	token, err := models.SignIn(c.Request().Context(), s.db, u, method, c.RealIP(), c.Request().UserAgent(), s.sessionPolicy())
	if err != nil {
		return err
	}
	c.SetCookie(s.embeddable(c, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode,
		MaxAge: int(s.cfg.SessionMax.Seconds()),
	}))
	c.Set(ctxUser, u)
	s.bindCSRF(c, token)
	return nil
}

func (s *Server) clearSessionCookie(c echo.Context) {
	c.SetCookie(s.embeddable(c, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode}))
}

// secureCookies is true when browsers reach the portal over TLS, directly or
// through a proxy that terminates it.
func (s *Server) secureCookies(c echo.Context) bool {
	return c.IsTLS() || (s.cfg.BaseURL != nil && s.cfg.BaseURL.Scheme == "https")
}

// homeOf is where a user lands after signing in.
func homeOf(u *models.User) string {
	if u.IsStaff() {
		return "/console"
	}
	return "/"
}

package handlers

import (
	"cmp"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const (
	tplForgot       templates.Page = "auth/forgot"
	tplReset        templates.Page = "auth/reset"
	tplResetInvalid templates.Page = "auth/reset_invalid"
)

// ForgotForm asks for the e-mail to send a reset link to. Sent is shown
// after any submission, whether or not the address has an account.
type ForgotForm struct {
	Email  string
	Sent   bool
	Errors FieldErrors
}

func (s *Server) forgotForm(c echo.Context) error {
	return s.render(c, http.StatusOK, tplForgot, View{Title: "Forgot password", Data: ForgotForm{}})
}

func (s *Server) forgotSubmit(c echo.Context) error {
	f := ForgotForm{Email: strings.TrimSpace(c.FormValue("email")), Errors: FieldErrors{}}
	f.Errors.email("email", f.Email)
	if f.Errors.Any() {
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplForgot, "form", View{Title: "Forgot password", Data: f})
	}
	if ok, err := s.allowAttempt(c, "reset", f.Email, limitResetIP, limitResetEmail); err != nil || !ok {
		return cmp.Or(err, errTooMany(c, limitResetIP.Window))
	}
	if err := s.sendReset(c, f.Email); err != nil {
		return err
	}
	f.Sent = true
	return s.renderBlock(c, http.StatusOK, tplForgot, "form", View{Title: "Forgot password", Data: f})
}

// sendReset e-mails a reset link when the address belongs to an active
// account, and does nothing otherwise. The mail goes out in the background,
// so both cases answer as fast.
func (s *Server) sendReset(c echo.Context, email string) error {
	ctx := c.Request().Context()
	u, err := models.GetUserByEmail(ctx, s.db, email)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if active, err := models.UserActive(ctx, s.db, u); err != nil || !active {
		return err
	}
	token, err := models.CreatePasswordReset(ctx, s.db, u.ID, models.ResetValidity)
	if err != nil {
		return err
	}
	s.mailer.SendLater(mailMessage(u.Email, "password_reset", map[string]any{
		"Name": u.Name, "Workspace": s.workspaceName(c), "URL": s.absURL("/reset/" + token)}))
	return nil
}

// ResetForm chooses a new password with a reset (or invitation) link.
type ResetForm struct {
	Token  string
	Email  string
	Errors FieldErrors
}

func (s *Server) resetForm(c echo.Context) error {
	u, err := models.PasswordResetUser(c.Request().Context(), s.db, c.Param("token"))
	if errors.Is(err, models.ErrResetInvalid) {
		return s.render(c, http.StatusNotFound, tplResetInvalid, View{Title: "Link not valid"})
	}
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplReset, View{Title: "Choose a new password",
		Data: ResetForm{Token: c.Param("token"), Email: u.Email}})
}

func (s *Server) resetSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.Param("token")
	u, err := models.PasswordResetUser(ctx, s.db, token)
	if errors.Is(err, models.ErrResetInvalid) {
		return s.render(c, http.StatusNotFound, tplResetInvalid, View{Title: "Link not valid"})
	}
	if err != nil {
		return err
	}
	f := ResetForm{Token: token, Email: u.Email, Errors: FieldErrors{}}
	password := c.FormValue("password")
	if msg := models.CheckPassword(password); msg != "" {
		f.Errors["password"] = msg
	} else if password != c.FormValue("confirm") {
		f.Errors["confirm"] = "The two passwords differ."
	}
	if f.Errors.Any() {
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplReset, "form", View{Title: "Choose a new password", Data: f})
	}
	if _, err := models.ResetPassword(ctx, s.db, token, password); errors.Is(err, models.ErrResetInvalid) {
		return s.render(c, http.StatusNotFound, tplResetInvalid, View{Title: "Link not valid"})
	} else if err != nil {
		return err
	}
	// Every session of the user ended with the reset, this browser's too.
	s.clearSessionCookie(c)
	setFlash(c, "success", "Your password is set. Sign in with it now.")
	return redirect(c, "/signin")
}

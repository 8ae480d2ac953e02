package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const (
	tplAccount      templates.Page = "portal/account"
	tplStaffAccount templates.Page = "console/staff_account"
)

// AccountPage is the signed-in user's own account: profile, password and
// linked sign-in providers.
type AccountPage struct {
	Name        string
	Email       string
	NotifyEmail bool
	// NotifyLowBalance: hour bank alerts by e-mail (client users only).
	NotifyLowBalance bool
	NotifyScope      string // client users: "following" or "all"
	IsClient         bool
	HasPassword      bool
	Identities       []models.OAuthIdentity
	Providers        []providerButton
	Errors           FieldErrors

	// Two-factor sign-in (two_factor.go).
	TOTPEnabled   bool
	TOTPRequired  bool       // staff whose MSP requires it
	TOTPSetup     *TOTPSetup // a pending secret to confirm
	RecoveryCodes []string   // shown once, right after turning it on
	RecoveryLeft  int
}

// accountTemplate is the account page in the user's own area.
func accountTemplate(u *models.User) templates.Page {
	if u.IsStaff() {
		return tplStaffAccount
	}
	return tplAccount
}

func accountPath(u *models.User) string {
	if u.IsStaff() {
		return "/console/account"
	}
	return "/account"
}

func (s *Server) account(c echo.Context) error {
	page, err := s.accountPage(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	return s.render(c, http.StatusOK, accountTemplate(u), View{Title: "Account", Nav: "account", Data: page})
}

// clientAccount is a client user's account page. What it shows is the
// user's own (keyed by their id, not their client's), so it needs the
// portal's gate but nothing of the Scope.
func (s *Server) clientAccount(c echo.Context, _ models.Scope) error { return s.account(c) }

func (s *Server) accountPage(c echo.Context) (*AccountPage, error) {
	u := currentUser(c)
	ids, err := models.ListIdentities(c.Request().Context(), s.db, u.ID)
	if err != nil {
		return nil, err
	}
	page := &AccountPage{Name: u.Name, Email: u.Email, NotifyEmail: u.NotifyEmail, NotifyLowBalance: u.NotifyLowBalance, NotifyScope: u.NotifyScope,
		IsClient: !u.IsStaff(), HasPassword: u.PasswordHash != nil,
		Identities: ids, Providers: s.providerButtons(), Errors: FieldErrors{}, TOTPEnabled: u.TOTPEnabled()}
	if page.TOTPEnabled {
		if page.RecoveryLeft, err = models.UnusedRecoveryCodes(c.Request().Context(), s.db, u.ID); err != nil {
			return nil, err
		}
	}
	if u.IsStaff() {
		ws, err := models.GetWorkspace(c.Request().Context(), s.db)
		if err != nil {
			return nil, err
		}
		page.TOTPRequired = ws.RequireStaffTOTP
	}
	return page, nil
}

func (s *Server) accountProfile(c echo.Context) error {
	u := currentUser(c)
	page, err := s.accountPage(c)
	if err != nil {
		return err
	}
	page.Name = strings.TrimSpace(c.FormValue("name"))
	page.NotifyEmail = c.FormValue("notify_email") == "on"
	page.NotifyLowBalance = c.FormValue("notify_low_balance") == "on"
	page.Errors.line("name", page.Name, "Name", 100)
	if page.IsClient {
		if v := c.FormValue("notify_scope"); v != "" || page.NotifyScope == "" {
			page.NotifyScope = v
		}
		if page.NotifyScope == "" {
			page.NotifyScope = models.NotifyFollowing
		}
		if !models.ValidNotifyScope(page.NotifyScope) {
			page.Errors["notify_scope"] = "Choose which requests to hear about."
		}
	}
	if page.Errors.Any() {
		return s.renderBlock(c, http.StatusUnprocessableEntity, accountTemplate(u), "profile", View{Title: "Account", Nav: "account", Data: page})
	}
	err = s.db.RunInTx(c.Request().Context(), nil, func(ctx context.Context, tx bun.Tx) error {
		if err := models.UpdateProfile(ctx, tx, u.ID, page.Name, page.NotifyEmail); err != nil {
			return err
		}
		if page.IsClient {
			if err := models.SetLowBalanceAlerts(ctx, tx, u.ID, page.NotifyLowBalance); err != nil {
				return err
			}
			return models.SetNotifyScope(ctx, tx, u.ID, page.NotifyScope)
		}
		return nil
	})
	if err != nil {
		return err
	}
	setFlash(c, "success", "Profile saved.")
	return redirect(c, accountPath(u))
}

// accountPassword changes the password; every session ends and this browser
// gets a brand-new one, so a stolen session id stops working.
func (s *Server) accountPassword(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	page, err := s.accountPage(c)
	if err != nil {
		return err
	}
	password := c.FormValue("new_password")
	if u.PasswordHash != nil {
		claim, err := s.claimPasswordCheck(c, u.ID)
		if err != nil {
			return err
		}
		if !models.VerifyPassword(ctx, u, c.FormValue("current_password")) {
			page.Errors["current_password"] = "This is not your current password."
		} else if err := claim.Release(ctx, s.db); err != nil {
			return err
		}
	}
	if msg := models.CheckPassword(password); msg != "" {
		page.Errors["new_password"] = msg
	} else if password != c.FormValue("confirm_password") {
		page.Errors["confirm_password"] = "The two passwords differ."
	}
	if page.Errors.Any() {
		return s.renderBlock(c, http.StatusUnprocessableEntity, accountTemplate(u), "password", View{Title: "Account", Nav: "account", Data: page})
	}
	if err := models.SetPassword(ctx, s.db, u.ID, password); err != nil {
		return err
	}
	if err := s.startSession(c, u, models.SigninNone); err != nil {
		return err
	}
	setFlash(c, "success", "Password changed. Other devices have been signed out.")
	return redirect(c, accountPath(u))
}

func (s *Server) accountUnlink(c echo.Context) error {
	u := currentUser(c)
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	err = models.UnlinkIdentity(c.Request().Context(), s.db, u.ID, id)
	if errors.Is(err, models.ErrLastSignIn) {
		setFlash(c, "error", "Set a password first: this is your only way to sign in.")
		return redirect(c, accountPath(u))
	}
	if err != nil {
		return err
	}
	setFlash(c, "success", "Sign-in provider unlinked.")
	return redirect(c, accountPath(u))
}

// requireUser admits any signed-in user and sends visitors to sign in.
func (s *Server) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) == nil {
			return redirect(c, "/signin")
		}
		return next(c)
	}
}

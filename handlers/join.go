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
	tplJoin        templates.Page = "auth/join"
	tplJoinInvalid templates.Page = "auth/join_invalid"
	tplJoinRefused templates.Page = "auth/join_refused"
	tplWelcome     templates.Page = "auth/welcome"
)

// JoinPage is what a valid portal link shows: the client's name, a form to
// create an account and a form to sign in.
type JoinPage struct {
	Token      string
	ClientName string
	Name       string
	Email      string
	Errors     FieldErrors
	SigninErr  string
	SigninAddr string
	Sent       bool // the form was accepted: look in the mailbox
}

// joinLink loads the link of the :token parameter. Unknown, expired and
// revoked links (and links of archived clients) all get the same page with the
// same status, so the answer says nothing about which it was.
func (s *Server) joinLink(c echo.Context) (*models.PortalLink, error) {
	link, err := models.FindPortalLink(c.Request().Context(), s.db, c.Param("token"))
	if errors.Is(err, models.ErrLinkInvalid) {
		return nil, s.render(c, http.StatusNotFound, tplJoinInvalid, View{Title: "Link not valid"})
	}
	return link, err
}

// refuseOtherAccount stops a signed-in person who is not a user of the link's
// client. Their account stays as it is; the page does not name the client.
func (s *Server) refuseOtherAccount(c echo.Context) error {
	return s.render(c, http.StatusForbidden, tplJoinRefused, View{Title: "Link for another account"})
}

func (s *Server) joinShow(c echo.Context) error {
	link, err := s.joinLink(c)
	if link == nil {
		return err
	}
	if u := currentUser(c); u != nil {
		if u.ClientID != nil && *u.ClientID == link.ClientID {
			return redirect(c, "/")
		}
		return s.refuseOtherAccount(c)
	}
	return s.render(c, http.StatusOK, tplJoin, View{Title: "Join " + link.Client.Name,
		Data: JoinPage{Token: c.Param("token"), ClientName: link.Client.Name}})
}

// joinCreate makes an account bound for good to the link's client.
func (s *Server) joinCreate(c echo.Context) error {
	link, err := s.joinLink(c)
	if link == nil {
		return err
	}
	if currentUser(c) != nil {
		return s.joinShow(c)
	}
	f := JoinPage{Token: c.Param("token"), ClientName: link.Client.Name, Errors: FieldErrors{},
		Name: strings.TrimSpace(c.FormValue("name")), Email: strings.TrimSpace(c.FormValue("email"))}
	if ok, err := s.allowAttempt(c, "join", f.Email, limitJoinIP, limitJoinEmail); err != nil || !ok {
		return cmp.Or(err, errTooMany(c, limitJoinIP.Window))
	}
	password := c.FormValue("password")
	f.Errors.line("name", f.Name, "Your name", 100)
	f.Errors.email("email", f.Email)
	if msg := models.CheckPassword(password); msg != "" {
		f.Errors["password"] = msg
	}
	if f.Errors.Any() {
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplJoin, "join-form", View{Title: "Join " + link.Client.Name, Data: f})
	}
	res, err := models.JoinThroughLink(c.Request().Context(), s.db, link, models.NewUser{
		Email: f.Email, Name: f.Name, Password: password, SignupMethod: models.SignupLink})
	if err != nil {
		return err
	}
	s.mailJoin(c, res, link)
	// The same answer whether or not the address had an account: only its
	// owner's mailbox learns which.
	f.Sent = true
	return s.renderBlock(c, http.StatusOK, tplJoin, "join-form", View{Title: "Join " + link.Client.Name, Data: f})
}

// mailJoin sends the link that finishes a sign-up, or tells the owner of an
// address that already has an account how to get in.
func (s *Server) mailJoin(c echo.Context, res *models.JoinResult, link *models.PortalLink) {
	data := map[string]any{"Name": res.User.Name, "Workspace": s.workspaceName(c), "Client": link.Client.Name}
	if res.Token == "" {
		// Anyone can type any address into a link's form: the owner of an
		// account elsewhere (another client's user, staff) must not learn
		// from it which company's link was used.
		if own := res.User.ClientID != nil && *res.User.ClientID == link.ClientID; !own {
			delete(data, "Client")
		}
		data["SigninURL"], data["ForgotURL"] = s.absURL("/signin"), s.absURL("/forgot")
		s.mailer.SendLater(mailMessage(res.User.Email, "join_existing", data))
		return
	}
	data["URL"] = s.absURL("/welcome/" + res.Token)
	s.mailer.SendLater(mailMessage(res.User.Email, "join_confirm", data))
}

// welcomeForm is the page of the e-mailed link: one button finishes the
// sign-up (a POST, so that a mail scanner opening the link uses nothing).
func (s *Server) welcomeForm(c echo.Context) error {
	u, err := models.PendingSignupUser(c.Request().Context(), s.db, c.Param("token"))
	if errors.Is(err, models.ErrResetInvalid) {
		return s.render(c, http.StatusNotFound, tplResetInvalid, View{Title: "Link not valid"})
	}
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, tplWelcome, View{Title: "Finish signing up",
		Data: ResetForm{Token: c.Param("token"), Email: u.Email}})
}

func (s *Server) welcomeSubmit(c echo.Context) error {
	u, err := models.ConfirmSignup(c.Request().Context(), s.db, c.Param("token"))
	if errors.Is(err, models.ErrResetInvalid) {
		return s.render(c, http.StatusNotFound, tplResetInvalid, View{Title: "Link not valid"})
	}
	if err != nil {
		return err
	}
	if err := s.startSession(c, u, models.SigninPassword); err != nil {
		return err
	}
	setFlash(c, "success", "Welcome, "+u.Name+". Your account is ready.")
	return redirect(c, "/")
}

// joinSignin signs an existing user of the link's client in. Anyone else who
// proves their password is refused and stays bound to their own client.
func (s *Server) joinSignin(c echo.Context) error {
	link, err := s.joinLink(c)
	if link == nil {
		return err
	}
	if currentUser(c) != nil {
		return s.joinShow(c)
	}
	f := JoinPage{Token: c.Param("token"), ClientName: link.Client.Name, SigninAddr: strings.TrimSpace(c.FormValue("email"))}
	claim, err := s.claimSignin(c, f.SigninAddr)
	if err != nil {
		return err
	}
	u, err := models.Authenticate(c.Request().Context(), s.db, f.SigninAddr, c.FormValue("password"))
	if errors.Is(err, models.ErrBadCredentials) {
		f.SigninErr = "That e-mail and password do not match an active account."
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplJoin, "signin-form", View{Title: "Join " + link.Client.Name, Data: f})
	}
	if err != nil {
		return err
	}
	if err := claim.Release(c.Request().Context(), s.db); err != nil {
		return err
	}
	if u.ClientID == nil || *u.ClientID != link.ClientID {
		return s.refuseOtherAccount(c)
	}
	if err := models.CountPortalLinkUse(c.Request().Context(), s.db, link.ID); err != nil {
		return err
	}
	return s.signInUser(c, u, "/", "", models.SigninPassword)
}

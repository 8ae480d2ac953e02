package handlers

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/markbates/goth"
	"github.com/markbates/goth/providers/azureadv2"
	"github.com/markbates/goth/providers/google"
	"github.com/markbates/goth/providers/openidConnect"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

// Sign-in with Google, Microsoft or a generic OpenID Connect provider, through
// goth's providers. goth's own session store (gothic) is not used: the state
// of a sign-in in progress is a database row, found by the hash of a random
// state that the browser also keeps in a short-lived cookie.

const (
	tplOAuthRefused templates.Page = "auth/oauth_refused"
	oauthCookie     string         = "portal_oauth"
)

// oauthProviders are the sign-in providers enabled by configuration.
type oauthProviders struct {
	mu      sync.Mutex
	byName  map[string]goth.Provider
	lazy    map[string]func() (goth.Provider, error) // built on first use (discovery needs the network)
	buttons []providerButton
}

// providerButton is a "Continue with …" button.
type providerButton struct {
	Name  string // provider name, also in /auth/<name>
	Label string
}

// Option changes how New builds the server; tests use it.
type Option func(*Server)

// WithProvider registers a sign-in provider under its Name(), replacing a
// configured one of the same name (tests put an in-process OpenID Connect
// provider behind the "google" name).
func WithProvider(p goth.Provider, label string) Option {
	return func(s *Server) { s.providers.add(p.Name(), label, func() (goth.Provider, error) { return p, nil }) }
}

func newOAuthProviders(cfg config.Config) (*oauthProviders, error) {
	ps := &oauthProviders{byName: map[string]goth.Provider{}, lazy: map[string]func() (goth.Provider, error){}}
	callback := func(name string) string { return cfg.BaseURL.String() + "/auth/" + name + "/callback" }
	if cfg.GoogleClientID != "" {
		ps.add("google", "Google", func() (goth.Provider, error) {
			return google.New(cfg.GoogleClientID, cfg.GoogleClientSecret, callback("google"), "openid", "email", "profile"), nil
		})
	}
	if cfg.MicrosoftClientID != "" {
		ps.add("microsoft", "Microsoft", func() (goth.Provider, error) {
			p := azureadv2.New(cfg.MicrosoftClientID, cfg.MicrosoftClientSecret, callback("microsoft"),
				azureadv2.ProviderOptions{Tenant: azureadv2.TenantType(cfg.MicrosoftTenant)})
			p.SetName("microsoft")
			return p, nil
		})
	}
	if cfg.OIDCClientID != "" {
		ps.add("oidc", cfg.OIDCName, func() (goth.Provider, error) {
			discovery := strings.TrimSuffix(cfg.OIDCIssuer, "/") + "/.well-known/openid-configuration"
			p, err := openidConnect.New(cfg.OIDCClientID, cfg.OIDCClientSecret, callback("oidc"), discovery, "openid", "email", "profile")
			if err != nil {
				return nil, fmt.Errorf("OpenID Connect discovery at %s: %w", discovery, err)
			}
			p.SetName("oidc")
			return p, nil
		})
	}
	return ps, nil
}

func (ps *oauthProviders) add(name, label string, build func() (goth.Provider, error)) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	delete(ps.byName, name)
	ps.lazy[name] = build
	ps.buttons = slices.DeleteFunc(ps.buttons, func(b providerButton) bool { return b.Name == name })
	ps.buttons = append(ps.buttons, providerButton{Name: name, Label: label})
}

// get returns an enabled provider, building it on first use.
func (ps *oauthProviders) get(name string) (goth.Provider, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if p, ok := ps.byName[name]; ok {
		return p, nil
	}
	build, ok := ps.lazy[name]
	if !ok {
		return nil, echo.ErrNotFound
	}
	p, err := build()
	if err != nil {
		return nil, err
	}
	ps.byName[name] = p
	return p, nil
}

// providerButtons lists the enabled providers (none when none is configured).
func (s *Server) providerButtons() []providerButton {
	s.providers.mu.Lock()
	defer s.providers.mu.Unlock()
	return slices.Clone(s.providers.buttons)
}

// providerLabel names a provider for people.
func providerLabel(name string) string {
	switch name {
	case "google":
		return "Google"
	case "microsoft", "microsoftonline", "azureadv2":
		return "Microsoft"
	case "oidc", "openid-connect":
		return "Single sign-on"
	}
	return titleCase(name)
}

// oauthBegin sends the browser to the provider. ?join=<token> carries a
// portal link through the round trip; ?link=1 links the provider to the
// signed-in user's account.
func (s *Server) oauthBegin(c echo.Context) error {
	ctx := c.Request().Context()
	name := c.Param("provider")
	p, err := s.providers.get(name)
	if err != nil {
		return err
	}
	st := &models.OAuthState{Provider: name}
	if join := c.QueryParam("join"); join != "" {
		link, err := models.FindPortalLink(ctx, s.db, join)
		if errors.Is(err, models.ErrLinkInvalid) {
			return s.render(c, http.StatusNotFound, tplJoinInvalid, View{Title: "Link not valid"})
		}
		if err != nil {
			return err
		}
		st.PortalLinkID = &link.ID
	}
	if c.QueryParam("link") != "" {
		u := currentUser(c)
		if u == nil {
			return redirect(c, "/signin")
		}
		st.LinkUserID = &u.ID
	}
	state, hash, err := models.NewToken()
	if err != nil {
		return err
	}
	sess, err := p.BeginAuth(state)
	if err != nil {
		return fmt.Errorf("handlers: begin %s sign-in: %w", name, err)
	}
	authURL, err := sess.GetAuthURL()
	if err != nil {
		return fmt.Errorf("handlers: %s sign-in URL: %w", name, err)
	}
	if _, oidc := p.(*openidConnect.Provider); oidc {
		if authURL, err = withPKCEAndNonce(st, authURL); err != nil {
			return err
		}
	}
	st.StateHash, st.SessionData = hash, sess.Marshal()
	if err := models.SaveOAuthState(ctx, s.db, st); err != nil {
		return err
	}
	// SameSite=Lax: the provider's redirect back is a top-level navigation,
	// which carries Lax cookies.
	c.SetCookie(&http.Cookie{Name: oauthCookie, Value: state, Path: "/auth/" + name, HttpOnly: true,
		Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode, MaxAge: int(models.OAuthStateValidity.Seconds())})
	return c.Redirect(http.StatusSeeOther, authURL)
}

// OAuthRefused explains why a provider sign-in did not lead to an account.
type OAuthRefused struct {
	Provider string
	Message  string
}

func (s *Server) oauthRefuse(c echo.Context, status int, provider, message string) error {
	return s.render(c, status, tplOAuthRefused, View{Title: "Sign-in not completed",
		Data: OAuthRefused{Provider: providerLabel(provider), Message: message}})
}

// oauthCallback finishes a provider sign-in: it checks the state against the
// cookie and the database, asks the provider who the person is, and finds or
// (through a portal link) creates their account.
func (s *Server) oauthCallback(c echo.Context) error {
	ctx := c.Request().Context()
	name := c.Param("provider")
	p, err := s.providers.get(name)
	if err != nil {
		return err
	}
	state := c.QueryParam("state")
	ck, cerr := c.Cookie(oauthCookie)
	c.SetCookie(&http.Cookie{Name: oauthCookie, Path: "/auth/" + name, MaxAge: -1, HttpOnly: true,
		Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode})
	const expired = "This sign-in attempt expired or was started in another browser. Please try again."
	if cerr != nil || state == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(state)) != 1 {
		return s.oauthRefuse(c, http.StatusBadRequest, name, expired)
	}
	st, err := models.TakeOAuthState(ctx, s.db, state, name)
	if errors.Is(err, models.ErrNotFound) {
		return s.oauthRefuse(c, http.StatusBadRequest, name, expired)
	}
	if err != nil {
		return err
	}
	if c.QueryParam("error") != "" {
		return s.oauthRefuse(c, http.StatusUnauthorized, name, "The sign-in was cancelled or refused at "+providerLabel(name)+".")
	}
	sess, err := p.UnmarshalSession(st.SessionData)
	if err != nil {
		return fmt.Errorf("handlers: %s session: %w", name, err)
	}
	params := c.QueryParams()
	if st.CodeVerifier != "" {
		params = url.Values(maps.Clone(params))
		params.Set("code_verifier", st.CodeVerifier)
	}
	if _, err := sess.Authorize(p, params); err != nil {
		s.log.WarnContext(ctx, "OAuth code exchange failed", "provider", name, "error", err)
		return s.oauthRefuse(c, http.StatusUnauthorized, name, "We could not confirm your sign-in with "+providerLabel(name)+". Please try again.")
	}
	gu, err := p.FetchUser(sess)
	if err != nil || gu.UserID == "" {
		s.log.WarnContext(ctx, "OAuth user fetch failed", "provider", name, "error", err)
		return s.oauthRefuse(c, http.StatusUnauthorized, name, "We could not confirm your sign-in with "+providerLabel(name)+". Please try again.")
	}
	if nonce, _ := gu.RawData["nonce"].(string); st.Nonce != "" && subtle.ConstantTimeCompare([]byte(nonce), []byte(st.Nonce)) != 1 {
		s.log.WarnContext(ctx, "OpenID Connect nonce mismatch", "provider", name)
		return s.oauthRefuse(c, http.StatusUnauthorized, name, "We could not confirm your sign-in with "+providerLabel(name)+". Please try again.")
	}
	id := identity{provider: name, subject: gu.UserID, email: models.NormalizeEmail(gu.Email),
		name: strings.TrimSpace(gu.Name), verified: emailVerified(gu)}
	if st.LinkUserID != nil {
		return s.oauthLinkToAccount(c, st, id)
	}
	return s.oauthSignIn(c, st, id)
}

// identity is who the provider says the person is.
type identity struct {
	provider, subject, email, name string
	verified                       bool
}

// emailVerified is true only when the provider vouches for the address.
func emailVerified(u goth.User) bool {
	switch v := u.RawData["email_verified"].(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// oauthLinkToAccount links the identity to the signed-in user who asked for it.
func (s *Server) oauthLinkToAccount(c echo.Context, st *models.OAuthState, id identity) error {
	u := currentUser(c)
	if u == nil || u.ID != *st.LinkUserID {
		return s.oauthRefuse(c, http.StatusForbidden, id.provider, "Sign in again, then link the provider from your account page.")
	}
	if msg, err := s.staffDomainRefusal(c, u, id); err != nil || msg != "" {
		if err != nil {
			return err
		}
		return s.oauthRefuse(c, http.StatusForbidden, id.provider, msg)
	}
	err := models.LinkIdentity(c.Request().Context(), s.db, u.ID, id.provider, id.subject, id.email)
	if errors.Is(err, models.ErrIdentityTaken) {
		setFlash(c, "error", "That "+providerLabel(id.provider)+" account is already linked to another portal account.")
		return redirect(c, accountPath(u))
	}
	if err != nil {
		return err
	}
	setFlash(c, "success", providerLabel(id.provider)+" is linked. You can now sign in with it.")
	return redirect(c, accountPath(u))
}

// oauthSignIn signs in the account of a linked identity, or of a verified
// e-mail (linking it), or creates a client account when the person came
// through a valid portal link. Without one of those there is no account.
func (s *Server) oauthSignIn(c echo.Context, st *models.OAuthState, id identity) error {
	ctx := c.Request().Context()
	var link *models.PortalLink
	if st.PortalLinkID != nil {
		l, err := models.GetValidPortalLink(ctx, s.db, *st.PortalLinkID)
		if errors.Is(err, models.ErrLinkInvalid) {
			return s.render(c, http.StatusNotFound, tplJoinInvalid, View{Title: "Link not valid"})
		}
		if err != nil {
			return err
		}
		link = l
	}
	u, linked, err := s.identityUser(c, id)
	if err != nil {
		return err
	}
	if u != nil && u.IsStaff() && !linked {
		// A staff account opens the console: a provider signs into it only
		// once its owner has linked it while signed in, never by e-mail
		// alone (any identity at the provider with that address would do).
		return s.oauthRefuse(c, http.StatusForbidden, id.provider, "Staff sign in with "+providerLabel(id.provider)+
			" only after linking it: sign in with your password, then link "+providerLabel(id.provider)+" from your account page.")
	}
	if u == nil && link != nil {
		if id.email == "" {
			return s.oauthRefuse(c, http.StatusForbidden, id.provider, providerLabel(id.provider)+" did not share your e-mail address. Create an account with a password instead.")
		}
		name := cmpOr(id.name, id.email)
		u, err = models.JoinVerified(ctx, s.db, link, models.NewUser{Email: id.email, Name: name, SignupMethod: id.provider})
		if errors.Is(err, models.ErrEmailTaken) {
			return s.oauthRefuse(c, http.StatusForbidden, id.provider, "An account with this e-mail already exists. Sign in with your password, then link "+providerLabel(id.provider)+" from your account page.")
		}
		if err != nil {
			return err
		}
		return s.finishOAuth(c, u, id, "Welcome, "+u.Name+". Your account is ready.")
	}
	if u == nil {
		return s.oauthRefuse(c, http.StatusForbidden, id.provider, "There is no account for this "+providerLabel(id.provider)+
			" account. Ask your provider for a portal link, or sign in with your password and link "+providerLabel(id.provider)+" from your account page.")
	}
	if link != nil && (u.ClientID == nil || *u.ClientID != link.ClientID) {
		return s.refuseOtherAccount(c)
	}
	if link != nil {
		if err := models.CountPortalLinkUse(ctx, s.db, link.ID); err != nil {
			return err
		}
	}
	return s.finishOAuth(c, u, id, "")
}

// identityUser finds the account of an identity: by the linked identity
// (linked is true), else by a verified e-mail. It returns nil when there is none.
func (s *Server) identityUser(c echo.Context, id identity) (u *models.User, linked bool, err error) {
	ctx := c.Request().Context()
	found, err := models.FindIdentity(ctx, s.db, id.provider, id.subject)
	switch {
	case err == nil:
		u, err = models.GetUser(ctx, s.db, found.UserID)
		return u, err == nil, err
	case !errors.Is(err, models.ErrNotFound):
		return nil, false, err
	case id.verified && id.email != "":
		// Linked only once finishOAuth has checked the account may use it.
		u, err = models.GetUserByEmail(ctx, s.db, id.email)
		if errors.Is(err, models.ErrNotFound) {
			return nil, false, nil
		}
		return u, false, err
	}
	return nil, false, nil
}

// finishOAuth checks the account may sign in (active; staff with a provider
// account inside the staff domains), links the identity if it was found by
// e-mail, and starts its session.
func (s *Server) finishOAuth(c echo.Context, u *models.User, id identity, welcome string) error {
	ctx := c.Request().Context()
	active, err := models.UserActive(ctx, s.db, u)
	if err != nil {
		return err
	}
	if !active {
		return s.oauthRefuse(c, http.StatusForbidden, "", "This account cannot sign in. Contact your provider.")
	}
	if msg, err := s.staffDomainRefusal(c, u, id); err != nil || msg != "" {
		if err != nil {
			return err
		}
		return s.oauthRefuse(c, http.StatusForbidden, "", msg)
	}
	if err := models.LinkIdentity(ctx, s.db, u.ID, id.provider, id.subject, id.email); err != nil {
		return err
	}
	return s.signInUser(c, u, homeOf(u), welcome, models.SigninMethodOfProvider(id.provider))
}

// staffDomainRefusal refuses a staff sign-in with a provider account outside
// the MSP's e-mail domains, when those are set.
func (s *Server) staffDomainRefusal(c echo.Context, u *models.User, id identity) (string, error) {
	if !u.IsStaff() {
		return "", nil
	}
	ws, err := models.GetWorkspace(c.Request().Context(), s.db)
	if err != nil {
		return "", err
	}
	if ws.AllowsStaffEmail(id.email) && ws.AllowsStaffEmail(u.Email) {
		return "", nil
	}
	return "Staff sign in with an address at " + strings.Join(ws.StaffDomainList(), " or ") + ".", nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplSettings templates.Page = "console/settings"

// SettingsForm is the workspace settings admins change.
type SettingsForm struct {
	Name         string
	FrameOrigins string
	StaffDomains string
	RequireTOTP  bool // staff must use two-factor sign-in
	// ReopenWindowDays is how long a client reply reopens a completed request.
	ReopenWindowDays string
	EnvOrigins       []string // from PORTAL_FRAME_ANCESTORS, always allowed
	// Attachment limits (attachment_uploads.go), as typed.
	AttachMaxMB    string
	AttachMaxFiles string
	AttachBlocked  string
	Errors         FieldErrors
}

// Bounds of the attachment limits admins may set: a message's body may be
// up to files × size, so both stay within what one request should carry.
const (
	maxAttachMB    = 500
	maxAttachFiles = 50
)

// AttachMaxMBLimit and AttachMaxFilesLimit are the inputs' maxima.
func (SettingsForm) AttachMaxMBLimit() int    { return maxAttachMB }
func (SettingsForm) AttachMaxFilesLimit() int { return maxAttachFiles }

func (s *Server) settingsForm(c echo.Context) error {
	ws, err := models.GetWorkspace(c.Request().Context(), s.db)
	if err != nil {
		return err
	}
	f := SettingsForm{Name: ws.Name, FrameOrigins: ws.FrameOrigins, StaffDomains: ws.StaffDomains,
		RequireTOTP: ws.RequireStaffTOTP, EnvOrigins: s.cfg.FrameAncestors, ReopenWindowDays: strconv.Itoa(ws.ReopenDays())}
	lim := s.attachmentLimits(c.Request().Context())
	f.AttachMaxMB, f.AttachMaxFiles = strconv.FormatInt(max(1, lim.MaxFileBytes>>20), 10), strconv.Itoa(lim.MaxFiles)
	f.AttachBlocked = strings.Join(lim.Blocked, " ")
	return s.render(c, http.StatusOK, tplSettings, View{Title: "Settings", Nav: "settings", Data: f})
}

func (s *Server) settingsSubmit(c echo.Context) error {
	f := SettingsForm{Name: strings.TrimSpace(c.FormValue("name")), RequireTOTP: c.FormValue("require_totp") == "on",
		EnvOrigins: s.cfg.FrameAncestors, Errors: FieldErrors{}}
	f.Errors.line("name", f.Name, "Company name", 100)
	origins, bad := parseOrigins(c.FormValue("frame_origins"))
	f.FrameOrigins = strings.Join(origins, " ")
	if bad != "" {
		f.FrameOrigins = c.FormValue("frame_origins")
		f.Errors["frame_origins"] = "“" + bad + "” is not an origin. Enter origins such as https://www.example.com, separated by spaces or lines."
	}
	domains, badDomain := parseDomains(c.FormValue("staff_domains"))
	f.StaffDomains = strings.Join(domains, " ")
	if badDomain != "" {
		f.StaffDomains = c.FormValue("staff_domains")
		f.Errors["staff_domains"] = "“" + badDomain + "” is not a domain. Enter domains such as example.com."
	}
	f.ReopenWindowDays = strings.TrimSpace(c.FormValue("reopen_window_days"))
	days := models.DefaultReopenWindowDays
	if f.ReopenWindowDays != "" {
		n, err := strconv.Atoi(f.ReopenWindowDays)
		if err != nil || n < 1 || n > models.MaxReopenWindowDays {
			f.Errors["reopen_window_days"] = "Enter a number of days between 1 and 365."
		}
		days = n
	}
	f.AttachMaxMB, f.AttachMaxFiles = strings.TrimSpace(c.FormValue("attach_max_mb")), strings.TrimSpace(c.FormValue("attach_max_files"))
	var attachBytes int64
	var attachFiles int
	if f.AttachMaxMB != "" {
		n, err := strconv.Atoi(f.AttachMaxMB)
		if err != nil || n < 1 || n > maxAttachMB {
			f.Errors["attach_max_mb"] = "Enter a number of megabytes between 1 and " + strconv.Itoa(maxAttachMB) + "."
		}
		attachBytes = int64(n) << 20
	}
	if f.AttachMaxFiles != "" {
		n, err := strconv.Atoi(f.AttachMaxFiles)
		if err != nil || n < 1 || n > maxAttachFiles {
			f.Errors["attach_max_files"] = "Enter a number of files between 1 and " + strconv.Itoa(maxAttachFiles) + "."
		}
		attachFiles = n
	}
	blocked, badExt := attachments.ParseBlocked(c.FormValue("attach_blocked"))
	f.AttachBlocked = strings.Join(blocked, " ")
	if badExt != "" {
		f.AttachBlocked = c.FormValue("attach_blocked")
		f.Errors["attach_blocked"] = "“" + badExt + "” is not a file extension. Enter extensions such as exe msi bat, separated by spaces."
	}
	// Requiring two-factor sign-in of an admin who has none would send them
	// to set it up before they could use the console again, this page
	// included: so it is theirs to set up first.
	if f.RequireTOTP && !currentUser(c).TOTPEnabled() {
		f.Errors["require_totp"] = "Set up two-factor sign-in on your own account first, then require it of all staff."
	}
	if f.Errors.Any() {
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplSettings, "form", View{Title: "Settings", Nav: "settings", Data: f})
	}
	var blockedList *string // a form without the field keeps the list
	if c.Request().PostForm.Has("attach_blocked") {
		blockedList = &f.AttachBlocked
	}
	err := s.db.RunInTx(c.Request().Context(), nil, func(ctx context.Context, tx bun.Tx) error {
		was, err := models.GetWorkspace(ctx, tx)
		if err != nil {
			return err
		}
		if err := models.UpdateWorkspace(ctx, tx, models.WorkspaceSettings{
			Name: f.Name, FrameOrigins: f.FrameOrigins, StaffDomains: f.StaffDomains, RequireStaffTOTP: f.RequireTOTP,
			ReopenWindowDays: days, AttachMaxFileBytes: attachBytes, AttachMaxFiles: attachFiles, AttachBlocked: blockedList}); err != nil {
			return err
		}
		if f.RequireTOTP && !was.RequireStaffTOTP {
			_, err = models.EndUnenrolledStaffSessions(ctx, tx)
		}
		return err
	})
	if err != nil {
		return err
	}
	s.frameCache.Store(nil)
	setFlash(c, "success", "Settings saved.")
	return redirect(c, "/console/settings")
}

// parseOrigins splits a list of origins, normalised to scheme://host[:port];
// bad is the first entry that is not one.
func parseOrigins(raw string) (origins []string, bad string) {
	for _, f := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		u, err := url.Parse(f)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(u.Host, "'; *") {
			return nil, f
		}
		o := u.Scheme + "://" + strings.ToLower(u.Host)
		if !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	return origins, ""
}

// parseDomains splits a list of e-mail domains.
func parseDomains(raw string) (domains []string, bad string) {
	for _, d := range strings.FieldsFunc(strings.ToLower(raw), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		d = strings.TrimPrefix(d, "@")
		if !strings.Contains(d, ".") || strings.ContainsAny(d, "/:@'\";<>") || len(d) > 253 {
			return nil, d
		}
		if !slices.Contains(domains, d) {
			domains = append(domains, d)
		}
	}
	return domains, ""
}

// frameAncestors are the origins allowed to frame the portal: the
// environment's plus the workspace setting, cached briefly like the name.
func (s *Server) frameAncestors(c echo.Context) []string {
	if cached := s.frameCache.Load(); cached != nil && time.Since(cached.at) < workspaceTTL {
		return cached.origins
	}
	origins := slices.Clone(s.cfg.FrameAncestors)
	if ws, err := models.GetWorkspace(c.Request().Context(), s.db); err == nil {
		extra, _ := parseOrigins(ws.FrameOrigins)
		for _, o := range extra {
			if !slices.Contains(origins, o) {
				origins = append(origins, o)
			}
		}
	}
	s.frameCache.Store(&cachedOrigins{origins: origins, at: time.Now()})
	return origins
}

type cachedOrigins struct {
	origins []string
	at      time.Time
}

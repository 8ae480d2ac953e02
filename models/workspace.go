package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/attachments"
)

// Workspace is the MSP running this portal: one row, made by the setup page.
type Workspace struct {
	bun.BaseModel `bun:"table:workspace"`

	ID           int64  `bun:"id,pk"`
	Name         string `bun:"name"`
	BrandColor   string `bun:"brand_color"`
	SupportEmail string `bun:"support_email"`
	FrameOrigins string `bun:"frame_origins"`
	StaffDomains string `bun:"staff_domains"`
	// RequireStaffTOTP makes two-factor sign-in compulsory for staff.
	RequireStaffTOTP bool `bun:"require_staff_totp"`
	// ReopenWindowDays is how long after completion a client reply reopens
	// a request; later replies start a follow-up request.
	ReopenWindowDays int `bun:"reopen_window_days"`
	// Attachment limits (Settings): largest file, most files on one
	// message, and the refused file types (extensions, space-separated).
	AttachMaxFileBytes int64  `bun:"attach_max_file_bytes"`
	AttachMaxFiles     int    `bun:"attach_max_files"`
	AttachBlocked      string `bun:"attach_blocked"`
	// The brand (Settings → Brand, brand.go): contact details for e-mail
	// footers and the current logo and favicon.
	BrandAddress    string    `bun:"brand_address"`
	BrandPhone      string    `bun:"brand_phone"`
	BrandWebsite    string    `bun:"brand_website"`
	BrandLogoSHA    string    `bun:"brand_logo_sha"`
	BrandLogoWidth  int       `bun:"brand_logo_width"`
	BrandLogoHeight int       `bun:"brand_logo_height"`
	BrandFaviconSHA string    `bun:"brand_favicon_sha"`
	CreatedAt       time.Time `bun:"created_at"`
	UpdatedAt       time.Time `bun:"updated_at"`
}

// GetWorkspace loads the MSP's settings; ErrNotFound before setup has run.
func GetWorkspace(ctx context.Context, db bun.IDB) (*Workspace, error) {
	w := new(Workspace)
	if err := db.NewSelect().Model(w).Where("id = 1").Scan(ctx); err != nil {
		return nil, notFound(err, "load workspace")
	}
	return w, nil
}

// SetupInput is what the one-time setup page asks for.
type SetupInput struct {
	WorkspaceName string
	AdminName     string
	AdminEmail    string
	Password      string
}

// ErrAlreadySetUp is returned when setup runs on a database that has a workspace.
var ErrAlreadySetUp = fmt.Errorf("models: workspace already set up")

// Setup creates the workspace, the default SLA policy and the first admin in
// one transaction, and returns the admin.
func Setup(ctx context.Context, db *bun.DB, in SetupInput) (*User, error) {
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	var admin *User
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		exists, err := tx.NewSelect().Model((*Workspace)(nil)).Where("id = 1").Exists(ctx)
		if err != nil {
			return fmt.Errorf("models: check workspace: %w", err)
		}
		if exists {
			return ErrAlreadySetUp
		}
		now := Now()
		w := &Workspace{ID: 1, Name: in.WorkspaceName, BrandColor: DefaultAccent, ReopenWindowDays: DefaultReopenWindowDays,
			AttachMaxFileBytes: attachments.DefaultMaxFileBytes, AttachMaxFiles: attachments.DefaultMaxFiles,
			AttachBlocked: attachments.DefaultBlocked, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(w).Exec(ctx); err != nil {
			return fmt.Errorf("models: create workspace: %w", err)
		}
		if _, err := CreateDefaultSLAPolicy(ctx, tx); err != nil {
			return err
		}
		admin = &User{Role: RoleAdmin, Email: NormalizeEmail(in.AdminEmail), Name: in.AdminName,
			PasswordHash: &hash, SignupMethod: "setup", NotifyEmail: true, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(admin).Exec(ctx); err != nil {
			return fmt.Errorf("models: create first admin: %w", err)
		}
		return deleteSetupCodes(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	SettingsChanged(db)
	return admin, nil
}

// WorkspaceSettings are what admins change on the Settings page.
type WorkspaceSettings struct {
	Name         string
	FrameOrigins string // space-separated origins allowed to frame the portal
	StaffDomains string // space-separated e-mail domains staff must sign in from
	// RequireStaffTOTP makes every staff member set up two-factor sign-in.
	RequireStaffTOTP bool
	// ReopenWindowDays: see Workspace; 0 keeps the default.
	ReopenWindowDays int
	// Attachment limits: see Workspace. Zero sizes and a nil list keep
	// what is stored (callers that change other settings leave them be).
	AttachMaxFileBytes int64
	AttachMaxFiles     int
	AttachBlocked      *string
}

// UpdateWorkspace saves the settings.
func UpdateWorkspace(ctx context.Context, db bun.IDB, in WorkspaceSettings) error {
	if _, err := db.NewUpdate().Model((*Workspace)(nil)).Set("name = ?", in.Name).
		Set("frame_origins = ?", in.FrameOrigins).Set("staff_domains = ?", in.StaffDomains).
		Set("require_staff_totp = ?", in.RequireStaffTOTP).
		Set("reopen_window_days = ?", reopenDays(in.ReopenWindowDays)).
		Set("attach_blocked = coalesce(?, attach_blocked)", in.AttachBlocked).
		Set("attach_max_file_bytes = CASE WHEN ? > 0 THEN ? ELSE attach_max_file_bytes END", in.AttachMaxFileBytes, in.AttachMaxFileBytes).
		Set("attach_max_files = CASE WHEN ? > 0 THEN ? ELSE attach_max_files END", in.AttachMaxFiles, in.AttachMaxFiles).
		Set("updated_at = ?", Now()).Where("id = 1").Exec(ctx); err != nil {
		return fmt.Errorf("models: update workspace: %w", err)
	}
	SettingsChanged(db)
	return nil
}

// StaffDomainList returns the staff e-mail domains, lower-cased.
func (w *Workspace) StaffDomainList() []string {
	return strings.Fields(strings.ToLower(w.StaffDomains))
}

// AllowsStaffEmail reports whether a staff member may use email: any address
// when no domains are set, else only those domains.
func (w *Workspace) AllowsStaffEmail(email string) bool {
	domains := w.StaffDomainList()
	if len(domains) == 0 {
		return true
	}
	_, domain, ok := strings.Cut(NormalizeEmail(email), "@")
	return ok && slices.Contains(domains, domain)
}

func reopenDays(days int) int {
	if days <= 0 {
		return DefaultReopenWindowDays
	}
	return days
}

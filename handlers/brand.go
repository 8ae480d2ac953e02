package handlers

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/templates"
)

const tplBrand templates.Page = "console/brand"

// brandRoutes: Settings → Brand for admins, and the brand's pictures and
// stylesheet for everyone (sign-in pages and mail readers show them too).
func (s *Server) brandRoutes(e *echo.Echo, console *echo.Group) {
	console.GET("/settings/brand", s.brandForm, s.requireAdmin)
	console.POST("/settings/brand", s.brandSave, s.requireAdmin)
	console.POST("/settings/brand/preview", s.brandPreview, s.requireAdmin)
	e.GET("/brand/logo.png", s.brandImage(models.BrandLogo))
	e.GET("/brand/favicon.png", s.brandImage(models.BrandFavicon))
	e.GET("/brand/accent.css", s.brandStylesheet)
}

// BrandForm is Settings → Brand as shown and as typed.
type BrandForm struct {
	Name, Accent, Address, Phone, Email, Website string

	LogoPath   string // the stored logo, "" for none
	RemoveLogo bool
	// PreviewLogo is a previewed new logo (base64 of the PNG we drew),
	// carried in the form so that saving after a preview keeps it.
	PreviewLogo string
	MinRatio    float64
	Errors      FieldErrors
	// Preview is the brand as submitted, shown without saving; nil when
	// not asked for (or the form has errors).
	Preview *BrandPreview
}

// BrandPreview is a sample header, button and e-mail drawn with the
// submitted brand. Its colours come from the accent stylesheet scoped to
// the preview panel (inline styles are refused by the pages' policy).
type BrandPreview struct {
	models.Brand
	Logo      template.URL // the new logo as a data: URL, or the stored one's path
	StylePath string
	Contrast  string // "5.2:1"
}

func (s *Server) brandForm(c echo.Context) error {
	ws, err := models.GetWorkspace(c.Request().Context(), s.db)
	if err != nil {
		return err
	}
	b := ws.Brand()
	f := BrandForm{Name: b.Name, Accent: b.Accent, Address: b.Address, Phone: b.Phone, Email: b.Email,
		Website: b.Website, LogoPath: b.LogoPath(), MinRatio: models.MinAccentContrast}
	return s.render(c, http.StatusOK, tplBrand, View{Title: "Brand", Nav: "settings", Data: f})
}

func (s *Server) brandSave(c echo.Context) error {
	f, in, err := s.readBrandForm(c)
	if err != nil {
		return err
	}
	if f.Errors.Any() {
		return s.renderBlock(c, http.StatusUnprocessableEntity, tplBrand, "form", View{Title: "Brand", Nav: "settings", Data: f})
	}
	if err := models.SaveBrand(c.Request().Context(), s.db, in); err != nil {
		return err
	}
	setFlash(c, "success", "Brand saved. Every page and e-mail now shows it.")
	return redirect(c, "/console/settings/brand")
}

// brandPreview shows the submitted brand without saving it. A new logo is
// checked and redrawn as on saving, and shown from the response itself.
func (s *Server) brandPreview(c echo.Context) error {
	f, in, err := s.readBrandForm(c)
	if err != nil {
		return err
	}
	status := http.StatusUnprocessableEntity
	if !f.Errors.Any() {
		status = http.StatusOK
		p := &BrandPreview{Brand: models.Brand{Name: in.Name, Accent: in.Accent, Address: in.Address,
			Phone: in.Phone, Email: in.Email, Website: in.Website}, Logo: template.URL(f.LogoPath)} //nolint:gosec // our own path
		if f.PreviewLogo != "" {
			p.Logo = template.URL("data:image/png;base64," + f.PreviewLogo) //nolint:gosec // a PNG we encoded
		}
		p.StylePath = p.Brand.StylePath() + "&scope=preview"
		p.Contrast = fmt.Sprintf("%.1f:1", models.AccentContrast(in.Accent))
		f.Preview = p
	}
	return s.render(c, status, tplBrand, View{Title: "Brand", Nav: "settings", Data: f})
}

// readBrandForm reads and checks the form. Refusals are in f.Errors; the
// error is for a failure of the server (a spooled file that cannot be read).
func (s *Server) readBrandForm(c echo.Context) (BrandForm, models.BrandInput, error) {
	f := BrandForm{Name: strings.TrimSpace(c.FormValue("name")), Accent: strings.TrimSpace(c.FormValue("accent")),
		Address: strings.TrimSpace(c.FormValue("address")), Phone: strings.TrimSpace(c.FormValue("phone")),
		Email: strings.TrimSpace(c.FormValue("email")), Website: strings.TrimSpace(c.FormValue("website")),
		RemoveLogo: c.FormValue("remove_logo") == "on", MinRatio: models.MinAccentContrast, Errors: FieldErrors{}}
	f.Errors.line("name", f.Name, "Portal name", 100)
	accent, err := models.CheckAccent(f.Accent)
	switch {
	case err == nil:
		f.Accent = accent
	case errors.Is(err, models.ErrAccentContrast):
		f.Errors["accent"] = fmt.Sprintf("%s is too light: its contrast with white and the page is %.1f:1, and text needs at least %.1f:1. Choose a darker colour.",
			accent, models.AccentContrast(accent), models.MinAccentContrast)
	default:
		f.Errors["accent"] = "Enter a colour as # and six hexadecimal digits, such as #2f54d1."
	}
	checkBrandContact(&f)
	in := models.BrandInput{Name: f.Name, Accent: f.Accent, Address: f.Address, Phone: f.Phone, Email: f.Email,
		Website: f.Website, RemoveLogo: f.RemoveLogo}
	if ws, err := models.CachedWorkspace(c.Request().Context(), s.db); err == nil && !f.RemoveLogo {
		f.LogoPath = ws.Brand().LogoPath()
	}
	if err := readBrandPictures(c, &f, &in); err != nil {
		return f, in, err
	}
	if in.Logo != nil { // kept in the form if it comes back (a preview, a refusal)
		f.PreviewLogo = base64.StdEncoding.EncodeToString(in.Logo.Data)
	}
	return f, in, nil
}

// checkBrandContact checks the footer's contact details, all optional.
func checkBrandContact(f *BrandForm) {
	for _, fl := range []struct {
		field, value, label string
		max                 int
	}{{"address", f.Address, "Address", 200}, {"phone", f.Phone, "Phone", 40}, {"website", f.Website, "Website", 200}} {
		if len([]rune(fl.value)) > fl.max {
			f.Errors[fl.field] = fmt.Sprintf("%s is too long (at most %d characters).", fl.label, fl.max)
		}
		f.Errors.singleLine(fl.field, fl.value, fl.label)
	}
	if f.Email != "" {
		f.Errors.email("email", f.Email)
	}
	if f.Website != "" && f.Errors["website"] == "" {
		u, err := url.Parse(f.Website)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			f.Errors["website"] = "Enter the website's full address, such as https://www.example.com."
		}
	}
}

// readBrandPictures checks and redraws an uploaded logo and favicon. A new
// logo without a favicon of its own brings a favicon made from it.
func readBrandPictures(c echo.Context, f *BrandForm, in *models.BrandInput) error {
	logo, err := readBrandUpload(c, "logo", models.PrepareLogo, f.Errors)
	if err != nil {
		return err
	}
	if logo == nil && f.Errors["logo"] == "" {
		logo = readPreviewedLogo(c, f.Errors)
	}
	favicon, err := readBrandUpload(c, "favicon", models.PrepareFavicon, f.Errors)
	if err != nil {
		return err
	}
	if logo != nil && favicon == nil {
		pic, err := logo.Picture()
		if err != nil {
			return err
		}
		if favicon, err = models.FaviconOf(pic); err != nil {
			return err
		}
	}
	if logo != nil || favicon != nil {
		in.RemoveLogo, f.RemoveLogo = false, false // a new picture replaces the old
	}
	in.Logo, in.Favicon = logo, favicon
	return nil
}

// readPreviewedLogo reads the logo a preview carried back in the form. It
// is decoded and redrawn as an upload is: the form is the admin's to edit.
func readPreviewedLogo(c echo.Context, errs FieldErrors) *models.BrandImage {
	raw := c.FormValue("logo_previewed")
	if raw == "" {
		return nil
	}
	data, err := base64.StdEncoding.DecodeString(raw)
	if err == nil {
		var img *models.BrandImage
		if img, err = models.PrepareLogo(bytes.NewReader(data), int64(len(data))); err == nil {
			return img
		}
	}
	errs["logo"] = "The previewed logo could not be read again; choose the file once more."
	return nil
}

// readBrandUpload prepares the file sent in field, if any; a picture that
// cannot be used is a message beside the field.
func readBrandUpload(c echo.Context, field string, prepare func(io.ReadSeeker, int64) (*models.BrandImage, error), errs FieldErrors) (*models.BrandImage, error) {
	files := uploadsOf(c)[field]
	if len(files) == 0 || files[0].Size == 0 {
		return nil, nil
	}
	r, err := files[0].Open()
	if err != nil {
		return nil, fmt.Errorf("handlers: open uploaded %s: %w", field, err)
	}
	defer r.Close()
	img, err := prepare(r, files[0].Size)
	if refusal, ok := models.IsBrandImageError(err); ok {
		errs[field] = refusal.Reason
		return nil, nil
	}
	return img, err
}

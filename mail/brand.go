package mail

import (
	"context"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"strings"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/models"
)

// Brand is the MSP as every e-mail shows it: a header with its logo (or its
// name) in its accent colour, and a footer with its contact details. The
// mailer adds both to every message, so no e-mail template carries them and
// a new template cannot forget them.
type Brand struct {
	Name    string
	Accent  string // "#rrggbb"
	LogoURL string // absolute, from the configured base URL; "" for none
	// LogoWidth and LogoHeight are the logo's size as shown (40 px high).
	LogoWidth, LogoHeight          int
	Address, Phone, Email, Website string
}

// BrandSource gives the brand as it is when a message is rendered.
type BrandSource func(ctx context.Context) (Brand, error)

// UseBrand makes every message carry the brand from src. Call it before
// the mailer sends.
func (m *Mailer) UseBrand(src BrandSource) { m.brand = src }

// ForPortal is the portal's mailer as configured (FromConfig), carrying the
// workspace's brand with URLs under the configured base URL, so a portal at
// a custom domain links its logo there.
func ForPortal(cfg config.Config, db bun.IDB, log *slog.Logger) (*Mailer, error) {
	m, err := FromConfig(cfg, log)
	if err != nil {
		return nil, err
	}
	m.UseBrand(WorkspaceBrand(db, strings.TrimRight(cfg.BaseURL.String(), "/")))
	return m, nil
}

// logoMailHeight is the logo's height in an e-mail header, in pixels.
const logoMailHeight = 40

// WorkspaceBrand reads the brand from the workspace (through the settings
// cache), with absolute URLs under baseURL.
func WorkspaceBrand(db bun.IDB, baseURL string) BrandSource {
	return func(ctx context.Context) (Brand, error) {
		w, err := models.CachedWorkspace(ctx, db)
		if err != nil {
			return Brand{}, fmt.Errorf("mail: read the brand: %w", err)
		}
		b := w.Brand()
		out := Brand{Name: b.Name, Accent: b.Accent, Address: b.Address, Phone: b.Phone, Email: b.Email, Website: b.Website}
		if p := b.LogoPath(); p != "" && b.LogoHeight > 0 {
			out.LogoURL = baseURL + p
			out.LogoHeight = min(logoMailHeight, b.LogoHeight)
			out.LogoWidth = max(1, b.LogoWidth*out.LogoHeight/b.LogoHeight)
		}
		return out, nil
	}
}

// framed is a rendered message inside the brand's header and footer.
type framed struct {
	Brand Brand
	Body  htmltemplate.HTML
}

// brandFrame wraps html (a whole document rendered by html/template) in
// the brand's frame: the body's content moves inside it. User text in the
// body is escaped already, so a "</body>" found is the template's own.
func (m *Mailer) brandFrame(b Brand, html string) (string, error) {
	body := html
	if i := strings.Index(body, "<body"); i >= 0 {
		if j := strings.IndexByte(body[i:], '>'); j >= 0 {
			body = body[i+j+1:]
		}
	}
	if k := strings.LastIndex(body, "</body>"); k >= 0 {
		body = body[:k]
	}
	var out strings.Builder
	if err := m.frame.html.Execute(&out, framed{Brand: b, Body: htmltemplate.HTML(body)}); err != nil { //nolint:gosec // rendered by html/template
		return "", fmt.Errorf("mail: render the brand's frame: %w", err)
	}
	return out.String(), nil
}

// brandFooter is the text version's footer: the name and contact details.
func (m *Mailer) brandFooter(b Brand) (string, error) {
	var out strings.Builder
	if err := m.frame.text.Execute(&out, b); err != nil {
		return "", fmt.Errorf("mail: render the brand's footer: %w", err)
	}
	return out.String(), nil
}

package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
)

// Brand is how the MSP presents itself to its clients: the name in the
// title bar and e-mails, the accent colour of links and buttons, the logo
// and favicon, and the contact details printed under every e-mail. It is
// read from the workspace row (through the settings cache), so showing it
// costs a page no statement.
type Brand struct {
	Name    string
	Accent  string // "#rrggbb", accepted by CheckAccent
	Address string
	Phone   string
	Email   string
	Website string
	// LogoSHA and FaviconSHA name the stored images' content (empty: none),
	// so their URLs change when the picture does and can be cached forever.
	LogoSHA    string
	LogoWidth  int
	LogoHeight int
	FaviconSHA string
}

// DefaultAccent is the accent of a workspace whose admins chose none.
const DefaultAccent = "#2f54d1"

// Brand is the workspace's brand.
func (w *Workspace) Brand() Brand {
	b := Brand{Name: w.Name, Accent: w.BrandColor, Address: w.BrandAddress, Phone: w.BrandPhone,
		Email: w.SupportEmail, Website: w.BrandWebsite, LogoSHA: w.BrandLogoSHA,
		LogoWidth: w.BrandLogoWidth, LogoHeight: w.BrandLogoHeight, FaviconSHA: w.BrandFaviconSHA}
	if _, err := CheckAccent(b.Accent); err != nil {
		b.Accent = DefaultAccent // a colour stored before the check (or by hand)
	}
	return b
}

// HasContact reports whether any contact detail is set.
func (b Brand) HasContact() bool {
	return b.Address != "" || b.Phone != "" || b.Email != "" || b.Website != ""
}

// MinAccentContrast is the least contrast the accent must have against
// both white and the page background: WCAG 2 AA for normal text. White
// text sits on the accent (buttons) and the accent is text on white and on
// the page (links), so one colour serves both ways.
const MinAccentContrast = 4.5

// Colours the accent is checked against: button text, cards and the page
// background of the light theme (static/css/portal.css, --surface and --bg).
const (
	accentTextOn   = "#ffffff"
	pageBackground = "#f6f7f9"
)

// ErrAccentFormat and ErrAccentContrast are CheckAccent's refusals.
var (
	ErrAccentFormat   = errors.New("models: accent is not a #rrggbb colour")
	ErrAccentContrast = errors.New("models: accent contrast too low")
)

// CheckAccent normalises a hex colour ("#RGB", "#RRGGBB", with or without
// the #) to lower-case "#rrggbb" and refuses one that white text cannot be
// read on, or that cannot be read as text on the page (ErrAccentContrast;
// AccentContrast says by how much). A colour is refused rather than paired
// with a derived text colour: links are drawn in the accent on white, so no
// choice of text colour could rescue a pale accent there.
func CheckAccent(raw string) (string, error) {
	hex, ok := normalHex(raw)
	if !ok {
		return "", ErrAccentFormat
	}
	if AccentContrast(hex) < MinAccentContrast {
		return hex, ErrAccentContrast
	}
	return hex, nil
}

// AccentContrast is the lower of the accent's contrast ratios against
// white and against the page background (WCAG 2 relative luminance).
// hex must be "#rrggbb".
func AccentContrast(hex string) float64 {
	return min(ContrastRatio(hex, accentTextOn), ContrastRatio(hex, pageBackground))
}

// ContrastRatio is WCAG 2's contrast ratio of two "#rrggbb" colours, from
// 1 (the same) to 21 (black on white).
func ContrastRatio(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is the relative luminance of "#rrggbb" (WCAG 2 definition).
func luminance(hex string) float64 {
	r, g, b := channels(hex)
	lin := func(c uint8) float64 {
		v := float64(c) / 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// channels splits "#rrggbb" into its three bytes.
func channels(hex string) (r, g, b uint8) {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	return uint8(v >> 16), uint8(v >> 8), uint8(v)
}

// normalHex reads "#rgb" or "#rrggbb" (the # optional, any case).
func normalHex(raw string) (string, bool) {
	s := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(raw), "#"))
	if len(s) == 3 {
		s = string([]byte{s[0], s[0], s[1], s[1], s[2], s[2]})
	}
	if len(s) != 6 {
		return "", false
	}
	if _, err := strconv.ParseUint(s, 16, 32); err != nil {
		return "", false
	}
	return "#" + s, true
}

// ShadeAccent mixes "#rrggbb" with black by fraction (0 to 1): the hover
// colour of a button, darker and so still readable under white text.
func ShadeAccent(hex string, fraction float64) string {
	r, g, b := channels(hex)
	dim := func(c uint8) uint8 { return uint8(math.Round(float64(c) * (1 - fraction))) }
	return fmt.Sprintf("#%02x%02x%02x", dim(r), dim(g), dim(b))
}

// AccentRGB is "r, g, b" of "#rrggbb", for a translucent focus ring.
func AccentRGB(hex string) string {
	r, g, b := channels(hex)
	return fmt.Sprintf("%d, %d, %d", r, g, b)
}

// BrandInput is what admins save on Settings → Brand. Logo and Favicon are
// new pictures (nil keeps what is stored); RemoveLogo drops the logo and
// the favicon made from it.
type BrandInput struct {
	Name, Accent, Address, Phone, Email, Website string

	Logo, Favicon *BrandImage
	RemoveLogo    bool
}

// SaveBrand stores the brand in one transaction: the workspace's columns
// and the pictures together, so a failure leaves the old brand whole.
// Accent must have passed CheckAccent. A new logo without a favicon of its
// own brings one made from it (BrandImage.Favicon is the caller's).
func SaveBrand(ctx context.Context, db *bun.DB, in BrandInput) error {
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*Workspace)(nil)).Where("id = 1").
			Set("name = ?", in.Name).Set("brand_color = ?", in.Accent).
			Set("brand_address = ?", in.Address).Set("brand_phone = ?", in.Phone).
			Set("support_email = ?", in.Email).Set("brand_website = ?", in.Website).
			Set("updated_at = ?", Now())
		if in.RemoveLogo {
			q = q.Set("brand_logo_sha = '', brand_logo_width = 0, brand_logo_height = 0, brand_favicon_sha = ''")
		}
		if in.Logo != nil {
			q = q.Set("brand_logo_sha = ?, brand_logo_width = ?, brand_logo_height = ?",
				in.Logo.SHA256, in.Logo.Width, in.Logo.Height)
		}
		if in.Favicon != nil {
			q = q.Set("brand_favicon_sha = ?", in.Favicon.SHA256)
		}
		if _, err := q.Exec(ctx); err != nil {
			return fmt.Errorf("models: save brand: %w", err)
		}
		if in.RemoveLogo {
			if _, err := tx.NewDelete().Model((*BrandImage)(nil)).Where("kind IN ('logo', 'favicon')").Exec(ctx); err != nil {
				return fmt.Errorf("models: remove brand logo: %w", err)
			}
		}
		for kind, img := range map[string]*BrandImage{BrandLogo: in.Logo, BrandFavicon: in.Favicon} {
			if img == nil {
				continue
			}
			if err := putBrandImage(ctx, tx, kind, img); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	SettingsChanged(db)
	return nil
}

// Paths of the brand's pictures and stylesheet. Each names what it serves
// (the picture's hash, the colour), so a change makes a new URL and each can
// be cached for good; pages and e-mails take them from here.

// LogoPath is the logo's path, or "" without a logo.
func (b Brand) LogoPath() string {
	if b.LogoSHA == "" {
		return ""
	}
	return "/brand/logo.png?v=" + shortSHA(b.LogoSHA)
}

// FaviconPath is the favicon's path, or "" without one.
func (b Brand) FaviconPath() string {
	if b.FaviconSHA == "" {
		return ""
	}
	return "/brand/favicon.png?v=" + shortSHA(b.FaviconSHA)
}

// StylePath is the stylesheet that sets the accent: the colour is the version.
func (b Brand) StylePath() string {
	return "/brand/accent.css?v=" + strings.TrimPrefix(b.Accent, "#")
}

func shortSHA(sha string) string { return sha[:min(len(sha), 16)] }

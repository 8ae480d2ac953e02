package handlers_test

import (
	"bytes"
	"context"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/models"
	"github.com/portal-msp/portal/models/dbtest"
)

const brandPage = "/console/settings/brand"

// postBrand posts the brand form as a browser would (multipart), files by
// field name, with this browser's CSRF token.
func (a *app) postBrand(action string, fields url.Values, files map[string][]byte) (*http.Response, string) {
	a.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("csrf", a.csrfOf(brandPage)) //nolint:errcheck
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v) //nolint:errcheck
		}
	}
	for field, data := range files {
		fw, err := w.CreateFormFile(field, field+".bin")
		if err != nil {
			a.t.Fatal(err)
		}
		fw.Write(data) //nolint:errcheck
	}
	w.Close()
	req, err := http.NewRequest(http.MethodPost, a.srv.URL+action, &buf)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return a.do(req)
}

// savedBrand reports whether a post was answered by the redirect back to
// the brand page (post-redirect-get; the test client follows it).
func savedBrand(resp *http.Response) bool {
	return resp.StatusCode == http.StatusOK && resp.Request.Method == http.MethodGet && resp.Request.URL.Path == brandPage
}

// brandFields is a valid brand form.
func brandFields() url.Values {
	return url.Values{"name": {"Contoso Support"}, "accent": {"#0B6E4F"}, "address": {"1 Harbour Street, Leeds <LS1>"},
		"phone": {"+44 113 496 0000"}, "email": {"help@contoso.example"}, "website": {"https://contoso.example"}}
}

func workspaceOf(t *testing.T, db *bun.DB) *models.Workspace {
	t.Helper()
	w, err := models.GetWorkspace(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestBrandRefusesBadInput: every refusal is a 422 with its message beside
// the field, and nothing of the form is written, not even its valid parts.
func TestBrandRefusesBadInput(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newApp(t, db)
		a.signIn(s.admin.Email, testPassword)
		if resp, _ := a.get(brandPage); resp.StatusCode != http.StatusOK {
			t.Fatalf("brand page: %d", resp.StatusCode)
		}
		big := make([]byte, 600<<10)
		copy(big, pngOf(t, 40, 20))
		cases := []struct {
			name, field, want string
			edit              func(url.Values)
			files             map[string][]byte
		}{
			{"not a colour", "accent", "six hexadecimal digits", func(v url.Values) { v.Set("accent", "blue") }, nil},
			{"too light for white text", "accent", "too light", func(v url.Values) { v.Set("accent", "#f5c518") }, nil},
			{"just below 4.5:1", "accent", "4.4:1", func(v url.Values) { v.Set("accent", "#737373") }, nil},
			{"4.5:1 on white, not on the page", "accent", "4.2:1", func(v url.Values) { v.Set("accent", "#767676") }, nil},
			{"SVG logo", "logo", "SVG is not accepted", nil, map[string][]byte{"logo": svgFile}},
			{"oversized logo", "logo", "at most 512 KB", nil, map[string][]byte{"logo": big}},
			{"decompression bomb", "logo", "5000 × 4000", nil, map[string][]byte{"logo": attachmentsBomb(t)}},
			{"damaged favicon", "favicon", "not a PNG", nil, map[string][]byte{"favicon": []byte("\x89PNG\r\n\x1a\nbroken")}},
			{"bad website", "website", "full address", func(v url.Values) { v.Set("website", "javascript:alert(1)") }, nil},
			{"bad e-mail", "email", "e-mail address", func(v url.Values) { v.Set("email", "help at contoso") }, nil},
			{"two-line name", "name", "single line", func(v url.Values) { v.Set("name", "Contoso\r\nBcc: x@y") }, nil},
		}
		for _, tc := range cases {
			fields := brandFields()
			if tc.edit != nil {
				tc.edit(fields)
			}
			resp, body := a.postBrand(brandPage, fields, tc.files)
			msg := text(t, body, "#"+tc.field+"-error")
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(msg, tc.want) {
				t.Errorf("%s: %d %q, want 422 with %q", tc.name, resp.StatusCode, msg, tc.want)
			}
			if w := workspaceOf(t, db); w.Name != "Northwind IT" || w.BrandColor != models.DefaultAccent || w.BrandLogoSHA != "" {
				t.Errorf("%s: the refused form wrote %q %q %q", tc.name, w.Name, w.BrandColor, w.BrandLogoSHA)
			}
			if n := countRows(t, db, "brand_images", ""); n != 0 {
				t.Errorf("%s: %d pictures stored", tc.name, n)
			}
		}
	})
}

// TestBrandSavePreviewAndServe: a preview shows the submitted brand and
// saves nothing; saving stores it whole; every client and console page
// then carries it, the logo is a bounded PNG cached under its version, and
// client users can neither reach nor post the settings.
func TestBrandSavePreviewAndServe(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newApp(t, db)
		a.signIn(s.admin.Email, testPassword)
		logo := pngOf(t, 1200, 300)

		resp, body := a.postBrand(brandPage+"/preview", brandFields(), map[string][]byte{"logo": logo})
		preview := doc(t, body).Find("#brand-preview")
		src, _ := preview.Find(".brand-preview-header img").Attr("src")
		css, _ := preview.Find(`link[rel="stylesheet"]`).Attr("href")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(src, "data:image/png;base64,") || css != "/brand/accent.css?v=0b6e4f&scope=preview" {
			t.Fatalf("preview: %d src %.40q css %q", resp.StatusCode, src, css)
		}
		if foot := text(t, body, ".brand-preview-mail-foot"); !strings.Contains(foot, "+44 113 496 0000") || !strings.Contains(foot, "help@contoso.example") {
			t.Errorf("preview footer: %q", foot)
		}
		if strings.Contains(body, "<LS1>") {
			t.Errorf("preview does not escape the address")
		}
		if w := workspaceOf(t, db); w.Name != "Northwind IT" || countRows(t, db, "brand_images", "") != 0 {
			t.Fatalf("preview saved: %q", w.Name)
		}
		kept, _ := doc(t, body).Find(`input[name="logo_previewed"]`).Attr("value")

		// Save after the preview, without choosing the file again.
		fields := brandFields()
		fields.Set("logo_previewed", kept)
		if resp, body := a.postBrand(brandPage, fields, nil); !savedBrand(resp) {
			t.Fatalf("save: %d\n%s", resp.StatusCode, body)
		}
		w := workspaceOf(t, db)
		if w.Name != "Contoso Support" || w.BrandColor != "#0b6e4f" || w.BrandPhone != "+44 113 496 0000" || w.SupportEmail != "help@contoso.example" ||
			w.BrandLogoWidth != 480 || w.BrandLogoHeight != 120 || w.BrandFaviconSHA == "" {
			t.Fatalf("saved workspace: %+v", w)
		}
		b := w.Brand()

		// A client's page and a console page carry the brand.
		client := a.browser()
		client.signIn(s.clientUser.Email, testPassword)
		for _, who := range []struct {
			browser *app
			page    string
		}{{client, "/"}, {client, "/requests"}, {a, "/console"}, {a, brandPage}} {
			_, body := who.browser.get(who.page)
			d := doc(t, body)
			img, _ := d.Find("header .brand img").Attr("src")
			alt, _ := d.Find("header .brand img").Attr("alt")
			icon, _ := d.Find(`link[rel="icon"]`).Attr("href")
			sheet := d.Find(`link[href="/brand/accent.css?v=0b6e4f"]`).Length()
			if img != b.LogoPath() || alt != "Contoso Support" || icon != b.FaviconPath() || sheet != 1 ||
				!strings.HasSuffix(d.Find("title").Text(), "Contoso Support") {
				t.Errorf("%s: logo %q alt %q icon %q sheet %d title %q", who.page, img, alt, icon, sheet, d.Find("title").Text())
			}
		}

		// The logo: a PNG we drew, cached for good under its version only.
		resp, body = client.get(b.LogoPath())
		h := resp.Header
		if resp.StatusCode != http.StatusOK || h.Get("Content-Type") != "image/png" || h.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
			h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("ETag") == "" {
			t.Errorf("logo: %d %v", resp.StatusCode, h)
		}
		if cfg, err := png.DecodeConfig(strings.NewReader(body)); err != nil || cfg.Width != 480 || cfg.Height != 120 {
			t.Errorf("served logo: %v %dx%d", err, cfg.Width, cfg.Height)
		}
		if resp, _ := a.get("/brand/logo.png?v=0000"); resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("an old version is cached: %q", resp.Header.Get("Cache-Control"))
		}
		resp, body = a.get(b.FaviconPath())
		if cfg, err := png.DecodeConfig(strings.NewReader(body)); resp.StatusCode != http.StatusOK || err != nil || cfg.Width != 64 || cfg.Height != 64 {
			t.Errorf("favicon: %d %v %dx%d", resp.StatusCode, err, cfg.Width, cfg.Height)
		}
		resp, body = a.get(b.StylePath())
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(body, "--primary: #0b6e4f;") {
			t.Errorf("stylesheet: %d %q", resp.StatusCode, body)
		}
		if resp, _ := a.get("/brand/accent.css?v=f5c518"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a refused colour's stylesheet: %d", resp.StatusCode)
		}

		// Client users cannot see or change the brand settings.
		if resp, _ := client.get(brandPage); resp.StatusCode != http.StatusNotFound {
			t.Errorf("client GET settings: %d", resp.StatusCode)
		}
		fields = brandFields()
		fields.Set("name", "Hijacked")
		fields.Set("csrf", client.csrfOf("/"))
		if resp, _ := client.post(brandPage, fields); resp.StatusCode != http.StatusNotFound {
			t.Errorf("client POST settings: %d", resp.StatusCode)
		}
		if w := workspaceOf(t, db); w.Name != "Contoso Support" {
			t.Errorf("a client changed the name to %q", w.Name)
		}

		// Removing the logo takes the favicon with it; the name shows.
		fields = brandFields()
		fields.Set("remove_logo", "on")
		if resp, _ := a.postBrand(brandPage, fields, nil); !savedBrand(resp) {
			t.Fatalf("remove logo: %d", resp.StatusCode)
		}
		_, body = client.get("/")
		if d := doc(t, body); d.Find("header .brand img").Length() != 0 || strings.TrimSpace(d.Find("header .brand").Text()) != "Contoso Support" ||
			countRows(t, db, "brand_images", "") != 0 {
			t.Errorf("after removing the logo: %q", d.Find("header .brand").Text())
		}
	})
}

// TestBrandInEmails: a mail sent through a real SMTP server carries the
// brand: the logo from the configured base URL (a custom domain), the
// accent, and the contact footer in both parts, escaped.
func TestBrandInEmails(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, db *bun.DB) {
		s := seedWorkspace(t, db)
		a := newAuthApp(t, db, map[string]string{"PORTAL_BASE_URL": "https://help.contoso.example"})
		staff := a.other()
		staff.signIn(s.admin.Email, testPassword)
		if resp, body := staff.postBrand(brandPage, brandFields(), map[string][]byte{"logo": pngOf(t, 200, 100)}); !savedBrand(resp) {
			t.Fatalf("save: %d\n%s", resp.StatusCode, body)
		}
		b := workspaceOf(t, db).Brand()

		visitor := a.other()
		if resp, _ := visitor.submit("/forgot", "/forgot", url.Values{"email": {s.clientUser.Email}}); resp.StatusCode >= 400 {
			t.Fatalf("forgot: %d", resp.StatusCode)
		}
		m := a.smtp.WaitFor(t, s.clientUser.Email, 1)
		d := doc(t, m.HTML)
		logo, _ := d.Find("#brand-header img").Attr("src")
		if logo != "https://help.contoso.example"+b.LogoPath() {
			t.Errorf("mail logo %q", logo)
		}
		if style, _ := d.Find("table[style*='border-top:4px solid']").Attr("style"); !strings.Contains(style, "#0b6e4f") {
			t.Errorf("mail accent: %q", style)
		}
		foot := d.Find("#brand-footer").Text()
		for _, want := range []string{"Contoso Support", "1 Harbour Street, Leeds <LS1>", "+44 113 496 0000", "help@contoso.example", "https://contoso.example"} {
			if !strings.Contains(foot, want) {
				t.Errorf("HTML footer lacks %q: %q", want, foot)
			}
			if !strings.Contains(m.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, m.Text)
			}
		}
		if strings.Contains(m.HTML, "<LS1>") {
			t.Errorf("the address is not escaped in the HTML part")
		}
		if d.Find("#brand-header").Length() != 1 || !strings.Contains(d.Find("body").Text(), "password") {
			t.Errorf("the mail's own body is not inside the frame:\n%s", m.HTML)
		}
	})
}

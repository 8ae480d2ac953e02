package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// brandAccent is an accepted accent other than the default; brandPale is
// the palest accent the check accepts (4.5:1 against the page), for axe.
const (
	brandAccent = "#0b6e4f"
	brandPale   = "#717171"
)

// brandLogo writes a wide logo (a mark and the name) as a PNG file.
func brandLogo(t *testing.T) string {
	t.Helper()
	small := image.NewNRGBA(image.Rect(0, 0, 120, 30))
	green := color.NRGBA{0x0b, 0x6e, 0x4f, 0xff}
	draw.Draw(small, image.Rect(2, 3, 26, 27), image.NewUniform(green), image.Point{}, draw.Src)
	draw.Draw(small, image.Rect(8, 9, 20, 21), image.NewUniform(color.White), image.Point{}, draw.Src)
	d := font.Drawer{Dst: small, Src: image.NewUniform(green), Face: basicfont.Face7x13, Dot: fixed.P(32, 20)}
	d.DrawString("CONTOSO")
	big := image.NewNRGBA(image.Rect(0, 0, 480, 120))
	draw.NearestNeighbor.Scale(big, big.Bounds(), small, small.Bounds(), draw.Src, nil)
	var buf bytes.Buffer
	if err := png.Encode(&buf, big); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "contoso-logo.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBrandInTheBrowser: an admin fills Settings → Brand, previews it (the
// sample header shows the chosen logo and the button the chosen colour,
// nothing saved yet), saves, and the client's dashboard shows the logo,
// the colour, the favicon and the name in the title. axe finds no serious
// violation with that colour, nor with the palest accepted one, at desktop
// and phone width.
func TestBrandInTheBrowser(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	seedWorkspace(t, p.db)
	acme := seedClient(t, p.db, "Acme Corp", "acme")
	seedClientUser(t, p.db, acme, "Carol Client", "carol@acme.test")
	logo := brandLogo(t)

	staff := b.newPerson("Ada")
	staff.use(screens[0])
	staff.signIn(adminEmail, password, "/console", "#queue-list")
	staff.open("/console/settings", "#settings-form")
	staff.click(`a[href="/console/settings/brand"]`)
	staff.at("/console/settings/brand", "#brand-form")
	staff.fill("#brand-name", "Contoso Support")
	staff.fill("#brand-accent", brandAccent)
	staff.fill("#brand-address", "1 Harbour Street, Leeds LS1 4AP")
	staff.fill("#brand-phone", "+44 113 496 0000")
	staff.fill("#brand-email", "help@contoso.example")
	staff.fill("#brand-website", "https://contoso.example")
	staff.run("choose the logo", chromedp.SetUploadFiles("#brand-logo", []string{logo}, chromedp.ByQuery))
	staff.click("#brand-preview-button")
	staff.waitFor("the preview's logo drawn", `() => { const i = document.querySelector("#brand-preview .brand-preview-header img"); return i && i.complete && i.naturalWidth === 480 }`)
	// The preview's stylesheet loads after the swap.
	staff.waitFor("the preview's button in the chosen colour", `() => getComputedStyle(document.querySelector("#brand-preview .btn-primary")).backgroundColor === "rgb(11, 110, 79)"`)
	if got := staff.computed("header.topbar .btn-primary, #brand-form .btn-primary", "backgroundColor"); got == "rgb(11, 110, 79)" {
		t.Errorf("the preview coloured the page itself before saving")
	}
	staff.waitText("#brand-preview-mail", "+44 113 496 0000")
	checkAxe(t, staff, "/console/settings/brand preview")
	shoot(t, staff, "console-brand-preview")

	staff.use(screens[0])
	staff.click(`#brand-form button.btn-primary`)
	staff.waitText(".flash", "Brand saved")
	staff.waitFor("the saved logo in the header", `() => { const i = document.querySelector("header .brand img"); return i && i.complete && i.naturalHeight > 0 }`)

	carol := b.newPerson("Carol")
	carol.use(screens[0])
	carol.signIn("carol@acme.test", password, "/", "#stat-open")
	carol.waitFor("the logo in the header", `() => { const i = document.querySelector("header .brand img"); return i && i.complete && i.naturalWidth > 0 && i.alt === "Contoso Support" }`)
	var title, icon string
	carol.eval(`document.title`, &title)
	carol.eval(`document.querySelector('link[rel="icon"]').getAttribute("href")`, &icon)
	if !strings.HasSuffix(title, "Contoso Support") || !strings.HasPrefix(icon, "/brand/favicon.png?v=") {
		t.Errorf("title %q, favicon %q", title, icon)
	}
	if got := carol.computed(".topbar", "boxShadow"); !strings.Contains(got, "rgb(11, 110, 79)") {
		t.Errorf("top bar stripe %q", got)
	}
	shoot(t, carol, "portal-dashboard-branded")

	// axe with the chosen colour and with the palest accepted one.
	for _, accent := range []string{brandAccent, brandPale} {
		if accent == brandPale {
			staff.use(screens[0])
			staff.open("/console/settings/brand", "#brand-form")
			staff.fill("#brand-accent", brandPale)
			staff.click(`#brand-form button.btn-primary`)
			staff.waitText(".flash", "Brand saved")
		}
		for _, s := range screens {
			carol.use(s)
			for _, path := range []string{"/", "/requests/new", "/requests", "/account"} {
				carol.open(path, "main h1")
				checkAxe(t, carol, path+" with "+accent+" at "+s.name)
			}
			staff.use(s)
			for _, path := range []string{"/console", "/console/settings/brand"} {
				staff.open(path, "main h1")
				checkAxe(t, staff, path+" with "+accent+" at "+s.name)
			}
		}
	}
}

// computed is a computed style property of the first element matching sel.
func (p *person) computed(sel, prop string) string {
	p.t.Helper()
	var v string
	p.eval(`(() => { const e = document.querySelector(`+quoteJS(sel)+`); return e ? getComputedStyle(e)[`+quoteJS(prop)+`] : "" })()`, &v)
	return v
}

func quoteJS(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// checkAxe runs axe-core on the page: no serious or critical violation.
func checkAxe(t *testing.T, p *person, what string) {
	t.Helper()
	p.settle()
	var found []string
	p.eval(axeSource+";0", nil)
	p.run("run axe on "+what, awaitEval(axeRunJS, &found))
	if len(found) > 0 {
		t.Errorf("%s: %d serious or critical accessibility violations:\n    %s", what, len(found), strings.Join(found, "\n    "))
	}
}

package e2e

import (
	_ "embed"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (e2e/testdata/VERSIONS), injected into pages by the
// test only.
//
//go:embed testdata/axe.min.js
var axeSource string

// axeRunJS runs axe on the page for WCAG 2.1 A and AA and lists the serious
// and critical violations, each with where it was found.
const axeRunJS = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
	.then(r => r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.impact + " " + v.id + ": " + v.help + "\n      at " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")))`

// TestAccessibility runs axe-core on every main page of the portal and the
// console (demo data) at desktop and phone width: no serious or critical
// violation is allowed.
func TestAccessibility(t *testing.T) {
	t.Parallel()
	d, b := startDemo(t)
	for _, s := range screens {
		for _, who := range []struct {
			email string
			pages []mainPage
		}{{"", d.visitor}, {d.clientEmail, d.client}, {d.adminEmail, d.staff}} {
			p := b.newPerson("axe " + s.name)
			p.use(s)
			if who.email != "" {
				p.signIn(who.email, demoPassword, who.pages[0].path, who.pages[0].sel)
			}
			for _, pg := range who.pages {
				p.open(pg.path, pg.sel)
				p.settle()
				var found []string
				p.eval(axeSource+";0", nil)
				p.run("run axe on "+pg.path, awaitEval(axeRunJS, &found))
				if len(found) > 0 {
					t.Errorf("%s at %s width: %d serious or critical accessibility violations:\n    %s",
						pg.path, s.name, len(found), strings.Join(found, "\n    "))
				}
			}
		}
	}
}

// awaitEval evaluates a JavaScript expression whose value is a promise and
// stores what it resolves to in res.
func awaitEval(js string, res any) chromedp.Action {
	return chromedp.Evaluate(js, res, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	})
}

package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestComposerEnterIsANewLine: in the client's reply box Enter starts a new
// line and sends nothing; Ctrl+Enter sends.
func TestComposerEnterIsANewLine(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	seedWorkspace(t, p.db)
	acme := seedClient(t, p.db, "Acme Corp", "acme")
	u := seedClientUser(t, p.db, acme, "Carol Client", "carol@acme.test")
	seedRequest(t, p.db, u, "Printer jams", "normal")

	carol := b.newPerson("Carol")
	carol.signIn("carol@acme.test", password, "/", "#stat-open")
	carol.open("/requests/1", "#reply-form")
	carol.run("type two lines", chromedp.SendKeys("#body", "First line"+kb.Enter+"second line", chromedp.ByQuery))
	if got := carol.value("#body"); got != "First line\nsecond line" {
		t.Fatalf("after Enter the box holds %q, want two lines", got)
	}
	var n int
	carol.eval(`document.querySelectorAll("#thread .message").length`, &n)
	if n != 0 {
		t.Fatalf("Enter sent the message")
	}
	carol.run("press Ctrl+Enter", chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(2 /* ctrl */)))
	carol.waitText("#thread .message", "second line")
	// The message may arrive over the event stream before the form's own
	// answer clears the box.
	carol.waitFor("an empty reply box", `() => document.querySelector("#body").value.trim() === ""`)
}

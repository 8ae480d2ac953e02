package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// waitTimeout bounds every wait for a page to show something. It is generous
// for a loaded CI machine running -race; a passing test never waits that long.
const waitTimeout = 20 * time.Second

// chromePath finds the browser: $PORTAL_TEST_CHROME, then Debian's chromium,
// then chromium-headless-shell. Nothing here downloads a browser.
func chromePath(t *testing.T) string {
	t.Helper()
	candidates := []string{"/usr/bin/chromium", "/usr/bin/chromium-headless-shell"}
	if env := os.Getenv("PORTAL_TEST_CHROME"); env != "" {
		candidates = []string{env}
	}
	for _, p := range candidates {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	missing := fmt.Sprintf("e2e: no Chromium at %s (apt-get install chromium, or set PORTAL_TEST_CHROME)",
		strings.Join(candidates, ", "))
	if os.Getenv("PORTAL_TEST_REQUIRE_BROWSER") == "1" {
		t.Fatal(missing + "; PORTAL_TEST_REQUIRE_BROWSER=1 requires one")
	}
	msg := missing + ": browser tests are SKIPPED"
	warnOnce.Do(func() { fmt.Fprintln(os.Stderr, "!!!", msg) })
	t.Skip(msg)
	return ""
}

var warnOnce sync.Once

// browser is one headless Chromium process, started for one test and closed
// when it ends. Each person using it gets a separate browser context (its own
// cookies and storage), like a different computer.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// start boots the portal and a browser for one test. The browser is looked
// for first, so a machine without one skips before creating a database.
func start(t *testing.T) (*portal, *browser) {
	t.Helper()
	path := chromePath(t)
	p := startPortal(t)
	return p, startBrowser(t, path, p.url)
}

func startBrowser(t *testing.T, path, base string) *browser {
	t.Helper()
	// Not t.TempDir: Chromium's helpers may still write to the profile for a
	// while after the browser has closed, and a directory t.TempDir cannot
	// remove fails the test. The profile is removed when it can be.
	profile, err := os.MkdirTemp("", "portal-e2e-profile-")
	if err != nil {
		t.Fatal(err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		// The https test server's certificate is self-signed.
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.WindowSize(1280, 900),
		// A loaded machine (two test suites at once on two cores) has taken
		// longer than chromedp's 20 s to start Chromium; this is a bound for
		// a browser that never starts, not a speed test.
		chromedp.WSURLReadTimeout(2*time.Minute),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// Cancelling closes the browser and the allocator's cancel waits for
	// the main process, but its helpers may still write to the profile for a
	// moment, which would fail t.TempDir's own removal.
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		for range 250 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("e2e: left the browser profile %s behind (still in use)", profile)
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("e2e: start %s: %v", path, err)
	}
	return &browser{t: t, ctx: ctx, base: base}
}

// person is someone at their own browser window. Every helper fails the test
// with a description of what the page showed.
type person struct {
	t     *testing.T
	name  string
	ctx   context.Context
	base  string
	never []string // text that must not be in any page this person is shown

	mu       sync.Mutex
	jsErrors []string
}

func (b *browser) newPerson(name string) *person {
	b.t.Helper()
	// chromedp.WithNewBrowserContext opens its tab without a window, which
	// Chromium refuses ("no browser is open"): make the window here.
	exec := cdp.WithExecutor(b.ctx, chromedp.FromContext(b.ctx).Browser)
	id, err := target.CreateBrowserContext().WithDisposeOnDetach(true).Do(exec)
	if err != nil {
		b.t.Fatalf("e2e: new browser context for %s: %v", name, err)
	}
	tab, err := target.CreateTarget("about:blank").WithBrowserContextID(id).WithNewWindow(true).Do(exec)
	if err != nil {
		b.t.Fatalf("e2e: new window for %s: %v", name, err)
	}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(tab))
	b.t.Cleanup(cancel)
	p := &person{t: b.t, name: name, ctx: ctx, base: b.base}
	// The first Run attaches to the tab and binds its event loop to the
	// context it is given: that must be ctx itself, not one with a timeout.
	if err := chromedp.Run(ctx); err != nil {
		b.t.Fatalf("e2e: attach to %s's window: %v", name, err)
	}
	chromedp.ListenTarget(ctx, p.listen)
	b.t.Cleanup(func() {
		if errs := p.errors(); len(errs) > 0 {
			b.t.Logf("%s's browser reported:\n  %s", name, strings.Join(errs, "\n  "))
		}
	})
	return p
}

// listen records script errors and console errors (CSP violations among
// them); they are printed at the end of the test.
func (p *person) listen(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg = ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
	case *log.EventEntryAdded:
		// Browsers ask every site for a favicon; the portal has none.
		if ev.Entry.Level != log.LevelError || strings.HasSuffix(ev.Entry.URL, "/favicon.ico") {
			return
		}
		msg = ev.Entry.Text + " " + ev.Entry.URL
	default:
		return
	}
	p.mu.Lock()
	p.jsErrors = append(p.jsErrors, msg)
	p.mu.Unlock()
}

func (p *person) errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.jsErrors...)
}

// run performs actions, failing the test with what the page shows if one fails.
func (p *person) run(what string, actions ...chromedp.Action) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %s: %v\n%s", p.name, what, err, p.snapshot())
	}
}

// snapshot describes the current page for a failure message.
func (p *person) snapshot() string {
	ctx, cancel := context.WithTimeout(p.ctx, 3*time.Second)
	defer cancel()
	var loc, text string
	if err := chromedp.Run(ctx, chromedp.Location(&loc),
		chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &text)); err != nil {
		return "(no snapshot: " + err.Error() + ")"
	}
	if len(text) > 3000 {
		text = text[:3000] + " …"
	}
	return fmt.Sprintf("--- %s's page %s:\n%s\n---", p.name, loc, text)
}

// open loads path and waits until sel shows on it.
func (p *person) open(path, sel string) {
	p.t.Helper()
	p.run("open "+path, chromedp.Navigate(p.base+path))
	p.at(path, sel)
}

// at waits until the browser shows path (after a redirect, an htmx swap or
// a full load) with sel visible, then checks the page holds nothing this
// person must never see.
func (p *person) at(path, sel string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("%s with %s", path, sel), `(path, sel) => {
		if (location.pathname !== path || document.readyState === "loading") return false;
		const el = document.querySelector(sel);
		return !!el && el.getClientRects().length > 0;
	}`, path, sel)
	for _, s := range p.never {
		var found bool
		p.run("read the page", chromedp.Evaluate(
			fmt.Sprintf(`document.documentElement.outerHTML.includes(%q)`, s), &found))
		if found {
			p.t.Errorf("%s was shown %q on %s\n%s", p.name, s, path, p.snapshot())
		}
	}
}

// waitText waits until an element matching sel contains want.
func (p *person) waitText(sel, want string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("%q in %s", want, sel), `(sel, want) =>
		Array.from(document.querySelectorAll(sel)).some(el => el.textContent.includes(want))`, sel, want)
}

// waitFor polls a JavaScript predicate until it holds. chromedp's Poll
// stops at a navigation, so a poll interrupted by one starts again on the
// new document.
func (p *person) waitFor(what, fn string, args ...any) {
	p.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		var ok bool
		// The poll's own timeout runs in the page; a poll that started just
		// as the page went away can wait for a document that never answers
		// (seen with JavaScript switched off), so each attempt is cut short
		// after a few seconds and tried again on the current page.
		attempt := min(time.Until(deadline), 3*time.Second)
		ctx, cancel := context.WithTimeout(p.ctx, attempt)
		err := chromedp.Run(ctx, chromedp.PollFunction(fn, &ok, chromedp.WithPollingArgs(args...),
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(attempt)))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) || p.ctx.Err() != nil {
			p.t.Fatalf("%s: waiting for %s: %v\n%s", p.name, what, err, p.snapshot())
		}
		p.run("wait for the next page", chromedp.WaitReady("body", chromedp.ByQuery))
	}
}

// fill types value into an empty (or emptied) field, as a person would.
func (p *person) fill(sel, value string) {
	p.t.Helper()
	p.run("fill "+sel, chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).value = ""`, sel), nil),
		chromedp.SendKeys(sel, value, chromedp.ByQuery))
}

// choose picks an option of a select by its value.
func (p *person) choose(sel, value string) {
	p.t.Helper()
	p.run("choose "+value+" in "+sel, chromedp.SetValue(sel, value, chromedp.ByQuery))
}

// click activates what sel finds once a person could click it: shown,
// scrolled to, and not covered by anything else. The click itself is the
// element's own click(): a mouse click at coordinates computed a moment
// earlier lands on whatever a late htmx swap moved there instead.
func (p *person) click(sel string) {
	p.t.Helper()
	p.waitFor("a clickable "+sel, `(sel) => {
		const el = document.querySelector(sel);
		if (!el) return false;
		el.scrollIntoView({block: "center", inline: "center"});
		const r = el.getBoundingClientRect();
		if (!r.width || !r.height) return false;
		const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		return !!hit && (hit === el || el.contains(hit) || hit.contains(el));
	}`, sel)
	p.run("click "+sel, chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).click()`, sel), nil))
}

// text is the text of the first element matching sel, trimmed.
func (p *person) text(sel string) string {
	p.t.Helper()
	var s string
	p.run("read "+sel, chromedp.Text(sel, &s, chromedp.ByQuery))
	return strings.TrimSpace(s)
}

// value is the current value of a form field.
func (p *person) value(sel string) string {
	p.t.Helper()
	var s string
	p.run("read "+sel, chromedp.Value(sel, &s, chromedp.ByQuery))
	return s
}

// eval runs a JavaScript expression and stores its result in res.
func (p *person) eval(js string, res any) {
	p.t.Helper()
	p.run("evaluate "+js, chromedp.Evaluate(js, res))
}

// signIn uses the sign-in page and waits for the home page it leads to.
func (p *person) signIn(email, password, home, homeSel string) {
	p.t.Helper()
	p.open("/signin", "form[action='/signin']")
	p.fill("#email", email)
	p.fill("#password", password)
	p.click("form[action='/signin'] button[type=submit]")
	p.at(home, homeSel)
	// The CSRF token is bound to the session: the page's header token must
	// be the new one, though boosted navigation kept the sign-in page's head.
	var fresh bool
	p.eval(`(function(){var i=document.querySelector('input[name=csrf]');
		return !i || document.querySelector('meta[name="csrf-token"]').content === i.value})()`, &fresh)
	if !fresh {
		p.t.Fatalf("%s: after signing in the page still sends the CSRF token of before", p.name)
	}
}

// signOut uses the button in the top bar, or in the menu on a phone.
func (p *person) signOut() {
	p.t.Helper()
	var wide bool
	p.eval(`document.querySelector(".topbar-user").getClientRects().length > 0`, &wide)
	if wide {
		p.click(".topbar-user form[action='/signout'] button")
	} else {
		p.click(".nav-menu > summary")
		p.click(".nav-menu-panel form[action='/signout'] button")
	}
	p.at("/signin", "form[action='/signin']")
}

// path is the path the browser shows now.
func (p *person) path() string {
	p.t.Helper()
	var s string
	p.eval(`location.pathname`, &s)
	return s
}

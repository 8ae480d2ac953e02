package e2e

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/portal-msp/portal/demo"
	"github.com/portal-msp/portal/models"
)

// screen is a window size the portal is used at.
type screen struct {
	name          string
	width, height int64
	phone         bool
}

var screens = []screen{{"desktop", 1366, 900, false}, {"phone", 390, 844, true}}

// use sets the person's window to the screen.
func (p *person) use(s screen) {
	p.t.Helper()
	opts := []chromedp.EmulateViewportOption{}
	if s.phone {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateScale(3))
	}
	p.run("use a "+s.name+" screen", chromedp.EmulateViewport(s.width, s.height, opts...))
}

// TestEveryLinkAndButton is the click-everything test. For each kind of
// person (a visitor, a client user, an agent, an admin) at desktop and phone
// width, it starts from their home page, visits every page reachable from
// there, and clicks every link and every button that changes nothing (menus,
// filters, copy buttons) on it. After each click the browser must show one
// document — one header (or the sign-in card), one <main>, never a page
// inside a page — whose address is the page's own, and no answer on the way
// may be a 4xx or 5xx.
//
// It discovers what to click, so new pages and links are covered without
// editing it. To stay fast, links to the same kind of page from the same
// part of a page (e.g. every row of a list) are clicked once.
func TestEveryLinkAndButton(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	ctx := context.Background()
	creds, err := demo.Load(ctx, p.db, models.Now())
	if err != nil {
		t.Fatal(err)
	}
	var acme models.Client
	if err := p.db.NewSelect().Model(&acme).Order("id").Limit(1).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	_, token, err := models.CreatePortalLink(ctx, p.db, acme.ID, nil, "Navigation test", 30)
	if err != nil {
		t.Fatal(err)
	}
	email := func(role string) string {
		for _, c := range creds {
			if strings.HasPrefix(c.Role, role) {
				return c.Email
			}
		}
		t.Fatalf("no demo %s", role)
		return ""
	}
	people := []struct {
		who, email string
		starts     []string
	}{
		{"visitor", "", []string{"/signin", "/join/" + token}},
		{"client user", email("client"), []string{"/"}},
		{"agent", email(models.RoleAgent), []string{"/console"}},
		{"admin", email(models.RoleAdmin), []string{"/console"}},
	}
	for _, s := range screens {
		for _, who := range people {
			t.Run(who.who+" "+s.name, func(t *testing.T) {
				t.Parallel()
				pp := b.newPerson(who.who + " (" + s.name + ")")
				pp.t = t
				pp.use(s)
				if who.email != "" {
					pp.signIn(who.email, "demo-portal-2026", who.starts[0], "main")
				}
				c := newCrawler(pp)
				c.phone = s.phone
				for _, start := range who.starts {
					c.enqueue(p.url + start)
				}
				c.crawl()
				t.Logf("%s: %d clicks on %d pages: %s", pp.name, c.clicks, len(c.pages), strings.Join(c.pages, " "))
			})
		}
	}
}

// crawler visits pages and clicks what is on them, watching the network.
type crawler struct {
	p      *person
	phone  bool // on a phone no page, and nothing a click opens, may scroll sideways
	queue  []string
	seen   map[string]bool // page kinds queued (path with ids as :n)
	done   map[string]bool // click keys done
	pages  []string
	clicks int

	mu       sync.Mutex
	inflight map[network.RequestID]string
	navs     map[network.RequestID]bool // page loads and boosted htmx requests
	lastNav  string                     // final URL of the last page load
	gets     []string                   // URLs of GET requests since the last reset
	bad      []string                   // 4xx/5xx answers since the last reset
	quietAt  time.Time
}

func newCrawler(p *person) *crawler {
	c := &crawler{p: p, seen: map[string]bool{}, done: map[string]bool{},
		inflight: map[network.RequestID]string{}, navs: map[network.RequestID]bool{}}
	chromedp.ListenTarget(p.ctx, c.listen)
	p.run("watch the network", network.Enable())
	return c
}

func (c *crawler) listen(ev any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		u := ev.Request.URL
		// The browser fetches the favicon on its own and does not always
		// report that load as finished: waiting for it never settles.
		if strings.Contains(u, "/events") || strings.Contains(u, "/favicon.") || !strings.HasPrefix(u, c.p.base) {
			return
		}
		if ev.Type == network.ResourceTypeDocument {
			// A new document drops the old page's requests; Chromium does
			// not always report those as failed, and a busy machine makes
			// one still under way at that moment likely.
			clear(c.inflight)
		}
		c.inflight[ev.RequestID] = u
		if ev.Type == network.ResourceTypeDocument || ev.Request.Headers["HX-Boosted"] == "true" {
			c.navs[ev.RequestID] = true
		}
		if ev.Request.Method == "GET" {
			c.gets = append(c.gets, u)
		}
	case *network.EventResponseReceived:
		u := ev.Response.URL
		if !strings.HasPrefix(u, c.p.base) || strings.HasSuffix(u, "/favicon.ico") {
			return
		}
		if ev.Response.Status >= 400 {
			c.bad = append(c.bad, fmt.Sprintf("%d %s", ev.Response.Status, u))
		}
		if c.navs[ev.RequestID] {
			c.lastNav = u
		}
	case *network.EventLoadingFinished:
		c.finish(ev.RequestID)
	case *network.EventLoadingFailed:
		c.finish(ev.RequestID)
	}
}

func (c *crawler) finish(id network.RequestID) {
	if _, ok := c.inflight[id]; ok {
		delete(c.inflight, id)
		c.quietAt = time.Now()
	}
}

// reset forgets the answers seen so far, before a click or a load.
func (c *crawler) reset() {
	c.mu.Lock()
	c.bad, c.gets, c.lastNav = nil, nil, ""
	// A click starts a page load a moment later: settle waits at least
	// its quiet time from now.
	c.quietAt = time.Now()
	c.mu.Unlock()
}

// settle waits until the page has loaded, no request is under way and
// nothing has finished for a moment (htmx swaps, then settles).
func (c *crawler) settle() {
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		var ready bool
		ctx, cancel := context.WithTimeout(c.p.ctx, time.Second)
		err := chromedp.Run(ctx, chromedp.Evaluate(`document.readyState === "complete" && !document.querySelector(".htmx-request")`, &ready))
		cancel()
		c.mu.Lock()
		quiet := len(c.inflight) == 0 && time.Since(c.quietAt) > 120*time.Millisecond
		c.mu.Unlock()
		if err == nil && ready && quiet {
			return
		}
		time.Sleep(30 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.p.t.Fatalf("%s: the page never settled; still loading %v", c.p.name, c.inflight)
}

var idInPath = regexp.MustCompile(`/(\d+|[A-Z]+-\d+)(/|$)`)

// kind is what page a URL shows, ids aside: /console/requests/12 and
// /console/requests/13 are the same kind of page.
func kind(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return u
	}
	path := pu.Path
	for idInPath.MatchString(path) {
		path = idInPath.ReplaceAllString(path, "/:id$2")
	}
	if strings.HasPrefix(path, "/join/") || strings.HasPrefix(path, "/reset/") {
		path = path[:strings.LastIndex(path, "/")] + "/:token"
	}
	return path
}

func (c *crawler) enqueue(u string) {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u = u[:i]
	}
	k := kind(u)
	if c.seen[k] {
		return
	}
	c.seen[k] = true
	c.queue = append(c.queue, u)
}

// clickable is something to click on a page.
type clickable struct {
	Index int    `json:"index"` // among document.querySelectorAll(clickableSelector)
	Key   string `json:"key"`   // what it is and where, for clicking each once
	Href  string `json:"href"`  // a link's destination
	Label string `json:"label"`
}

const clickableSelector = `a[href], button, summary`

// targetsJS lists what a person may click without changing anything: links
// to this portal's pages (not sign-out, the event stream or a provider's
// sign-in), and buttons that do not submit a form that writes (GET forms,
// type=button, <summary>). Buttons marked data-destructive are left alone.
const targetsJS = `(() => {
	const out = [];
	const where = el => {
		const parts = [];
		for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
			if (a.id || a.tagName === "FORM" || a.tagName === "HEADER" || a.tagName === "NAV") {
				parts.push(a.tagName.toLowerCase() + (a.id ? "#" + a.id : ""));
			}
		}
		return parts.reverse().join(" ");
	};
	const kind = p => p.replace(/\/(\d+|[A-Z]+-\d+)(?=\/|$)/g, "/:id").replace(/^\/(join|reset)\/.*/, "/$1/:token");
	document.querySelectorAll(` + "`" + clickableSelector + "`" + `).forEach((el, index) => {
		const label = (el.getAttribute("aria-label") || el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 40);
		if (el.tagName === "A") {
			if (el.target === "_blank" || el.hasAttribute("download")) return;
			const u = new URL(el.href, location.href);
			if (u.origin !== location.origin) return;
			if (u.hash && u.pathname === location.pathname && u.search === location.search) {
				out.push({index, href: u.href, label, key: "a " + u.hash + " on the same page"});
				return;
			}
			// The API answers JSON for programs, not pages for people.
			if (/^\/(events|auth\/|static\/|signout|api\/)/.test(u.pathname)) return;
			out.push({index, href: u.href, label, key: "a " + kind(u.pathname) + (u.search ? "?" + [...new URLSearchParams(u.search).keys()].sort().join("&") : "") + (u.hash ? "#" : "") + " in " + where(el)});
			return;
		}
		if (el.tagName === "SUMMARY") {
			out.push({index, href: "", label, key: "summary " + label + " in " + where(el)});
			return;
		}
		if (el.disabled || el.hasAttribute("data-destructive")) return;
		const form = el.form;
		const type = (el.getAttribute("type") || "submit").toLowerCase();
		if (type === "reset") return;
		if (type === "submit" && form) {
			const method = (el.getAttribute("formmethod") || form.getAttribute("method") || "get").toLowerCase();
			if (method !== "get" || form.hasAttribute("hx-post")) return;
		}
		out.push({index, href: "", label, key: "button " + label + " in " + where(el)});
	});
	return out;
})()`

// problemsJS lists what is wrong with the document the browser shows.
const problemsJS = `(() => {
	const problems = [];
	const n = sel => document.querySelectorAll(sel).length;
	if (n("main") !== 1) problems.push(n("main") + " <main> elements");
	if (n("header") > 1) problems.push(n("header") + " <header> elements");
	if (n("header") + n("main.auth") !== 1) problems.push("neither one header nor one sign-in card");
	if (n(".skip-link") !== 1 || n(".app") > 1 || n(".auth-card") > 1) problems.push("a page inside a page");
	if (!document.title) problems.push("no title");
	return problems;
})()`

func (c *crawler) crawl() {
	for len(c.queue) > 0 {
		u := c.queue[0]
		c.queue = c.queue[1:]
		c.visit(u)
	}
}

// load opens u as a fresh page and checks it.
func (c *crawler) load(u string) {
	c.reset()
	c.p.run("open "+u, chromedp.Navigate(u))
	c.settle()
	c.check("open "+u, u, "")
}

func (c *crawler) visit(u string) {
	c.pages = append(c.pages, u)
	c.load(u)
	var targets []clickable
	c.p.eval(targetsJS, &targets)
	for _, tg := range targets {
		if c.done[tg.Key] {
			continue
		}
		c.done[tg.Key] = true
		var loc string
		c.p.eval(`location.href`, &loc)
		if loc != u {
			c.load(u)
			loc = u
		}
		c.reset()
		what := fmt.Sprintf("on %s, click %q (%s)", u, tg.Label, tg.Key)
		var ok bool
		c.p.eval(fmt.Sprintf(`(() => {
			const el = document.querySelectorAll(%q)[%d];
			if (!el) return false;
			if (el.tagName === "A" && el.href !== %q) return false;
			el.click();
			return true;
		})()`, clickableSelector, tg.Index, tg.Href), &ok)
		if !ok {
			continue // the page changed since it was listed; another visit clicks it
		}
		c.clicks++

		c.settle()
		c.mu.Lock()
		nav := c.lastNav
		c.mu.Unlock()
		c.check(what, nav, loc)
		var here string
		c.p.eval(`location.href`, &here)
		if tg.Href != "" {
			c.enqueue(here)
		}
	}
}

// check fails the test if the document is broken, an answer was an error, or
// the address bar does not show the page: want is the page loaded last ("" if
// none was), before the address before the click. Without a page load the
// address may only change to a URL an htmx request asked for (hx-push-url).
func (c *crawler) check(what, want, before string) {
	t := c.p.t
	t.Helper()
	var problems []string
	c.p.eval(problemsJS, &problems)
	var loc string
	c.p.eval(`location.href.replace(/#.*$/, "")`, &loc)
	c.mu.Lock()
	problems = append(problems, c.bad...)
	gets := append([]string(nil), c.gets...)
	c.mu.Unlock()
	switch {
	case want != "":
		if loc != strings.SplitN(want, "#", 2)[0] {
			problems = append(problems, fmt.Sprintf("the address bar shows %s, the page is %s", loc, want))
		}
	case loc != strings.SplitN(before, "#", 2)[0]:
		found := false
		for _, g := range gets {
			found = found || g == loc
		}
		if !found {
			problems = append(problems, fmt.Sprintf("the address bar changed to %s with no page for it (requests: %v)", loc, gets))
		}
	}
	if c.phone {
		// phoneProblemsJS names the elements that stick out.
		var wide []string
		c.p.eval(phoneProblemsJS, &wide)
		problems = append(problems, wide...)
	}
	if len(problems) > 0 {
		t.Errorf("%s: %s:\n  %s\n%s", c.p.name, what, strings.Join(problems, "\n  "), c.p.snapshot())
	}
}

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestSignInInsideAnotherSitesFrame: the portal framed by an allowed origin
// on another site (localhost frames 127.0.0.1: two sites). Over plain http
// the browser keeps the portal's cookies from that frame: the sign-in card
// says so and offers to open the portal in a new tab, instead of failing
// silently. Over https the cookies are partitioned and signing in works.
func TestSignInInsideAnotherSitesFrame(t *testing.T) {
	t.Parallel()
	path := chromePath(t)
	t.Run("http", func(t *testing.T) {
		p := startPortal(t)
		b := startBrowser(t, path, p.url)
		frame := framedSignIn(t, p, b)
		ctx, cancel := context.WithTimeout(frame, waitTimeout)
		defer cancel()
		var text, target string
		if err := chromedp.Run(ctx, chromedp.WaitVisible("#frame-notice a", chromedp.ByQuery),
			chromedp.Text("#frame-notice", &text, chromedp.ByQuery),
			chromedp.AttributeValue("#frame-notice a", "target", &target, nil, chromedp.ByQuery)); err != nil {
			t.Fatalf("the framed sign-in page shows no notice: %v", err)
		}
		if !strings.Contains(text, "new tab") || target != "_blank" {
			t.Errorf("notice %q, link target %q", text, target)
		}
	})
	t.Run("https", func(t *testing.T) {
		p := startPortalWith(t, true)
		b := startBrowser(t, path, p.url)
		frame := framedSignIn(t, p, b)
		ctx, cancel := context.WithTimeout(frame, waitTimeout)
		defer cancel()
		var notices int
		if err := chromedp.Run(ctx, chromedp.WaitVisible("form[action='/signin']", chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll("#frame-notice").length`, &notices),
			chromedp.SendKeys("#email", adminEmail, chromedp.ByQuery),
			chromedp.SendKeys("#password", password, chromedp.ByQuery),
			chromedp.Click("form[action='/signin'] button[type=submit]", chromedp.ByQuery),
			chromedp.WaitVisible("#queue-list", chromedp.ByQuery)); err != nil {
			t.Fatalf("signing in inside the frame over https: %v", err)
		}
		if notices != 0 {
			t.Errorf("over https the frame still says sign-in is blocked")
		}
	})
}

// framedSignIn opens a page of another site that frames the portal's
// sign-in page, and returns a context attached to the frame.
func framedSignIn(t *testing.T, p *portal, b *browser) context.Context {
	t.Helper()
	seedWorkspace(t, p.db)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Acme intranet</title><h1>Support</h1><iframe src="%s/signin" width="600" height="700"></iframe>`, p.url)
	}))
	t.Cleanup(site.Close)
	embedder := strings.Replace(site.URL, "127.0.0.1", "localhost", 1)
	if _, err := p.db.NewRaw("UPDATE workspace SET frame_origins = ?", embedder).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}

	visitor := b.newPerson("visitor on the Acme intranet")
	visitor.run("open the intranet", chromedp.Navigate(embedder+"/"))
	// The framed sign-in page runs in its own renderer (another site):
	// attach to it as its own target.
	var frame context.Context
	deadline := time.Now().Add(waitTimeout)
	for frame == nil {
		targets, err := chromedp.Targets(visitor.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range targets {
			if tg.Type == "iframe" && strings.HasPrefix(tg.URL, p.url+"/signin") {
				ctx, cancel := chromedp.NewContext(visitor.ctx, chromedp.WithTargetID(tg.TargetID))
				t.Cleanup(cancel)
				frame = ctx
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no framed sign-in page among the browser's targets")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return frame
}

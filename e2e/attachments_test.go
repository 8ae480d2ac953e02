package e2e

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// attachmentPNG is a w×h picture with a visible pattern.
func attachmentPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(40 + x%200), uint8(90 + y%120), 220, 255})
		}
	}
	for x := w / 8; x < w*7/8; x++ { // a dark band, like a dialog title bar
		for y := h / 4; y < h/4+h/10; y++ {
			img.Set(x, y, color.NRGBA{30, 41, 59, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAttachmentsInTheComposer: at desktop and phone width a client
// attaches files with the file input (with an htmx upload whose progress is
// reported), pastes a screenshot and drops a file on the composer; the
// thread shows the files, the screenshot as a thumbnail that opens full
// size. Staff see them too and add an internal note with a file the client
// never sees. Without JavaScript the plain multipart form works.
func TestAttachmentsInTheComposer(t *testing.T) {
	t.Parallel()
	p, b := start(t)
	seedWorkspace(t, p.db)
	acme := seedClient(t, p.db, "Acme Corp", "acme")
	u := seedClientUser(t, p.db, acme, "Carol Client", "carol@acme.test")
	seedRequest(t, p.db, u, "Printer shows an error", "normal")
	seedRequest(t, p.db, u, "Laptop fan noise", "low")

	dir := t.TempDir()
	logPath := filepath.Join(dir, "printer-log.txt")
	if err := os.WriteFile(logPath, bytes.Repeat([]byte("10:02:11 ERROR spooler stopped: paper jam in tray 2\n"), 40000), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := attachmentPNG(t, 900, 560)
	shotB64 := base64.StdEncoding.EncodeToString(shot)

	for _, screen := range []struct {
		name          string
		width, height int64
		phone         bool
		request       string
	}{{"desktop", 1366, 900, false, "/requests/1"}, {"phone", 390, 844, true, "/requests/2"}} {
		carol := b.newPerson("Carol " + screen.name)
		opts := []chromedp.EmulateViewportOption{}
		if screen.phone {
			opts = append(opts, chromedp.EmulateMobile)
		}
		carol.run("use a "+screen.name+" screen", chromedp.EmulateViewport(screen.width, screen.height, opts...))
		carol.signIn("carol@acme.test", password, "/", "#stat-open")
		carol.open(screen.request, "#reply-form #attachments")
		carol.eval(`(window.__progress = 0, document.addEventListener("htmx:xhr:progress", e => { if (e.detail.lengthComputable) window.__progress++ }), true)`, nil)

		// 1. The file input, sent by htmx with its progress.
		carol.run("choose a log file", chromedp.SetUploadFiles("#attachments", []string{logPath}, chromedp.ByQuery))
		carol.waitText(".attach-chosen", "printer-log.txt")
		carol.fill("#body", "The printer log is attached.")
		carol.click(`#reply-form button[type="submit"]`)
		carol.waitText("#thread .message .attachment-name", "printer-log.txt")
		// The message can arrive by the live stream before the answer to
		// the post, which brings a fresh composer: write the next one there.
		carol.waitFor("a fresh composer", composerSettled)
		var progress int
		carol.eval(`window.__progress`, &progress)
		if progress == 0 {
			t.Errorf("%s: no upload progress was reported", screen.name)
		}

		// 2. A screenshot pasted into the composer.
		carol.fill("#body", "And a screenshot of the panel.")
		carol.eval(fmt.Sprintf(`(() => {
			const bytes = Uint8Array.from(atob(%q), c => c.charCodeAt(0));
			const dt = new DataTransfer();
			dt.items.add(new File([bytes], "image.png", {type: "image/png"}));
			const ev = new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true});
			document.querySelector("#body").dispatchEvent(ev);
			return true;
		})()`, shotB64), nil)
		carol.waitText(".attach-chosen", "screenshot-")
		if got := carol.value("#body"); got != "And a screenshot of the panel." {
			t.Errorf("pasting a screenshot changed the text to %q", got)
		}
		carol.click(`#reply-form button[type="submit"]`)
		carol.waitFor("a thumbnail in the thread", `() => {
			const img = document.querySelector("#thread .attachment-thumb img");
			return !!img && img.complete && img.naturalWidth > 0;
		}`)
		carol.waitFor("a fresh composer", composerSettled)

		// 3. A file dropped on the composer.
		carol.fill("#body", "Dropping the config too.")
		carol.eval(`(() => {
			const dt = new DataTransfer();
			dt.items.add(new File(["[printer]\nmodel=LaserJet 4250\n"], "printer.ini", {type: "text/plain"}));
			const form = document.querySelector("#reply-form");
			form.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
			form.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
			return true;
		})()`, nil)
		carol.waitText(".attach-chosen", "printer.ini")
		carol.click(`#reply-form button[type="submit"]`)
		carol.waitText("#thread .message .attachment-name", "printer.ini")

		// The thumbnail opens the full picture.
		var href string
		carol.eval(`document.querySelector("#thread .attachment-thumb").getAttribute("href")`, &href)
		carol.open(href, "img")
		var natural int
		carol.eval(`document.querySelector("img").naturalWidth`, &natural)
		if natural != 900 {
			t.Errorf("the full-size image is %d px wide, want 900", natural)
		}
		carol.open(screen.request, "#thread .attachments")
		carol.settle()
		var overflow bool
		carol.eval(`document.documentElement.scrollWidth > document.documentElement.clientWidth`, &overflow)
		if overflow {
			t.Errorf("%s: the thread with attachments is wider than the screen", screen.name)
		}
		saveShot(t, carol, "portal-request-attachments-"+screen.name)
	}

	// Staff: the client's files, plus an internal note with a file.
	staff := b.newPerson("Ada")
	staff.run("use a desktop screen", chromedp.EmulateViewport(1366, 900))
	staff.signIn(adminEmail, password, "/console", "#queue-list")
	staff.open("/console/requests/1", "#thread .attachments")
	staff.run("attach to a note", chromedp.SetUploadFiles("#attachments", []string{logPath}, chromedp.ByQuery))
	staff.fill("#body", "Internal: vendor ticket 4471, log attached.")
	staff.click(`#reply-form button[value="note"]`)
	staff.waitText("#thread .message-internal .attachment-name", "printer-log.txt")
	staff.settle()
	saveShot(t, staff, "console-request-attachments-desktop")

	// Without JavaScript: a plain multipart form post.
	plain := b.newPerson("Carol without JavaScript")
	plain.run("switch JavaScript off", emulation.SetScriptExecutionDisabled(true))
	plain.signIn("carol@acme.test", password, "/", "#stat-open")
	plain.open("/requests/2", "#reply-form #attachments")
	plain.run("choose a file", chromedp.SetUploadFiles("#attachments", []string{logPath}, chromedp.ByQuery))
	plain.run("type", chromedp.SetValue("#body", "Sent without JavaScript.", chromedp.ByQuery))
	plain.run("send", chromedp.Click(`#reply-form button[type="submit"]`, chromedp.ByQuery))
	plain.waitText("#thread .message", "Sent without JavaScript.")
	var files int
	plain.eval(`[...document.querySelectorAll("#thread .message")].filter(m => m.textContent.includes("Sent without JavaScript.") && m.querySelector(".attachment-name")).length`, &files)
	if files != 1 {
		t.Errorf("the message sent without JavaScript has no attachment")
	}
	// The client never sees the internal note's file.
	var leaked bool
	plain.open("/requests/1", "#thread")
	plain.eval(`document.body.textContent.includes("vendor ticket")`, &leaked)
	if leaked {
		t.Errorf("the client sees the internal note")
	}
}

// saveShot writes a full-page screenshot into $PORTAL_SCREENSHOTS, if set.
func saveShot(t *testing.T, p *person, name string) {
	t.Helper()
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		return
	}
	quality, ext := 85, "jpg"
	if os.Getenv("PORTAL_SCREENSHOTS_PNG") == "1" {
		quality, ext = 100, "png"
	}
	// From the top, once entering messages have faded in.
	p.run("scroll to the top", chromedp.Evaluate(`window.scrollTo(0, 0)`, nil), chromedp.Sleep(600*time.Millisecond))
	var img []byte
	p.run("screenshot "+name, chromedp.FullScreenshot(&img, quality))
	if err := os.WriteFile(filepath.Join(dir, name+"."+ext), img, 0o644); err != nil {
		t.Fatal(err)
	}
}

// composerSettled is true once the reply form's post has been answered and
// swapped in: no request in flight, an empty message.
const composerSettled = `() => {
	const form = document.querySelector("#reply-form");
	return !!form && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling") &&
		form.querySelector("#body").value === "";
}`

package mail_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portal-msp/portal/mail"
	"github.com/portal-msp/portal/mail/mailtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type resetData struct{ Name, Workspace, URL string }

func TestSendThroughSMTP(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Username, srv.Password = "portal", "smtp-secret"
	m, err := mail.New(mail.Config{Host: srv.Host, Port: srv.Port, TLS: mail.TLSNone,
		Username: "portal", Password: "smtp-secret", From: "Northwind IT <portal@northwind.test>"}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	url := "https://portal.example.com/reset/" + strings.Repeat("abcdefgh", 6) + "=x"
	err = m.Send(t.Context(), mail.Message{To: "carol@acme.test", Template: "password_reset",
		Data: resetData{Name: "Carol <b>", Workspace: "Northwind\nIT", URL: url}})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "carol@acme.test", 1)
	if got.Subject != "Reset your Northwind IT password" {
		t.Errorf("subject = %q", got.Subject)
	}
	if got.From != "portal@northwind.test" {
		t.Errorf("envelope from = %q", got.From)
	}
	if !strings.Contains(got.Text, url) || !strings.Contains(got.HTML, `href="`+url+`"`) {
		t.Errorf("link missing:\ntext: %s\nhtml: %s", got.Text, got.HTML)
	}
	if !strings.Contains(got.HTML, "Carol &lt;b&gt;") {
		t.Errorf("HTML body does not escape the name: %s", got.HTML)
	}
	if users := srv.AuthUsers(); len(users) != 1 || users[0] != "portal" {
		t.Errorf("SMTP auth users = %v", users)
	}
}

func TestOutboxWithoutSMTP(t *testing.T) {
	dir := t.TempDir()
	m, err := mail.New(mail.Config{From: "portal@localhost", Outbox: filepath.Join(dir, "outbox")}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(t.Context(), mail.Message{To: "carol@acme.test", Template: "password_reset",
		Data: resetData{Name: "Carol", Workspace: "Northwind IT", URL: "http://localhost/reset/x"}})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
	if len(files) != 1 {
		t.Fatalf("outbox has %d files", len(files))
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "Subject: Reset your Northwind IT password") {
		t.Errorf("eml lacks the subject:\n%s", b)
	}
}

func TestUnknownTemplateIsAnError(t *testing.T) {
	m, err := mail.New(mail.Config{From: "portal@localhost", Outbox: t.TempDir()}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(t.Context(), mail.Message{To: "a@b.test", Template: "nope"}); err == nil {
		t.Fatal("unknown template sent")
	}
}

// A brand that cannot be read (no workspace yet) leaves the message as
// its template wrote it: it is still sent.
func TestUnreadableBrandStillSends(t *testing.T) {
	srv := mailtest.Start(t)
	m, err := mail.New(mail.Config{Host: srv.Host, Port: srv.Port, TLS: mail.TLSNone, From: "portal@northwind.test"}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	m.UseBrand(func(context.Context) (mail.Brand, error) { return mail.Brand{}, errors.New("no workspace") })
	if err := m.Send(t.Context(), mail.Message{To: "carol@acme.test", Template: "password_reset",
		Data: resetData{Name: "Carol", Workspace: "Northwind IT", URL: "https://portal.example.com/reset/x"}}); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(t, "carol@acme.test", 1); strings.Contains(got.HTML, "brand-header") || !strings.Contains(got.Text, "/reset/x") {
		t.Errorf("unbranded mail: %s", got.HTML)
	}
}

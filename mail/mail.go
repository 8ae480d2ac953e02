// Package mail sends the portal's e-mail: a plain-text and an HTML body from
// the templates in templates/emails, through SMTP (github.com/wneessen/go-mail)
// or, with no SMTP host configured, into the log and an outbox folder so a
// developer can read what would have been sent.
package mail

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	texttemplate "text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/portal-msp/portal/templates"
)

// TLS modes of the SMTP connection.
const (
	TLSNone     = "none"     // plain SMTP (a local relay)
	TLSStartTLS = "starttls" // upgrade the connection; refuse a server without it
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
)

// Config is the SMTP server; an empty Host means "write to the outbox".
type Config struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	TLS      string
	Outbox   string // folder for .eml files when Host is empty
}

// Message is one e-mail to one recipient, built from a template.
type Message struct {
	To       string
	Template string // name under templates/emails, without extension
	Data     any

	// Threading (see mail/thread): MessageID is this mail's id without
	// angle brackets (empty: a random one); References are the earlier
	// mails of its thread, oldest first, the last one being the mail this
	// one follows (In-Reply-To).
	MessageID  string
	References []string
	// ReplyTo is where a reply goes: the inbound address with a reply
	// token, when replies by e-mail are on.
	ReplyTo string
	// Unsubscribe is the https address that turns this kind of mail off
	// for this recipient (a signed token, no sign-in): with it the mail
	// carries List-Unsubscribe (that address, and a mailto: to the sender
	// for mail programs that only write) and List-Unsubscribe-Post, so
	// mail programs offer one-click unsubscribe (RFC 8058).
	Unsubscribe string
	// AutoReplied marks an automatic answer to a mail someone sent (RFC
	// 3834 "auto-replied"), not a mail the portal wrote of its own accord
	// ("auto-generated"). Either way mail programs do not answer it.
	AutoReplied bool
}

// Mailer renders and delivers messages. It is safe for concurrent use.
type Mailer struct {
	cfg   Config
	log   *slog.Logger
	pages map[string]page
	frame page        // the brand's frame and text footer (brand.go)
	brand BrandSource // nil: messages go out without the brand
}

// page is one e-mail's templates: the text one also defines "subject".
type page struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// New parses the e-mail templates and checks the configuration.
func New(cfg Config, log *slog.Logger) (*Mailer, error) {
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	frame, err := parseFrame()
	if err != nil {
		return nil, err
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return nil, fmt.Errorf("mail: unknown TLS mode %q", cfg.TLS)
	}
	if cfg.Host == "" && cfg.Outbox == "" {
		cfg.Outbox = "outbox"
	}
	return &Mailer{cfg: cfg, log: log, pages: pages, frame: frame}, nil
}

// parsePages parses each e-mail on its own, so every text template can
// define its own "subject".
func parsePages() (map[string]page, error) {
	names, err := fs.Glob(templates.Emails, "emails/*.txt")
	if err != nil {
		return nil, fmt.Errorf("mail: list templates: %w", err)
	}
	pages := map[string]page{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".txt")
		text, err := texttemplate.ParseFS(templates.Emails, n)
		if err != nil {
			return nil, fmt.Errorf("mail: parse %s: %w", n, err)
		}
		html, err := htmltemplate.ParseFS(templates.Emails, "emails/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("mail: parse %s.html: %w", name, err)
		}
		if text.Lookup("subject") == nil {
			return nil, fmt.Errorf("mail: %s defines no subject", n)
		}
		pages[name] = page{text: text, html: html}
	}
	return pages, nil
}

// parseFrame parses the brand's frame (HTML) and footer (text).
func parseFrame() (page, error) {
	text, err := texttemplate.ParseFS(templates.Emails, "emails/brand/footer.txt")
	if err != nil {
		return page{}, fmt.Errorf("mail: parse the brand's footer: %w", err)
	}
	html, err := htmltemplate.ParseFS(templates.Emails, "emails/brand/frame.html")
	if err != nil {
		return page{}, fmt.Errorf("mail: parse the brand's frame: %w", err)
	}
	return page{text: text, html: html}, nil
}

// Send renders msg and delivers it, waiting for the SMTP server's answer.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	out, subject, err := m.compose(ctx, msg)
	if err != nil {
		return err
	}
	if m.cfg.Host == "" {
		return m.writeOutbox(ctx, msg, subject, out)
	}
	client, err := gomail.NewClient(m.cfg.Host, m.clientOptions()...)
	if err != nil {
		return fmt.Errorf("mail: SMTP client for %s: %w", m.cfg.Host, err)
	}
	if err := client.DialAndSendWithContext(ctx, out); err != nil {
		return fmt.Errorf("mail: send %s to %s: %w", msg.Template, msg.To, err)
	}
	m.log.InfoContext(ctx, "mail sent", "template", msg.Template, "to", msg.To)
	return nil
}

// compose renders msg into the message to send, and returns its subject.
func (m *Mailer) compose(ctx context.Context, msg Message) (*gomail.Msg, string, error) {
	subject, text, html, err := m.render(ctx, msg)
	if err != nil {
		return nil, "", err
	}
	out := gomail.NewMsg()
	if err := out.From(m.cfg.From); err != nil {
		return nil, "", fmt.Errorf("mail: sender %q: %w", m.cfg.From, err)
	}
	if err := out.To(msg.To); err != nil {
		return nil, "", fmt.Errorf("mail: recipient %q: %w", msg.To, err)
	}
	out.Subject(subject)
	out.SetDate()
	if msg.MessageID != "" {
		out.SetMessageIDWithValue(msg.MessageID)
	} else {
		out.SetMessageID()
	}
	if n := len(msg.References); n > 0 {
		refs := make([]string, n)
		for i, r := range msg.References {
			refs[i] = "<" + r + ">"
		}
		out.SetGenHeaderPreformatted(gomail.HeaderInReplyTo, refs[n-1])
		out.SetGenHeaderPreformatted(gomail.HeaderReferences, strings.Join(refs, " "))
	}
	if msg.ReplyTo != "" {
		if err := out.ReplyTo(msg.ReplyTo); err != nil {
			return nil, "", fmt.Errorf("mail: reply-to %q: %w", msg.ReplyTo, err)
		}
	}
	if msg.Unsubscribe != "" {
		list := "<" + msg.Unsubscribe + ">"
		if from, err := netmail.ParseAddress(m.cfg.From); err == nil {
			list += ", <mailto:" + from.Address + "?subject=unsubscribe&body=" + url.QueryEscape(msg.Unsubscribe) + ">"
		}
		out.SetGenHeaderPreformatted("List-Unsubscribe", list)
		out.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	// Every mail the portal sends is written by a program (RFC 3834):
	// out-of-office replies and auto-responders leave it alone, and
	// Exchange is asked not to answer it automatically at all.
	auto := "auto-generated"
	if msg.AutoReplied {
		auto = "auto-replied"
	}
	out.SetGenHeader("Auto-Submitted", auto)
	out.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	out.SetBodyString(gomail.TypeTextPlain, text)
	out.AddAlternativeString(gomail.TypeTextHTML, html)
	return out, subject, nil
}

// SendLater delivers msg in the background so the request does not wait for
// the SMTP server (and its timing reveals nothing); failures are logged.
func (m *Mailer) SendLater(msg Message) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := m.Send(ctx, msg); err != nil {
			m.log.Error("mail not sent", "template", msg.Template, "to", msg.To, "error", err)
		}
	}()
}

func (m *Mailer) clientOptions() []gomail.Option {
	opts := []gomail.Option{gomail.WithTimeout(20 * time.Second)}
	if m.cfg.Port != 0 {
		opts = append(opts, gomail.WithPort(m.cfg.Port))
	}
	switch m.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	if m.cfg.Username != "" {
		// Without TLS (an explicit choice for a local relay) only PLAIN is
		// possible; otherwise use the strongest mechanism the server offers.
		auth := gomail.SMTPAuthAutoDiscover
		if m.cfg.TLS == TLSNone {
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth),
			gomail.WithUsername(m.cfg.Username), gomail.WithPassword(m.cfg.Password))
	}
	return opts
}

func (m *Mailer) render(ctx context.Context, msg Message) (subject, text, html string, err error) {
	var sb, tb, hb bytes.Buffer
	p, ok := m.pages[msg.Template]
	if !ok {
		return "", "", "", fmt.Errorf("mail: no template %q", msg.Template)
	}
	t, h := p.text, p.html
	if err := t.ExecuteTemplate(&sb, "subject", msg.Data); err != nil {
		return "", "", "", fmt.Errorf("mail: render %s subject: %w", msg.Template, err)
	}
	if err := t.Execute(&tb, msg.Data); err != nil {
		return "", "", "", fmt.Errorf("mail: render %s text: %w", msg.Template, err)
	}
	if err := h.Execute(&hb, msg.Data); err != nil {
		return "", "", "", fmt.Errorf("mail: render %s HTML: %w", msg.Template, err)
	}
	// A subject is one line: a newline in user text must not start a header.
	subject = strings.Join(strings.Fields(sb.String()), " ")
	text, html = strings.TrimSpace(tb.String())+"\n", hb.String()
	if m.brand == nil {
		return subject, text, html, nil
	}
	b, err := m.brand(ctx)
	if err != nil {
		// The message matters more than its frame: a portal not set up
		// yet (a command-line run), or a database that failed this read,
		// still mails, without the brand.
		m.log.WarnContext(ctx, "mail sent without the brand", "template", msg.Template, "error", err)
		return subject, text, html, nil
	}
	if html, err = m.brandFrame(b, html); err != nil {
		return "", "", "", err
	}
	footer, err := m.brandFooter(b)
	if err != nil {
		return "", "", "", err
	}
	return subject, text + footer, html, nil
}

// writeOutbox keeps the message as an .eml file and logs where it is.
func (m *Mailer) writeOutbox(ctx context.Context, msg Message, subject string, out *gomail.Msg) error {
	if err := os.MkdirAll(m.cfg.Outbox, 0o750); err != nil {
		return fmt.Errorf("mail: create outbox: %w", err)
	}
	name := fmt.Sprintf("%s-%s-%s.eml", time.Now().UTC().Format("20060102T150405.000000"), msg.Template, safeName(msg.To))
	path := filepath.Join(m.cfg.Outbox, name)
	if err := out.WriteToFile(path); err != nil {
		return fmt.Errorf("mail: write %s: %w", path, err)
	}
	m.log.InfoContext(ctx, "mail written to outbox (no SMTP host configured)",
		"template", msg.Template, "to", msg.To, "subject", subject, "file", path)
	return nil
}

// safeName keeps letters, digits, '.', '-' and '@' of an address for a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '@':
			return r
		}
		return '_'
	}, s)
}

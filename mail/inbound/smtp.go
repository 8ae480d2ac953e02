package inbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/net/netutil"

	"github.com/portal-msp/portal/models"
)

// Receiver is the built-in SMTP (or LMTP) server that an MX or a
// forwarding rule delivers replies to. It takes mail only for the inbound
// address and its +token sub-addresses (it relays nothing), refuses mail
// over the size limit with 552, serves a bounded number of connections, and
// hands each mail to Process.
type Receiver struct {
	cfg      Config
	srv      *smtp.Server
	maxConns int
}

// ReceiverOptions shape the server.
type ReceiverOptions struct {
	LMTP     bool
	MaxConns int // connections served at once; more wait to be accepted
}

// NewReceiver builds the server; Serve runs it.
func NewReceiver(c Config, opt ReceiverOptions) *Receiver {
	r := &Receiver{cfg: c}
	s := smtp.NewServer(backend{r})
	_, domain, _ := strings.Cut(c.Address, "@")
	s.Domain = domain
	s.LMTP = opt.LMTP
	s.MaxMessageBytes = c.MaxBytes
	s.MaxRecipients = 20
	s.ReadTimeout = 2 * time.Minute
	s.WriteTimeout = time.Minute
	s.ErrorLog = smtpLog{c}
	r.srv = s
	if opt.MaxConns <= 0 {
		opt.MaxConns = 20
	}
	r.maxConns = opt.MaxConns
	return r
}

// Serve accepts connections on ln until Close.
func (r *Receiver) Serve(ln net.Listener) error {
	ctx := context.Background()
	if err := models.ReportInboundRoute(ctx, r.cfg.DB, RouteSMTP, true, false, nil); err != nil {
		r.cfg.Log.Warn("inbound route status", "error", err)
	}
	err := r.srv.Serve(netutil.LimitListener(ln, r.maxConns))
	if rerr := models.ReportInboundRoute(context.Background(), r.cfg.DB, RouteSMTP, false, false, nil); rerr != nil {
		r.cfg.Log.Warn("inbound route status", "error", rerr)
	}
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops accepting and ends open connections.
func (r *Receiver) Close() error { return r.srv.Close() }

type backend struct{ r *Receiver }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{r: b.r}, nil }

type session struct {
	r     *Receiver
	from  string
	hasMF bool
	rcpts []string
}

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	if opts != nil && opts.Size > 0 && s.r.cfg.MaxBytes > 0 && opts.Size > s.r.cfg.MaxBytes {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: fmt.Sprintf("message larger than %d bytes", s.r.cfg.MaxBytes)}
	}
	s.from, s.hasMF = from, true
	return nil
}

// Rcpt accepts the inbound address and its sub-addresses only: the
// receiver is no relay, and knows no other mailbox.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !forInbound(s.r.cfg.Address, to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
			Message: "relaying denied: this server takes mail for " + s.r.cfg.Address + " only"}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(rd io.Reader) error {
	raw, err := io.ReadAll(rd)
	if err != nil {
		return err // go-smtp answers 552 for a message over MaxMessageBytes
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := Process(ctx, s.r.cfg, raw, Envelope{Route: RouteSMTP, Sender: s.from, SenderKnown: s.hasMF, Recipients: s.rcpts})
	if rerr := models.ReportInboundRoute(ctx, s.r.cfg.DB, RouteSMTP, true, err == nil, err); rerr != nil {
		s.r.cfg.Log.WarnContext(ctx, "inbound route status", "error", rerr)
	}
	if err != nil {
		s.r.cfg.Log.ErrorContext(ctx, "inbound mail not processed; the sender will retry", "error", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure, try again later"}
	}
	if out.Status == models.InboundHeld {
		s.r.cfg.Log.InfoContext(ctx, "inbound mail accepted and held", "reason", out.Reason)
	}
	return nil
}

func (s *session) Reset()        { s.from, s.hasMF, s.rcpts = "", false, nil }
func (s *session) Logout() error { return nil }

// forInbound reports whether addr is the inbound address or one of its
// +sub-addresses.
func forInbound(inbound, addr string) bool {
	inLocal, inDomain, ok := strings.Cut(inbound, "@")
	if !ok {
		return false
	}
	local, domain, ok := strings.Cut(strings.Trim(addr, "<> "), "@")
	if !ok || !strings.EqualFold(domain, inDomain) {
		return false
	}
	base, _, _ := strings.Cut(local, "+")
	return strings.EqualFold(base, inLocal)
}

// smtpLog sends go-smtp's own errors (broken connections) to the log.
type smtpLog struct{ c Config }

func (l smtpLog) Printf(format string, v ...any) {
	l.c.Log.Warn("inbound SMTP", "detail", fmt.Sprintf(format, v...))
}
func (l smtpLog) Println(v ...any) { l.c.Log.Warn("inbound SMTP", "detail", fmt.Sprint(v...)) }

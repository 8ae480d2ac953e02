// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp) in
// the test process and keeps what it receives, decoded, so tests can read the
// e-mail the portal sent and follow its links.
package mailtest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one received e-mail.
type Message struct {
	From    string
	To      []string
	Subject string
	Text    string
	HTML    string
	Raw     string
}

// Server is an SMTP server on 127.0.0.1 that accepts any PLAIN credentials
// equal to Username/Password (or none when Username is empty).
type Server struct {
	Host     string
	Port     int
	Username string
	Password string

	mu       sync.Mutex
	messages []Message
	authed   []string
	refused  map[string]bool
	srv      *smtp.Server
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s := &Server{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "mailtest.local"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	go s.srv.Serve(ln) //nolint:errcheck
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// Messages returns everything received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// AuthUsers lists the usernames that authenticated.
func (s *Server) AuthUsers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.authed...)
}

// WaitFor waits up to five seconds for the n-th (1-based) message to to,
// for mail sent in the background.
func (s *Server) WaitFor(t testing.TB, to string, n int) Message {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var got []Message
		for _, m := range s.Messages() {
			for _, rcpt := range m.To {
				if strings.EqualFold(rcpt, to) {
					got = append(got, m)
				}
			}
		}
		if len(got) >= n {
			return got[n-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: no message %d to %s within 5s (have %d)", n, to, len(got))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Count returns how many messages were sent to to.
func (s *Server) Count(to string) int {
	n := 0
	for _, m := range s.Messages() {
		for _, rcpt := range m.To {
			if strings.EqualFold(rcpt, to) {
				n++
			}
		}
	}
	return n
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (se *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != se.s.Username || password != se.s.Password {
			return errors.New("mailtest: bad credentials")
		}
		se.s.mu.Lock()
		se.s.authed = append(se.s.authed, username)
		se.s.mu.Unlock()
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.s.mu.Lock()
	refused := se.s.refused[strings.ToLower(to)]
	se.s.mu.Unlock()
	if refused {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	}
	se.to = append(se.to, to)
	return nil
}

// Refuse makes the server reject (550) or, with refuse false, accept again
// mail for the address, as a real server does for a full or unknown mailbox.
func (s *Server) Refuse(addr string, refuse bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refused == nil {
		s.refused = map[string]bool{}
	}
	s.refused[strings.ToLower(addr)] = refuse
}

func (se *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := decode(raw)
	if err != nil {
		return err
	}
	m.From, m.To = se.from, se.to
	se.s.mu.Lock()
	se.s.messages = append(se.s.messages, m)
	se.s.mu.Unlock()
	return nil
}

func (se *session) Reset()        { se.from, se.to = "", nil }
func (se *session) Logout() error { return nil }

// decode reads the subject and the text and HTML parts of a MIME message.
func decode(raw []byte) (Message, error) {
	m := Message{Raw: string(raw)}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return m, err
	}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return m, err
	}
	err = walk(&m, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return m, err
}

func walk(m *Message, contentType, encoding string, body io.Reader) error {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mediaType = "text/plain"
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walk(m, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	var r io.Reader = body
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = newBase64Reader(body)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch mediaType {
	case "text/plain":
		m.Text += string(b)
	case "text/html":
		m.HTML += string(b)
	}
	return nil
}

// Addr is host:port for a client configuration.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

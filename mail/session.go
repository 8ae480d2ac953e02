package mail

import (
	"context"
	"errors"
	"fmt"

	gomail "github.com/wneessen/go-mail"
)

// Session sends many messages over one SMTP connection: a run that mails
// thousands (the monthly summaries) pays the connection, greeting and
// sign-in once instead of per message, which cost about 11 ms a message
// even to a server on the same machine. Each Send still waits for the
// server's answer to that message, so the caller can record it before the
// next. Without SMTP (the outbox folder) it writes files as Send does.
// A Session is used by one goroutine at a time.
type Session struct {
	m      *Mailer
	client *gomail.Client // nil until the first send, and after a broken connection
}

// Session opens a sending session; Close ends it.
func (m *Mailer) Session() *Session { return &Session{m: m} }

// Send renders msg and delivers it over the session's connection, dialling
// (again) when there is none. A refused recipient fails this message only;
// a connection that broke is dialled again once before giving up.
func (s *Session) Send(ctx context.Context, msg Message) error {
	out, subject, err := s.m.compose(ctx, msg)
	if err != nil {
		return err
	}
	if s.m.cfg.Host == "" {
		return s.m.writeOutbox(ctx, msg, subject, out)
	}
	reused := s.client != nil
	err = s.send(ctx, out)
	var sendErr *gomail.SendError
	if reused && errors.As(err, &sendErr) && sendErr.Reason == gomail.ErrConnCheck {
		s.Close() // the server closed an idle connection, or restarted
		err = s.send(ctx, out)
	}
	if err != nil {
		return fmt.Errorf("mail: send %s to %s: %w", msg.Template, msg.To, err)
	}
	s.m.log.InfoContext(ctx, "mail sent", "template", msg.Template, "to", msg.To)
	return nil
}

func (s *Session) send(ctx context.Context, out *gomail.Msg) error {
	if s.client == nil {
		client, err := gomail.NewClient(s.m.cfg.Host, s.m.clientOptions()...)
		if err != nil {
			return fmt.Errorf("SMTP client for %s: %w", s.m.cfg.Host, err)
		}
		if err := client.DialWithContext(ctx); err != nil {
			return fmt.Errorf("connect to %s: %w", s.m.cfg.Host, err)
		}
		s.client = client
	}
	return s.client.Send(out)
}

// Close says goodbye to the server, if connected.
func (s *Session) Close() {
	if s.client != nil {
		s.client.Close() //nolint:errcheck // the messages are sent; a failed QUIT changes nothing
		s.client = nil
	}
}

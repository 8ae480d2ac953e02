// Package inbound turns mail that clients send to the portal into messages
// on their requests. Every way in (the IMAP reader, the built-in SMTP/LMTP
// receiver) hands each mail to Process, which:
//
//   - records the mail once: its Message-ID (or a hash of its bytes) is
//     unique in the database, so the same mail delivered twice, or read by
//     two processes at once, is one message;
//   - ignores (and logs) auto-replies and bounces;
//   - matches it to a request: the signed token in the address it was sent
//     to, else our Message-IDs in In-Reply-To/References, else the request
//     number in the subject when the sender is a user of that client;
//   - posts the text above the quoted history, with its attachments, by the
//     composer's rules (models.PostMailReply);
//   - holds anything else for staff (Held e-mail), with the reason in words:
//     a held mail is never shown to a client.
//
// Bad mail (broken MIME, an unknown charset, too large, too many parts) is
// held with its reason; Process returns an error only when the database or
// the file store failed, so that the mail is tried again later.
package inbound

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/portal-msp/portal/attachments"
	"github.com/portal-msp/portal/mail/thread"
	"github.com/portal-msp/portal/models"
)

// Routes a mail can come by.
const (
	RouteSMTP = "smtp"
	RouteIMAP = "imap"
)

// Config is what Process needs.
type Config struct {
	DB       *bun.DB
	Files    attachments.Store
	Address  string // PORTAL_INBOUND_ADDRESS
	Domain   string // the portal's host name: our Message-IDs' domain
	MaxBytes int64  // larger mail is held unread
	Log      *slog.Logger
	// Mailer sends the one reply naming attachments that were refused
	// (refusals.go); nil sends none.
	Mailer Mailer
}

// Envelope is what the transport knows of a mail beyond its bytes.
type Envelope struct {
	Route string
	// Sender is the SMTP MAIL FROM; SenderKnown says whether the route
	// knows it (the SMTP receiver does; an IMAP mailbox has Return-Path).
	Sender      string
	SenderKnown bool
	Recipients  []string // RCPT TO, when known
}

// Outcome is what became of a mail.
type Outcome struct {
	Status    string // models.InboundPosted, InboundHeld, InboundIgnored, or Duplicate
	Reason    string // why it was held or ignored
	RequestID int64  // the request it was posted on
	MessageID int64  // the message it became (0 for a follow-up's description)
}

// Duplicate is the status of a mail that was handled before.
const Duplicate = "duplicate"

// Process handles one mail (see the package comment).
func Process(ctx context.Context, c Config, raw []byte, env Envelope) (Outcome, error) {
	key := dedupeKey(raw)
	if seen, err := models.InboundMailSeen(ctx, c.DB, key); err != nil {
		return Outcome{}, err
	} else if seen {
		return Outcome{Status: Duplicate}, nil
	}
	rec := &models.InboundMail{DedupeKey: key, Route: env.Route, MailFrom: env.Sender, Size: int64(len(raw))}
	if why := c.tooLarge(int64(len(raw))); why != "" {
		return c.hold(ctx, rec, nil, why)
	}
	lim := attachmentLimits(ctx, c.DB)
	p, err := parse(raw, lim.MaxFileBytes)
	if err != nil {
		rec.Subject = roughSubject(raw)
		return c.hold(ctx, rec, raw, "The mail could not be read: "+err.Error()+".")
	}
	rec.FromAddr, rec.Subject = p.from, cut(p.subject, 300)
	if why := autoReply(p, env); why != "" {
		rec.Status, rec.Reason = models.InboundIgnored, why
		if err := models.RecordInboundMail(ctx, c.DB, rec); err != nil && !errors.Is(err, models.ErrDuplicateMail) {
			return Outcome{}, err
		}
		c.Log.InfoContext(ctx, "inbound mail ignored", "reason", why, "from", p.from, "subject", rec.Subject)
		return Outcome{Status: models.InboundIgnored, Reason: why}, nil
	}
	st, err := models.GetInboundSettings(ctx, c.DB)
	if err != nil {
		return Outcome{}, err
	}
	signer, err := thread.NewSigner(st.TokenKey, c.Domain)
	if err != nil {
		return Outcome{}, err
	}
	m, err := c.match(ctx, signer, p, env)
	if err != nil {
		return Outcome{}, err
	}
	rec.ClientID, rec.RequestID = m.clientID, m.requestID
	if m.user != nil {
		rec.UserID = &m.user.ID
	}
	if m.held != "" {
		return c.hold(ctx, rec, raw, m.held)
	}
	if !st.ReplyIn {
		return c.hold(ctx, rec, raw, "Replies by e-mail are switched off in Settings.")
	}
	body := p.text
	if strings.TrimSpace(body) == "" && p.html != "" {
		body = htmlText(p.html)
	}
	body = cut(stripQuotes(body), models.MaxMessageLength)
	files, refused, err := c.storeFiles(ctx, p.files, lim)
	if err != nil {
		return Outcome{}, err
	}
	if body == "" && len(files) == 0 {
		c.discard(ctx, files)
		return c.hold(ctx, rec, raw, "The reply has no text above the quoted mail and no attachment.")
	}
	if body == "" {
		body = "(attached by e-mail)"
	}
	if len(refused) > 0 {
		rec.Reason = "Not attached: " + strings.Join(refused, "; ")
	}
	msg, on, err := models.PostMailReply(ctx, c.DB, rec, m.user, *m.requestID, body, files)
	switch {
	case errors.Is(err, models.ErrDuplicateMail):
		c.discard(ctx, files)
		return Outcome{Status: Duplicate}, nil
	case errors.Is(err, models.ErrNotFound), errors.Is(err, models.ErrRequestNotClosed):
		c.discard(ctx, files)
		return c.hold(ctx, rec, raw, "The request could not take the reply: "+err.Error()+".")
	case err != nil:
		c.discard(ctx, files)
		return Outcome{}, err
	}
	out := Outcome{Status: models.InboundPosted, RequestID: on.ID, Reason: rec.Reason}
	if msg != nil {
		out.MessageID = msg.ID
	}
	c.Log.InfoContext(ctx, "inbound mail posted", "request", on.ID, "user", m.user.ID, "files", len(files), "refused", len(refused))
	c.tellRefused(ctx, signer, p, m.user, on, refused)
	return out, nil
}

// hold records the mail for staff with why; raw nil keeps no bytes (a
// mail too large to keep).
func (c Config) hold(ctx context.Context, rec *models.InboundMail, raw []byte, why string) (Outcome, error) {
	rec.ID, rec.Status, rec.Reason, rec.Raw = 0, models.InboundHeld, why, raw
	if err := models.RecordHeldMail(ctx, c.DB, rec); errors.Is(err, models.ErrDuplicateMail) {
		return Outcome{Status: Duplicate}, nil
	} else if err != nil {
		return Outcome{}, err
	}
	c.Log.InfoContext(ctx, "inbound mail held for staff", "reason", why, "from", rec.FromAddr, "subject", rec.Subject)
	return Outcome{Status: models.InboundHeld, Reason: why}, nil
}

// dedupeKey is the mail's Message-ID, or a hash of its bytes without one.
func dedupeKey(raw []byte) string {
	if id := headerValue(raw, "Message-Id"); id != "" {
		id = strings.TrimSpace(strings.Trim(strings.TrimSpace(id), "<>"))
		if id != "" && len(id) <= 500 {
			return "mid:" + id
		}
	}
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// headerValue finds a top-level header in raw bytes without parsing the
// mail, for a mail that may not parse.
func headerValue(raw []byte, name string) string {
	head := raw
	if i := strings.Index(string(raw[:min(len(raw), 256<<10)]), "\r\n\r\n"); i >= 0 {
		head = raw[:i]
	} else if i := strings.Index(string(raw[:min(len(raw), 256<<10)]), "\n\n"); i >= 0 {
		head = raw[:i]
	}
	lines := strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n")
	for i, l := range lines {
		k, v, ok := strings.Cut(l, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), name) {
			continue
		}
		for _, next := range lines[i+1:] {
			if next == "" || (next[0] != ' ' && next[0] != '\t') {
				break
			}
			v += " " + strings.TrimSpace(next)
		}
		return strings.TrimSpace(v)
	}
	return ""
}

func roughSubject(raw []byte) string {
	s := headerValue(raw, "Subject")
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	return cut(s, 300)
}

// cut keeps at most n characters of s.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

var precedenceAuto = map[string]bool{"bulk": true, "junk": true, "list": true, "auto_reply": true}

// autoReply says why a mail is an automatic one not to post (RFC 3834's
// Auto-Submitted, the de-facto X-Autoreply, X-Autorespond and Precedence,
// a bounce's empty sender), or "".
func autoReply(p *parsed, env Envelope) string {
	h := p.header
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return "an automatic mail (Auto-Submitted: " + v + ")"
	}
	if h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" {
		return "an automatic reply (X-Autoreply)"
	}
	if v := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); precedenceAuto[v] {
		return "an automatic mail (Precedence: " + v + ")"
	}
	if env.SenderKnown && strings.Trim(env.Sender, "<> ") == "" {
		return "a bounce (empty sender)"
	}
	if rp, ok := h.Header.Map()["Return-Path"]; ok && len(rp) > 0 && strings.Trim(rp[0], "<> ") == "" {
		return "a bounce (empty Return-Path)"
	}
	if ct, _, _ := h.ContentType(); ct == "multipart/report" {
		return "a delivery report"
	}
	return ""
}

// match is the request and user a mail is for, or why it is held.
type match struct {
	user      *models.User
	clientID  *int64
	requestID *int64
	held      string
}

var subjectRef = regexp.MustCompile(`\[([A-Za-z0-9]+)-([0-9]{1,9})\]`)

// match finds the request: the token first, then our Message-IDs, then the
// number in the subject; the sender must be entitled to reply on it.
func (c Config) match(ctx context.Context, signer *thread.Signer, p *parsed, env Envelope) (match, error) {
	var addrs []string
	for _, k := range []string{"To", "Cc"} {
		if list, err := p.header.AddressList(k); err == nil {
			for _, a := range list {
				addrs = append(addrs, a.Address)
			}
		}
	}
	addrs = append(addrs, p.header.Values("Delivered-To")...)
	addrs = append(addrs, p.header.Values("X-Original-To")...)
	addrs = append(addrs, env.Recipients...)
	badToken := false
	for _, a := range addrs {
		tok := thread.TokenOf(c.Address, strings.Trim(a, "<> "))
		if tok == "" {
			continue
		}
		req, user, err := signer.ParseToken(tok)
		if err != nil {
			badToken = true
			continue
		}
		return c.byToken(ctx, p, req, user)
	}
	if badToken {
		return match{held: "The reply address carries a token that is not valid (changed, or not made by this portal)."}, nil
	}
	var ids []string
	for _, k := range []string{"In-Reply-To", "References"} {
		if list, err := p.header.MsgIDList(k); err == nil {
			ids = append(ids, list...)
		}
	}
	for i := len(ids) - 1; i >= 0; i-- { // the latest reference first
		if req, _, ok := signer.ParseMessageID(ids[i]); ok {
			return c.bySender(ctx, p, req, "")
		}
	}
	if sm := subjectRef.FindStringSubmatch(p.subject); sm != nil {
		n, _ := strconv.Atoi(sm[2])
		return c.bySubject(ctx, p, sm[1], n)
	}
	m := match{held: "No request matches this mail (no reply token, no reference to our mail, no request number in the subject)."}
	if u, err := models.GetUserByEmail(ctx, c.DB, p.from); err == nil && u.ClientID != nil {
		m.clientID = u.ClientID
	}
	return m, nil
}

// byToken checks a valid token's request and user against the sender.
func (c Config) byToken(ctx context.Context, p *parsed, requestID, userID int64) (match, error) {
	u, err := models.GetUser(ctx, c.DB, userID)
	if errors.Is(err, models.ErrNotFound) {
		return match{held: "The reply address names a user who no longer exists."}, nil
	}
	if err != nil {
		return match{}, err
	}
	m := match{clientID: u.ClientID, requestID: &requestID}
	if !strings.EqualFold(u.Email, p.from) {
		m.held = fmt.Sprintf("Sent from %s, not by %s, whom this reply address was made for.", p.from, u.Email)
		return m, nil
	}
	return c.entitled(ctx, m, u)
}

// bySender matches a reply that refers to our mail about requestID: the
// sender must be an active user of the request's client.
func (c Config) bySender(ctx context.Context, p *parsed, requestID int64, _ string) (match, error) {
	m := match{requestID: &requestID}
	u, err := models.GetUserByEmail(ctx, c.DB, p.from)
	if errors.Is(err, models.ErrNotFound) || (err == nil && u.ClientID == nil) {
		m.held = fmt.Sprintf("Sent from %s, which is not the address of a client user.", p.from)
		return m, nil
	}
	if err != nil {
		return match{}, err
	}
	m.clientID = u.ClientID
	return c.entitled(ctx, m, u)
}

// bySubject matches "[ACME-12]" in the subject when the sender is a user
// of the client whose requests are numbered ACME.
func (c Config) bySubject(ctx context.Context, p *parsed, prefix string, n int) (match, error) {
	u, err := models.GetUserByEmail(ctx, c.DB, p.from)
	if errors.Is(err, models.ErrNotFound) || (err == nil && u.ClientID == nil) {
		return match{held: fmt.Sprintf("Sent from %s, which is not the address of a client user.", p.from)}, nil
	}
	if err != nil {
		return match{}, err
	}
	m := match{clientID: u.ClientID}
	client, err := models.GetClient(ctx, c.DB, *u.ClientID)
	if err != nil {
		return match{}, err
	}
	if !strings.EqualFold(client.RequestPrefix, prefix) {
		m.held = fmt.Sprintf("The subject names %s-%d, which is not a request of %s's client.", prefix, n, p.from)
		return m, nil
	}
	id, err := models.RequestIDByClientNumber(ctx, c.DB, client.ID, n)
	if errors.Is(err, models.ErrNotFound) {
		m.held = fmt.Sprintf("The subject names %s-%d, which does not exist.", prefix, n)
		return m, nil
	}
	if err != nil {
		return match{}, err
	}
	m.requestID = &id
	return c.entitled(ctx, m, u)
}

// entitled checks that u may reply on m's request now: an active user
// (not disabled, client not archived) of the request's client.
func (c Config) entitled(ctx context.Context, m match, u *models.User) (match, error) {
	m.user = u
	if u.ClientID == nil {
		m.held = "The reply address names a staff member; staff answer in the console."
		return m, nil
	}
	active, err := models.UserActive(ctx, c.DB, u)
	if err != nil {
		return match{}, err
	}
	if !active {
		m.held = fmt.Sprintf("%s is disabled, or their client is archived.", u.Email)
		return m, nil
	}
	r, _, err := models.RequestOfMail(ctx, c.DB, *m.requestID)
	if errors.Is(err, models.ErrNotFound) {
		m.held = "The request this mail answers no longer exists."
		return m, nil
	}
	if err != nil {
		return match{}, err
	}
	if r.ClientID != *u.ClientID {
		m.held = fmt.Sprintf("%s does not see the request this mail answers.", u.Email)
	}
	return m, nil
}

// Package thread names the portal's mail about a request so that mail
// programs thread it and replies find their way back: a stable Message-ID
// per mail (request, event and recipient), the request's root Message-ID
// that every later mail refers to, and a signed reply token that goes into
// the local part of the Reply-To address (support+<token>@msp.example).
//
// Both are signed with the workspace's reply key (models.InboundKey), so a
// token or a Message-ID cannot be made up or re-aimed at another request:
// changing one character makes it fail, and the failure says nothing about
// why.
package thread

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ReplyMarker heads a mail that can be answered by e-mail: the reader
// writes above it, and the portal keeps only what is above it.
const ReplyMarker = "## Reply above this line ##"

// macBytes is how much of the HMAC-SHA256 a token keeps: 80 bits, which an
// attacker cannot guess within any number of mails a server accepts.
const macBytes = 10

// idMacChars is how many base32 characters of the MAC a Message-ID keeps
// (80 bits as well).
const idMacChars = 16

// encoding is base32 without padding, written in lower case: mail systems
// may fold the case of a local part, and base32 survives that.
var encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// ErrBadToken is every reason a token or Message-ID is refused: malformed,
// truncated, or signed with another key. It deliberately says no more.
var ErrBadToken = errors.New("thread: not a valid reply token")

// Signer makes and checks tokens and Message-IDs with one key, for one
// domain (the portal's host name, the right-hand side of every Message-ID).
type Signer struct {
	key    []byte
	domain string
}

// NewSigner returns a signer; key must be at least 32 random bytes.
func NewSigner(key []byte, domain string) (*Signer, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("thread: key of %d bytes, want at least 32", len(key))
	}
	if domain == "" {
		domain = "localhost"
	}
	return &Signer{key: key, domain: strings.ToLower(domain)}, nil
}

// Domain is the right-hand side of the signer's Message-IDs.
func (s *Signer) Domain() string { return s.domain }

func (s *Signer) mac(purpose string, data []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write(data)
	return h.Sum(nil)
}

// Token names request and user: their ids as varints and 80 bits of MAC,
// in lower-case base32 (24 to 30 characters for realistic ids).
func (s *Signer) Token(requestID, userID int64) string {
	buf := binary.AppendUvarint(nil, uint64(requestID))
	buf = binary.AppendUvarint(buf, uint64(userID))
	buf = append(buf, s.mac("reply-token", buf)[:macBytes]...)
	return strings.ToLower(encoding.EncodeToString(buf))
}

// ParseToken checks a token and returns the request and user it names.
func (s *Signer) ParseToken(tok string) (requestID, userID int64, err error) {
	tok = strings.ToUpper(strings.TrimSpace(tok))
	raw, err := encoding.DecodeString(tok)
	// The last character has spare bits: only the canonical spelling counts,
	// so that no changed character is accepted.
	if err != nil || encoding.EncodeToString(raw) != tok || len(raw) < 2+macBytes || len(raw) > 20+macBytes {
		return 0, 0, ErrBadToken
	}
	body, mac := raw[:len(raw)-macBytes], raw[len(raw)-macBytes:]
	req, n := binary.Uvarint(body)
	if n <= 0 {
		return 0, 0, ErrBadToken
	}
	user, m := binary.Uvarint(body[n:])
	if m <= 0 || n+m != len(body) {
		return 0, 0, ErrBadToken
	}
	if !hmac.Equal(mac, s.mac("reply-token", body)[:macBytes]) {
		return 0, 0, ErrBadToken
	}
	if req == 0 || user == 0 || req > 1<<62 || user > 1<<62 {
		return 0, 0, ErrBadToken
	}
	return int64(req), int64(user), nil
}

// MessageID is the Message-ID, without angle brackets, of the mail about
// request that reports event to user. The same three always give the same
// id, so a mail sent twice after a retry is one mail to the recipient's
// program.
func (s *Signer) MessageID(requestID, eventID, userID int64) string {
	local := fmt.Sprintf("r%d.e%d.u%d", requestID, eventID, userID)
	mac := strings.ToLower(encoding.EncodeToString(s.mac("message-id", []byte(local+"@"+s.domain))))[:idMacChars]
	return local + "." + mac + "@" + s.domain
}

// RootID is the Message-ID of the request's thread: every mail about the
// request refers to it, so mail programs group them even when the
// recipient never saw the first mail.
func (s *Signer) RootID(requestID int64) string { return s.MessageID(requestID, 0, 0) }

// ParseMessageID checks a Message-ID (with or without angle brackets) made
// by MessageID and returns its request and user (0 for the root).
func (s *Signer) ParseMessageID(id string) (requestID, userID int64, ok bool) {
	id = strings.Trim(strings.TrimSpace(id), "<>")
	local, domain, found := strings.Cut(id, "@")
	if !found || !strings.EqualFold(domain, s.domain) {
		return 0, 0, false
	}
	parts := strings.Split(local, ".")
	if len(parts) != 4 || !strings.HasPrefix(parts[0], "r") || !strings.HasPrefix(parts[1], "e") || !strings.HasPrefix(parts[2], "u") {
		return 0, 0, false
	}
	req, err1 := strconv.ParseInt(parts[0][1:], 10, 64)
	ev, err2 := strconv.ParseInt(parts[1][1:], 10, 64)
	user, err3 := strconv.ParseInt(parts[2][1:], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || req <= 0 {
		return 0, 0, false
	}
	want := s.MessageID(req, ev, user)
	if !hmac.Equal([]byte(strings.ToLower(id)), []byte(want)) {
		return 0, 0, false
	}
	return req, user, true
}

// ReplyAddress puts token into the inbound address as a sub-address:
// support@msp.example and a token give support+<token>@msp.example.
func ReplyAddress(inbound, token string) string {
	local, domain, ok := strings.Cut(inbound, "@")
	if !ok {
		return inbound
	}
	return local + "+" + token + "@" + domain
}

// TokenOf returns the token in addr when addr is the inbound address with
// a sub-address (local part and domain compared without case), else "".
func TokenOf(inbound, addr string) string {
	inLocal, inDomain, ok := strings.Cut(inbound, "@")
	if !ok {
		return ""
	}
	local, domain, ok := strings.Cut(strings.TrimSpace(addr), "@")
	if !ok || !strings.EqualFold(domain, inDomain) {
		return ""
	}
	base, tag, ok := strings.Cut(local, "+")
	if !ok || !strings.EqualFold(base, inLocal) {
		return ""
	}
	return tag
}

package thread_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/portal-msp/portal/mail/thread"
)

func signer(t *testing.T, key byte) *thread.Signer {
	t.Helper()
	s, err := thread.NewSigner(bytes.Repeat([]byte{key}, 32), "portal.msp.example")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokenRoundTripAndTampering(t *testing.T) {
	s := signer(t, 7)
	tok := s.Token(12345, 678)
	if len(tok) > 32 || strings.ToLower(tok) != tok {
		t.Fatalf("token %q: want short lower-case base32", tok)
	}
	req, user, err := s.ParseToken(tok)
	if err != nil || req != 12345 || user != 678 {
		t.Fatalf("ParseToken = %d, %d, %v", req, user, err)
	}
	// A mail system that upper-cases the local part changes nothing.
	if req, user, err := s.ParseToken(strings.ToUpper(tok)); err != nil || req != 12345 || user != 678 {
		t.Fatalf("upper-case token = %d, %d, %v", req, user, err)
	}
	// Every single changed character is refused, with the same error.
	alphabet := "abcdefghijklmnopqrstuvwxyz234567"
	for i := range tok {
		for _, c := range alphabet {
			if byte(c) == tok[i] {
				continue
			}
			bad := tok[:i] + string(c) + tok[i+1:]
			if _, _, err := s.ParseToken(bad); err != thread.ErrBadToken {
				t.Fatalf("tampered token %q (position %d) accepted: %v", bad, i, err)
			}
		}
	}
	for _, bad := range []string{"", "x", tok[:len(tok)-1], tok + "a", "!!!!"} {
		if _, _, err := s.ParseToken(bad); err != thread.ErrBadToken {
			t.Errorf("ParseToken(%q) = %v", bad, err)
		}
	}
	// Another workspace's key refuses it.
	if _, _, err := signer(t, 8).ParseToken(tok); err != thread.ErrBadToken {
		t.Errorf("token of another key accepted: %v", err)
	}
}

func TestMessageIDs(t *testing.T) {
	s := signer(t, 7)
	id := s.MessageID(12, 345, 6)
	if id != s.MessageID(12, 345, 6) {
		t.Fatal("Message-ID is not stable")
	}
	if !strings.HasSuffix(id, "@portal.msp.example") || !strings.HasPrefix(id, "r12.e345.u6.") {
		t.Fatalf("Message-ID %q", id)
	}
	if req, user, ok := s.ParseMessageID("<" + id + ">"); !ok || req != 12 || user != 6 {
		t.Fatalf("ParseMessageID = %d, %d, %v", req, user, ok)
	}
	if req, user, ok := s.ParseMessageID(s.RootID(12)); !ok || req != 12 || user != 0 {
		t.Fatalf("root = %d, %d, %v", req, user, ok)
	}
	forged := strings.Replace(id, "r12.", "r13.", 1)
	if _, _, ok := s.ParseMessageID(forged); ok {
		t.Fatalf("forged Message-ID %q accepted", forged)
	}
	if _, _, ok := signer(t, 8).ParseMessageID(id); ok {
		t.Fatal("Message-ID of another key accepted")
	}
}

func TestReplyAddress(t *testing.T) {
	addr := thread.ReplyAddress("support@msp.example", "abc234")
	if addr != "support+abc234@msp.example" {
		t.Fatalf("ReplyAddress = %q", addr)
	}
	if got := thread.TokenOf("support@msp.example", "Support+abc234@MSP.example"); got != "abc234" {
		t.Errorf("TokenOf = %q", got)
	}
	for _, other := range []string{"support@msp.example", "sales+abc@msp.example", "support+abc@evil.example"} {
		if got := thread.TokenOf("support@msp.example", other); got != "" {
			t.Errorf("TokenOf(%q) = %q", other, got)
		}
	}
}

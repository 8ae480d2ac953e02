package inbound

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // mail in ISO-8859-x, Windows-125x, Shift_JIS, GB18030…
	gomail "github.com/emersion/go-message/mail"
)

// Limits on one mail's structure: a mail bomb of thousands of parts or
// deep nesting is held, never walked to its end.
const (
	maxParts = 100
	maxDepth = 10
	// maxText is how much of a text part is read: a reply is short; a
	// larger text is cut.
	maxText = 1 << 20
)

// parsed is what the processor needs of a mail.
type parsed struct {
	header  gomail.Header
	from    string // the From address, lower case
	subject string
	text    string // the first text/plain part not an attachment
	html    string // the first text/html part, when there is no text
	files   []file
}

// file is one attachment of a mail.
type file struct {
	name        string
	contentType string
	data        []byte
}

// errUnreadable wraps every reason a mail cannot be read; its text is
// what staff see beside the held mail.
type errUnreadable struct{ why string }

func (e errUnreadable) Error() string { return e.why }

func unreadable(format string, args ...any) error { return errUnreadable{fmt.Sprintf(format, args...)} }

// parse reads a mail with go-message, decoding transfer encodings and
// charsets to UTF-8. An unknown charset, a broken structure, too many
// parts or too deep nesting is an errUnreadable.
func parse(raw []byte, maxFile int64) (*parsed, error) {
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && e == nil {
		return nil, unreadable("the mail's header cannot be read: %v", err)
	}
	if message.IsUnknownCharset(err) {
		return nil, unreadable("the mail is in an unknown character set (%v)", err)
	}
	if err != nil {
		return nil, unreadable("the mail cannot be decoded: %v", err)
	}
	p := &parsed{header: gomail.Header{Header: e.Header}}
	if addrs, err := p.header.AddressList("From"); err == nil && len(addrs) > 0 {
		p.from = strings.ToLower(addrs[0].Address)
	} else {
		return nil, unreadable("the mail has no readable From address")
	}
	if p.subject, err = p.header.Subject(); err != nil {
		p.subject = e.Header.Get("Subject")
	}
	parts := 0
	err = e.Walk(func(path []int, part *message.Entity, err error) error {
		if err != nil {
			if message.IsUnknownCharset(err) {
				return unreadable("a part of the mail is in an unknown character set: %v", err)
			}
			return unreadable("a part of the mail cannot be decoded: %v", err)
		}
		parts++
		if parts > maxParts {
			return unreadable("the mail has more than %d parts", maxParts)
		}
		if len(path) > maxDepth {
			return unreadable("the mail's parts are nested more than %d deep", maxDepth)
		}
		return p.take(part, maxFile)
	})
	if err != nil {
		var u errUnreadable
		if errors.As(err, &u) {
			return nil, u
		}
		return nil, unreadable("the mail's structure is broken: %v", err)
	}
	return p, nil
}

// take keeps one part: the first text, the first HTML, and attachments.
func (p *parsed) take(part *message.Entity, maxFile int64) error {
	ct, params, err := part.Header.ContentType()
	if err != nil {
		ct = "text/plain"
	}
	if strings.HasPrefix(ct, "multipart/") {
		return nil
	}
	disp, dparams, _ := part.Header.ContentDisposition()
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if name != "" {
		if dec, err := new(mime.WordDecoder).DecodeHeader(name); err == nil {
			name = dec
		}
	}
	isFile := disp == "attachment" || (name != "" && !strings.HasPrefix(ct, "text/"))
	// An image that the HTML body shows (a logo in a signature) has a
	// Content-ID and is inline: it is part of the letter, not a file.
	if isFile && disp != "attachment" && part.Header.Get("Content-Id") != "" {
		return nil
	}
	if !isFile {
		switch ct {
		case "text/plain":
			if p.text == "" {
				b, err := io.ReadAll(io.LimitReader(part.Body, maxText))
				if err != nil {
					return unreadable("the text of the mail cannot be decoded: %v", err)
				}
				p.text = string(b)
			}
		case "text/html":
			if p.html == "" {
				b, err := io.ReadAll(io.LimitReader(part.Body, maxText))
				if err != nil {
					return unreadable("the HTML of the mail cannot be decoded: %v", err)
				}
				p.html = string(b)
			}
		}
		return nil
	}
	if name == "" {
		name = "attachment"
	}
	// One byte over the limit is enough to know the file is too large.
	b, err := io.ReadAll(io.LimitReader(part.Body, maxFile+1))
	if err != nil {
		return unreadable("the attachment %q cannot be decoded: %v", name, err)
	}
	p.files = append(p.files, file{name: name, contentType: ct, data: b})
	return nil
}

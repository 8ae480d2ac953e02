package inbound

import (
	"strings"

	"golang.org/x/net/html"
)

// htmlText turns an HTML-only mail into text: block elements become line
// breaks, scripts and styles are dropped, a blockquote is quoted with '>'
// so that stripQuotes removes it like a quoted text mail.
func htmlText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	skip, quote := 0, 0
	newline := func() {
		b.WriteString("\n")
		if quote > 0 {
			b.WriteString(strings.Repeat("> ", quote))
		}
	}
	for {
		switch z.Next() {
		case html.ErrorToken:
			return collapseBlankLines(b.String())
		case html.TextToken:
			if skip == 0 {
				t := strings.Join(strings.Fields(string(z.Text())), " ")
				if t != "" {
					b.WriteString(t)
					b.WriteString(" ")
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				skip++
			case "blockquote":
				quote++
				newline()
			case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "hr", "table":
				newline()
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if skip > 0 {
					skip--
				}
			case "blockquote":
				if quote > 0 {
					quote--
				}
				newline()
			case "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table":
				newline()
			}
		}
	}
}

// collapseBlankLines trims each line and keeps at most one blank line in a row.
func collapseBlankLines(s string) string {
	var out []string
	blank := false
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, " ")
		if strings.TrimSpace(strings.Trim(l, "> ")) == "" && !strings.HasPrefix(l, ">") {
			if blank {
				continue
			}
			blank = true
			out = append(out, "")
			continue
		}
		blank = false
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

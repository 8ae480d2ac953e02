// Package templates holds the HTML templates, embedded and parsed once at
// start-up. Each page under pages/<area>/ defines "content" (and any named
// fragments htmx asks for) and is rendered inside the layout of its area.
package templates

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"strings"
)

//go:embed layouts/*.html pages/*/*.html partials/*.html
var files embed.FS

// Page names a page template by its path under pages/, without ".html".
type Page string

// Set is every page parsed with its layout and the shared partials.
type Set struct {
	pages map[Page]*template.Template
}

// layoutFor picks the layout of a page from its area (its folder).
func layoutFor(p Page) string {
	switch area, _, _ := strings.Cut(string(p), "/"); area {
	case "portal", "console":
		return area
	default:
		return "auth"
	}
}

// Parse parses every page once; funcs are available to all templates.
func Parse(funcs template.FuncMap) (*Set, error) {
	set := &Set{pages: map[Page]*template.Template{}}
	err := fs.WalkDir(files, "pages", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".html" {
			return err
		}
		page := Page(strings.TrimSuffix(strings.TrimPrefix(p, "pages/"), ".html"))
		t, err := template.New(path.Base(p)).Funcs(funcs).ParseFS(files,
			"layouts/base.html", "layouts/"+layoutFor(page)+".html", "partials/*.html", p)
		if err != nil {
			return fmt.Errorf("templates: parse %s: %w", p, err)
		}
		set.pages[page] = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return set, nil
}

// Execute renders block ("base" for the full page, "content" or a named
// fragment) of page to w.
func (s *Set) Execute(w io.Writer, page Page, block string, data any) error {
	t, ok := s.pages[page]
	if !ok {
		return fmt.Errorf("templates: no page %q", page)
	}
	if err := t.ExecuteTemplate(w, block, data); err != nil {
		return fmt.Errorf("templates: render %s/%s: %w", page, block, err)
	}
	return nil
}

// ExecutePartial renders a template shared by every page (partials/*.html),
// such as the fragments pushed to browsers over server-sent events.
func (s *Set) ExecutePartial(w io.Writer, name string, data any) error {
	for _, t := range s.pages {
		if err := t.ExecuteTemplate(w, name, data); err != nil {
			return fmt.Errorf("templates: render partial %s: %w", name, err)
		}
		return nil
	}
	return fmt.Errorf("templates: no pages parsed")
}

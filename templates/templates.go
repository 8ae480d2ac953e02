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
	"sync"
	"time"
)

//go:embed layouts/*.html pages/*/*.html partials/*.html
var files embed.FS

// Page names a page template by its path under pages/, without ".html".
type Page string

// Set is every page parsed with its layout and the shared partials, with
// times shown in one zone.
type Set struct {
	pages map[Page]*template.Template

	// parsed is never executed, so it can be cloned for another zone; zoned
	// gives the functions that show times in a zone. zones caches one Set
	// per zone (shared by every Set of the family).
	parsed map[Page]*template.Template
	zoned  func(*time.Location) template.FuncMap
	zones  *sync.Map // zone name → *zoneSet
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

// Parse parses every page once; funcs are available to all templates, with
// zoned(time.UTC) on top. In gives the same pages with zoned(loc).
func Parse(funcs template.FuncMap, zoned func(*time.Location) template.FuncMap) (*Set, error) {
	all := template.FuncMap{}
	for k, v := range funcs {
		all[k] = v
	}
	for k, v := range zoned(time.UTC) {
		all[k] = v
	}
	parsed := &Set{pages: map[Page]*template.Template{}}
	err := fs.WalkDir(files, "pages", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".html" {
			return err
		}
		page := Page(strings.TrimSuffix(strings.TrimPrefix(p, "pages/"), ".html"))
		t, err := template.New(path.Base(p)).Funcs(all).ParseFS(files,
			"layouts/base.html", "layouts/"+layoutFor(page)+".html", "partials/*.html", p)
		if err != nil {
			return fmt.Errorf("templates: parse %s: %w", p, err)
		}
		parsed.pages[page] = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	family := &Set{parsed: parsed.pages, zoned: zoned, zones: &sync.Map{}}
	return family.In(time.UTC), nil
}

// In returns the pages with times shown in loc. Each zone's set is cloned
// from the parsed templates once and kept: html/template escapes a clone on
// its first use, which is not work to repeat on every request.
func (s *Set) In(loc *time.Location) *Set {
	if loc == nil {
		loc = time.UTC
	}
	if z, ok := s.zones.Load(loc.String()); ok {
		return z.(*zoneSet).get()
	}
	// Cloning every page takes a while, and each clone holds its parsed
	// page's lock: the first request in a zone builds it while the others
	// in that zone wait for it, instead of fifty requests cloning
	// everything fifty times over.
	z, _ := s.zones.LoadOrStore(loc.String(), &zoneSet{build: func() *Set { return s.clone(loc) }})
	return z.(*zoneSet).get()
}

// zoneSet is a zone's Set, built once on first use.
type zoneSet struct {
	once  sync.Once
	build func() *Set
	set   *Set
}

func (z *zoneSet) get() *Set {
	z.once.Do(func() { z.set = z.build() })
	return z.set
}

// clone is the family's pages with the time functions of loc.
func (s *Set) clone(loc *time.Location) *Set {
	z := &Set{pages: make(map[Page]*template.Template, len(s.parsed)), parsed: s.parsed, zoned: s.zoned, zones: s.zones}
	funcs := s.zoned(loc)
	for page, t := range s.parsed {
		c, err := t.Clone()
		if err != nil { // only after an execution, and parsed is never executed
			panic(fmt.Sprintf("templates: clone %s: %v", page, err))
		}
		z.pages[page] = c.Funcs(funcs)
	}
	return z
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

// Package static serves the vendored htmx files, the stylesheet and the small
// hand-written scripts, embedded in the binary. URLs carry a content hash so
// browsers may cache them for a year; a new release changes the URL.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed css js img VERSIONS
var files embed.FS

// Assets knows the content hash of every embedded file.
type Assets struct {
	hashes map[string]string
	files  http.Handler
}

// New hashes every embedded file once.
func New() (*Assets, error) {
	a := &Assets{hashes: map[string]string{}, files: http.FileServerFS(files)}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hashes[p] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: hash files: %w", err)
	}
	return a, nil
}

// URL returns the cache-busting URL of an embedded file, such as
// /static/css/portal.css?v=3f2a…; a name that does not exist is an error, so
// a typo in a template fails the first test that renders it.
func (a *Assets) URL(name string) (string, error) {
	h, ok := a.hashes[name]
	if !ok {
		return "", fmt.Errorf("static: no file %q", name)
	}
	return "/static/" + name + "?v=" + h, nil
}

// ServeHTTP serves /static/<name>. A request naming the current hash may be
// cached for good; any other must revalidate against the ETag.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	h, ok := a.hashes[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("ETag", `"`+h+`"`)
	if r.URL.Query().Get("v") == h {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + name
	a.files.ServeHTTP(w, r2)
}

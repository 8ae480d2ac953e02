package handlers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPortalHandlersHoldOnlyTheScope keeps the tenancy rule checkable: a
// function that is handed a models.Scope (every portal handler, through
// asClient, and what they call with it) must not reach the raw database, so
// that each of its queries is one of the Scope's, filtered on the client.
func TestPortalHandlersHoldOnlyTheScope(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	scoped := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil || !takesScope(fn.Type) {
				continue
			}
			scoped++
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "db" {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "s" {
					t.Errorf("%s: %s is handed a Scope but uses s.db", fset.Position(sel.Pos()), fn.Name.Name)
				}
				return true
			})
		}
	}
	// The portal has about twenty pages and actions; far fewer means the
	// check stopped seeing them (a renamed type, say), not that they left.
	if scoped < 20 {
		t.Fatalf("found %d functions taking a models.Scope; expected the portal's handlers", scoped)
	}
}

// takesScope reports whether a function has a parameter of type models.Scope.
func takesScope(ft *ast.FuncType) bool {
	for _, p := range ft.Params.List {
		if sel, ok := p.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Scope" {
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "models" {
				return true
			}
		}
	}
	return false
}

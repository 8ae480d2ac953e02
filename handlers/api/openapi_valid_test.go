package api_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/portal-msp/portal/config"
	"github.com/portal-msp/portal/handlers"
	"github.com/portal-msp/portal/models/dbtest"
)

// The served document is a valid OpenAPI 3.1 document: kin-openapi (its
// v0.153 reads 3.1 and checks schemas as JSON Schema 2020-12) resolves every
// $ref and checks every operation, parameter and schema. A document
// with a dangling $ref is refused, so the check is not vacuous.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	cfg, err := config.Load(func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	app, err := handlers.New(cfg, dbtest.New(t, dbtest.SQLite), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	served := serve(t, app, "/api/v1/openapi.json")
	load := func(b []byte) (*openapi3.T, error) {
		l := openapi3.NewLoader()
		return l.LoadFromData(b)
	}
	doc, err := load(served)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q: not 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3.1: %v", err)
	}
	if doc.Paths.Len() == 0 {
		t.Fatal("no paths")
	}

	broken := bytes.Replace(served, []byte(`"#/components/schemas/`), []byte(`"#/components/schemas/Missing`), 1)
	if bytes.Equal(broken, served) {
		t.Fatal("the document has no schema $ref to break")
	}
	if doc, err := load(broken); err == nil {
		if err := doc.Validate(context.Background()); err == nil {
			t.Error("a dangling $ref passed validation")
		}
	}
}

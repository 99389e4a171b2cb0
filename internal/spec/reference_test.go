package spec

import (
	"flag"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite docs/reference.md from the schema")

// TestReference keeps docs/reference.md what the schema renders: after changing a block, an
// attribute or its description, run go test ./internal/spec -run TestReference -update.
func TestReference(t *testing.T) {
	const path = "../../docs/reference.md"
	got := Reference()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("docs/reference.md is not what the schema renders; run go test ./internal/spec -run TestReference -update (-committed +rendered):\n%s", diff)
	}
}

// Every output format and every attribute its block takes is documented.
func TestOutputsDocumented(t *testing.T) {
	for _, f := range OutputFormats {
		if outputDocs[f.Name] == "" {
			t.Errorf("output %q has no description in outputDocs", f.Name)
		}
		for _, a := range f.Attributes {
			if d, ok := outputAttributes[a]; !ok || d.Doc == "" || d.Type == "" || d.Example == "" {
				t.Errorf("attribute %q of output %q is not documented in outputAttributes", a, f.Name)
			}
		}
	}
	for name := range outputDocs {
		if _, ok := LookupOutputFormat(name); !ok {
			t.Errorf("outputDocs describes %q, which is not an output format", name)
		}
	}
}

// Every block and attribute says what it is, and what leaving an optional one out means.
func TestSchemaDocumented(t *testing.T) {
	var walk func(path string, b Block)
	walk = func(path string, b Block) {
		path += "/" + heading(b)
		if b.Doc == "" || b.Example == "" {
			t.Errorf("%s: no description or example", path)
		}
		for _, a := range b.Attributes {
			switch {
			case a.Doc == "" || a.Type == "" || a.Example == "":
				t.Errorf("%s.%s: no description, type or example", path, a.Name)
			case !a.Required && a.Default == "":
				t.Errorf("%s.%s: optional, but says nothing of its default", path, a.Name)
			case a.Required && a.Default != "":
				t.Errorf("%s.%s: required, yet has a default", path, a.Name)
			}
		}
		for _, nb := range b.Blocks {
			walk(path, nb)
		}
	}
	for _, f := range []File{RecipeFiles, EditionFiles, PolicyFile} {
		for _, b := range f.Blocks {
			walk(f.Glob, b)
		}
	}
	for k, b := range Sources {
		if b.Label != string(k) || !slices.Contains(SourceKinds, k) {
			t.Errorf("Sources[%q] documents source %q", k, b.Label)
		}
	}
	if len(Sources) != len(SourceKinds) {
		t.Errorf("%d source blocks documented for %d source kinds", len(Sources), len(SourceKinds))
	}
}

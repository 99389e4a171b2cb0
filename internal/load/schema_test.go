package load_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/spec"
)

// anything is a project in which every file and directory a manifest names exists.
type anything struct{}

func (anything) Exists(string) bool { return true }

// TestReferenceExamplesLoad loads every example docs/reference.md shows, each block's and
// each attribute's, in a project that declares what they name: an example that the loader
// refuses would teach the wrong thing.
func TestReferenceExamplesLoad(t *testing.T) {
	recipes := []string{spec.CoreBlock.Example, spec.ExtensionBlock.Example, spec.SkinBlock.Example}
	for _, name := range []string{"Math", "SpamBlacklist", "Cite", "ParserFunctions"} {
		recipes = append(recipes, fmt.Sprintf("extension %q {\nsource \"bundled\" { path = \"extensions/%s\" }\n}", name, name))
	}
	recipes = append(recipes, "skin \"MonoBook\" {\nsource \"bundled\" { path = \"skins/MonoBook\" }\n}")
	for i, kind := range spec.SourceKinds {
		src := spec.Sources[kind]
		var attrs []string
		for _, a := range src.Attributes {
			attrs = append(attrs, a.Example)
		}
		for j, body := range []string{src.Example, fmt.Sprintf("source %q {\n%s\n}", kind, strings.Join(attrs, "\n"))} {
			recipes = append(recipes, fmt.Sprintf("extension \"Source%d_%d\" {\n%s\n}", i, j, body))
		}
	}
	for i, a := range spec.ExtensionBlock.Attributes {
		recipes = append(recipes, fmt.Sprintf("extension \"Attr%d\" {\n%s\nsource \"bundled\" { path = \"extensions/Attr%d\" }\n}", i, a.Example, i))
	}
	editions := []string{spec.EditionBlock.Example,
		"edition \"knowledge-base\" {\ntitle = \"KB\"\nversion = \"1\"\n}"}
	for i, a := range spec.EditionBlock.Attributes {
		if a.Name == "title" || a.Name == "version" || a.Name == "inherits" || a.Name == "remove" {
			continue // in every edition, or shown by the block's example
		}
		editions = append(editions, fmt.Sprintf("edition \"attr%d\" {\ntitle = \"t\"\nversion = \"1\"\n%s\n}", i, a.Example))
	}
	for _, o := range spec.OutputBlocks() {
		var attrs []string
		for _, a := range o.Attributes {
			attrs = append(attrs, a.Example)
		}
		for i, body := range []string{o.Example, fmt.Sprintf("output %q {\n%s\n}", o.Label, strings.Join(attrs, "\n"))} {
			editions = append(editions, fmt.Sprintf("edition \"out-%s-%d\" {\ntitle = \"t\"\nversion = \"1\"\n%s\n}", o.Label, i, body))
		}
	}
	srcs := []load.Source{
		{Name: "recipes/examples.hcl", Bytes: []byte(strings.Join(recipes, "\n"))},
		{Name: "editions/examples.hcl", Bytes: []byte(strings.Join(editions, "\n"))},
	}
	set, _, diags := load.Sources(srcs, anything{})
	for _, d := range diags {
		t.Errorf("%s", d)
	}
	if t.Failed() {
		t.Logf("recipes:\n%s\neditions:\n%s", srcs[0].Bytes, srcs[1].Bytes)
	}
	if got := len(set.Editions()); got != len(editions) {
		t.Errorf("%d editions loaded of %d", got, len(editions))
	}
}

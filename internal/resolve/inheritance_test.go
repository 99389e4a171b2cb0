package resolve_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

func refs(names ...string) []spec.Ref {
	var rs []spec.Ref
	for _, n := range names {
		rs = append(rs, spec.Ref{Name: n})
	}
	return rs
}

// TestInheritanceDOT draws three editions: a base that lists many components (counted,
// not named), an heir that adds a few and removes one, and an heir that changes nothing
// but whose title needs quoting.
func TestInheritanceDOT(t *testing.T) {
	base := spec.Edition{Name: "base", Extensions: refs("A", "B", "C", "D", "E", "F"), Skins: refs("Vector")}
	docs := spec.Edition{Name: "docs", Inherits: &spec.Ref{Name: "base"}, Extensions: refs("Math", "Scribunto", "PdfHandler", "Poem"), Remove: refs("A")}
	same := spec.Edition{Name: "same", Inherits: &spec.Ref{Name: "docs"}}
	set := spec.NewSet([]spec.Component{{Kind: spec.Core, Name: "mediawiki", Version: "1.39.17"}}, []spec.Edition{base, docs, same})
	g := resolve.Graph{
		Components: []resolve.Component{{ID: "core/mediawiki", Version: "1.39.17"}},
		Editions: []resolve.Edition{
			{Name: "base", Title: "Base", Version: "1", Core: "core/mediawiki", Extensions: make([]string, 7), Skins: []string{"Vector"},
				Members: []resolve.Member{{ID: "extension/G", Reason: "required by B"}},
				Outputs: []spec.Output{{Format: "deb"}, {Format: "image"}}},
			{Name: "docs", Title: "Docs", Version: "2", Core: "core/mediawiki", Extensions: make([]string, 10), Skins: []string{"Vector"}},
			{Name: "same", Title: `The "same"`, Version: "3", Core: "core/mediawiki", Extensions: make([]string, 10), Skins: []string{"Vector"}},
		},
	}
	want := `digraph editions {
	rankdir=TB;
	nodesep=0.6;
	node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica", fontsize=11];
	edge [fontname="Helvetica", fontsize=10];
	"core/mediawiki 1.39.17" [shape=cylinder, fillcolor="#fdf3e1", label="core/mediawiki 1.39.17"];
	"edition base" [label="base 1\nBase\n7 extensions, 1 skin (1 required by another)\ndeb, image"];
	"edition docs" [label="docs 2\nDocs\n10 extensions, 1 skin"];
	"edition same" [label="same 3\nThe \"same\"\n10 extensions, 1 skin"];
	"core/mediawiki 1.39.17" -> "edition base" [label="adds 6 extensions, 1 skin"];
	"edition base" -> "edition docs" [label="adds Math, Scribunto, PdfHandler,\nPoem\nremoves A"];
	"edition docs" -> "edition same" [label="inherits"];
}
`
	if diff := cmp.Diff(want, resolve.InheritanceDOT(resolve.Inheritance(set, g))); diff != "" {
		t.Errorf("InheritanceDOT (-want +got):\n%s", diff)
	}
}

package bump

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

// A release line keeps its editions' version and its core release in line.hcl: a core
// bump edits those variables, not the shared editions.
func TestEditionsOfALine(t *testing.T) {
	root := t.TempDir()
	for name, body := range map[string]string{
		"line.hcl": "line \"1.39\" {\n  release         = \"1.39.17\"\n  edition_version = \"1.39.17.2\"\n  branch          = \"REL1_39\"\n}\n",
		"recipes/core.hcl": `core "mediawiki" {
  version = "1.39.17"
  source "tarball" {
    url    = "https://example.org/mediawiki-1.39.17.tar.gz"
    sha256 = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"
  }
}`,
		"editions/a.hcl": "edition \"a\" {\n  title   = \"A\"\n  version = line.edition_version\n}\n",
		"editions/b.hcl": "edition \"b\" {\n  title   = \"B\"\n  version = line.edition_version\n}\n",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, diags := load.Dir(root)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	prev := lock.File{Editions: []lock.Edition{
		{Name: "a", Version: "1.39.17.2", Members: []string{"core/mediawiki"}},
		{Name: "b", Version: "1.39.17.2", Members: []string{"core/mediawiki"}},
	}}
	res := Result{Component: "core/mediawiki", From: "1.39.17", To: "1.39.18"}
	byFile := map[string][]Edit{}
	if err := res.editions(p, prev, Request{Kind: spec.Core, Version: "1.39.18"}, byFile); err != nil {
		t.Fatal(err)
	}
	want := map[string][]Edit{spec.LineFileName: {
		{Path: []Block{{"line", []string{"1.39"}}}, Attr: "release", Value: "1.39.18"},
		{Path: []Block{{"line", []string{"1.39"}}}, Attr: "edition_version", Value: "1.39.18.1"},
	}}
	if d := cmp.Diff(want, byFile); d != "" {
		t.Errorf("edits (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]Moved{{"a", "1.39.17.2", "1.39.18.1"}, {"b", "1.39.17.2", "1.39.18.1"}}, res.Editions); d != "" {
		t.Errorf("editions (-want +got):\n%s", d)
	}
	b, err := Rewrite(spec.LineFileName, p.Files[spec.LineFileName].Bytes, byFile[spec.LineFileName])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "line \"1.39\" {\n  release         = \"1.39.18\"\n  edition_version = \"1.39.18.1\"\n  branch          = \"REL1_39\"\n}\n"; got != want {
		t.Errorf("line.hcl rewritten as\n%s\nwant\n%s", got, want)
	}
}

package bump

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

// noFiles is a project with no files beside its manifests.
type noFiles struct{}

func (noFiles) Exists(string) bool { return false }

func sampleSet(t *testing.T) spec.Set {
	t.Helper()
	set, _, diags := load.Sources([]load.Source{
		{Name: "recipes/core.hcl", Bytes: []byte(`core "mediawiki" {
  version = "1.39.17"
  source "tarball" {
    url    = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz"
    sha256 = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"
  }
}
extension "Cite" {
  source "bundled" { path = "extensions/Cite" }
}
extension "Gitty" {
  source "git" {
    url = "https://example.org/Gitty.git"
    ref = "main"
  }
}
`)},
		{Name: "editions/wiki.hcl", Bytes: []byte(`edition "wiki" {
  title      = "Wiki"
  version    = "1.39.17.2"
  core       = "mediawiki"
  extensions = ["Cite"]
}
edition "plus" {
  title      = "Plus"
  version    = "4.1"
  inherits   = "wiki"
  extensions = ["Gitty"]
}
`)},
	}, noFiles{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return set
}

var sampleLock = lock.File{Editions: []lock.Edition{
	{Name: "plus", Version: "4.1", Members: []string{"core/mediawiki", "extension/Cite", "extension/Gitty"}},
	{Name: "wiki", Version: "1.39.17.2", Members: []string{"core/mediawiki", "extension/Cite"}},
}}

func TestEditions(t *testing.T) {
	set := sampleSet(t)
	for _, tc := range []struct {
		name string
		req  Request
		want []Moved
	}{
		{"core", Request{Kind: spec.Core, Version: "1.39.18"}, []Moved{{"plus", "4.1", "4.2"}, {"wiki", "1.39.17.2", "1.39.18.1"}}},
		{"git extension: only the edition holding it", Request{Kind: spec.Extension, Name: "Gitty", Ref: "next"}, []Moved{{"plus", "4.1", "4.2"}}},
		{"given version", Request{Kind: spec.Core, Version: "1.39.18", EditionVersion: "9"}, []Moved{{"plus", "4.1", "9"}, {"wiki", "1.39.17.2", "9"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := target(set, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			res := Result{Component: c.ID(), From: c.Version, To: tc.req.Version}
			byFile := map[string][]Edit{}
			if err := res.editions(load.Project{Set: set}, sampleLock, tc.req, byFile); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, res.Editions); d != "" {
				t.Errorf("editions (-want +got):\n%s", d)
			}
			if len(byFile["editions/wiki.hcl"]) != len(tc.want) {
				t.Errorf("%d edits of editions/wiki.hcl, want %d", len(byFile["editions/wiki.hcl"]), len(tc.want))
			}
		})
	}
}

func TestRefRefuses(t *testing.T) {
	set := sampleSet(t)
	for _, tc := range []struct {
		req  Request
		want string
	}{
		{Request{Kind: spec.Extension, Name: "Cite", Ref: "x"}, `extension/Cite is bundled in core "mediawiki": it moves with its core (mwedition bump core VERSION)`},
		{Request{Kind: spec.Extension, Name: "Gitty", Ref: "main"}, "extension/Gitty already follows ref main (to move it to what main names now: mwedition lock --update Gitty)"},
		{Request{Kind: spec.Extension, Name: "Nope", Ref: "x"}, `no recipe declares extension "Nope"`},
		{Request{Kind: spec.Skin, Name: "Gitty", Ref: "x"}, `no recipe declares skin "Gitty"`},
	} {
		c, err := target(set, tc.req)
		if err == nil {
			var res Result
			_, err = res.ref(c, tc.req)
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("%+v: error %v, want %q", tc.req, err, tc.want)
		}
	}
}

package bump

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const coreRecipe = `# MediaWiki core.
core "mediawiki" {
  version = "1.39.17" # the release

  source "tarball" {
    url       = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz"
    sha256    = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"
    signature = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz.sig"
    keyring   = "keys/mediawiki-release.asc"

    # A patch keeps its place.
    patch "../patches/0003-CVE-2026-34092.patch" {
      sha256 = "a6a3333a68cb0b4c6f482f5aad4209635c110ed2186b3e505a67fbe9ed8a9d33"
    }
  }
}
`

var tarball = []Block{{"core", []string{"mediawiki"}}, {"source", []string{"tarball"}}}

func TestRewrite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		src   string
		edits []Edit
		want  string
	}{{
		name: "core release",
		src:  coreRecipe,
		edits: []Edit{
			{Path: tarball[:1], Attr: "version", Value: "1.39.18"},
			{Path: tarball, Attr: "url", Value: "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.18.tar.gz"},
			{Path: tarball, Attr: "sha256", Value: strings.Repeat("ab", 32)},
			{Path: tarball, Attr: "signature", Value: "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.18.tar.gz.sig"},
		},
		want: strings.NewReplacer(
			`"1.39.17" #`, `"1.39.18" #`,
			"mediawiki-1.39.17.tar.gz", "mediawiki-1.39.18.tar.gz",
			"2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9", strings.Repeat("ab", 32),
		).Replace(coreRecipe),
	}, {
		name: "git ref",
		src: `extension "PluggableAuth" {
  // follows the release branch
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/PluggableAuth"
    ref = "REL1_39"
  }
}
`,
		edits: []Edit{{Path: []Block{{"extension", []string{"PluggableAuth"}}, {"source", []string{"git"}}}, Attr: "ref", Value: "7.0.0"}},
		want: `extension "PluggableAuth" {
  // follows the release branch
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/PluggableAuth"
    ref = "7.0.0"
  }
}
`,
	}, {
		name:  "edition version, the other edition untouched",
		src:   "edition \"core\" {\n  version = \"1.39.17.2\"\n}\n\nedition \"wiki\" {\n  version  = \"1.39.17.2\"\n  inherits = \"core\"\n}\n",
		edits: []Edit{{Path: []Block{{"edition", []string{"wiki"}}}, Attr: "version", Value: "1.39.18.1"}},
		want:  "edition \"core\" {\n  version = \"1.39.17.2\"\n}\n\nedition \"wiki\" {\n  version  = \"1.39.18.1\"\n  inherits = \"core\"\n}\n",
	}, {
		name:  "an attribute not yet written is added",
		src:   "core \"mediawiki\" {\n  source \"tarball\" {\n    url = \"https://example.org/a.tar.gz\"\n  }\n}\n",
		edits: []Edit{{Path: tarball, Attr: "sha256", Value: "00"}},
		want:  "core \"mediawiki\" {\n  source \"tarball\" {\n    url    = \"https://example.org/a.tar.gz\"\n    sha256 = \"00\"\n  }\n}\n",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Rewrite("recipes/x.hcl", []byte(tc.src), tc.edits)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, string(got)); d != "" {
				t.Errorf("rewritten text (-want +got):\n%s", d)
			}
		})
	}
}

func TestRewriteRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		edit      Edit
		want      string
	}{
		{"expression", "core \"mediawiki\" {\n  version = line.core\n}\n", Edit{Path: tarball[:1], Attr: "version", Value: "1"},
			`recipes/x.hcl: core "mediawiki": version = line.core is an expression, not a string: change it by hand (bump rewrites literal strings only)`},
		{"interpolation", "core \"mediawiki\" {\n  version = \"${line.core}\"\n}\n", Edit{Path: tarball[:1], Attr: "version", Value: "1"},
			`recipes/x.hcl: core "mediawiki": version = "${line.core}" is an expression, not a string: change it by hand (bump rewrites literal strings only)`},
		{"no block", "core \"other\" {\n}\n", Edit{Path: tarball, Attr: "url", Value: "u"}, `recipes/x.hcl: no block core "mediawiki"`},
		{"syntax", "core {", Edit{Path: tarball, Attr: "url", Value: "u"}, `recipes/x.hcl:1,6-7: Unclosed configuration block;`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Rewrite("recipes/x.hcl", []byte(tc.src), []Edit{tc.edit})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v, want one starting %q", err, tc.want)
			}
		})
	}
}

// TestRewriteShippedRecipe moves a copy of the shipped core recipe to 1.39.18: the golden
// file is the recipe with those four values changed by hand, and nothing else.
func TestRewriteShippedRecipe(t *testing.T) {
	src, err := os.ReadFile("testdata/core.hcl")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/core-1.39.18.golden")
	if err != nil {
		t.Fatal(err)
	}
	const base = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.18.tar.gz"
	got, err := Rewrite("recipes/core.hcl", src, []Edit{
		{Path: tarball[:1], Attr: "version", Value: "1.39.18"},
		{Path: tarball, Attr: "url", Value: base},
		{Path: tarball, Attr: "signature", Value: base + ".sig"},
		{Path: tarball, Attr: "sha256", Value: "c43408897b52679308e63802050961bac93a6df27a2daa919b5078692f382847"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("rewritten recipe (-golden +got):\n%s", d)
	}
}

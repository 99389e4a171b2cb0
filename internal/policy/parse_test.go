package policy

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

const good = `# a security team's policy
licenses {
  allow   = ["GPL-2.0-or-later", "MIT", "BSD-3-Clause", "LicenseRef-Internal"]
  deny    = ["GPL-3.0-only", "agpl-3.0-or-later", "GPL-2.0+"]
  unknown = "deny"
}
signatures {
  require = ["packages", "images", "packages"]
}
embargo {
  allow = "private-targets"
}
edition "enterprise" {
  require = ["Lockdown", "extension/ConfirmAccount"]
  forbid  = ["Renameuser"]
}
edition "core" {
  forbid = ["library/monolog/monolog"]
}
images {
  max_size = "1.5GiB"
}
`

func at(line, col, endLine, endCol int) hcl.Range {
	return hcl.Range{Filename: "policy.hcl", Start: hcl.Pos{Line: line, Column: col}, End: hcl.Pos{Line: endLine, Column: endCol}}
}

func TestParseGood(t *testing.T) {
	p, diags := Parse([]byte(good), "policy.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	// Byte offsets are hcl's business: compare lines and columns.
	got := cmp.Transformer("pos", func(p hcl.Pos) [2]int { return [2]int{p.Line, p.Column} })
	want := &Policy{
		Licenses: &Licenses{
			Allow:       []string{"GPL-2.0-or-later", "MIT", "BSD-3-Clause", "LicenseRef-Internal"},
			Deny:        []string{"GPL-3.0-only", "agpl-3.0-or-later", "GPL-2.0+"},
			DenyUnknown: true,
			AllowRule:   Rule{"licenses.allow", at(3, 3, 3, 79)},
			DenyRule:    Rule{"licenses.deny", at(4, 3, 4, 62)},
			UnknownRule: Rule{"licenses.unknown", at(5, 3, 5, 19)},
		},
		Signatures: &Signatures{Require: []string{"packages", "images"}, Rule: Rule{"signatures.require", at(8, 3, 8, 47)}},
		Embargo:    &Embargo{Allow: "private-targets", Rule: Rule{"embargo.allow", at(11, 3, 11, 28)}},
		Editions: []EditionRules{
			{Name: "enterprise", Require: []string{"Lockdown", "extension/ConfirmAccount"}, Forbid: []string{"Renameuser"},
				RequireRule: Rule{`edition "enterprise".require`, at(14, 3, 14, 53)},
				ForbidRule:  Rule{`edition "enterprise".forbid`, at(15, 3, 15, 27)},
				Block:       Rule{`edition "enterprise"`, at(13, 1, 13, 21)}},
			{Name: "core", Forbid: []string{"library/monolog/monolog"},
				ForbidRule: Rule{`edition "core".forbid`, at(18, 3, 18, 39)},
				Block:      Rule{`edition "core"`, at(17, 1, 17, 15)}},
		},
		Images: &Images{MaxSize: 1610612736, Rule: Rule{"images.max_size", at(21, 3, 21, 22)}},
	}
	if diff := cmp.Diff(want, p, got); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}
}

func render(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		s := d.Summary + "; " + d.Detail
		if r := d.Subject; r != nil {
			s = fmt.Sprintf("%s:%d:%d: %s", r.Filename, r.Start.Line, r.Start.Column, s)
		}
		out = append(out, s)
	}
	return out
}

func TestParseBad(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"unknown block", "licence {\n}\n",
			[]string{`policy.hcl:1:1: Unsupported block type; Blocks of type "licence" are not expected here. Did you mean "licenses"?`}},
		{"unknown attribute", "licenses {\n  alow = [\"MIT\"]\n}\n",
			[]string{`policy.hcl:2:3: Unsupported argument; An argument named "alow" is not expected here. Did you mean "allow"?`}},
		{"bad licence", "licenses {\n  deny = [\"MIT\", \"GPL\"]\n}\n",
			[]string{`policy.hcl:2:18: Invalid licence identifier; "GPL" is not an SPDX licence identifier (https://spdx.org/licenses/) or a LicenseRef-.`}},
		{"expression in a list", "licenses {\n  allow = [\"MIT OR Apache-2.0\"]\n}\n",
			[]string{`policy.hcl:2:12: Invalid licence identifier; Each entry of licenses.allow is one licence identifier; write the identifiers of "MIT OR Apache-2.0" as entries of their own.`}},
		{"empty allow", "licenses {\n  allow = []\n}\n",
			[]string{`policy.hcl:2:11: Empty allow list; An empty licenses.allow would refuse every licence; leave the attribute out to accept every licence that is not denied.`}},
		{"bad unknown", "licenses {\n  unknown = \"refuse\"\n}\n",
			[]string{`policy.hcl:2:13: Invalid value; licenses.unknown is one of "allow", "deny"; found "refuse".`}},
		{"not a list", "licenses {\n  deny = \"MIT\"\n}\n",
			[]string{`policy.hcl:2:10: Invalid list; licenses.deny is a list of strings, such as ["a", "b"].`}},
		{"not a string", "licenses {\n  deny = [\"MIT\", 3]\n}\n",
			[]string{`policy.hcl:2:18: Invalid list; licenses.deny is a list of strings; an element is number.`}},
		{"unknown signature kind", "signatures {\n  require = [\"tarball\", \"sboms\"]\n}\n",
			[]string{
				`policy.hcl:2:14: Unknown artifact kind; "tarball" is not a kind of artifact signatures.require knows; did you mean "tarballs"? The kinds are "packages", "tarballs", "images", "repositories".`,
				`policy.hcl:2:25: Unknown artifact kind; "sboms" is not a kind of artifact signatures.require knows. The kinds are "packages", "tarballs", "images", "repositories".`,
			}},
		{"missing require", "signatures {\n}\n",
			[]string{`policy.hcl:1:12: Missing required argument; The argument "require" is required, but no definition was found.`}},
		{"bad embargo", "embargo {\n  allow = \"private\"\n}\n",
			[]string{`policy.hcl:2:11: Invalid value; embargo.allow is one of "private-targets", "never"; found "private".`}},
		{"bad size", "images {\n  max_size = \"1.5 gigs\"\n}\n",
			[]string{`policy.hcl:2:14: Invalid size; "1.5 gigs" is not a size: write a number and a unit, one of "B", "KB", "MB", "GB", "KiB", "MiB", "GiB", such as "1.5GiB"`}},
		{"size without unit", "images {\n  max_size = \"1500\"\n}\n",
			[]string{`policy.hcl:2:14: Invalid size; "1500" is not a size: write a number and a unit, one of "B", "KB", "MB", "GB", "KiB", "MiB", "GiB", such as "1.5GiB"`}},
		{"zero size", "images {\n  max_size = \"0GiB\"\n}\n",
			[]string{`policy.hcl:2:14: Invalid size; "0GiB" is not a size between 1 byte and 4 EiB`}},
		{"size as a number", "images {\n  max_size = 1500\n}\n",
			[]string{`policy.hcl:2:14: Invalid value; images.max_size is a string; found number.`}},
		{"required and forbidden", "edition \"enterprise\" {\n  require = [\"extension/Lockdown\"]\n  forbid  = [\"Lockdown\"]\n}\n",
			[]string{`policy.hcl:3:14: Required and forbidden; edition "enterprise" forbids "Lockdown", which its require names as "extension/Lockdown" (policy.hcl:2).`}},
		{"empty component", "edition \"core\" {\n  forbid = [\"\"]\n}\n",
			[]string{`policy.hcl:2:13: Invalid component name; "" is not a component: write a recipe name such as "Lockdown", or a component ID such as "extension/Lockdown".`}},
		{"duplicate block", "images {\n  max_size = \"1GiB\"\n}\nimages {\n  max_size = \"2GiB\"\n}\n",
			[]string{`policy.hcl:4:1: Duplicate images block; A policy holds at most one images block; the first is at policy.hcl:1.`}},
		{"duplicate edition", "edition \"core\" {\n}\nedition \"core\" {\n}\n",
			[]string{`policy.hcl:3:1: Duplicate edition block; A policy holds at most one edition "core" block; the first is at policy.hcl:1.`}},
		{"edition without a name", "edition {\n}\n",
			[]string{`policy.hcl:1:9: Missing name for edition; All edition blocks must have 1 labels (name).`}},
		{"variable", "embargo {\n  allow = never\n}\n",
			[]string{`policy.hcl:2:11: Variables not allowed; Variables may not be used here.`}},
		{"syntax", "licenses {\n  allow = [\n}\n",
			[]string{`policy.hcl:3:1: Invalid expression; Expected the start of an expression, but found an invalid expression token.`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, diags := Parse([]byte(tc.src), "policy.hcl")
			if p != nil {
				t.Errorf("Parse gave a policy despite %v", diags)
			}
			if diff := cmp.Diff(tc.want, render(diags)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

// diagLines renders error diagnostics one a line, "file:line:col: summary; detail".
func diagLines(diags hcl.Diagnostics) string {
	var lines []string
	for _, d := range diags.Errs() {
		var dg *hcl.Diagnostic
		if !errors.As(d, &dg) {
			continue
		}
		s := dg.Summary
		if dg.Detail != "" {
			s += "; " + dg.Detail
		}
		if r := dg.Subject; r != nil {
			s = fmt.Sprintf("%s:%d:%d: %s", r.Filename, r.Start.Line, r.Start.Column, s)
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n")
}

// Several problems of one file are each reported, in file order of their kinds, under the
// file's name as given.
func TestParseReportsEveryProblem(t *testing.T) {
	_, diags := Parse([]byte("images {\n  max_size = \"big\"\n}\nsignature {}\n"), "/srv/policy.hcl")
	want := `/srv/policy.hcl:4:1: Unsupported block type; Blocks of type "signature" are not expected here. Did you mean "signatures"?` + "\n" +
		`/srv/policy.hcl:2:14: Invalid size; "big" is not a size: write a number and a unit, one of "B", "KB", "MB", "GB", "KiB", "MiB", "GiB", such as "1.5GiB"`
	if got := diagLines(diags); got != want {
		t.Errorf("Parse:\n%s\nwant:\n%s", got, want)
	}
	_, diags = Parse([]byte("embargo {\n  allow = \"sometimes\"\n}\n"), FileName)
	want = `policy.hcl:2:11: Invalid value; embargo.allow is one of "private-targets", "never"; found "sometimes".`
	if got := diagLines(diags); got != want {
		t.Errorf("Parse:\n%s\nwant:\n%s", got, want)
	}
	p, diags := Parse([]byte("embargo {\n  allow = \"never\"\n}\n"), FileName)
	if diags.HasErrors() || p.Embargo == nil || p.Embargo.Rule.Range.Filename != FileName {
		t.Errorf("Parse: %+v, %v; want the embargo rule in %s", p, diags, FileName)
	}
}

// The project's own policy.hcl parses cleanly.
func TestShippedPolicy(t *testing.T) {
	src, err := os.ReadFile("../../" + FileName)
	if err != nil {
		t.Fatal(err)
	}
	p, diags := Parse(src, FileName)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if p.Licenses == nil || p.Signatures == nil || p.Embargo == nil || p.Images == nil {
		t.Errorf("the shipped policy leaves out a block: %+v", p)
	}
	if strings.Contains(fmt.Sprint(p.Licenses.Deny), "GPL-2.0") {
		t.Errorf("the shipped policy denies MediaWiki's own licence: %v", p.Licenses.Deny)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("images { max_size = \"1e3GiB\" }"))
	f.Add([]byte("licenses { deny = [\"MIT WITH\"] }"))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, diags := Parse(src, "policy.hcl")
		if p == nil && !diags.HasErrors() {
			t.Fatal("no policy and no error")
		}
		if p != nil {
			p.Check(Facts{Packages: []Package{{ID: "extension/X", License: string(src)}}})
		}
	})
}

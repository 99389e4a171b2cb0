package policy

import (
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/violations.golden.json")

const checked = `licenses {
  deny    = ["GPL-3.0-only", "AGPL-3.0-or-later", "GPL-1.0+"]
  unknown = "deny"
}
signatures {
  require = ["packages", "images"]
}
embargo {
  allow = "private-targets"
}
edition "enterprise" {
  require = ["Lockdown", "extension/OATHAuth", "monolog/monolog"]
  forbid  = ["Math", "skin/Timeless"]
}
edition "enterprize" {
  forbid = ["Math"]
}
images {
  max_size = "100MiB"
}
`

// denying is checked's licenses block alone.
var denying = checked[:strings.Index(checked, "signatures")]

const exceptional = `licenses {
  deny = ["GPL-2.0-only WITH Classpath-exception-2.0"]
}
`

const allowing = `licenses {
  allow = ["GPL-2.0-or-later", "MIT", "BSD-3-Clause", "LicenseRef-Acme"]
  deny  = ["GPL-3.0-only"]
}
`

const never = `embargo {
  allow = "never"
}
`

func mustParse(t *testing.T, src string) *Policy {
	t.Helper()
	p, diags := Parse([]byte(src), "policy.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return p
}

func strs(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.String())
	}
	return out
}

func pkg(id, license string) Package {
	return Package{Edition: "core", ID: id, Name: id[strings.Index(id, "/")+1:], Version: "1.0", License: license}
}

func TestCheckLicences(t *testing.T) {
	for _, tc := range []struct {
		name, policy, license string
		want                  []string
	}{
		{"plain", denying, "GPL-2.0-or-later", nil},
		{"denied", denying, "GPL-3.0-only", []string{"policy.hcl:2: licenses.deny: extension/X (edition core) is GPL-3.0-only, which the policy denies"}},
		{"denied, any case", denying, "gpl-3.0-only", []string{"policy.hcl:2: licenses.deny: extension/X (edition core) is gpl-3.0-only, which the policy denies"}},
		{"deprecated id denied as its -only", denying, "GPL-3.0", []string{"policy.hcl:2: licenses.deny: extension/X (edition core) is GPL-3.0, which the policy denies"}},
		{"a + in the deny list is -or-later", denying, "GPL-1.0-or-later", []string{"policy.hcl:2: licenses.deny: extension/X (edition core) is GPL-1.0-or-later, which the policy denies"}},
		{"or-later is not its -only", denying, "GPL-3.0-or-later", nil},
		{"with an exception", denying, "GPL-3.0-only WITH GCC-exception-3.1", []string{"policy.hcl:2: licenses.deny: extension/X (edition core) is GPL-3.0-only WITH GCC-exception-3.1, which the policy denies"}},
		{"a denied exception leaves the licence alone", exceptional, "GPL-2.0-only", nil},
		{"a denied exception", exceptional, "gpl-2.0-only with classpath-exception-2.0", []string{"policy.hcl:2: licenses.deny: extension/X (edition core) is gpl-2.0-only with classpath-exception-2.0, which the policy denies"}},
		{"OR with one acceptable branch", denying, "GPL-3.0-only OR MIT", nil},
		{"OR of denied branches", denying, "GPL-3.0-only OR AGPL-3.0-or-later", []string{"policy.hcl:2: licenses.deny: extension/X (edition core) is GPL-3.0-only OR AGPL-3.0-or-later, and the policy denies GPL-3.0-only and AGPL-3.0-or-later"}},
		{"AND with a denied part", denying, "MIT AND GPL-3.0-only", []string{"policy.hcl:2: licenses.deny: extension/X (edition core) is MIT AND GPL-3.0-only, and the policy denies GPL-3.0-only"}},
		{"AND binds tighter than OR", denying, "MIT OR Apache-2.0 AND GPL-3.0-only", nil},
		{"parentheses", denying, "(MIT OR Apache-2.0) AND GPL-3.0-only", []string{"policy.hcl:2: licenses.deny: extension/X (edition core) is (MIT OR Apache-2.0) AND GPL-3.0-only, and the policy denies GPL-3.0-only"}},
		{"unknown", denying, "", []string{"policy.hcl:3: licenses.unknown: extension/X (edition core) has no declared licence, and the policy refuses an unknown licence"}},
		{"NOASSERTION", denying, "NOASSERTION", []string{"policy.hcl:3: licenses.unknown: extension/X (edition core) has licence NOASSERTION, and the policy refuses an unknown licence"}},
		{"not SPDX", denying, "GPL", []string{`policy.hcl:3: licenses.unknown: extension/X (edition core) has licence "GPL", which is not an SPDX expression, and the policy refuses an unknown licence`}},
		{"unknown allowed by default", allowing, "", nil},
		{"allowed", allowing, "GPL-2.0-or-later AND MIT", nil},
		{"allow list's range", allowing, "GPL-3.0-or-later", nil},
		{"allow minus deny", allowing, "GPL-3.0-only", []string{"policy.hcl:3: licenses.deny: extension/X (edition core) is GPL-3.0-only, which the policy denies"}},
		{"not allowed", allowing, "Apache-2.0", []string{"policy.hcl:2: licenses.allow: extension/X (edition core) is Apache-2.0, which the allow list does not satisfy (Apache-2.0 not allowed)"}},
		{"OR with an allowed branch", allowing, "Apache-2.0 OR MIT", nil},
		{"AND with a part not allowed", allowing, "MIT AND Apache-2.0", []string{"policy.hcl:2: licenses.allow: extension/X (edition core) is MIT AND Apache-2.0, which the allow list does not satisfy (Apache-2.0 not allowed)"}},
		{"LicenseRef", allowing, "LicenseRef-Acme", nil},
		{"deprecated + id", allowing, "GPL-2.0+", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mustParse(t, tc.policy).Check(Facts{Stage: Build, Packages: []Package{pkg("extension/X", tc.license)}})
			if diff := cmp.Diff(tc.want, strs(got)); diff != "" {
				t.Errorf("Check (-want +got):\n%s", diff)
			}
		})
	}
}

// facts is a publication breaking every rule of checked, with what passes beside it.
func facts(stage Stage) Facts {
	return Facts{
		Stage: stage,
		Editions: []Edition{
			{Name: "core", Components: []string{"core/mediawiki", "extension/Math", "skin/Timeless"}},
			{Name: "enterprise", Components: []string{"core/mediawiki", "extension/OATHAuth", "extension/Math", "skin/Timeless", "skin/Vector"},
				EmbargoedPatches: []string{"patches/0009-CVE-2026-1.patch"}},
		},
		Packages: []Package{
			{Edition: "enterprise", ID: "library/acme/evil", Name: "acme/evil", Version: "2.1.0", License: "AGPL-3.0-or-later", Library: true},
			{Edition: "enterprise", ID: "extension/OATHAuth", Name: "OATHAuth", Version: "1.39.17", License: "GPL-2.0-or-later AND GPL-3.0-or-later"},
			{Edition: "core", ID: "extension/Math", Name: "Math", Version: "3.0.0", License: "GPL-2.0-or-later"},
		},
		Artifacts: []Artifact{
			{Path: "out/deb/mediawiki-core_1.39.17-1_all.deb", Kind: "package", Edition: "core"},
			{Path: "out/deb/mediawiki-extension-math_3.0.0-1_all.deb", Kind: "package", Edition: "core", Signed: true},
			{Path: "out/tarballs/mediawiki-core-1.39.17.1.tar.gz", Kind: "tarball", Edition: "core"},
			{Path: "out/oci#enterprise-1.39.17.1", Kind: "image", Edition: "enterprise", Size: 240 << 20},
			{Path: "out/oci#core-1.39.17.1", Kind: "image", Edition: "core", Signed: true, Size: 50 << 20},
		},
		Targets: []Target{{Name: "/srv/apt", Private: true}, {Name: "registry.example.org/mediawiki"}},
	}
}

func TestCheckStages(t *testing.T) {
	p := mustParse(t, checked)
	always := []string{
		"policy.hcl:2: licenses.deny: library acme/evil@2.1.0 (edition enterprise) is AGPL-3.0-or-later, which the policy denies",
	}
	signed := []string{
		"policy.hcl:6: signatures.require: package out/deb/mediawiki-core_1.39.17-1_all.deb is not signed, and the policy requires signed packages",
		"policy.hcl:6: signatures.require: image out/oci#enterprise-1.39.17.1 is not signed, and the policy requires signed images",
	}
	editions := []string{
		"policy.hcl:12: edition \"enterprise\".require: edition enterprise lacks Lockdown, which the policy requires",
		"policy.hcl:12: edition \"enterprise\".require: edition enterprise lacks monolog/monolog, which the policy requires",
		"policy.hcl:13: edition \"enterprise\".forbid: edition enterprise holds extension/Math, which the policy forbids",
		"policy.hcl:13: edition \"enterprise\".forbid: edition enterprise holds skin/Timeless, which the policy forbids",
		"policy.hcl:15: warning: edition \"enterprize\": no edition enterprize here, so its rules were not checked",
	}
	images := []string{"policy.hcl:19: images.max_size: image out/oci#enterprise-1.39.17.1 is 240.0 MiB (251658240 bytes), above the policy's 100.0 MiB (104857600 bytes)"}
	embargo := []string{"policy.hcl:9: embargo.allow: registry.example.org/mediawiki is not a private target, and edition enterprise sent there holds embargoed patches (patches/0009-CVE-2026-1.patch)"}
	join := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	buildSigned := []string{
		"policy.hcl:6: warning: signatures.require: package out/deb/mediawiki-core_1.39.17-1_all.deb is not signed, and the policy requires signed packages: publish will refuse it",
		"policy.hcl:6: warning: signatures.require: image out/oci#enterprise-1.39.17.1 is not signed, and the policy requires signed images: publish will refuse it",
	}
	for _, tc := range []struct {
		stage Stage
		want  []string
	}{
		{Build, join(always, buildSigned, editions, images)},
		{Publish, join(always, signed, embargo, editions, images)},
		{Verify, join(always, signed, editions, images)},
	} {
		t.Run(tc.stage.String(), func(t *testing.T) {
			got := strs(p.Check(facts(tc.stage)))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Check (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckEmbargo(t *testing.T) {
	f := facts(Publish)
	f.Targets = []Target{{Name: "/srv/apt", Private: true}}
	if got := mustParse(t, "embargo {\n  allow = \"private-targets\"\n}\n").Check(f); len(got) != 0 {
		t.Errorf("private targets only: %v", strs(got))
	}
	f.Editions[1].EmbargoedPatches = nil
	f.Targets = []Target{{Name: "registry.example.org/mediawiki"}}
	if got := mustParse(t, "embargo {\n  allow = \"private-targets\"\n}\n").Check(f); len(got) != 0 {
		t.Errorf("nothing embargoed: %v", strs(got))
	}
	want := []string{"policy.hcl:2: embargo.allow: edition enterprise holds embargoed patches (patches/0009-CVE-2026-1.patch), and the policy never lets one ship"}
	for _, stage := range []Stage{Build, Publish, Verify} {
		if diff := cmp.Diff(want, strs(mustParse(t, never).Check(facts(stage)))); diff != "" {
			t.Errorf("never, at %s (-want +got):\n%s", stage, diff)
		}
	}
}

func TestCheckEditionsPass(t *testing.T) {
	p := mustParse(t, `edition "enterprise" {
  require = ["OATHAuth", "skin/Vector", "acme/good"]
  forbid  = ["Lockdown", "extension/Vector"]
}
`)
	f := Facts{Stage: Verify, Editions: []Edition{{Name: "enterprise", Components: []string{"extension/OATHAuth", "skin/Vector", "library/acme/good"}}}}
	if got := p.Check(f); len(got) != 0 {
		t.Errorf("Check: %v", strs(got))
	}
}

// Check's order does not depend on the order of the facts, and its JSON is what --json
// prints (testdata/violations.golden.json; regenerate with -update).
func TestCheckDeterministicJSON(t *testing.T) {
	p := mustParse(t, checked)
	f := facts(Publish)
	got := p.Check(f)
	rev := facts(Publish)
	for _, s := range []any{rev.Editions, rev.Packages, rev.Artifacts, rev.Targets} {
		reverse(s)
	}
	if diff := cmp.Diff(strs(got), strs(p.Check(rev))); diff != "" {
		t.Errorf("order depends on the facts' order (-forward +reversed):\n%s", diff)
	}
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	const golden = "testdata/violations.golden.json"
	if *update {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		t.Errorf("%s (-want +got); regenerate with -update:\n%s", golden, diff)
	}
}

func reverse(s any) {
	switch s := s.(type) {
	case []Edition:
		for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
			s[i], s[j] = s[j], s[i]
		}
	case []Package:
		for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
			s[i], s[j] = s[j], s[i]
		}
	case []Artifact:
		for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
			s[i], s[j] = s[j], s[i]
		}
	case []Target:
		for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
			s[i], s[j] = s[j], s[i]
		}
	}
}

func TestSizes(t *testing.T) {
	for s, want := range map[string]int64{"1.5GiB": 1610612736, "1 GB": 1e9, "512MiB": 512 << 20, "10KB": 1e4, "3B": 3, " 2 KiB ": 2048} {
		if got, err := parseSize(s); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
}

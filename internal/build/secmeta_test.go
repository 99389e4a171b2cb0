package build_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/sbom"
)

// A patched build says what it applied everywhere an administrator or a scanner looks:
// the packages' changelogs, manifest.json, the SBOM and the provenance; an unpatched
// component's packages stay the bytes they were.
func TestPatchesInSecurityMetadata(t *testing.T) {
	f := newFixture(t)
	ed := filepath.Join(f.root, "editions/editions.hcl")
	b, err := os.ReadFile(ed)
	must(t, err)
	write(t, ed, strings.Replace(string(b), "  output \"deb\" {}\n", "  output \"deb\" {}\n  output \"rpm\" {}\n", 1))
	f.lock()
	o := f.options()
	o.Formats = []string{build.FormatDeb, build.FormatRPM}
	f.buildWith(o)
	unpatched := outSums(t, filepath.Join(f.root, "out")+"/")

	sum := f.withPatch("0001-sec.patch", securityPatch, "")
	f.bumpEdition("base", "1.1")
	f.bumpEdition("full", "1.1")
	f.lock()
	f.buildWith(o)
	patched := outSums(t, filepath.Join(f.root, "out")+"/")
	for _, p := range []string{"deb/mediawiki-extension-beta_1.39.17-1_all.deb", "deb/mediawiki-skin-vector_1.0.0+mw1.39.17-1_all.deb", "rpm/mediawiki-extension-beta-1.39.17-1.noarch.rpm"} {
		if unpatched[p] == "" || unpatched[p] != patched[p] {
			t.Errorf("%s, which no patch touches, changed: %q -> %q", p, unpatched[p], patched[p])
		}
	}

	line := "SECURITY: fix it (CVE-2026-0001), patches/0001-sec.patch sha256 " + sum
	out := filepath.Join(f.root, "out")
	for _, tc := range []struct{ pkg, deb, rpm string }{
		{"mediawiki-core", "mediawiki-core_1.39.17+p1-1_all.deb", "mediawiki-core-1.39.17+p1-1.noarch.rpm"},
		{"mediawiki-extension-alpha", "mediawiki-extension-alpha_1.2.0+mw1.39.17+p1-1_all.deb", "mediawiki-extension-alpha-1.2.0+mw1.39.17+p1-1.noarch.rpm"},
	} {
		deb := debChangelog(t, filepath.Join(out, "deb", tc.deb), tc.pkg)
		rpm := run(t, "rpm", "-qp", "--changelog", filepath.Join(out, "rpm", tc.rpm))
		for name, text := range map[string]string{"debian/changelog of " + tc.deb: deb, "%changelog of " + tc.rpm: rpm} {
			if !strings.Contains(oneLine(text), line) {
				t.Errorf("%s lacks %q:\n%s", name, line, text)
			}
		}
	}
	for _, tc := range []struct{ deb, pkg string }{{"mediawiki-edition-base_1.1-1_all.deb", "mediawiki-edition-base"}, {"mediawiki-extension-beta_1.39.17-1_all.deb", "mediawiki-extension-beta"}} {
		want := tc.pkg == "mediawiki-edition-base"
		text := oneLine(debChangelog(t, filepath.Join(out, "deb", tc.deb), tc.pkg))
		if got := strings.Contains(text, "SECURITY: fixes CVE-2026-0001 by patches to mediawiki-core, mediawiki-extension-alpha."); got != want {
			t.Errorf("%s names the edition's CVEs: %v, want %v:\n%s", tc.deb, got, want, text)
		}
	}

	checkManifestPatches(t, out, sum)
	checkDocumentPatches(t, out, sum)
}

func checkManifestPatches(t *testing.T, out, sum string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	must(t, err)
	var m build.Manifest
	must(t, json.Unmarshal(raw, &m))
	type row struct {
		Patches []lock.Patch
		CVEs    []string
	}
	got := map[string]row{}
	for _, c := range m.Components {
		got[c.ID] = row{c.Patches, c.CVEs}
	}
	p := []lock.Patch{{File: "patches/0001-sec.patch", SHA256: sum, Status: lock.PatchApplied, Subject: "SECURITY: fix it (CVE-2026-0001)", CVEs: []string{"CVE-2026-0001"}}}
	want := map[string]row{"core/mediawiki": {p, []string{"CVE-2026-0001"}}, "extension/Alpha": {p, []string{"CVE-2026-0001"}},
		"extension/Beta": {}, "extension/Gamma": {}, "extension/Delta": {}, "skin/Vector": {}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("manifest's patches (-want +got):\n%s", diff)
	}
	for _, e := range m.Editions {
		if diff := cmp.Diff([]string{"CVE-2026-0001"}, e.CVEs); diff != "" {
			t.Errorf("edition %s's CVEs (-want +got):\n%s", e.Name, diff)
		}
	}
	// An unpatched component's entry has no new keys at all.
	var loose struct{ Components []map[string]any }
	must(t, json.Unmarshal(raw, &loose))
	for _, c := range loose.Components {
		_, hasP := c["patches"]
		_, hasC := c["cves"]
		if c["id"] == "extension/Beta" && (hasP || hasC) {
			t.Errorf("Beta's manifest entry has patches or cves: %v", c)
		}
	}
}

func checkDocumentPatches(t *testing.T, out, sum string) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join(out, "sbom/base.spdx.json"))
	must(t, err)
	for _, want := range []string{`"referenceLocator": "` + sbom.CVERecordBase + `CVE-2026-0001"`, `"relationshipType": "PATCH_APPLIED"`,
		"Patched by mwedition with patches/0001-sec.patch (sha256 " + sum + ", fixes CVE-2026-0001)."} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("base.spdx.json lacks %s", want)
		}
	}
	var st sbom.Statement
	readJSONFile(t, filepath.Join(out, "sbom/base.provenance.json"), &st)
	var deps []string
	for _, d := range st.Predicate.BuildDefinition.ResolvedDependencies {
		if strings.HasPrefix(d.URI, "patches/") {
			deps = append(deps, d.URI+" "+d.Digest["sha256"])
		}
	}
	if diff := cmp.Diff([]string{"patches/0001-sec.patch " + sum}, deps); diff != "" {
		t.Errorf("provenance's patch dependencies (-want +got):\n%s", diff)
	}
}

// debChangelog is the package's changelog.Debian.gz, as dpkg-deb extracts it.
func debChangelog(t *testing.T, deb, pkg string) string {
	t.Helper()
	cmd := exec.Command("sh", "-c", `dpkg-deb --fsys-tarfile "$1" | tar -xO "./usr/share/doc/$2/changelog.Debian.gz" | gzip -dc`, "sh", deb, pkg)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("reading the changelog of %s: %v\n%s", deb, err, b)
	}
	return string(b)
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	b, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, b)
	}
	return string(b)
}

// oneLine undoes a changelog's wrapping: its items' words joined by single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

package sbom

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/mwedition/mwedition/internal/lock"
)

var (
	secFix = lock.Patch{File: "patches/0003-skin.patch", SHA256: strings.Repeat("5", 64), Status: lock.PatchApplied,
		Subject: "SECURITY: Escape the skin's title (CVE-2026-34092)", CVEs: []string{"CVE-2026-34092"}}
	oldFix = lock.Patch{File: "patches/0001-old.patch", SHA256: strings.Repeat("6", 64), Status: lock.PatchAlreadyApplied,
		Subject: "SECURITY: an old fix (CVE-2025-1)", CVEs: []string{"CVE-2025-1"}}
)

// patchedInput is smallInput after a core patch that reaches core and the bundled Cite,
// and one more that core's release already contains.
func patchedInput(t *testing.T) Input {
	in := smallInput(t)
	for i, c := range in.Graph.Components {
		switch c.ID {
		case "core/mediawiki":
			in.Graph.Components[i].Version, in.Graph.Components[i].Patches = "1.39.17+p1", []lock.Patch{oldFix, secFix}
		case "extension/Cite":
			in.Graph.Components[i].Version, in.Graph.Components[i].Patches = "1.39.17+p1", []lock.Patch{secFix}
		}
	}
	return in
}

func TestSPDXNamesPatchesAndCVEs(t *testing.T) {
	b, err := SPDX(patchedInput(t))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := spdxjson.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("tools-golang cannot read the document: %v", err)
	}
	type pkg struct{ Name, Purpose, Checksum, Comment string }
	var patches []pkg
	security := map[string][]string{}
	comments := map[string]string{}
	for _, p := range doc.Packages {
		if p.PrimaryPackagePurpose == "SOURCE" {
			patches = append(patches, pkg{p.PackageName, p.PrimaryPackagePurpose, p.PackageChecksums[0].Value, p.PackageComment})
		}
		for _, r := range p.PackageExternalReferences {
			if r.Category == "SECURITY" {
				security[p.PackageName] = append(security[p.PackageName], r.RefType+" "+r.Locator)
			}
		}
		comments[p.PackageName] = p.PackageComment
	}
	wantPatches := []pkg{{"patches/0003-skin.patch", "SOURCE", strings.Repeat("5", 64), "A patch file of the project, applied by mwedition to core/mediawiki, extension/Cite. Fixes CVE-2026-34092."}}
	if diff := cmp.Diff(wantPatches, patches); diff != "" {
		t.Errorf("patch packages (-want +got):\n%s", diff)
	}
	adv := []string{"advisory https://www.cve.org/CVERecord?id=CVE-2026-34092"}
	if diff := cmp.Diff(map[string][]string{"mediawiki": adv, "Cite": adv}, security); diff != "" {
		t.Errorf("SECURITY references (-want +got):\n%s", diff)
	}
	wantComment := "Patched by mwedition with patches/0003-skin.patch (sha256 " + strings.Repeat("5", 64) + ", fixes CVE-2026-34092)."
	for _, name := range []string{"mediawiki", "Cite"} {
		if !strings.HasSuffix(comments[name], wantComment) || strings.Contains(comments[name], "0001-old") {
			t.Errorf("%s's comment %q does not end in %q alone", name, comments[name], wantComment)
		}
	}
	var rels []string
	for _, r := range doc.Relationships {
		if r.Relationship == "PATCH_APPLIED" {
			rels = append(rels, string(r.RefA.ElementRefID)+" "+string(r.RefB.ElementRefID))
		}
	}
	wantRels := []string{"Patch-patches-0003-skin.patch Component-core-mediawiki", "Patch-patches-0003-skin.patch Component-extension-Cite"}
	if diff := cmp.Diff(wantRels, rels); diff != "" {
		t.Errorf("PATCH_APPLIED relationships (-want +got):\n%s", diff)
	}
}

func TestProvenanceListsPatches(t *testing.T) {
	b, err := ProvenanceStatement(patchedInput(t))
	if err != nil {
		t.Fatal(err)
	}
	var st Statement
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	var got []Dependency
	for _, d := range st.Predicate.BuildDefinition.ResolvedDependencies {
		if strings.HasPrefix(d.URI, "patches/") {
			got = append(got, d)
		}
	}
	want := []Dependency{
		{Name: "patches/0001-old.patch", URI: "patches/0001-old.patch", Digest: map[string]string{"sha256": strings.Repeat("6", 64)},
			Annotations: map[string]any{"components": []any{"core/mediawiki"}, "status": "already applied", "subject": oldFix.Subject, "cves": []any{"CVE-2025-1"}}},
		{Name: "patches/0003-skin.patch", URI: "patches/0003-skin.patch", Digest: map[string]string{"sha256": strings.Repeat("5", 64)},
			Annotations: map[string]any{"components": []any{"core/mediawiki", "extension/Cite"}, "status": "applied", "subject": secFix.Subject, "cves": []any{"CVE-2026-34092"}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("patch dependencies (-want +got):\n%s", diff)
	}
}

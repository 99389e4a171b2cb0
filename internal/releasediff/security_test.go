package releasediff

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/lock"
)

// From the older release's core, patched with the lua integration and the Skin and
// UserRights fixes, to the next upstream release, which contains the Skin fix (the patch
// is found already applied) and maybe the UserRights one (its patch is gone), with a new
// ChangesList fix; and a new fix for the bundled Cite, whose CVE only the cve attribute
// names.
func TestSecurityGolden(t *testing.T) {
	rep, err := Compare(readRelease(t, "testdata/security-old.lock"), readRelease(t, "testdata/security-new.lock"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/security.md.golden", rep.Markdown())
	golden(t, "testdata/security.json.golden", append(js, '\n'))
	var got []string
	for _, s := range rep.Security {
		got = append(got, s.Change+" "+s.ID+" "+s.Patch+" "+s.Reason)
	}
	want := []string{
		"fixed core/mediawiki patches/0004-SECURITY-ChangesList.patch ",
		"fixed extension/Cite patches/0007-SECURITY-Cite.patch ",
		"dropped core/mediawiki patches/0003-SECURITY-Skin.patch " + DroppedUpstream,
		"dropped core/mediawiki patches/0005-SECURITY-Userrights.patch " + DroppedUnknown,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("security fixes (-want +got):\n%s", diff)
	}
}

func TestCompareSecurity(t *testing.T) {
	fix := func(file string, cves ...string) lock.Patch {
		return lock.Patch{File: file, SHA256: "ab", Status: lock.PatchApplied, CVEs: cves}
	}
	rel := func(version string, ps ...lock.Patch) Release {
		return Release{Components: []Component{{ID: "core/mediawiki", Version: version, Patches: ps}}}
	}
	a, b := fix("patches/a.patch", "CVE-1"), fix("patches/b.patch", "CVE-2")
	tests := []struct {
		name       string
		prev, next Release
		want       []SecurityFix
	}{
		{"no patches", rel("1.0"), rel("1.1"), []SecurityFix{}},
		{"same patches", rel("1.0+p1", a), rel("1.0+p1", a), []SecurityFix{}},
		{"a new fix", rel("1.0+p1", a), rel("1.0+p2", a, b), []SecurityFix{
			{Change: SecurityFixed, ID: "core/mediawiki", OldVersion: "1.0+p1", NewVersion: "1.0+p2", Patch: "patches/b.patch", SHA256: "ab", CVEs: []string{"CVE-2"}}}},
		{"a reworked patch fixes nothing new", rel("1.0+p1", a), rel("1.0+p1", fix("patches/a2.patch", "CVE-1")), []SecurityFix{
			{Change: SecurityDropped, ID: "core/mediawiki", OldVersion: "1.0+p1", NewVersion: "1.0+p1", Patch: "patches/a.patch", SHA256: "ab", CVEs: []string{"CVE-1"}, Reason: DroppedCovered}}},
		{"a patch that is not a security fix", rel("1.0"), rel("1.0+p1", fix("patches/lua.patch")), []SecurityFix{}},
		{"a component only next has", Release{}, rel("1.0+p1", a), []SecurityFix{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, compareSecurity(tc.prev, tc.next)); diff != "" {
				t.Errorf("compareSecurity (-want +got):\n%s", diff)
			}
		})
	}
}

// A build manifest carries each component's patches, so that two builds compare as two
// locks do.
func TestManifestPatches(t *testing.T) {
	const m = `{"format": "mwedition-manifest-v1", "editions": [], "artifacts": [], "components": [
  {"id": "core/mediawiki", "version": "1.39.17+p1", "tree": "sha256:1", "source": {"kind": "tarball"},
   "patches": [{"file": "patches/a.patch", "sha256": "ab", "status": "applied", "cves": ["CVE-2026-1"]}], "cves": ["CVE-2026-1"]}]}`
	r, err := Parse("manifest.json", []byte(m))
	if err != nil {
		t.Fatal(err)
	}
	want := []lock.Patch{{File: "patches/a.patch", SHA256: "ab", Status: lock.PatchApplied, CVEs: []string{"CVE-2026-1"}}}
	if diff := cmp.Diff(want, r.Components[0].Patches); diff != "" {
		t.Errorf("patches read from the manifest (-want +got):\n%s", diff)
	}
}

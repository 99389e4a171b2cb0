package embargo_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/embargo"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

// A patch on core's source that touches core and a bundled extension is one patch, with
// both components and every CVE; patches not embargoed are left out.
func TestCollect(t *testing.T) {
	skin := lock.Patch{File: "patches/0003-skin.patch", SHA256: "aa", Status: lock.PatchApplied, CVEs: []string{"CVE-2026-34092"}, Embargoed: true}
	oath := lock.Patch{File: "patches/0007-oath.patch", SHA256: "bb", Status: lock.PatchAlreadyApplied, CVEs: []string{"CVE-2026-34087"}, Embargoed: true}
	public := lock.Patch{File: "patches/0001-lua.patch", SHA256: "cc", Status: lock.PatchApplied}
	var ps []embargo.Patch
	ps = embargo.Collect(ps, "extension/OATHAuth", []lock.Patch{oath})
	ps = embargo.Collect(ps, "core/mediawiki", []lock.Patch{public, skin, oath})
	want := []embargo.Patch{
		{File: "patches/0003-skin.patch", SHA256: "aa", CVEs: []string{"CVE-2026-34092"}, Components: []string{"core/mediawiki"}},
		{File: "patches/0007-oath.patch", SHA256: "bb", CVEs: []string{"CVE-2026-34087"}, Components: []string{"core/mediawiki", "extension/OATHAuth"}},
	}
	if diff := cmp.Diff(want, ps); diff != "" {
		t.Errorf("embargoed patches (-want +got):\n%s", diff)
	}
	if got := embargo.Collect(nil, "core/mediawiki", []lock.Patch{public}); got != nil {
		t.Errorf("no embargoed patch: got %v", got)
	}
}

func TestCheckDirectory(t *testing.T) {
	private := []spec.PrivateTarget{
		{Name: "apt", Directory: "/srv/embargo/apt/"},
		{Name: "dnf", Directory: "embargo/dnf"},
		{Name: "reg", Registry: "registry.example.org/srv/public"},
	}
	eds := []embargo.Edition{{Name: "enterprise", Patches: []embargo.Patch{{File: "patches/0003-skin.patch"}}}}
	for _, tc := range []struct {
		dir       string
		embargoed []embargo.Edition
		refused   bool
	}{
		{dir: "/srv/embargo/apt", embargoed: eds},
		{dir: "/srv/project/embargo/dnf", embargoed: eds},            // relative: the project's
		{dir: "/srv/embargo/apt/sub", embargoed: eds, refused: true}, // a directory, not a prefix
		{dir: "/srv/embargo", embargoed: eds, refused: true},
		{dir: "/srv/public/apt", embargoed: eds, refused: true},
		{dir: "/srv/embargo/dnf", embargoed: eds, refused: true}, // relative is not the root's
		{dir: "/srv/public", embargoed: eds, refused: true},      // a registry prefix is not a directory
		{dir: "/srv/public/apt"},                                 // nothing embargoed
	} {
		err := embargo.CheckDirectory(tc.dir, "/srv/project", tc.embargoed, private)
		var re *embargo.RefusedError
		if got := errors.As(err, &re); got != tc.refused {
			t.Errorf("%s: refused = %v (%v), want %v", tc.dir, got, err, tc.refused)
		}
	}
}

func TestCheckRegistry(t *testing.T) {
	private := []spec.PrivateTarget{
		{Name: "restricted", Registry: "registry.internal.example.org/restricted"},
		{Name: "one", Registry: "127.0.0.1:5000/staging/enterprise/"},
		{Name: "hub", Registry: "docker.io/acme"},
	}
	ent := embargo.Edition{Name: "enterprise", Patches: []embargo.Patch{{File: "p"}}}
	kb := embargo.Edition{Name: "knowledge-base", Patches: []embargo.Patch{{File: "p"}}}
	for _, tc := range []struct {
		target  string
		refused []string
	}{
		{target: "registry.internal.example.org/restricted"},
		{target: "Registry.Internal.Example.org/restricted/mw"},
		{target: "registry.internal.example.org/restricted-public", refused: []string{"enterprise", "knowledge-base"}},
		{target: "registry.internal.example.org", refused: []string{"enterprise", "knowledge-base"}},
		{target: "127.0.0.1:5000/staging", refused: []string{"knowledge-base"}},
		{target: "127.0.0.2:5000/staging", refused: []string{"enterprise", "knowledge-base"}},
		{target: "index.docker.io/acme"},
	} {
		repos := map[string]string{"enterprise": tc.target + "/enterprise", "knowledge-base": tc.target + "/knowledge-base", "public": tc.target + "/public"}
		err := embargo.CheckRegistry(tc.target, repos, []embargo.Edition{kb, ent}, private)
		var got []string
		var re *embargo.RefusedError
		if errors.As(err, &re) {
			for _, e := range re.Editions {
				got = append(got, e.Name)
			}
		} else if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.refused, got); diff != "" {
			t.Errorf("%s: refused editions (-want +got):\n%s", tc.target, diff)
		}
	}
	// An embargoed edition not being pushed (--edition) is no reason to refuse.
	if err := embargo.CheckRegistry("r.example.org/x", map[string]string{"public": "r.example.org/x/public"}, []embargo.Edition{ent}, nil); err != nil {
		t.Errorf("edition not pushed: %v", err)
	}
}

func TestRefusedErrorNamesPatches(t *testing.T) {
	err := &embargo.RefusedError{Target: "/srv/apt", Editions: []embargo.Edition{
		{Name: "enterprise", Patches: []embargo.Patch{{File: "patches/0003-skin.patch", CVEs: []string{"CVE-2026-34092"}}, {File: "patches/local.patch"}}},
	}}
	want := "refusing to publish embargoed work to /srv/apt, which no private_target declares:\n" +
		"  edition enterprise holds patches/0003-skin.patch (CVE-2026-34092), patches/local.patch"
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
}

package releasediff

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/platform"
)

// TestSystemPackages checks that the recipes' system packages reach the OS packages
// section from build manifests, recommended ones marked, and that a lock, which does not
// record them, leaves them out with a note rather than reporting them all as removed.
func TestSystemPackages(t *testing.T) {
	manifest := func(sys map[string]build.ManifestSystem) build.Manifest {
		return build.Manifest{Components: []build.ManifestComponent{
			{ID: "core/mediawiki", Version: "1.39.17"},
			{ID: "extension/Scribunto", Version: "1.39.17", System: sys},
		}}
	}
	old, err := FromManifest("old.json", manifest(map[string]build.ManifestSystem{"debian": {Depends: []string{"lua5.1 | php-luasandbox"}}}))
	if err != nil {
		t.Fatal(err)
	}
	next, err := FromManifest("new.json", manifest(map[string]build.ManifestSystem{
		"debian": {Depends: []string{"lua5.1"}, Recommends: []string{"php-intl"}},
		"fedora": {Depends: []string{"compat-lua"}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	lockOnly := FromLock("editions.lock", lock.File{Components: []lock.Component{{ID: "core/mediawiki", Version: "1.39.17"}, {ID: "extension/Scribunto", Version: "1.39.17"}}})
	sc := []string{"extension/Scribunto"}
	for _, tc := range []struct {
		name      string
		old, next Release
		want      []PackageChange
		notes     int
	}{
		{"manifests", old, next, []PackageChange{
			{Family: platform.Debian, Name: "lua5.1", Change: ChangeAdded, Components: sc},
			{Family: platform.Debian, Name: "lua5.1 | php-luasandbox", Change: ChangeRemoved, Components: sc},
			{Family: platform.Debian, Name: "php-intl (recommended)", Change: ChangeAdded, Components: sc},
			{Family: platform.RPM, Name: "compat-lua", Change: ChangeAdded, Components: sc},
		}, 0},
		{"lock against a manifest", lockOnly, next, []PackageChange{}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Compare(tc.old, tc.next, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, r.OSPackages); diff != "" {
				t.Errorf("OS packages (-want +got):\n%s", diff)
			}
			var notes int
			for _, n := range r.Notes {
				if len(n) > 15 && n[:15] == "System packages" {
					notes++
				}
			}
			if notes != tc.notes {
				t.Errorf("%d notes about system packages, want %d: %q", notes, tc.notes, r.Notes)
			}
		})
	}
}

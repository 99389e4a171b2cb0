package resolve_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/resolve"
)

const libEdition = `edition "sso" {
  title      = "SSO"
  version    = "1.0"
  core       = "mediawiki"
  extensions = ["Cite"]
  output "deb" {}
}
`

// libLock is a lock whose edition sso ships acme/lib (which needs acme/dep and curl) and
// resolved composer/installers, a plugin, for its constraints.
func libLock(t *testing.T, files map[string]string) lock.File {
	set := loadFiles(t, files)
	lk := buildLock(set, defaultInfos(), nil)
	tree := "sha256:" + strings.Repeat("ab", 32)
	lk = lk.WithLibraries([]lock.Library{
		{Name: "acme/lib", Version: "v1.1.0", Licenses: []string{"MIT", "Apache-2.0"}, Repository: "acme", Tree: tree, Time: 1700000001,
			Source:  lock.LibrarySource{Type: "zip", URL: "https://example.org/acme-lib.zip", SHA256: strings.Repeat("1", 64)},
			Require: map[string]string{"acme/dep": "^1.0", "php": ">=7.4", "ext-curl": "*"}},
		{Name: "acme/dep", Version: "1.0.0", Repository: "acme", Tree: tree,
			Source: lock.LibrarySource{Type: "zip", URL: "https://example.org/acme-dep.zip", SHA256: strings.Repeat("2", 64)}},
		{Name: "composer/installers", Version: "v2.3.0", Plugin: true, Repository: "acme"},
	})
	// Another version than the edition's: CheckVersions leaves the record's members alone.
	lk.Editions = []lock.Edition{{Name: "sso", Version: "0.9", Libraries: []string{"acme/dep", "acme/lib", "composer/installers"}}}
	return lk
}

func TestLockedLibrariesBecomeMembers(t *testing.T) {
	files := project(map[string]string{"editions/sso.hcl": libEdition})
	g, diags := resolve.Resolve(loadFiles(t, files), libLock(t, files))
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	e := g.Editions[0]
	if diff := cmp.Diff([]string{"acme/dep", "acme/lib"}, e.Libraries()); diff != "" {
		t.Errorf("libraries, the plugin left out (-want +got):\n%s", diff)
	}
	reasons := map[string]string{}
	for _, m := range e.Members {
		reasons[m.ID] = m.Reason
	}
	want := map[string]string{
		"library/acme/dep": "composer library, required by acme/lib",
		"library/acme/lib": "composer library, required by the members' composer.json",
	}
	for id, r := range want {
		if reasons[id] != r {
			t.Errorf("%s: reason %q, want %q", id, reasons[id], r)
		}
	}
	lib, ok := g.Component("library/acme/lib")
	if !ok {
		t.Fatal("library/acme/lib is not a component")
	}
	got := struct {
		Dir, License, PHP string
		Deb               []string
		Requires          map[string]string
		Time              int64
	}{lib.InstallDir(), lib.Info.License, lib.Info.Requires.PHP, lib.OSDeps[platform.Debian], lib.Requires, lib.Time}
	wantLib := struct {
		Dir, License, PHP string
		Deb               []string
		Requires          map[string]string
		Time              int64
	}{"vendor-libs/acme/lib", "MIT OR Apache-2.0", ">=7.4", []string{"php-curl"}, map[string]string{"acme/dep": "^1.0"}, 1700000001}
	if diff := cmp.Diff(wantLib, got); diff != "" {
		t.Errorf("library component (-want +got):\n%s", diff)
	}
	if _, ok := g.Component("library/composer/installers"); ok {
		t.Error("the plugin composer/installers became a component")
	}
	for _, r := range resolve.Records(g) {
		if r.Name == "sso" && (strings.Contains(strings.Join(r.Members, ","), "library/") || len(r.Libraries) != 2) {
			t.Errorf("the record lists libraries as members or misses them: %+v", r)
		}
	}
}

func TestStaleLibraries(t *testing.T) {
	tests := []struct {
		name   string
		recipe string
		edit   func(*lock.File)
		want   string
	}{
		{name: "no tree", edit: func(lk *lock.File) { lk.Libraries[1].Tree = "" },
			want: "composer library acme/lib v1.1.0 has no unpacked tree in editions.lock"},
		{name: "recipe added", recipe: `library "acme/lib" {
  version = "1.1.0"
  source "git" {
    url = "https://example.org/acme/lib.git"
    ref = "main"
  }
}
`, want: "composer library acme/lib changed since it was locked: a library recipe now overrides it, but editions.lock took it from repository acme"},
		{name: "recipe removed", edit: func(lk *lock.File) { lk.Libraries[1].Repository = "recipe" },
			want: "editions.lock took it from a library recipe, which is gone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := project(map[string]string{"editions/sso.hcl": libEdition})
			lk := libLock(t, files)
			if tc.recipe != "" {
				files["recipes/library.hcl"] = tc.recipe
			}
			if tc.edit != nil {
				tc.edit(&lk)
			}
			_, diags := resolve.Resolve(loadFiles(t, files), lk)
			if !diags.HasErrors() || !strings.Contains(diags.Error(), tc.want) {
				t.Errorf("diagnostics %q, want one saying %q", diags.Error(), tc.want)
			}
		})
	}
}

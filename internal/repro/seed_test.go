package repro

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

// verify rebuilds in a cold cache: the dist archives of the libraries the editions ship
// must be seeded as the release tarballs are, or an offline rebuild fails on them. A
// plugin, never unpacked, and a library no edition ships are not seeded.
func TestSeedLibraries(t *testing.T) {
	user, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dist := func(name string) lock.Library {
		b := []byte("dist of " + name)
		if _, _, err := user.AddBlob(bytes.NewReader(b), sha(string(b))); err != nil {
			t.Fatal(err)
		}
		return lock.Library{Name: name, Version: "1.0.0", Repository: "satis", Tree: "sha256:t",
			Source: lock.LibrarySource{Type: "zip", URL: "https://composer.example.org/" + name + ".zip", SHA256: sha(string(b))}}
	}
	shipped, plugin, unused := dist("jumbojett/openid-connect-php"), dist("composer/installers"), dist("acme/unused")
	plugin.Plugin = true
	missing := lock.Library{Name: "phpseclib/phpseclib", Version: "3.0.47", Repository: "satis", Tree: "sha256:t",
		Source: lock.LibrarySource{Type: "zip", URL: "https://composer.example.org/phpseclib.zip", SHA256: sha("not in the cache")}}
	lk := lock.New(nil).WithLibraries([]lock.Library{shipped, plugin, unused, missing}).WithEditions([]lock.Edition{
		{Name: "enterprise", Version: "1.0", Libraries: []string{"composer/installers", "jumbojett/openid-connect-php", "phpseclib/phpseclib"}}})
	got, err := Seed(user, fresh, spec.Set{}, lk)
	if err != nil {
		t.Fatal(err)
	}
	want := Seeded{Blobs: 1, Absent: []string{"library/phpseclib/phpseclib (sha256 " + sha("not in the cache") + ")"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("seeded (-want +got):\n%s", diff)
	}
	for _, lib := range []lock.Library{shipped, plugin, unused} {
		if fresh.HasBlob(lib.Source.SHA256) != (lib.Name == shipped.Name) {
			t.Errorf("%s: seeded = %v", lib.Name, fresh.HasBlob(lib.Source.SHA256))
		}
	}
}

// verify rebuilds a Debian base's root from the .debs the lock pins: each is seeded, and one
// the user's cache lacks is named.
func TestSeedDebianBases(t *testing.T) {
	user, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := user.AddBlob(bytes.NewReader([]byte("apache2.deb")), sha("apache2.deb")); err != nil {
		t.Fatal(err)
	}
	lk := lock.New(nil).WithDebianBases([]lock.DebianBase{{Name: "web", Packages: []lock.DebPackage{
		{Name: "apache2", Version: "2.4.62-1~deb12u2", Architecture: "amd64", SHA256: sha("apache2.deb")},
		{Name: "php8.2-cli", Version: "8.2.29-1~deb12u1", Architecture: "amd64", SHA256: sha("php.deb")},
	}}})
	got, err := Seed(user, fresh, spec.Set{}, lk)
	if err != nil {
		t.Fatal(err)
	}
	want := Seeded{Blobs: 1, Absent: []string{"debian base web: php8.2-cli 8.2.29-1~deb12u1 (sha256 " + sha("php.deb") + ")"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("seeded (-want +got):\n%s", diff)
	}
	if !fresh.HasBlob(sha("apache2.deb")) {
		t.Error("apache2's .deb was not seeded")
	}
}

// A library recipe's dir source is part of the project the rebuild reads.
func TestCopyProjectCopiesLibraryDirs(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	for _, name := range []string{"recipes/composer.hcl", "editions/e.hcl", lock.FileName, "libs/sso/composer.json"} {
		writeFile(t, src, name, []byte("{}"))
	}
	set := spec.Set{}.WithLibraries([]spec.Library{{Name: "acme/sso", Version: "1.0.0", Source: spec.Source{Kind: spec.Dir, Path: "libs/sso"}}})
	if _, err := CopyProject(src, filepath.Join(dst, "p"), set); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, "p", "libs/sso/composer.json")); err != nil {
		t.Errorf("the library's directory was not copied: %v", err)
	}
}

// The patch files recipes name are part of the project the rebuild reads, wherever they lie.
func TestCopyProjectCopiesPatches(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	for _, name := range []string{"recipes/core.hcl", "editions/e.hcl", lock.FileName, "patches/0001-fix.patch", "patches/unused.patch"} {
		writeFile(t, src, name, []byte("{}"))
	}
	core := spec.Component{Kind: spec.Core, Name: "mediawiki", Source: spec.Source{Kind: spec.Tarball,
		Patches: []spec.Patch{{Path: "patches/0001-fix.patch"}}}}
	if _, err := CopyProject(src, filepath.Join(dst, "p"), spec.NewSet([]spec.Component{core}, nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dst, "p", "patches/0001-fix.patch")); err != nil {
		t.Errorf("the patch was not copied: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dst, "p", "patches/unused.patch")); err == nil {
		t.Error("a file no recipe names was copied")
	}
}

// A release line's copy keeps the shared manifests where its includes find them.
func TestCopyProjectCopiesALinesIncludes(t *testing.T) {
	top, dst := t.TempDir(), t.TempDir()
	src := filepath.Join(top, "lines", "1.43")
	writeFile(t, src, "line.hcl", []byte(`line "1.43" { include = ["../../editions/*.hcl"] }`))
	for _, name := range []string{"recipes/core.hcl", lock.FileName} {
		writeFile(t, src, name, []byte("{}"))
	}
	writeFile(t, top, "editions/core.hcl", []byte("{}"))
	writeFile(t, top, "editions/notes.txt", []byte("not a manifest"))
	root, err := CopyProject(src, filepath.Join(dst, "p"), spec.Set{})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dst, "p", "lines", "1.43"); root != want {
		t.Errorf("root = %s, want %s", root, want)
	}
	for _, name := range []string{"lines/1.43/line.hcl", "lines/1.43/recipes/core.hcl", "editions/core.hcl"} {
		if _, err := os.Stat(filepath.Join(dst, "p", name)); err != nil {
			t.Errorf("%s was not copied: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dst, "p", "editions/notes.txt")); err == nil {
		t.Error("a file the line does not include was copied")
	}
}

package build_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/source"
)

// TestBuildShipsLockedLibraries builds an edition whose dir extension needs a composer
// library: each library becomes a package of its own below vendor-libs/, the edition's
// package carries the generated autoloader that its settings file loads, the tarball holds
// both, a second build runs nothing, and a bumped library rebuilds only what holds it.
func TestBuildShipsLockedLibraries(t *testing.T) {
	f := newFixture(t)
	repo := newComposerRepo(t)
	f.withComposer(repo.url(), `"acme/lib": "^1.0"`)
	ed := filepath.Join(f.root, "editions/editions.hcl")
	b, err := os.ReadFile(ed)
	must(t, err)
	write(t, ed, strings.Replace(string(b), `output "rpm" {}`, `output "rpm" {}
  output "deb" {}
  output "tarball" {}`, 1))
	f.lock()
	o := f.options()
	o.Formats = []string{build.FormatDeb, build.FormatTarball}
	res := f.buildWith(o)
	debs := listDir(t, filepath.Join(f.root, "out/deb"))
	for _, want := range []string{"mediawiki-lib-acme-lib_1.1.0-1_all.deb", "mediawiki-lib-acme-dep_1.0.0-1_all.deb"} {
		if !contains(debs, want) {
			t.Errorf("out/deb lacks %s: %v", want, debs)
		}
	}
	field := func(deb, name string) string {
		out, err := exec.Command("dpkg-deb", "--field", filepath.Join(f.root, "out/deb", deb), name).CombinedOutput()
		if err != nil {
			t.Fatalf("dpkg-deb (run make deps): %v %s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := field("mediawiki-lib-acme-lib_1.1.0-1_all.deb", "Depends"); !strings.Contains(got, "mediawiki-lib-acme-dep (>= 1~)") {
		t.Errorf("acme/lib requires acme/dep ^1.0; Depends: %s", got)
	}
	if got := field("mediawiki-edition-full_1.0-1_all.deb", "Depends"); !strings.Contains(got, "mediawiki-lib-acme-lib (= 1.1.0-1)") {
		t.Errorf("the edition pins its libraries; Depends: %s", got)
	}
	contents, err := exec.Command("dpkg-deb", "--contents", filepath.Join(f.root, "out/deb/mediawiki-edition-full_1.0-1_all.deb")).CombinedOutput()
	must(t, err)
	for _, p := range []string{"./usr/share/mediawiki/vendor-libs/autoload.php", "./usr/share/mediawiki/vendor-libs/composer/autoload_static.php"} {
		if !strings.Contains(string(contents), p) {
			t.Errorf("the edition package lacks %s:\n%s", p, contents)
		}
	}
	libContents, err := exec.Command("dpkg-deb", "--contents", filepath.Join(f.root, "out/deb/mediawiki-lib-acme-lib_1.1.0-1_all.deb")).CombinedOutput()
	must(t, err)
	if !strings.Contains(string(libContents), "./usr/share/mediawiki/vendor-libs/acme/lib/src/Thing.php") {
		t.Errorf("the library package does not install below vendor-libs/acme/lib:\n%s", libContents)
	}
	tarList, err := exec.Command("tar", "-tzf", filepath.Join(f.root, "out/tarballs/mediawiki-full-1.0.tar.gz")).CombinedOutput()
	if err != nil {
		t.Fatalf("tar: %v: %s (out/tarballs: %v)", err, tarList, listDir(t, filepath.Join(f.root, "out/tarballs")))
	}
	for _, p := range []string{"mediawiki-1.39.17/vendor-libs/autoload.php", "mediawiki-1.39.17/vendor-libs/acme/lib/src/Thing.php", "mediawiki-1.39.17/vendor-libs/acme/dep/composer.json"} {
		if !strings.Contains(string(tarList), p+"\n") {
			t.Errorf("the tarball lacks %s", p)
		}
	}
	settings, err := exec.Command("tar", "-xzOf", filepath.Join(f.root, "out/tarballs/mediawiki-full-1.0.tar.gz"), "mediawiki-1.39.17/EditionSettings.php").CombinedOutput()
	must(t, err)
	if s := string(settings); !strings.Contains(s, `require_once "$IP/vendor-libs/autoload.php";`) || strings.Index(s, "vendor-libs") > strings.Index(s, "wfLoadExtensions") {
		t.Errorf("the settings file does not load the autoloader before the extensions:\n%s", s)
	}
	spdx, err := os.ReadFile(filepath.Join(f.root, "out/sbom/full.spdx.json"))
	must(t, err)
	for _, want := range []string{`"referenceLocator": "pkg:composer/acme/lib@1.1.0?`, `"referenceLocator": "pkg:composer/acme/dep@1.0.0?`, `"licenseDeclared": "MIT"`} {
		if !strings.Contains(string(spdx), want) {
			t.Errorf("the SBOM lacks %s:\n%s", want, spdx)
		}
	}
	t.Logf("first build ran %d actions", len(executed(res.Report)))
	if got := executed(f.buildWith(o).Report); len(got) != 0 {
		t.Errorf("a second build ran %v", got)
	}
	// From a cold action cache and freshly unpacked sources: the same bytes.
	before := outSums(t, filepath.Join(f.root, "out"))
	for _, area := range []string{"actions", "src/*"} {
		matches, err := filepath.Glob(filepath.Join(f.cacheDir, area))
		must(t, err)
		for _, m := range matches {
			must(t, os.RemoveAll(m))
		}
	}
	f.buildWith(o)
	if diff := cmp.Diff(before, outSums(t, filepath.Join(f.root, "out"))); diff != "" {
		t.Errorf("a cold rebuild changed out/ (-first +cold):\n%s", diff)
	}

	repo.add("acme/lib", "1.2.0", map[string]string{"acme/dep": "^1.0"})
	f.bumpEdition("full", "1.1")
	f.lock("acme/lib")
	got := executed(f.buildWith(o).Report)
	for _, id := range got {
		// Every edition's provenance names the lock by digest: sbom/base is remade.
		if strings.Contains(id, "acme/dep") || strings.Contains(id, "base") && id != "sbom/base" || strings.Contains(id, "extension/") {
			t.Errorf("bumping acme/lib ran %s", id)
		}
	}
	for _, id := range []string{"deb/library/acme/lib", "tar.gz/mediawiki-1.39.17/library/acme/lib", "autoload/full", "deb/edition/full"} {
		if !contains(got, id) {
			t.Errorf("bumping acme/lib did not run %s: %v", id, got)
		}
	}
}

func (f *fixture) buildWith(o build.Options) build.Result {
	f.t.Helper()
	lk, err := build.ReadLock(f.root)
	must(f.t, err)
	res, diags, err := build.Build(context.Background(), o, f.load().Set, lk)
	if err != nil || diags.HasErrors() {
		f.t.Fatalf("build: %v %v", err, diags)
	}
	return res
}

// outSums maps each file below dir to its SHA-256.
func outSums(t *testing.T, dir string) map[string]string {
	sums := map[string]string{}
	must(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		sums[strings.TrimPrefix(p, dir)] = hex.EncodeToString(sum[:])
		return nil
	}))
	return sums
}

func listDir(t *testing.T, dir string) []string {
	es, err := os.ReadDir(dir)
	must(t, err)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestLibrariesOfflineAndKeptByGC: gc keeps what the lock's libraries need, so an offline
// build still makes them; without an archive in the cache, offline fails naming the
// library and its URL; an archive replaced upstream under the same lock is refused, the
// library named, and nothing is published.
func TestLibrariesOfflineAndKeptByGC(t *testing.T) {
	f := newFixture(t)
	repo := newComposerRepo(t)
	f.withComposer(repo.url(), `"acme/lib": "^1.0"`)
	lk := f.lock()
	st, err := cache.Open(f.cacheDir)
	must(t, err)
	if _, err := st.GC(cache.GCOptions{Keep: 0, Roots: build.CacheRoots(f.load().Set, lk)}); err != nil {
		t.Fatal(err)
	}
	o := f.options()
	o.Fetcher.Offline = true
	if _, diags, err := build.Build(context.Background(), o, f.load().Set, lk); err != nil || diags.HasErrors() {
		t.Fatalf("offline build after gc: %v %v", err, diags)
	}

	lib, _ := lk.Library("acme/lib")
	for _, area := range []string{"blobs", "src", "actions", "trees"} {
		must(t, os.RemoveAll(filepath.Join(f.cacheDir, area)))
	}
	_, _, err = build.Build(context.Background(), o, f.load().Set, lk)
	if !errors.Is(err, source.ErrOffline) || !strings.Contains(err.Error(), "library/acme/lib") || !strings.Contains(err.Error(), lib.Source.URL) {
		t.Errorf("offline without acme/lib's archive: %v", err)
	}

	// The archive behind the locked URL is replaced: the build refuses it.
	must(t, os.RemoveAll(filepath.Join(f.root, "out")))
	write(t, strings.TrimPrefix(lib.Source.URL, "file://"), distTar(t, "acme/lib", "1.1.0-evil"))
	o.Fetcher.Offline = false
	_, _, err = build.Build(context.Background(), o, f.load().Set, lk)
	if err == nil || !strings.Contains(err.Error(), "library/acme/lib") || !strings.Contains(err.Error(), "but editions.lock pins "+lib.Source.SHA256) {
		t.Errorf("a replaced archive: %v", err)
	}
	if _, err := os.Stat(filepath.Join(f.root, "out")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed build wrote out/: %v", err)
	}
}

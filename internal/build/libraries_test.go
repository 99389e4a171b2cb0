package build_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/lock"
)

// composerRepo is a static composer repository in Packagist's v2 format: packages.json
// with a file:// metadata-url and available-packages, one p2 file per name, and each
// version's dist archive (a tar of its composer.json in one top-level directory, as lock
// unpacks it to record its tree).
type composerRepo struct {
	t   *testing.T
	dir string
	// versions by name: version → require
	versions map[string]map[string]map[string]string
}

func newComposerRepo(t *testing.T) *composerRepo {
	r := &composerRepo{t: t, dir: filepath.Join(t.TempDir(), "composer"), versions: map[string]map[string]map[string]string{}}
	r.add("acme/lib", "1.0.0", nil)
	r.add("acme/lib", "1.1.0", map[string]string{"acme/dep": "^1.0", "php": ">=7.4"})
	r.add("acme/lib", "2.0.0", map[string]string{"php": ">=9.0"})
	r.add("acme/dep", "1.0.0", nil)
	return r
}

func (r *composerRepo) url() string { return "file://" + r.dir }

// add publishes a version and rewrites the repository.
func (r *composerRepo) add(name, version string, require map[string]string) {
	if r.versions[name] == nil {
		r.versions[name] = map[string]map[string]string{}
	}
	r.versions[name][version] = require
	var names []string
	for n := range r.versions {
		names = append(names, n)
		var vs []map[string]any
		for v, req := range r.versions[n] {
			dist := filepath.Join(r.dir, "dist", strings.ReplaceAll(n, "/", "-")+"-"+v+".tar")
			if _, err := os.Stat(dist); err != nil {
				write(r.t, dist, distTar(r.t, n, v))
			}
			entry := map[string]any{"name": n, "version": v, "type": "library", "license": []string{"MIT"},
				"dist": map[string]string{"type": "tar", "url": "file://" + dist, "reference": fmt.Sprintf("%040x", len(n)+len(v))}}
			if req != nil {
				entry["require"] = req
			}
			vs = append(vs, entry)
		}
		r.writeJSON("p2/"+n+".json", map[string]any{"packages": map[string]any{n: vs}})
	}
	r.writeJSON("packages.json", map[string]any{"packages": map[string]any{}, "metadata-url": r.url() + "/p2/%package%.json", "available-packages": names})
}

// distTar is a library's dist archive: its composer.json, autoloading one class by
// PSR-4 (acme/lib has Acme\Lib\Thing), below one directory.
func distTar(t *testing.T, name, version string) string {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	vendor, short, _ := strings.Cut(name, "/")
	ns := strings.Title(vendor) + `\\` + strings.Title(short) + `\\` //nolint:staticcheck // ASCII names
	files := []struct{ name, body string }{
		{"composer.json", fmt.Sprintf(`{"name": %q, "version": %q, "autoload": {"psr-4": {"%s": "src/"}}}`, name, version, ns)},
		{"src/Thing.php", fmt.Sprintf("<?php\nnamespace %s;\nclass Thing { const VERSION = %q; }\n", strings.TrimSuffix(strings.ReplaceAll(ns, `\\`, `\`), `\`), version)},
	}
	top := strings.ReplaceAll(name, "/", "-") + "-" + version + "/"
	when := time.Unix(1700000000, 0)
	must(t, tw.WriteHeader(&tar.Header{Name: top, Typeflag: tar.TypeDir, Mode: 0o755, ModTime: when}))
	must(t, tw.WriteHeader(&tar.Header{Name: top + "src/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: when}))
	for _, f := range files {
		must(t, tw.WriteHeader(&tar.Header{Name: top + f.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f.body)), ModTime: when}))
		_, err := tw.Write([]byte(f.body))
		must(t, err)
	}
	must(t, tw.Close())
	return b.String()
}

func (r *composerRepo) writeJSON(name string, v any) {
	b, err := json.Marshal(v)
	must(r.t, err)
	write(r.t, filepath.Join(r.dir, name), string(b))
}

// withComposer gives the fixture's dir extension Delta a composer.json and declares repo.
func (f *fixture) withComposer(repoURL, require string) {
	write(f.t, filepath.Join(f.root, "local/Delta/composer.json"), `{
  "name": "acme/delta",
  "require": {`+require+`}
}`)
	write(f.t, filepath.Join(f.root, "recipes/composer.hcl"), `composer_repository "acme" { url = "`+repoURL+`" }`)
	// An output gives the edition a PHP target (Fedora's 8.3) for composer's php checks.
	p := filepath.Join(f.root, "editions/editions.hcl")
	b, err := os.ReadFile(p)
	must(f.t, err)
	write(f.t, p, strings.Replace(string(b), "  settings = {", "  output \"rpm\" {}\n  settings = {", 1))
}

// lockDiags runs Lock and returns its error diagnostics, writing nothing.
func (f *fixture) lockDiags(o build.Options, update ...string) (lock.File, hcl.Diagnostics, error) {
	prev, _ := build.ReadLock(f.root)
	lf, _, diags, err := build.Lock(context.Background(), o, f.load().Set, prev, update)
	return lf, diags, err
}

func libraryVersions(lf lock.File) map[string]string {
	out := map[string]string{}
	for _, l := range lf.Libraries {
		out[l.Name] = l.Version
	}
	return out
}

func TestLockChoosesComposerLibraries(t *testing.T) {
	f := newFixture(t)
	repo := newComposerRepo(t)
	f.withComposer(repo.url(), `"acme/lib": "^1.0", "php": ">=7.4"`)
	lf := f.lock()
	if diff := cmp.Diff(map[string]string{"acme/dep": "1.0.0", "acme/lib": "1.1.0"}, libraryVersions(lf)); diff != "" {
		t.Errorf("libraries (-want +got):\n%s", diff)
	}
	full, _ := lf.Edition("full")
	base, _ := lf.Edition("base")
	if diff := cmp.Diff([]string{"acme/dep", "acme/lib"}, full.Libraries); diff != "" || base.Libraries != nil {
		t.Errorf("edition libraries: full %v (diff %s), base %v (want none)", full.Libraries, diff, base.Libraries)
	}
	lib, _ := lf.Library("acme/lib")
	sum := sha256.Sum256([]byte(distTar(t, "acme/lib", "1.1.0")))
	if lib.Source.SHA256 != hex.EncodeToString(sum[:]) || lib.Repository != "acme" || lib.Require["acme/dep"] != "^1.0" {
		t.Errorf("acme/lib locked as %+v", lib)
	}
	// A newer version does not move a locked library; --update does.
	repo.add("acme/lib", "1.2.0", nil)
	if got := libraryVersions(f.lock())["acme/lib"]; got != "1.1.0" {
		t.Errorf("relock moved acme/lib to %s without --update", got)
	}
	// Other libraries are other packages: not under the version already locked.
	_, diags, err := f.lockDiags(f.options(), "acme/lib")
	checkDiag(t, diags, err, []string{"Edition changed, version did not", `Edition "full" changed`, "composer library acme/lib 1.1.0 -> 1.2.0", "composer library acme/dep removed", "bump version at editions/editions.hcl:"})
	f.bumpEdition("full", "1.1")
	if diff := cmp.Diff(map[string]string{"acme/lib": "1.2.0"}, libraryVersions(f.lock("acme/lib"))); diff != "" {
		t.Errorf("after --update acme/lib, which no longer needs acme/dep (-want +got):\n%s", diff)
	}
}

func TestLockWithoutComposerNeedsLeavesNoLibraries(t *testing.T) {
	f := newFixture(t)
	b, err := f.lock().Encode()
	must(t, err)
	if strings.Contains(string(b), "libraries") {
		t.Errorf("a lock without composer libraries mentions them:\n%s", b)
	}
}

func TestLockComposerErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/garbage/") {
			fmt.Fprint(w, "<html>not json")
			return
		}
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()
	tests := []struct {
		name, require, repo string
		want                []string
	}{
		{"unsatisfiable", `"acme/lib": "^3.0"`, "", []string{"Composer library acme/lib cannot be chosen", `extension Delta requires acme/lib "^3.0" (extensions/Delta/composer.json:3:`, `Edition "full"`}},
		{"needs a newer PHP", `"acme/lib": "^2.0"`, "", []string{"acme/lib", "php", `extension Delta requires acme/lib "^2.0"`}},
		{"in no repository", `"acme/missing": "^1.0"`, "", []string{"acme/missing: is in no repository", `extension Delta requires acme/missing "^1.0"`}},
		{"HTTP 500", `"acme/lib": "^1.0"`, srv.URL + "/fail", []string{"Cannot choose composer libraries", "HTTP 500", `extension Delta requires acme/lib "^1.0"`}},
		{"garbage JSON", `"acme/lib": "^1.0"`, srv.URL + "/garbage", []string{"Cannot choose composer libraries", "packages.json", `extension Delta requires acme/lib "^1.0"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			repo := newComposerRepo(t)
			url := repo.url()
			if tc.repo != "" {
				url = tc.repo
			}
			f.withComposer(url, tc.require)
			_, diags, err := f.lockDiags(f.options())
			checkDiag(t, diags, err, tc.want)
		})
	}
}

func checkDiag(t *testing.T, diags hcl.Diagnostics, err error, want []string) {
	t.Helper()
	if err != nil {
		t.Fatalf("lock failed outright: %v", err)
	}
	d := firstError(diags)
	if d == nil {
		t.Fatal("lock succeeded")
	}
	got := d.Summary + ": " + d.Detail
	t.Logf("%s: %s", d.Subject, got)
	if d.Subject == nil || !strings.HasSuffix(d.Subject.Filename, "editions.hcl") {
		t.Errorf("diagnostic at %v, want the edition in editions.hcl", d.Subject)
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("diagnostic does not say %q:\n%s", w, got)
		}
	}
}

func TestLockComposerDistChecks(t *testing.T) {
	f := newFixture(t)
	repo := newComposerRepo(t)
	f.withComposer(repo.url(), `"acme/lib": "1.0.0"`)
	first := f.lock()
	lib, _ := first.Library("acme/lib")
	blob := filepath.Join(f.cacheDir, "blobs/sha256", lib.Source.SHA256)
	must(t, os.Remove(blob))

	// Offline, a locked library whose archive is not in the cache cannot be locked.
	o := f.options()
	o.Fetcher.Offline = true
	_, diags, err := f.lockDiags(o)
	checkDiag(t, diags, err, []string{"Cannot lock composer library acme/lib", "composer library acme/lib 1.0.0", "--offline", `Edition "full"`, `extension Delta requires acme/lib "1.0.0" (extensions/Delta/composer.json:3:`})

	// The repository now serves other bytes under the same version: the lock's pin wins.
	write(t, strings.TrimPrefix(lib.Source.URL, "file://"), "replaced")
	_, diags, err = f.lockDiags(f.options())
	checkDiag(t, diags, err, []string{"Cannot lock composer library acme/lib", "but editions.lock pins " + lib.Source.SHA256, "lock --update acme/lib"})
}

// withCoreVendor replaces the fixture's core with one whose vendor/ holds psr/log 1.1.4.
func (f *fixture) withCoreVendor() {
	tarball := filepath.Join(filepath.Dir(f.root), "mediawiki-vendor.tar.gz")
	sha := writeTarball(f.t, tarball, map[string]string{
		"includes/Defines.php":            "<?php\ndefine( 'MW_VERSION', '1.39.17' );\n",
		"composer.json":                   `{"name": "mediawiki/core", "require": {"php": ">=7.4.3", "psr/log": "1.1.4"}}`,
		"vendor/composer/installed.json":  `{"packages": [{"name": "psr/log", "version": "1.1.4", "version_normalized": "1.1.4.0", "type": "library"}], "dev": false}`,
		"extensions/Alpha/extension.json": `{"name": "Alpha", "version": "1.2.0", "manifest_version": 2}`,
		"extensions/Beta/extension.json":  `{"name": "Beta", "manifest_version": 2}`,
		"skins/Vector/skin.json":          `{"name": "Vector", "version": "1.0.0", "manifest_version": 2}`,
	})
	write(f.t, filepath.Join(f.root, "recipes/core.hcl"), fmt.Sprintf(`
core "mediawiki" {
  version = "1.39.17"
  source "tarball" {
    url    = "file://%s"
    sha256 = "%s"
  }
}
`, tarball, sha))
}

func TestLockComposerAgainstCoreVendor(t *testing.T) {
	f := newFixture(t)
	f.withCoreVendor()
	f.withComposer(newComposerRepo(t).url(), `"psr/log": "^1.0", "acme/dep": "*"`)
	if diff := cmp.Diff(map[string]string{"acme/dep": "1.0.0"}, libraryVersions(f.lock())); diff != "" {
		t.Errorf("core's psr/log 1.1.4 satisfies ^1.0 and is not shipped again (-want +got):\n%s", diff)
	}

	f = newFixture(t)
	f.withCoreVendor()
	f.withComposer(newComposerRepo(t).url(), `"psr/log": "^3.0"`)
	_, diags, err := f.lockDiags(f.options())
	checkDiag(t, diags, err, []string{"psr/log", `extension Delta requires psr/log "^3.0"`, "1.1.4"})
}

func TestLockLibraryRecipeOverridesRepositories(t *testing.T) {
	f := newFixture(t)
	f.withComposer(newComposerRepo(t).url(), `"acme/lib": "^1.0"`)
	write(t, filepath.Join(f.root, "local/acme-lib/composer.json"), `{"name": "acme/lib", "license": "MIT", "require": {"php": ">=7.0"}}`)
	write(t, filepath.Join(f.root, "local/acme-lib/src/Lib.php"), "<?php\n")
	recipe := func(version string) {
		write(t, filepath.Join(f.root, "recipes/library.hcl"), `library "acme/lib" {
  version = "`+version+`"
  source "dir" { path = "../local/acme-lib" }
}
`)
	}
	recipe("1.5.0")
	lf := f.lock()
	if diff := cmp.Diff(map[string]string{"acme/lib": "1.5.0"}, libraryVersions(lf)); diff != "" {
		t.Errorf("the recipe's acme/lib, which needs no acme/dep (-want +got):\n%s", diff)
	}
	lib, _ := lf.Library("acme/lib")
	if lib.Repository != "recipe" || lib.Source.Type != "dir" || !strings.HasPrefix(lib.Source.SHA256, "sha256:") {
		t.Errorf("acme/lib locked as %+v, want the recipe's dir source and tree digest", lib)
	}
	// The build takes the library from the recipe's directory, as locked.
	o := f.options()
	o.Formats = []string{build.FormatRPM}
	f.buildWith(o)
	if rpms := listDir(t, filepath.Join(f.root, "out/rpm")); !contains(rpms, "mediawiki-lib-acme-lib-1.5.0-1.noarch.rpm") {
		t.Errorf("out/rpm lacks the recipe library's package: %v", rpms)
	}
	// The recipe hides the repositories' versions, as composer's first repository does.
	recipe("3.0.0")
	_, diags, err := f.lockDiags(f.options())
	checkDiag(t, diags, err, []string{"acme/lib 3.0.0 comes from its library recipe (recipes/library.hcl:1,", `extension Delta requires acme/lib "^1.0"`})
}

func TestLockLibraryRecipeFromGitKeepsItsCommit(t *testing.T) {
	f := newFixture(t)
	f.withComposer(newComposerRepo(t).url(), `"acme/lib": "^1.0"`)
	repo := filepath.Join(filepath.Dir(f.root), "acme-lib.git")
	f.git("init", "-q", "-b", "main", repo)
	commit := func(content string) string {
		write(t, filepath.Join(repo, "composer.json"), content)
		f.git("-C", repo, "add", "-A")
		f.git("-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "change")
		return f.git("-C", repo, "rev-parse", "HEAD")
	}
	first := commit(`{"name": "acme/lib"}`)
	write(t, filepath.Join(f.root, "recipes/library.hcl"), `library "acme/lib" {
  version = "1.9.0"
  source "git" {
    url = "file://`+repo+`"
    ref = "main"
  }
}
`)
	ref := func(lf lock.File) string {
		lib, _ := lf.Library("acme/lib")
		return lib.Source.Reference
	}
	if got := ref(f.lock()); got != first {
		t.Fatalf("locked commit %s, want %s", got, first)
	}
	o := f.options()
	o.Formats = []string{build.FormatRPM}
	f.buildWith(o)
	if rpms := listDir(t, filepath.Join(f.root, "out/rpm")); !contains(rpms, "mediawiki-lib-acme-lib-1.9.0-1.noarch.rpm") {
		t.Errorf("out/rpm lacks the git recipe library's package: %v", rpms)
	}
	second := commit(`{"name": "acme/lib", "license": "MIT"}`)
	if got := ref(f.lock()); got != first {
		t.Errorf("relock moved the recipe to %s without --update", got)
	}
	f.bumpEdition("full", "1.1")
	if got := ref(f.lock("acme/lib")); got != second {
		t.Errorf("lock --update acme/lib locked %s, want %s", got, second)
	}
}

func TestLockExtensionRequiredThroughComposer(t *testing.T) {
	f := newFixture(t)
	repo := newComposerRepo(t)
	f.withComposer(repo.url(), `"acme/widget": "^1.0"`)
	// A MediaWiki extension published as a composer package: composer/installers would put
	// it in extensions/Widget. It is a component, not a library.
	repo.add("acme/widget", "1.0.0", nil)
	p := filepath.Join(repo.dir, "p2/acme/widget.json")
	b, err := os.ReadFile(p)
	must(t, err)
	write(t, p, strings.Replace(string(b), `"type":"library"`, `"type":"mediawiki-extension"`, 1))
	_, diags, err := f.lockDiags(f.options())
	checkDiag(t, diags, err, []string{"Missing component", "composer package acme/widget is the MediaWiki extension Widget, not a library: add extension Widget to the edition", `extension Delta requires acme/widget "^1.0"`})
}

func TestLockWithoutRepositories(t *testing.T) {
	// An extension that only wants composer/installers to be placed needs no repository:
	// mwedition places extensions itself, and nothing of the plugin is shipped.
	f := newFixture(t)
	write(t, filepath.Join(f.root, "local/Delta/composer.json"), `{"name": "acme/delta", "require": {"composer/installers": ">=1.0.1|~2"}}`)
	if lf := f.lock(); len(lf.Libraries) != 0 {
		t.Errorf("libraries %v, want none", lf.Libraries)
	}
	// A library needs one.
	f = newFixture(t)
	write(t, filepath.Join(f.root, "local/Delta/composer.json"), `{"name": "acme/delta", "require": {"composer/installers": "~2", "acme/lib": "^1.0"}}`)
	_, diags, err := f.lockDiags(f.options())
	checkDiag(t, diags, err, []string{"acme/lib: is in no repository", `extension Delta requires acme/lib "^1.0"`, "No composer_repository is declared in recipes/"})
}

// gc keeps what the lock needs: a library's dist archive and tree as a component's source
// and tree, since the dist may be replaced upstream under the same version. An offline
// lock after gc --keep 0 still finds them.
func TestCacheRootsKeepLibraries(t *testing.T) {
	f := newFixture(t)
	f.withComposer(newComposerRepo(t).url(), `"acme/lib": "^1.0"`)
	lf := f.lock()
	lib, ok := lf.Library("acme/lib")
	if !ok || lib.Tree == "" {
		t.Fatalf("acme/lib locked as %+v", lib)
	}
	st := f.options().Fetcher.Store
	_, err := st.GC(cache.GCOptions{Keep: 0, Roots: build.CacheRoots(f.load().Set, lf)})
	must(t, err)
	if !st.HasBlob(lib.Source.SHA256) {
		t.Error("gc removed acme/lib's dist archive, which the lock pins")
	}
	if _, err := st.Tree(lib.Tree); err != nil {
		t.Errorf("gc removed acme/lib's tree: %v", err)
	}
	o := f.options()
	o.Fetcher.Offline = true
	if _, diags, err := f.lockDiags(o); err != nil || diags.HasErrors() {
		t.Errorf("offline lock after gc: %v %v", err, diags)
	}
}

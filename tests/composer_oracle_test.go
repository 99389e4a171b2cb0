//go:build e2e

package tests

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/composer"
	"github.com/mwedition/mwedition/internal/composer/composertest"
)

// composerLibraries are the git histories the static repository is built
// from: OpenIDConnect's library, what it pulls in, and the installer
// plugin MediaWiki extensions require.
var composerLibraries = []string{
	"OpenID-Connect-PHP", "phpseclib", "constant_time_encoding", "random_compat", "installers",
}

// composerExtensions are the single sign-on extensions, at REL1_39.
var composerExtensions = []string{"OpenIDConnect", "PluggableAuth", "Lockdown"}

// gitCorpus finds the directory of git bundles: MWEDITION_GIT_CORPUS, else
// shared/corpus/git beside one of the checkout's parents.
func gitCorpus(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("MWEDITION_GIT_CORPUS"); d != "" {
		return d
	}
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for ; dir != "/"; dir = filepath.Dir(dir) {
		if c := filepath.Join(dir, "shared/corpus/git"); isDir(c) {
			return c
		}
	}
	t.Fatal("no shared/corpus/git above the checkout: set MWEDITION_GIT_CORPUS to the directory of git bundles")
	return ""
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// extensionManifests writes each extension's REL1_39 composer.json into
// dir/<Name>/ and parses it.
func extensionManifests(t *testing.T, corpus, dir string) map[string]composer.Package {
	t.Helper()
	out := map[string]composer.Package{}
	for _, name := range composerExtensions {
		bundle := filepath.Join(corpus, "mediawiki-extensions-"+name+".bundle")
		data, err := exec.Command("git", "--git-dir", bundle, "show", "refs/heads/REL1_39:composer.json").Output()
		if err != nil {
			// A bundle is not a repository git can read in place: clone it.
			clone := filepath.Join(dir, name+".git")
			if out, err := exec.Command("git", "clone", "--quiet", "--bare", bundle, clone).CombinedOutput(); err != nil {
				t.Fatalf("cloning %s: %v\n%s", bundle, err, out)
			}
			if data, err = exec.Command("git", "--git-dir", clone, "show", "refs/heads/REL1_39:composer.json").Output(); err != nil {
				t.Fatalf("%s: REL1_39:composer.json: %v", name, err)
			}
		}
		path := filepath.Join(dir, name, "composer.json")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := composer.ParseManifest(path, data)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = p
	}
	return out
}

// coreVendor is MediaWiki 1.39.17's vendor/composer/installed.json and
// composer.json (the real files, kept as the composer package's test data).
func coreVendor(t *testing.T) ([]composer.Package, *composer.Package) {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("../internal/composer/testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	core, err := composer.ParseInstalled("vendor/composer/installed.json", read("mediawiki-1.39.17-installed.json"))
	if err != nil {
		t.Fatal(err)
	}
	root, err := composer.ParseManifest("composer.json", read("mediawiki-1.39.17-composer.json"))
	if err != nil {
		t.Fatal(err)
	}
	root.Version = "1.39.17"
	return core, &root
}

// lockedLibrary is what both resolvers are compared on.
type lockedLibrary struct {
	Version, Type, Reference, Shasum string
}

// TestComposerOracle resolves the single sign-on extensions' composer
// requirements with mwedition's resolver and with Debian's composer 2.5.5
// (`composer update --no-dev`, offline, packagist.org disabled) against the
// same static repository built from the libraries' real tags, for the PHP
// of Debian 12 and the oldest PHP MediaWiki 1.39 supports, and asserts they
// choose the same libraries at the same versions and commits.
func TestComposerOracle(t *testing.T) {
	for _, tool := range []string{"composer", "php", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	corpus := gitCorpus(t)
	work := t.TempDir()
	repoDir := filepath.Join(work, "repo")
	base := "file://" + repoDir
	var libs []composertest.Library
	for _, l := range composerLibraries {
		libs = append(libs, composertest.Library{Git: filepath.Join(corpus, l+".bundle")})
	}
	ctx := context.Background()
	published, err := composertest.Build(ctx, composertest.Options{Dir: repoDir, BaseURL: base, Work: filepath.Join(work, "git")}, libs...)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("static repository: %d versions of %d libraries", len(published), len(composerLibraries))
	exts := extensionManifests(t, corpus, filepath.Join(work, "extensions"))
	core, coreRoot := coreVendor(t)

	for _, php := range []string{"8.2.7", "7.4.3"} {
		t.Run("php"+php, func(t *testing.T) {
			in := composer.Input{
				Core: core, CoreRoot: coreRoot, CoreFile: "vendor/composer/installed.json",
				// What composer 2.5.5 provides itself; ext-* are left to packaging.
				Platform: map[string]string{"php": php, "composer-plugin-api": "2.3.0", "composer-runtime-api": "2.2.2"},
				Catalogs: []composer.Catalog{composer.NewRepository(base, composertest.Fetch)},
			}
			for _, name := range composerExtensions {
				for _, l := range append(exts[name].Require, exts[name].Platform...) {
					in.Require = append(in.Require, composer.Requirement{Link: l, By: "extension " + name})
				}
			}
			res, err := composer.Resolve(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			mine := map[string]lockedLibrary{}
			for _, l := range res.Libraries {
				mine[l.Name] = lockedLibrary{Version: l.Version, Type: l.Type, Reference: l.Dist.Reference, Shasum: l.Dist.Shasum}
			}
			theirs := composerUpdate(t, filepath.Join(work, "composer-php"+php), base, php, exts)
			if diff := cmp.Diff(theirs, mine); diff != "" {
				t.Errorf("mwedition's choice differs from composer's (-composer +mwedition):\n%s", diff)
			}
			var names []string
			for n, l := range mine {
				names = append(names, n+" "+l.Version)
			}
			sort.Strings(names)
			t.Logf("both chose: %s; left to packaging: %v", strings.Join(names, ", "), platformNames(res.Platform))
			if len(res.Runtime()) != 4 {
				t.Errorf("runtime libraries %v, want the four OpenIDConnect needs (composer/installers is a plugin)", res.Runtime())
			}
		})
	}
}

func platformNames(rs []composer.Requirement) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Target+" ("+r.By+")")
	}
	return out
}

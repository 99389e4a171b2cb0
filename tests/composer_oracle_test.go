//go:build e2e

package tests

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/composer"
	"github.com/mwedition/mwedition/internal/composer/composertest"
	"github.com/mwedition/mwedition/internal/semver"
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

// oracleCase is one comparison: a repository (all tags, unless a library's
// filter says otherwise), served over file:// or HTTP, and a platform PHP.
type oracleCase struct {
	name, php string
	http      bool
	// plugins lets composer run composer/installers, which then places the
	// extensions; the other cases pass --no-plugins, as a build would.
	plugins bool
	tags    map[string]func(string) bool // by bundle name
	// require are root requirements of the edition besides the
	// extensions', and minStability its minimum-stability.
	require      map[string]string
	minStability string
	// wantErr, if set, is what both must fail on: mwedition's error must
	// contain every piece, and composer must exit non-zero.
	wantErr []string
	// runtime is how many runtime libraries are expected (default 4).
	runtime int
}

var oracleCases = []oracleCase{
	{name: "file, PHP 8.2 (Debian 12), with composer/installers running", php: "8.2.7", plugins: true},
	{name: "file, PHP 7.4.3 (MediaWiki 1.39's oldest)", php: "7.4.3"},
	{name: "HTTP on 127.0.0.1", php: "8.2.7", http: true},
	{name: "before phpseclib 3.0.56 was tagged", php: "8.2.7",
		tags: map[string]func(string) bool{"phpseclib": func(tag string) bool { return tag != "3.0.56" }}},
	{name: "phpseclib 2.x only: unsatisfiable", php: "8.2.7",
		tags: map[string]func(string) bool{"phpseclib": func(tag string) bool { return !strings.HasPrefix(tag, "3.") }},
		wantErr: []string{"composer library phpseclib/phpseclib: no version satisfies every requirer",
			`jumbojett/openid-connect-php v1.0.2 requires phpseclib/phpseclib "^3.0.7"`,
			`where extension OpenIDConnect requires jumbojett/openid-connect-php "1.0.2" (`,
			`/OpenIDConnect/composer.json:13:3)`}},
	{name: "PHP 7.0: composer/installers 2 needs 7.2, backtrack to 1.x", php: "7.0.33"},
	{name: "PHP 5.6: OpenID-Connect-PHP needs 7.0", php: "5.6.40",
		wantErr: []string{"composer library jumbojett/openid-connect-php: no version can be chosen: jumbojett/openid-connect-php v1.0.2 requires php \">=7.0\", and the platform has 5.6.40.0",
			`extension OpenIDConnect requires jumbojett/openid-connect-php "1.0.2"`}},
	{name: "the edition pins composer/installers ~1.0", php: "8.2.7", require: map[string]string{"composer/installers": "~1.0"}},
	{name: "an alpha named in a root requirement", php: "8.2.7", require: map[string]string{"composer/installers": "2.0.0-alpha1"}},
	{name: "minimum-stability alpha picks the newest, stable or not", php: "8.2.7", minStability: "alpha",
		require: map[string]string{"phpseclib/phpseclib": "^2.0 || ^3.0", "paragonie/random_compat": "<9"}},
	{name: "older libraries on request", php: "8.2.7",
		require: map[string]string{"paragonie/constant_time_encoding": "^2.0", "paragonie/random_compat": "~2.0.10"}},
	{name: "a library in no repository", php: "8.2.7", require: map[string]string{"acme/missing": "^1.0"},
		wantErr: []string{"composer library acme/missing: is in no repository (searched: file://", `edition requires acme/missing "^1.0"`}},
}

// TestComposerOracle resolves the single sign-on extensions' composer
// requirements with mwedition's resolver and with Debian's composer 2.5.5
// (`composer update --no-dev`, offline, packagist.org disabled) against the
// same static repository built from the libraries' real tags, and asserts
// they choose the same libraries at the same versions and commits, or both
// fail.
func TestComposerOracle(t *testing.T) {
	for _, tool := range []string{"composer", "php", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	corpus := gitCorpus(t)
	work := t.TempDir()
	exts := extensionManifests(t, corpus, filepath.Join(work, "extensions"))
	core, coreRoot := coreVendor(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Join(work, "http"))))
	defer srv.Close()

	built := map[string]bool{}
	for i, tc := range oracleCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(work, fmt.Sprint(i))
			// Cases with every tag share one repository over file://.
			repoDir := filepath.Join(work, "full")
			if tc.tags != nil {
				repoDir = filepath.Join(dir, "repo")
			}
			base := "file://" + repoDir
			if tc.http {
				repoDir, base = filepath.Join(work, "http"), srv.URL
			}
			if !built[repoDir] {
				buildOracleRepo(t, corpus, filepath.Join(work, "git"), repoDir, base, tc.tags)
				built[repoDir] = true
			}
			mine, err := resolveMine(exts, core, coreRoot, base, tc)
			theirs, composerErr := composerUpdate(t, filepath.Join(dir, "composer"), filepath.Join(work, "extensions"), base, tc, exts)
			if tc.wantErr != nil {
				checkBothFail(t, tc.wantErr, err, composerErr)
				return
			}
			if err != nil || composerErr != nil {
				t.Fatalf("mwedition: %v\ncomposer: %v", err, composerErr)
			}
			if diff := cmp.Diff(theirs, mine.locked); diff != "" {
				t.Errorf("mwedition's choice differs from composer's (-composer +mwedition):\n%s", diff)
			}
			t.Logf("both chose: %s; left to packaging: %v", mine.summary(), platformNames(mine.res.Platform))
			want := tc.runtime
			if want == 0 {
				want = 4
			}
			if n := len(mine.res.Runtime()); n != want {
				t.Errorf("%d runtime libraries, want %d (composer/installers is a plugin)", n, want)
			}
		})
	}
}

// buildOracleRepo builds the static repository from the library bundles;
// the shared work directory makes the archives once for all cases.
func buildOracleRepo(t *testing.T, corpus, work, dir, base string, tags map[string]func(string) bool) {
	t.Helper()
	var libs []composertest.Library
	for _, l := range composerLibraries {
		libs = append(libs, composertest.Library{Git: filepath.Join(corpus, l+".bundle"), Tags: tags[l]})
	}
	published, err := composertest.Build(context.Background(), composertest.Options{Dir: dir, BaseURL: base, Work: work}, libs...)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("static repository at %s: %d versions", base, len(published))
}

func checkBothFail(t *testing.T, want []string, mine, composer error) {
	t.Helper()
	if mine == nil || composer == nil {
		t.Fatalf("want both to fail; mwedition: %v; composer: %v", mine, composer)
	}
	for _, w := range want {
		if !strings.Contains(mine.Error(), w) {
			t.Errorf("mwedition's error does not say %q:\n%v", w, mine)
		}
	}
	t.Logf("mwedition: %v\ncomposer: %v", mine, composer)
}

type myResolution struct {
	res    composer.Result
	locked map[string]lockedLibrary
}

func (m myResolution) summary() string {
	var names []string
	for n, l := range m.locked {
		names = append(names, n+" "+l.Version)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// resolveMine resolves the extensions' merged requirements as the
// integration will: core's vendor, the platform composer 2.5.5 provides
// itself and the edition's PHP; ext-* left to packaging.
func resolveMine(exts map[string]composer.Package, core []composer.Package, coreRoot *composer.Package, base string, tc oracleCase) (myResolution, error) {
	in := composer.Input{
		Core: core, CoreRoot: coreRoot, CoreFile: "vendor/composer/installed.json",
		Platform:         map[string]string{"php": tc.php, "composer-plugin-api": composer.ComposerPluginAPI, "composer-runtime-api": composer.ComposerRuntimeAPI},
		Catalogs:         []composer.Catalog{composer.NewRepository(base, composertest.Fetch)},
		MinimumStability: tc.minStability,
	}
	for name, c := range tc.require {
		constraint, err := semver.ParseConstraint(c)
		if err != nil {
			return myResolution{}, err
		}
		in.Require = append(in.Require, composer.Requirement{Link: composer.Link{Target: name, Constraint: constraint}, By: "edition"})
	}
	for _, name := range composerExtensions {
		req, conflict := composer.Root("extension "+name, exts[name])
		in.Require = append(in.Require, req...)
		in.Conflict = append(in.Conflict, conflict...)
	}
	res, err := composer.Resolve(context.Background(), in)
	if err != nil {
		return myResolution{}, err
	}
	locked := map[string]lockedLibrary{}
	for _, l := range res.Libraries {
		locked[l.Name] = lockedLibrary{Version: l.Version, Type: l.Type, Reference: l.Dist.Reference, Shasum: l.Dist.Shasum}
	}
	return myResolution{res: res, locked: locked}, nil
}

func platformNames(rs []composer.Requirement) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Target+" ("+r.By+")")
	}
	return out
}

//go:build e2e

package tests

import (
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

	"github.com/mwedition/mwedition/internal/lock"
)

// TestLockComposerLibraries adds single sign-on to the shipped enterprise edition:
// PluggableAuth, OpenIDConnect and Lockdown from their real git histories, and a static
// composer repository built from the real libraries' tags. `mwedition lock` must choose
// the libraries Debian's composer 2.5.5 chooses for the same requirements and PHP (the
// edition's lowest target, bookworm's 8.2), pin each runtime library's archive by sha256,
// list them under the edition, and lock again offline to the same bytes.
func TestLockComposerLibraries(t *testing.T) {
	for _, tool := range []string{"composer", "php", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	sso := ssoProject(t, false)
	dir, cacheDir, corpus, work, repoURL := sso.dir, sso.cacheDir, sso.corpus, sso.work, sso.repoURL

	if r := run(t, dir, cacheDir, "--quiet", "lock"); r.code != 0 {
		t.Fatalf("lock exited %d:\n%s", r.code, r.stderr)
	}
	lf, err := lock.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var runtime []string
	mine := map[string]lockedLibrary{}
	for _, l := range lf.Libraries {
		mine[l.Name] = lockedLibrary{Version: l.Version, Type: l.Type, Reference: l.Source.Reference}
		if l.Plugin {
			continue
		}
		runtime = append(runtime, l.Name)
		if len(l.Source.SHA256) != 64 || l.Repository != "libraries" || len(l.Licenses) == 0 {
			t.Errorf("%s locked without its archive's sha256, repository or licence: %+v", l.Name, l)
		}
	}
	t.Logf("locked: %v", mine)
	want := []string{"jumbojett/openid-connect-php", "paragonie/constant_time_encoding", "paragonie/random_compat", "phpseclib/phpseclib"}
	if diff := cmp.Diff(want, runtime); diff != "" {
		t.Errorf("runtime libraries (-want +got):\n%s", diff)
	}
	if v := mine["jumbojett/openid-connect-php"].Version; strings.TrimPrefix(v, "v") != "1.0.2" {
		t.Errorf("jumbojett/openid-connect-php locked at %s, want 1.0.2 (OpenIDConnect pins it)", v)
	}
	ent, _ := lf.Edition("enterprise")
	names := append([]string(nil), ent.Libraries...)
	sort.Strings(names)
	if diff := cmp.Diff(sortedKeys(mine), names); diff != "" {
		t.Errorf("enterprise's libraries (-want +got):\n%s", diff)
	}
	for _, other := range []string{"core", "knowledge-base"} {
		if o, _ := lf.Edition(other); len(o.Libraries) != 0 {
			t.Errorf("edition %s has libraries %v; its bundled extensions' needs are core's vendor/", other, o.Libraries)
		}
	}

	// The oracle: Debian's composer on the same extensions, repository and PHP.
	exts := extensionManifests(t, corpus, filepath.Join(work, "extensions"))
	theirs, err := composerUpdate(t, filepath.Join(work, "composer"), filepath.Join(work, "extensions"), repoURL, oracleCase{php: "8.2"}, exts)
	if err != nil {
		t.Fatal(err)
	}
	for n, l := range theirs {
		theirs[n] = lockedLibrary{Version: l.Version, Type: l.Type, Reference: l.Reference}
	}
	if diff := cmp.Diff(theirs, mine); diff != "" {
		t.Errorf("the lock differs from composer's choice (-composer +mwedition):\n%s", diff)
	}

	// Offline, from the lock and the cache: the same bytes.
	before, _ := os.ReadFile(filepath.Join(dir, lock.FileName))
	r := run(t, dir, cacheDir, "--offline", "lock")
	if r.code != 0 {
		t.Fatalf("offline lock exited %d:\n%s", r.code, r.stderr)
	}
	if want := fmt.Sprintf("editions.lock unchanged: %d components, 5 composer libraries", len(lf.Components)); !strings.Contains(r.stdout, want) {
		t.Errorf("offline lock does not say %q:\n%s", want, r.stdout)
	}
	after, _ := os.ReadFile(filepath.Join(dir, lock.FileName))
	if diff := cmp.Diff(string(before), string(after)); diff != "" {
		t.Errorf("an offline lock changed the lock (-online +offline):\n%s", diff)
	}
}

// ssoSetup is the project the composer tests share: the shipped one, whose enterprise
// edition (at nextEditionVersion) adds PluggableAuth, OpenIDConnect and Lockdown from clones of their
// git bundles, and a composer_repository "libraries" built from the libraries' real tags.
type ssoSetup struct {
	dir, cacheDir string
	corpus, work  string
	// repoDir holds the static repository, served at repoURL: file://repoDir, or an HTTP
	// server on 127.0.0.1 (metadata and dists both).
	repoDir, repoURL string
}

// ssoProject makes the project, with a seeded cache and the repository served over HTTP
// when overHTTP is set.
func ssoProject(t *testing.T, overHTTP bool) ssoSetup {
	t.Helper()
	s := ssoSetup{dir: project(t), cacheDir: seededCache(t), corpus: gitCorpus(t), work: t.TempDir()}
	s.repoDir = filepath.Join(s.work, "repo")
	s.repoURL = "file://" + s.repoDir
	if overHTTP {
		srv := httptest.NewServer(http.FileServer(http.Dir(s.repoDir)))
		t.Cleanup(srv.Close)
		s.repoURL = srv.URL
	}
	recipes := filepath.Join(s.dir, "recipes/git-extensions.hcl")
	b, err := os.ReadFile(recipes)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range composerExtensions {
		clone := filepath.Join(s.work, name+".git")
		if out, err := exec.Command("git", "clone", "--quiet", "--mirror", filepath.Join(s.corpus, "mediawiki-extensions-"+name+".bundle"), clone).CombinedOutput(); err != nil {
			t.Fatalf("cloning %s: %v\n%s", name, err, out)
		}
		b = []byte(strings.Replace(string(b), `"https://gerrit.wikimedia.org/r/mediawiki/extensions/`+name+`"`, `"file://`+clone+`"`, 1))
	}
	writeFile(t, recipes, string(b))
	s.publishRepo(t)
	writeFile(t, filepath.Join(s.dir, "recipes/composer.hcl"), "composer_repository \"libraries\" {\n  url = \""+s.repoURL+"\"\n}\n")
	ed := filepath.Join(s.dir, "editions/enterprise.hcl")
	e, err := os.ReadFile(ed)
	if err != nil {
		t.Fatal(err)
	}
	old := `version  = line.edition_version`
	if !strings.Contains(string(e), old) {
		t.Fatalf("%s has no %s", ed, old)
	}
	str := strings.Replace(string(e), old, `version  = "`+nextEditionVersion+`"`, 1)
	str = strings.Replace(str, `  remove = ["Math", "SpamBlacklist"]`, `  remove = ["Math", "SpamBlacklist"]
  extensions = ["PluggableAuth", "OpenIDConnect", "Lockdown"]`, 1)
	writeFile(t, ed, str)
	return s
}

// publishRepo (re)builds the static repository from every tag of the library clones under
// work/git: a tag added there since is published too.
func (s ssoSetup) publishRepo(t *testing.T) {
	t.Helper()
	buildOracleRepo(t, s.corpus, filepath.Join(s.work, "git"), s.repoDir, s.repoURL, nil)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

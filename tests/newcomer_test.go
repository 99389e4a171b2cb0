//go:build e2e

package tests

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestNewcomerPath walks the path a new user takes, through the binary and nothing else:
// init a project for the real 1.39.17 release, add an extension from git, lock, build the
// Debian packages, publish them into a local apt repository, and install the edition from
// it in a Debian bookworm root. The log it writes (go test -v) is the walk-through.
func TestNewcomerPath(t *testing.T) {
	// Mostly apt-get and dpkg in a root of its own: runs beside the other such tests
	// (make e2e's -parallel), after the sequential ones.
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Fatal("the newcomer test installs into a Debian root (chroot): run `make e2e` as root")
	}
	corpus := corpusCache(t)
	tarball := bookwormRoot(t, corpus)
	priv, _, fpr := releaseKey(t)
	work := t.TempDir()
	// A hard-linked copy of the corpus cache: init records the release's URL in the cache it
	// uses, which other tests' seeded caches must not inherit.
	cacheDir := linkCacheTo(t, corpus, filepath.Join(work, "cache"))
	proj := filepath.Join(work, "wiki")
	step := func(dir string, args ...string) result {
		t.Helper()
		r := run(t, dir, cacheDir, args...)
		t.Logf("$ mwedition %s\n%s%s", strings.Join(args, " "), r.stdout, tail(r.stderr))
		if r.code != 0 {
			t.Fatalf("mwedition %s exited %d", strings.Join(args, " "), r.code)
		}
		return r
	}

	step(work, "--offline", "init", "wiki", "--core", "1.39.17", "--sha256", mediawikiSHA)

	// Add Lockdown from its git repository, as the README says.
	url := corpusRepo(t, "https://gerrit.wikimedia.org/r/mediawiki/extensions/Lockdown", "mediawiki-extensions-Lockdown.bundle")
	appendFile(t, filepath.Join(proj, "recipes/extensions.hcl"),
		"\nextension \"Lockdown\" {\n  source \"git\" {\n    url = \""+url+"\"\n    ref = \"REL1_39\"\n  }\n}\n")
	ed := filepath.Join(proj, "editions/core.hcl")
	b, err := os.ReadFile(ed)
	if err != nil {
		t.Fatal(err)
	}
	list := regexp.MustCompile(`(?m)^(  extensions = \[\n)`)
	if !list.Match(b) {
		t.Fatalf("init's edition has no extensions list to add to:\n%s", b)
	}
	writeFile(t, ed, list.ReplaceAllString(string(b), "${1}    \"Lockdown\",\n"))

	step(proj, "validate")
	step(proj, "--quiet", "lock")
	step(proj, "--quiet", "build", "--format", "deb")
	repo := filepath.Join(work, "apt")
	step(proj, "publish", "--apt", repo, "--sign-key", priv, "--sign-fingerprint", fpr)

	r := unpackRoot(t, tarball)
	copyRepo(t, repo, r.path("/srv/apt"))
	r.copyIn(t, filepath.Join(repo, "mwedition-archive-keyring.asc"), keyInRoot)
	writeFile(t, r.path(listInRoot), "deb [signed-by="+keyInRoot+"] file:///srv/apt stable main\n")
	r.aptUpdate(t, listInRoot)
	r.run(t, "apt-get", "install", "-y", "mediawiki-edition-core")
	for pkg, want := range map[string]string{"mediawiki-edition-core": "1.39.17.1-1", "mediawiki-core": "1.39.17-1"} {
		if got := r.version(t, pkg); got != want {
			t.Errorf("%s installed at %q, want %s", pkg, got, want)
		}
	}
	if got := r.version(t, "mediawiki-extension-lockdown"); !strings.HasPrefix(got, "1.39.17+git") && !strings.Contains(got, "+git") {
		t.Errorf("mediawiki-extension-lockdown installed at %q, want a version from its git commit", got)
	}
	r.wantPresent(t, "/usr/share/mediawiki/extensions/Lockdown/extension.json")
	t.Logf("installed from the apt repository:\n%s", r.run(t, "dpkg-query", "-W", "mediawiki-edition-core", "mediawiki-core", "mediawiki-extension-lockdown"))
}

// corpusRepo is a git URL for an upstream repository: upstream itself when it answers,
// else a bare clone of the bundle in ../shared/corpus/git (as make corpus falls back to
// Debian's source package).
func corpusRepo(t *testing.T, upstream, bundle string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	probe := exec.CommandContext(ctx, "git", "ls-remote", "--exit-code", upstream, "HEAD")
	probe.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if err := probe.Run(); err == nil {
		return upstream
	}
	src, err := filepath.Abs(filepath.Join("..", "..", "shared", "corpus", "git", bundle))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src); err != nil {
		t.Fatalf("%s is unreachable and the corpus has no %s: %v", upstream, bundle, err)
	}
	dst := filepath.Join(t.TempDir(), strings.TrimSuffix(bundle, ".bundle")+".git")
	if out, err := exec.Command("git", "clone", "--quiet", "--mirror", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("git clone --mirror %s: %v\n%s", src, err, out)
	}
	return "file://" + dst
}

func appendFile(t *testing.T, p, s string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

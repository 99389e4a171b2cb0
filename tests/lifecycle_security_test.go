//go:build e2e

package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mwedition/mwedition/internal/lock"
)

// TestDebianSecurityUpgrade is a security release as a site receives it: the shipped
// editions as released (1.39.17.1, MediaWiki 1.39.17 unpatched) are published into a
// signed apt repository and the core edition installed from it in a Debian bookworm root;
// then the shipped release with the five security patches (1.39.17.2) is published into the
// same repository, and `apt-get upgrade` takes exactly the two patched packages and the
// edition's meta-package, and installs the patched Skin.php.
func TestDebianSecurityUpgrade(t *testing.T) {
	// Mostly apt-get and dpkg in a root of its own: runs beside the other such tests
	// (make e2e's -parallel), after the sequential ones.
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Fatal("the security upgrade test needs root (chroot, unshare): run `make e2e` as root")
	}
	start := time.Now()
	cacheDir := corpusCache(t)
	tarball := bookwormRoot(t, cacheDir)
	priv, _, fpr := releaseKey(t)

	old, patched, outs := securityReleases(t, cacheDir)
	t.Logf("%s: both releases built", time.Since(start).Round(time.Second))

	r := unpackRoot(t, tarball)
	repo := r.path(repoInRoot)
	publish := func(proj string) publishResult {
		t.Helper()
		res := run(t, proj, cacheDir, "--json", "publish", "--apt", repo, "--out", outs[proj], "--sign-key", priv, "--sign-fingerprint", fpr)
		if res.code != 0 {
			t.Fatalf("publish exited %d:\n%s%s", res.code, res.stdout, res.stderr)
		}
		return published(t, res.stdout)
	}
	publish(old)
	r.copyIn(t, filepath.Join(repo, "mwedition-archive-keyring.asc"), keyInRoot)
	writeFile(t, r.path(listInRoot), "deb [signed-by="+keyInRoot+"] file://"+repoInRoot+" "+shippedSuite+" main\n")
	r.aptUpdate(t, listInRoot)
	const meta, skin = "mediawiki-edition-core", "/usr/share/mediawiki/includes/skins/Skin.php"
	r.run(t, "apt-get", "install", "-y", meta)
	if got := r.version(t, meta); got != "1.39.17.1-1" {
		t.Fatalf("%s installed at %q, want 1.39.17.1-1", meta, got)
	}
	unpatchedSkin := r.sha256(t, skin)
	t.Logf("%s: the unpatched release installed", time.Since(start).Round(time.Second))

	// The security release: only what the patches changed is new to the repository.
	p := publish(patched)
	wantNew := []string{
		"mediawiki-core " + shippedCoreVersion + "-1",
		"mediawiki-edition-core " + shippedEditionVersion + "-1",
		"mediawiki-edition-enterprise " + shippedEditionVersion + "-1",
		"mediawiki-edition-knowledge-base " + shippedEditionVersion + "-1",
		"mediawiki-extension-oathauth 0.5.0+mw1.39.17+p1-1",
	}
	if diff := cmp.Diff(wantNew, p.New); diff != "" {
		t.Errorf("packages the security release added to the repository (-want +got):\n%s", diff)
	}
	r.aptUpdate(t, listInRoot)
	logStart := r.size(t, "/var/log/dpkg.log")
	r.run(t, "apt-get", "upgrade", "-y")
	want := []string{
		"mediawiki-core:all 1.39.17-1 " + shippedCoreVersion + "-1",
		meta + ":all 1.39.17.1-1 " + shippedEditionVersion + "-1",
		"mediawiki-extension-oathauth:all 0.5.0+mw1.39.17-1 0.5.0+mw1.39.17+p1-1",
	}
	if diff := cmp.Diff(want, r.dpkgUpgrades(t, logStart)); diff != "" {
		t.Errorf("packages apt-get upgrade replaced, from dpkg.log (-want +got):\n%s", diff)
	}
	t.Logf("%s: upgraded", time.Since(start).Round(time.Second))

	// The installed Skin.php is the patched one: the bytes of core's patched tree, with
	// CVE-2026-34092's fix, and not the release's.
	got := r.read(t, skin)
	if !strings.Contains(got, "$userBlock->getType() === Block::TYPE_AUTO") {
		t.Errorf("%s after the upgrade lacks the fix of CVE-2026-34092", skin)
	}
	if sum := r.sha256(t, skin); sum == unpatchedSkin || sum != treeFileDigest(t, cacheDir, patched, "core/mediawiki", "includes/skins/Skin.php") {
		t.Errorf("%s after the upgrade has sha256 %s: not the patched tree's (the release's is %s)", skin, sum, unpatchedSkin)
	}
}

// securityReleases builds the Debian packages of the release before the patches (the
// shipped project without them, locked afresh at 1.39.17.1) and of the shipped one. The
// packages of the components the patches leave alone are the same actions, so the same bytes.
func securityReleases(t *testing.T, cacheDir string) (old, patched string, outs map[string]string) {
	t.Helper()
	old = project(t)
	unpatchedProject(t, old, "1.39.17.1")
	if r := run(t, old, cacheDir, "--offline", "--quiet", "lock"); r.code != 0 {
		t.Fatalf("lock of the unpatched release exited %d:\n%s", r.code, r.stderr)
	}
	patched = project(t)
	outs = map[string]string{old: filepath.Join(t.TempDir(), "out"), patched: filepath.Join(t.TempDir(), "out")}
	for _, proj := range []string{old, patched} {
		if r := run(t, proj, cacheDir, "--offline", "--quiet", "build", "--format", "deb", "--out", outs[proj]); r.code != 0 {
			t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
		}
	}
	return old, patched, outs
}

// treeFileDigest is the sha256 a component's locked tree records for one of its files.
func treeFileDigest(t *testing.T, cache, proj, id, rel string) string {
	t.Helper()
	lk, err := lock.Read(proj)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range lk.Components {
		if c.ID != id {
			continue
		}
		for _, e := range treeEntries(t, cache, c.Tree) {
			if e.Path == rel {
				return e.Digest
			}
		}
	}
	t.Fatalf("%s's tree in %s has no %s", id, proj, rel)
	return ""
}

//go:build e2e

package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// linesProject copies the shipped project with its 1.43 line (lines/1.43, which includes the
// root's editions and shared recipes); it returns the root, the 1.39 line.
func linesProject(t *testing.T) string {
	t.Helper()
	dir := project(t)
	if err := os.MkdirAll(filepath.Join(dir, "lines/1.43"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"line.hcl", "recipes", "patches", "editions.lock"} {
		copyTree(t, filepath.Join("..", "lines/1.43", p), filepath.Join(dir, "lines/1.43", p))
	}
	return dir
}

// TestReleaseLines builds both shipped lines' packages and checks what keeps them apart and
// what lets a site move from one to the other: every 1.39 package has a 1.43 package of the
// same name that sorts higher (dpkg and rpm alike), except Renameuser, which 1.43's core
// breaks and replaces (obsoletes); the editions' versions follow each line;
// both lines published into one apt repository land in suites of their own.
func TestReleaseLines(t *testing.T) {
	dir := linesProject(t)
	line143 := filepath.Join(dir, "lines/1.43")
	cache := linkCacheTo(t, corpusCache(t), filepath.Join(t.TempDir(), "cache"))
	for _, d := range []string{dir, line143} {
		if r := run(t, d, cache, "--quiet", "build", "--format", "deb,rpm"); r.code != 0 {
			t.Fatalf("build in %s exited %d:\n%s", d, r.code, r.stderr)
		}
	}
	checkLineUpgrades(t, debVersions(t, filepath.Join(dir, "out/deb")), debVersions(t, filepath.Join(line143, "out/deb")), "dpkg",
		func(a, b string) bool { return exec.Command("dpkg", "--compare-versions", a, "lt", b).Run() == nil })
	checkLineUpgrades(t, rpmVersions(t, filepath.Join(dir, "out/rpm")), rpmVersions(t, filepath.Join(line143, "out/rpm")), "rpm",
		func(a, b string) bool {
			return strings.TrimSpace(command(t, "rpm", "--eval", `%{lua: print(rpm.vercmp("`+a+`", "`+b+`"))}`)) == "-1"
		})
	core := filepath.Join(line143, "out/deb/mediawiki-core_1.43.9-1_all.deb")
	for field, want := range map[string]string{"Breaks": "mediawiki-extension-renameuser (<< 1.40~)", "Replaces": "mediawiki-extension-renameuser (<< 1.40~)"} {
		if got := command(t, "dpkg-deb", "-f", core, field); !strings.Contains(got, want) {
			t.Errorf("1.43's mediawiki-core %s: %q, want %q in it", field, got, want)
		}
	}
	rpms, _ := filepath.Glob(filepath.Join(line143, "out/rpm/mediawiki-core-1.43.9-*.rpm"))
	if len(rpms) != 1 {
		t.Fatalf("1.43's core .rpm: %v", rpms)
	}
	if got := command(t, "rpm", "-qp", "--obsoletes", rpms[0]); !strings.Contains(got, "mediawiki-extension-renameuser < 1.40~") {
		t.Errorf("1.43's mediawiki-core obsoletes %q, want Renameuser before 1.40", got)
	}
	checkLineSuites(t, dir, line143, cache)
}

// debVersions maps each .deb's package name to its full version.
func debVersions(t *testing.T, dir string) map[string]string {
	t.Helper()
	debs, _ := filepath.Glob(filepath.Join(dir, "*.deb"))
	out := map[string]string{}
	for _, d := range debs {
		out[strings.TrimSpace(command(t, "dpkg-deb", "-f", d, "Package"))] = strings.TrimSpace(command(t, "dpkg-deb", "-f", d, "Version"))
	}
	return out
}

// rpmVersions maps each .rpm's package name to its epoch:version-release.
func rpmVersions(t *testing.T, dir string) map[string]string {
	t.Helper()
	rpms, _ := filepath.Glob(filepath.Join(dir, "*.rpm"))
	out := map[string]string{}
	for _, r := range rpms {
		f := strings.Fields(command(t, "rpm", "-qp", "--qf", "%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}", r))
		out[f[0]] = f[1]
	}
	return out
}

// checkLineUpgrades checks that each old package has a newer one of the same name; the only
// package allowed to go is the extension core took in.
func checkLineUpgrades(t *testing.T, old, next map[string]string, tool string, less func(a, b string) bool) {
	t.Helper()
	var gone []string
	for name, v := range old {
		w, ok := next[name]
		if !ok {
			gone = append(gone, name)
			continue
		}
		if !less(v, w) {
			t.Errorf("%s: %s %s (1.39) does not sort below %s (1.43): an upgrade would not move it", tool, name, v, w)
		}
	}
	sort.Strings(gone)
	if strings.Join(gone, " ") != "mediawiki-extension-renameuser" {
		t.Errorf("%s: packages of 1.39 with no 1.43 package: %v, want only mediawiki-extension-renameuser", tool, gone)
	}
	if len(old) < 30 || len(next) < 30 {
		t.Errorf("%s: %d packages on 1.39 and %d on 1.43: too few", tool, len(old), len(next))
	}
}

// checkLineSuites publishes both lines into one apt repository without --suite: each lands
// in its line's suite, holding only its line's edition versions.
func checkLineSuites(t *testing.T, dir, line143, cache string) {
	t.Helper()
	priv, _, fpr := releaseKey(t)
	repo := filepath.Join(t.TempDir(), "apt")
	for _, d := range []string{dir, line143} {
		if r := run(t, d, cache, "--quiet", "publish", "--apt", repo, "--sign-key", priv, "--sign-fingerprint", fpr); r.code != 0 {
			t.Fatalf("publish --apt from %s exited %d:\n%s", d, r.code, r.stderr)
		}
	}
	for suite, want := range map[string]string{"1.39": "1.39.17.2-1", "1.43": "1.43.9.1-1"} {
		b, err := os.ReadFile(filepath.Join(repo, "dists", suite, "main/binary-all/Packages"))
		if err != nil {
			got, _ := filepath.Glob(filepath.Join(repo, "dists", "*"))
			t.Fatalf("suite %s: %v (the repository has %v)", suite, err, got)
		}
		if !strings.Contains(string(b), "Package: mediawiki-edition-knowledge-base\n") || !strings.Contains(string(b), "Version: "+want+"\n") {
			t.Errorf("suite %s lacks mediawiki-edition-knowledge-base %s", suite, want)
		}
		other := map[string]string{"1.39": "Version: 1.43.", "1.43": "Version: 1.39."}[suite]
		if strings.Contains(string(b), other) {
			t.Errorf("suite %s holds the other line's packages (%q)", suite, other)
		}
	}
}

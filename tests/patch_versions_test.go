//go:build e2e

package tests

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mwedition/mwedition/internal/lock"
)

// TestPatchedVersionsOrder holds the versions lock.PatchedVersion gives patched components
// against the tools that will compare them: dpkg, rpm and composer. In each chain every
// version sorts strictly before every later one: the release, its patched forms, the next
// point release, the next release's candidate, the next release.
func TestPatchedVersionsOrder(t *testing.T) {
	for _, tool := range []string{"dpkg", "rpm", "php"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	core := []string{
		"1.39.17", lock.PatchedVersion("1.39.17", 1), lock.PatchedVersion("1.39.17", 2),
		lock.PatchedVersion("1.39.17", 10), "1.39.17.1", "1.39.18~rc1", "1.39.18",
	}
	if diff := cmp.Diff([]string{"1.39.17", "1.39.17+p1", "1.39.17+p2", "1.39.17+p10"}, core[:4]); diff != "" {
		t.Fatalf("lock.PatchedVersion (-want +got):\n%s", diff)
	}
	// A bundled extension's package: its own version and the core release it came with.
	bundled := []string{
		"0.5.0+mw1.39.17", lock.PatchedVersion("0.5.0+mw1.39.17", 1), lock.PatchedVersion("0.5.0+mw1.39.17", 2),
		lock.PatchedVersion("0.5.0+mw1.39.17", 10), "0.5.0+mw1.39.18", "0.5.1+mw1.39.17",
	}
	// Package versions carry the revision mwedition gives them. Debian's own patched
	// package, 1:1.39.17-1+deb12u2, outranks every one of ours by its epoch, which is why
	// our core package Conflicts with Debian's `mediawiki` (and every edition meta-package
	// depends on it): apt never takes Debian's as an upgrade of ours, nor mixes the two.
	var debs []string
	for _, v := range core {
		debs = append(debs, v+"-1")
	}
	debs = append(debs, "1:1.39.17-1+deb12u2")

	t.Run("dpkg", func(t *testing.T) {
		for _, chain := range [][]string{core, bundled, debs} {
			for i := range chain {
				for _, later := range chain[i+1:] {
					if err := exec.Command("dpkg", "--compare-versions", chain[i], "lt", later).Run(); err != nil {
						t.Errorf("dpkg --compare-versions %s lt %s: %v", chain[i], later, err)
					}
				}
			}
		}
	})
	t.Run("rpm", func(t *testing.T) {
		// rpm has no epoch in a version string: Debian's package is dpkg's business only.
		for _, chain := range [][]string{core, bundled, debs[:len(debs)-1]} {
			checkOrder(t, "rpm.vercmp", chain, func(pairs [][2]string) []string {
				var lua strings.Builder
				for _, p := range pairs {
					lua.WriteString(`print(rpm.vercmp("` + p[0] + `", "` + p[1] + `") .. " ") `)
				}
				return strings.Fields(command(t, "rpm", "--eval", "%{lua: "+lua.String()+"}"))
			})
		}
	})
	t.Run("composer", func(t *testing.T) {
		// Composer reads the versions of lock.ComposerVersion (1.39.17-p1), through Debian's
		// composer/semver: a patch release of 1.39.17, before 1.39.17.1.
		var forms []string
		for _, chain := range [][]string{core, {"0.5.0", lock.PatchedVersion("0.5.0", 1), lock.PatchedVersion("0.5.0", 2), lock.PatchedVersion("0.5.0", 10), "0.5.1"}} {
			var c []string
			for _, v := range chain {
				c = append(c, strings.Replace(lock.ComposerVersion(v), "~rc", "-RC", 1))
			}
			forms = append(forms, strings.Join(c, " "))
			checkOrder(t, "composer", c, composerCompare(t))
		}
		if diff := cmp.Diff("1.39.17 1.39.17-p1 1.39.17-p2 1.39.17-p10 1.39.17.1 1.39.18-RC1 1.39.18", forms[0]); diff != "" {
			t.Errorf("composer forms (-want +got):\n%s", diff)
		}
	})
}

// checkOrder asks cmp for every pair (earlier, later) of chain at once and wants -1 for each.
func checkOrder(t *testing.T, name string, chain []string, cmp func([][2]string) []string) {
	t.Helper()
	var pairs [][2]string
	for i := range chain {
		for _, later := range chain[i+1:] {
			pairs = append(pairs, [2]string{chain[i], later})
		}
	}
	got := cmp(pairs)
	if len(got) != len(pairs) {
		t.Fatalf("%s answered %d comparisons of %d: %v", name, len(got), len(pairs), got)
	}
	for i, p := range pairs {
		if got[i] != "-1" {
			t.Errorf("%s(%s, %s) = %s, want -1", name, p[0], p[1], got[i])
		}
	}
}

// composerSemver is Debian's composer/semver, which the composer package ships.
const composerSemver = "/usr/share/php/Composer/Semver/autoload.php"

func composerCompare(t *testing.T) func([][2]string) []string {
	const script = `require $argv[1];
$p = new Composer\Semver\VersionParser();
for ($i = 2; $i + 1 < $argc; $i += 2) {
	$a = $p->normalize($argv[$i]); $b = $p->normalize($argv[$i + 1]);
	echo Composer\Semver\Comparator::lessThan($a, $b) ? -1 : (Composer\Semver\Comparator::equalTo($a, $b) ? 0 : 1), "\n";
}`
	return func(pairs [][2]string) []string {
		args := []string{"-r", script, "--", composerSemver}
		for _, p := range pairs {
			args = append(args, p[0], p[1])
		}
		return strings.Fields(command(t, "php", args...))
	}
}

package relation

import (
	"os/exec"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/semver"
)

func TestFor(t *testing.T) {
	for _, c := range []struct {
		constraint string
		deb, rpm   []string
	}{
		{"*", []string{"p"}, []string{"p"}},
		{">= 0.5.2", []string{"p (>= 0.5.2~)"}, []string{"p >= 0.5.2~"}},
		{">= 1.39.0", []string{"p (>= 1.39~)"}, []string{"p >= 1.39~"}},
		{"2.*", []string{"p (<< 3~)", "p (>= 2~)"}, []string{"p < 3~", "p >= 2~"}},
		{"^7.0", []string{"p (<< 8~)", "p (>= 7~)"}, []string{"p < 8~", "p >= 7~"}},
		{"~1.2.3", []string{"p (<< 1.3~)", "p (>= 1.2.3~)"}, []string{"p < 1.3~", "p >= 1.2.3~"}},
		{"1.2.3", []string{"p (<< 1.2.3.0.1~)", "p (>= 1.2.3)"}, []string{"p < 1.2.3.0.1~", "p >= 1.2.3"}},
		{"< 2.0", []string{"p (<< 2~)"}, []string{"p < 2~"}},
		{"> 1.0 <= 2.0", []string{"p (<< 2.0.0.0.1~)", "p (>= 1.0.0.0.1~)"}, []string{"p < 2.0.0.0.1~", "p >= 1.0.0.0.1~"}},
		// A union of ranges is loosened to the range covering both.
		{"^1.2 || ^3.0", []string{"p (<< 4~)", "p (>= 1.2~)"}, []string{"p < 4~", "p >= 1.2~"}},
		{">= 1.0 || < 0.5", []string{"p"}, []string{"p"}},
		{">= 1.0.0-RC1", []string{"p (>= 1~rc1~)"}, []string{"p >= 1~rc1~"}},
	} {
		t.Run(c.constraint, func(t *testing.T) {
			con, err := semver.ParseConstraint(c.constraint)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.deb, For(platform.Debian, "p", con)); diff != "" {
				t.Errorf("deb (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.rpm, For(platform.RPM, "p", con)); diff != "" {
				t.Errorf("rpm (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExactBoundsWithDpkg: a package whose version composer calls equal to the bound (any
// spelling with trailing zeros, or a git snapshot of it) satisfies <= and =; the next
// release does not.
func TestExactBoundsWithDpkg(t *testing.T) {
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Fatal("dpkg is needed: run make deps")
	}
	v, _ := semver.ParseVersion("2.0")
	above := v.String() + ".1~"
	for _, pkg := range []string{"2", "2.0", "2.0.0", "2.0.0.0", "2.0.0+git20250101.abcdef1"} {
		if err := exec.Command("dpkg", "--compare-versions", pkg, "lt", above).Run(); err != nil {
			t.Errorf("%s should satisfy << %s", pkg, above)
		}
	}
	for _, pkg := range []string{"2.0.1", "2.1", "3"} {
		if err := exec.Command("dpkg", "--compare-versions", pkg, "ge", above).Run(); err != nil {
			t.Errorf("%s should not satisfy << %s", pkg, above)
		}
	}
}

// TestVersionOrdersLikeComposer checks the rendered versions with dpkg's own comparison:
// every pair composer orders one way, dpkg must order the same way, against the versions
// packages really carry ("2.0.0", not "2.0.0.0").
func TestVersionOrdersLikeComposer(t *testing.T) {
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Fatal("dpkg is needed: run make deps")
	}
	for _, c := range []struct {
		bound, pkg string // a composer bound, and a package version that composer says is above it
	}{
		{"2.0.0.0-dev", "2.0.0"},
		{"2.0.0.0-dev", "2.0.0~beta1"},
		{"1.39.0.0-dev", "1.39.17"},
		{"1.0.0.0-RC1", "1.0.0"},
		{"1.0.0.0-RC1-dev", "1.0.0~rc1"},
		{"1.2.3.0", "1.2.3+git20251216.abcdef1"},
		{"0.5.2.0-dev", "0.5.3"},
		{"1.0.0.0-beta2", "1.0.0~rc1"},
	} {
		v, err := semver.ParseVersion(c.bound)
		if err != nil {
			t.Fatal(err)
		}
		r := Version(v)
		if out, err := exec.Command("dpkg", "--compare-versions", c.pkg, "gt", r).CombinedOutput(); err != nil {
			t.Errorf("dpkg: %s is not above %s (from composer %s): %v %s", c.pkg, r, c.bound, err, out)
		}
	}
}

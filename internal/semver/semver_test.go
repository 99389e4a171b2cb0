package semver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Unless marked otherwise, the expectations below are composer's documented
// behaviour: the examples of composer/semver's VersionParserTest (normalize,
// parseStability and parseConstraints data providers) and of composer's
// "Versions and constraints" documentation page.

func mustVersion(t testing.TB, s string) Version {
	t.Helper()
	v, err := ParseVersion(s)
	if err != nil {
		t.Fatalf("ParseVersion(%q): %v", s, err)
	}

	return v
}

func mustConstraint(t testing.TB, s string) Constraint {
	t.Helper()
	c, err := ParseConstraint(s)
	if err != nil {
		t.Fatalf("ParseConstraint(%q): %v", s, err)
	}

	return c
}

// render writes Ranges as "b1 b2 || b3", with "*" for an alternative that
// accepts everything.
func render(ranges [][]Bound) string {
	alts := make([]string, len(ranges))
	for i, bounds := range ranges {
		if len(bounds) == 0 {
			alts[i] = "*"

			continue
		}
		parts := make([]string, len(bounds))
		for j, b := range bounds {
			parts[j] = b.String()
		}
		alts[i] = strings.Join(parts, " ")
	}

	return strings.Join(alts, " || ")
}

func TestParseVersion(t *testing.T) {
	tests := []struct{ in, want string }{
		// composer's successfulNormalizedVersions.
		{"1.0.0", "1.0.0.0"},
		{"1.2.3.4", "1.2.3.4"},
		{"1.0.0RC1dev", "1.0.0.0-RC1-dev"},
		{"1.0.0-rC15-dev", "1.0.0.0-RC15-dev"},
		{"1.0.0.RC.15-dev", "1.0.0.0-RC15-dev"},
		{"1.0.0-rc1", "1.0.0.0-RC1"},
		{"1.0.0.pl3-dev", "1.0.0.0-patch3-dev"},
		{"1.0-dev", "1.0.0.0-dev"},
		{"0", "0.0.0.0"},
		{"10.4.13-beta", "10.4.13.0-beta"},
		{"10.4.13beta2", "10.4.13.0-beta2"},
		{"10.4.13beta.2", "10.4.13.0-beta2"},
		{"v1.13.11-beta.0", "1.13.11.0-beta0"},
		{"1.13.11.0-beta0", "1.13.11.0-beta0"},
		{"10.4.13-b", "10.4.13.0-beta"},
		{"10.4.13-b5", "10.4.13.0-beta5"},
		{"v1.0.0", "1.0.0.0"},
		{"2010.01", "2010.01.0.0"},
		{"2010.01.02", "2010.01.02.0"},
		{"2010.1.555", "2010.1.555.0"},
		{"2010.10.200", "2010.10.200.0"},
		{"20230131.0.0", "20230131.0.0"},
		{"202301310000.0.0", "202301310000.0.0"},
		{"v20100102", "20100102"},
		{"20100102", "20100102"},
		{"20100102.0", "20100102.0"},
		{"20100102.1.0", "20100102.1.0"},
		{"20100102.0.3", "20100102.0.3"},
		{"2010-01-02-10-20-30.0.3", "2010.01.02.10.20.30.0.3"},
		{"2010-01-02-10-20-30.5", "2010.01.02.10.20.30.5"},
		{"2010-01-02", "2010.01.02"},
		{"2012.06.07", "2012.06.07.0"},
		{"2010-01-02.5", "2010.01.02.5"},
		{"20100102-203040", "20100102.203040"},
		{"20100102.x-dev", "20100102.9999999.9999999.9999999-dev"},
		{"20100102.203040.x-dev", "20100102.203040.9999999.9999999-dev"},
		{"20100102203040-10", "20100102203040.10"},
		{"20100102-203040-p1", "20100102.203040-patch1"},
		{"201903.0", "201903.0"},
		{"201903.x-dev", "201903.9999999.9999999.9999999-dev"},
		{"201903.0-p2", "201903.0-patch2"},
		{"dev-master", "dev-master"},
		{"master", "dev-master"},
		{"dev-trunk", "dev-trunk"},
		{"1.x-dev", "1.9999999.9999999.9999999-dev"},
		{"dev-feature-foo", "dev-feature-foo"},
		{"DEV-FOOBAR", "dev-FOOBAR"},
		{"dev-feature/foo", "dev-feature/foo"},
		{"dev-feature+issue-1", "dev-feature+issue-1"},
		{"dev-master as 1.0.0", "dev-master"},
		{"dev-load-varnish-only-when-used as ^2.0", "dev-load-varnish-only-when-used"},
		{"dev-load-varnish-only-when-used@dev as ^2.0@dev", "dev-load-varnish-only-when-used"},
		{"1.0.0+foo@dev", "1.0.0.0"},
		{"dev-load-varnish-only-when-used@stable", "dev-load-varnish-only-when-used"},
		{"1.0.0-beta.5+foo", "1.0.0.0-beta5"},
		{"1.0.0+foo", "1.0.0.0"},
		{"1.0.0-alpha.3.1+foo", "1.0.0.0-alpha3.1"},
		{"1.0.0-alpha2.1+foo", "1.0.0.0-alpha2.1"},
		{"1.0.0-alpha-2.1-3+foo", "1.0.0.0-alpha2.1-3"},
		{"1.0.0+foo as 2.0", "1.0.0.0"},
		{"00.01.03.04", "00.01.03.04"},
		{"000.001.003.004", "000.001.003.004"},
		{"0.000.103.204", "0.000.103.204"},
		{"0700", "0700.0.0.0"},
		{"041.x-dev", "041.9999999.9999999.9999999-dev"},
		{"dev-041.003", "dev-041.003"},
		{"dev-1.0.0-dev<1.0.5-dev", "dev-1.0.0-dev<1.0.5-dev"},
		{"dev-foo bar", "dev-foo bar"},
		{" 1.0.0", "1.0.0.0"},
		{"1.0.0 ", "1.0.0.0"},
		// composer's successfulNormalizedBranches, as -dev versions.
		{"v1.x-dev", "1.9999999.9999999.9999999-dev"},
		{"v1.*-dev", "1.9999999.9999999.9999999-dev"},
		{"v1.0.3.*-dev", "1.0.3.9999999-dev"},
		{"2.4.4-dev", "2.4.4.0-dev"},
		// From the brief and MediaWiki; these follow from the rules above.
		{"1.39.17", "1.39.17.0"},
		{"v1.2", "1.2.0.0"},
		{"1.2.3-beta2", "1.2.3.0-beta2"},
		{"1.0.0-RC1", "1.0.0.0-RC1"},
		{"1.2.3-p1", "1.2.3.0-patch1"},
		{"1.2.3-patch", "1.2.3.0-patch"},
		{"1.42.0-alpha", "1.42.0.0-alpha"},
		{"20240101", "20240101"},
		// Quirks of composer kept on purpose: only a lowercase "-stable"
		// is dropped, a trailing newline before a flag is tolerated.
		{"1.0.0-stable", "1.0.0.0"},
		{"1.0.0-stable-dev", "1.0.0.0"},
		{"1.0.0-Stable", "1.0.0.0-stable"},
		{"1.0\n@dev", "1.0.0.0"},
		{"dev-x @dev", "dev-x "},
		{"dev- @dev@dev", "dev- @dev"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := ParseVersion(tt.in)
			if err != nil {
				t.Fatalf("ParseVersion(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, v.String()); diff != "" {
				t.Errorf("ParseVersion(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseVersionErrors(t *testing.T) {
	tests := []string{
		// composer's failingNormalizedVersions.
		"", "a", "1.0.0-meh", "1.0.0.0.0", "feature-foo", "1.0.0+foo bar",
		"1.0.1-SNAPSHOT", "1.0.0<1.0.5-dev", "1.0.0-dev<1.0.5-dev", "foo bar-dev",
		"1.0 .2", " as ", " as 1.2", "^", "^8 || ^", "~", "~1 ~", "~1", "^1",
		"1.*", "20100102.0.3.4",
		// More than four parts, and MediaWiki's deployment branch names,
		// which composer cannot normalize either (MediaWiki then skips
		// its core version check).
		"1.2.3.4.5", "1.43.0-wmf.5", "1.0.0-x.7.z.92", "1.0.0-0.3.7",
		// PCRE's \s, which ends build metadata, includes \v.
		"1.0.0+foo\vbar",
	}
	for _, in := range tests {
		t.Run(in, func(t *testing.T) {
			v, err := ParseVersion(in)
			if err == nil {
				t.Fatalf("ParseVersion(%q) = %q, want an error", in, v)
			}
			if want := fmt.Sprintf("%q", in); !strings.Contains(err.Error(), want) {
				t.Errorf("ParseVersion(%q) error %q does not name the input", in, err)
			}
		})
	}
}

func TestStability(t *testing.T) {
	tests := []struct{ in, want string }{
		// composer's stabilityProvider, except that patch releases report
		// "patch" where composer says "stable".
		{"1", "stable"},
		{"1.0", "stable"},
		{"3.2.1", "stable"},
		{"v3.2.1", "stable"},
		{"v2.0.x-dev", "dev"},
		{"3.0-RC2", "RC"},
		{"dev-master", "dev"},
		{"3.1.2-dev", "dev"},
		{"dev-feature+issue-1", "dev"},
		{"3.1.2-p1", "patch"},
		{"3.1.2-pl2", "patch"},
		{"3.1.2-patch", "patch"},
		{"3.1.2-alpha5", "alpha"},
		{"3.1.2-beta", "beta"},
		{"2.0B1", "beta"},
		{"1.2.0a1", "alpha"},
		{"1.2_a1", "alpha"},
		{"2.0.0rc1", "RC"},
		{"1.0.0-alpha11+cs-1.1.0", "alpha"},
		{"1.0.0-RC1-dev", "dev"},
		{"20100102.203040-p1", "patch"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, mustVersion(t, tt.in).Stability()); diff != "" {
				t.Errorf("Stability of %q (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	// Each version is below the next one.
	ascending := []string{
		"dev-a", "dev-b", "dev-master",
		"0.0.0-dev", "0.0.1", "0.9",
		"1.0.0-dev", "1.0.0-alpha", "1.0.0-alpha2", "1.0.0-beta", "1.0.0-beta1",
		"1.0.0-beta2", "1.0.0-RC1-dev", "1.0.0-RC1", "1.0.0-RC2", "1.0.0",
		"1.0.0-p1", "1.0.0-p2", "1.0.1", "1.2", "1.9", "1.10",
		"2.0.0-beta1", "2.0", "2010-01-02", "2010.01.02", "20100102",
	}
	for i, a := range ascending {
		for j, b := range ascending {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got := Compare(mustVersion(t, a), mustVersion(t, b)); got != want {
				t.Errorf("Compare(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}

	equal := [][2]string{
		{"1.0", "1.0.0.0"},
		{"v1.2.3", "1.2.3"},
		{"1.01", "1.1"},
		{"1.0.0-b2", "1.0.0-beta.2"},
		{"1.0.0-pl3", "1.0.0-patch3"},
		{"dev-foo", "DEV-foo"},
	}
	for _, p := range equal {
		if got := Compare(mustVersion(t, p[0]), mustVersion(t, p[1])); got != 0 {
			t.Errorf("Compare(%q, %q) = %d, want 0", p[0], p[1], got)
		}
	}
}

// TestPHPVersionCompare checks the version_compare port on raw strings,
// including forms composer never produces.
func TestPHPVersionCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.0", "1.0.0", -1},
		{"1.0rc1", "1.0", -1},
		{"1.0a", "1.0b", -1},
		{"1.0pl1", "1.0", 1},
		{"1.0-dev", "1.0-alpha", -1},
		{"1.0.0-beta", "1.0.0-b", 0},
		{"1.0-foo", "1.0-dev", -1},
		{"1.0", "1.0-foo", 1},
		{"1.0_1", "1.0+1", 0},
		{"1..0", "1.0", 0},
		{"", "1", -1},
		{"", "", 0},
		{"1.", "1", -1},
		{"9223372036854775807", "99999999999999999999", 0},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			if got := phpVersionCompare(tt.a, tt.b); got != tt.want {
				t.Errorf("phpVersionCompare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
			if got := phpVersionCompare(tt.b, tt.a); got != -tt.want {
				t.Errorf("phpVersionCompare(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
			}
		})
	}
}

func TestRanges(t *testing.T) {
	tests := []struct{ in, want string }{
		// composer's simpleConstraints.
		{"*", "*"},
		{"v*", ">=0.0.0.0-dev"},
		{"*.*", ">=0.0.0.0-dev"},
		{"v*.*", ">=0.0.0.0-dev"},
		{"*.x.*", ">=0.0.0.0-dev"},
		{"x.X.x.*", ">=0.0.0.0-dev"},
		{"<>1.0.0", "!=1.0.0.0"},
		{"!=1.0.0", "!=1.0.0.0"},
		{">1.0.0", ">1.0.0.0"},
		{"<1.2.3.4", "<1.2.3.4-dev"},
		{"<=1.2.3", "<=1.2.3.0"},
		{">=1.2.3", ">=1.2.3.0-dev"},
		{"=1.2.3", "=1.2.3.0"},
		{"==1.2.3", "=1.2.3.0"},
		{"1.2.3", "=1.2.3.0"},
		{"=1.0", "=1.0.0.0"},
		{"1.2.3b5", "=1.2.3.0-beta5"},
		{"1.2.3a1", "=1.2.3.0-alpha1"},
		{"1.2.3p1234", "=1.2.3.0-patch1234"},
		{"1.2.3pl1234", "=1.2.3.0-patch1234"},
		{">= 1.2.3", ">=1.2.3.0-dev"},
		{"< 1.2.3", "<1.2.3.0-dev"},
		{"> 1.2.3", ">1.2.3.0"},
		{">=dev-master", ">=dev-master"},
		{"dev-master", "=dev-master"},
		{"dev-feature-a", "=dev-feature-a"},
		{"dev-some-fix", "=dev-some-fix"},
		{"dev-CAPS", "=dev-CAPS"},
		{"dev-master as 1.0.0", "=dev-master"},
		{"<1.2.3.4-stable", "<1.2.3.4"},
		{">=1.2.3.4-stable", ">=1.2.3.4"},
		// composer's wildcardConstraints.
		{"v2.*", ">=2.0.0.0-dev <3.0.0.0-dev"},
		{"2.*.*", ">=2.0.0.0-dev <3.0.0.0-dev"},
		{"20.*", ">=20.0.0.0-dev <21.0.0.0-dev"},
		{"20.*.*", ">=20.0.0.0-dev <21.0.0.0-dev"},
		{"2.0.*", ">=2.0.0.0-dev <2.1.0.0-dev"},
		{"2.x", ">=2.0.0.0-dev <3.0.0.0-dev"},
		{"2.x.x", ">=2.0.0.0-dev <3.0.0.0-dev"},
		{"2.2.x", ">=2.2.0.0-dev <2.3.0.0-dev"},
		{"2.10.X", ">=2.10.0.0-dev <2.11.0.0-dev"},
		{"2.1.3.*", ">=2.1.3.0-dev <2.1.4.0-dev"},
		{"0.*", "<1.0.0.0-dev"},
		{"0.*.*", "<1.0.0.0-dev"},
		{"0.x", "<1.0.0.0-dev"},
		{"0.x.x", "<1.0.0.0-dev"},
		// composer's tildeConstraints.
		{"~v1", ">=1.0.0.0-dev <2.0.0.0-dev"},
		{"~1.0", ">=1.0.0.0-dev <2.0.0.0-dev"},
		{"~1.0.0", ">=1.0.0.0-dev <1.1.0.0-dev"},
		{"~1.2", ">=1.2.0.0-dev <2.0.0.0-dev"},
		{"~1.2.3", ">=1.2.3.0-dev <1.3.0.0-dev"},
		{"~1.2.3.4", ">=1.2.3.4-dev <1.2.4.0-dev"},
		{"~1.2-beta", ">=1.2.0.0-beta <2.0.0.0-dev"},
		{"~1.2-b2", ">=1.2.0.0-beta2 <2.0.0.0-dev"},
		{"~1.2-BETA2", ">=1.2.0.0-beta2 <2.0.0.0-dev"},
		{"~1.2.2-dev", ">=1.2.2.0-dev <1.3.0.0-dev"},
		{"~1.2.2-stable", ">=1.2.2.0 <1.3.0.0-dev"},
		{"~201903.0", ">=201903.0-dev <201904.0.0.0-dev"},
		{"~201903.0-beta", ">=201903.0-beta <201904.0.0.0-dev"},
		{"~201903.0-stable", ">=201903.0 <201904.0.0.0-dev"},
		{"~201903.205830.1-stable", ">=201903.205830.1 <201903.205831.0.0-dev"},
		{"~2.x-dev", ">=2.9999999.9999999.9999999-dev <3.0.0.0-dev"},
		{"~2.0.x-dev", ">=2.0.9999999.9999999-dev <2.1.0.0-dev"},
		{"~2.0.3.x-dev", ">=2.0.3.9999999-dev <2.0.4.0-dev"},
		{"~0.x-dev", ">=0.9999999.9999999.9999999-dev <1.0.0.0-dev"},
		{"~1", ">=1.0.0.0-dev <2.0.0.0-dev"},
		{"~1.2.3-beta", ">=1.2.3.0-beta <1.3.0.0-dev"},
		// composer's caretConstraints.
		{"^v1", ">=1.0.0.0-dev <2.0.0.0-dev"},
		{"^0", ">=0.0.0.0-dev <1.0.0.0-dev"},
		{"^0.0", ">=0.0.0.0-dev <0.1.0.0-dev"},
		{"^1.2", ">=1.2.0.0-dev <2.0.0.0-dev"},
		{"^1.2.3-beta.2", ">=1.2.3.0-beta2 <2.0.0.0-dev"},
		{"^1.2.3.4", ">=1.2.3.4-dev <2.0.0.0-dev"},
		{"^1.2.3", ">=1.2.3.0-dev <2.0.0.0-dev"},
		{"^0.2.3", ">=0.2.3.0-dev <0.3.0.0-dev"},
		{"^0.2", ">=0.2.0.0-dev <0.3.0.0-dev"},
		{"^0.2.0", ">=0.2.0.0-dev <0.3.0.0-dev"},
		{"^0.0.3", ">=0.0.3.0-dev <0.0.4.0-dev"},
		{"^0.0.3-alpha", ">=0.0.3.0-alpha <0.0.4.0-dev"},
		{"^0.0.3-dev", ">=0.0.3.0-dev <0.0.4.0-dev"},
		{"^0.0.3-stable", ">=0.0.3.0 <0.0.4.0-dev"},
		{"^201903.0", ">=201903.0-dev <201904.0.0.0-dev"},
		{"^201903.0-beta", ">=201903.0-beta <201904.0.0.0-dev"},
		{"^201903.205830.1-stable", ">=201903.205830.1 <201904.0.0.0-dev"},
		{"^2.x-dev", ">=2.9999999.9999999.9999999-dev <3.0.0.0-dev"},
		{"^2.0.*-dev", ">=2.0.9999999.9999999-dev <3.0.0.0-dev"},
		{"^2.0.x-dev", ">=2.0.9999999.9999999-dev <3.0.0.0-dev"},
		{"^2.0.3.x-dev", ">=2.0.3.9999999-dev <3.0.0.0-dev"},
		{"^0.x-dev", ">=0.9999999.9999999.9999999-dev <1.0.0.0-dev"},
		{"^0.3", ">=0.3.0.0-dev <0.4.0.0-dev"},
		// composer's hyphenConstraints.
		{"v1 - v2", ">=1.0.0.0-dev <3.0.0.0-dev"},
		{"1.2.3 - 2.3.4.5", ">=1.2.3.0-dev <=2.3.4.5"},
		{"1.2-beta - 2.3", ">=1.2.0.0-beta <2.4.0.0-dev"},
		{"1.2-beta - 2.3-dev", ">=1.2.0.0-beta <=2.3.0.0-dev"},
		{"1.2-RC - 2.3.1", ">=1.2.0.0-RC <=2.3.1.0"},
		{"1.2.3-alpha - 2.3-RC", ">=1.2.3.0-alpha <=2.3.0.0-RC"},
		{"1 - 2.0", ">=1.0.0.0-dev <2.1.0.0-dev"},
		{"1 - 2.1", ">=1.0.0.0-dev <2.2.0.0-dev"},
		{"1.2 - 2.1.0", ">=1.2.0.0-dev <=2.1.0.0"},
		{"1.3 - 2.1.3", ">=1.3.0.0-dev <=2.1.3.0"},
		{"2.0.3.x-dev - 3.0.3.x-dev", ">=2.0.3.9999999-dev <=3.0.3.9999999-dev"},
		{"2.0.x-dev - 3.0.x-dev", ">=2.0.9999999.9999999-dev <=3.0.9999999.9999999-dev"},
		{"2.x-dev - 3.x-dev", ">=2.9999999.9999999.9999999-dev <=3.9999999.9999999.9999999-dev"},
		{"0.x-dev - 1.x-dev", ">=0.9999999.9999999.9999999-dev <=1.9999999.9999999.9999999-dev"},
		{"1.0 - 2.0", ">=1.0.0.0-dev <2.1.0.0-dev"},
		{"1.0.0 - 2.1.0", ">=1.0.0.0-dev <=2.1.0.0"},
		// composer's constraintProvider.
		{"3.x-dev", "=3.9999999.9999999.9999999-dev"},
		{"3-dev", "=3.0.0.0-dev"},
		{"dev-3.x", "=dev-3.x"},
		{"xsd2php-dev", "=dev-xsd2php"},
		{"3.next-dev", "=dev-3.next"},
		{"foobar-dev", "=dev-foobar"},
		{"dev-xsd2php", "=dev-xsd2php"},
		{"dev-1.0.0-dev<1.0.5-dev", "=dev-1.0.0-dev<1.0.5-dev"},
		{"dev-1.0.0-dev<1.0.5", "=dev-1.0.0-dev<1.0.5"},
		{"foobar-dev as 2.1.0", "=dev-foobar"},
		{"foobar-dev as 2.1.0 || 3.5", "=dev-foobar || =3.5.0.0"},
		{"foobar-dev as 2.1.0 || 3.5 as 1.5", "=dev-foobar || =3.5.0.0"},
		{"2.1.0 - 2.3-dev", ">=2.1.0.0-dev <=2.3.0.0-dev"},
		{"1.0 - 2.0.x-dev", ">=1.0.0.0-dev <=2.0.9999999.9999999-dev"},
		{"^1.", ">=1.0.0.0-dev <2.0.0.0-dev"},
		{"~1.", ">=1.0.0.0-dev <2.0.0.0-dev"},
		{"1.2.", "=1.2.0.0"},
		{"1.2..dev", "=1.2.0.0-dev"},
		{"1.2-.dev", "=1.2.0.0-dev"},
		{"1.2_-dev", "=1.2.0.0-dev"},
		{"~2.5.9|~2.6,>=2.6.2", ">=2.5.9.0-dev <2.6.0.0-dev || >=2.6.0.0-dev <3.0.0.0-dev >=2.6.2.0-dev"},
		// composer's conjunction and disjunction spellings.
		{">2.0,<=3.0", ">2.0.0.0 <=3.0.0.0"},
		{">2.0 <=3.0", ">2.0.0.0 <=3.0.0.0"},
		{">2.0  <=3.0", ">2.0.0.0 <=3.0.0.0"},
		{">2.0, <=3.0", ">2.0.0.0 <=3.0.0.0"},
		{">2.0 ,<=3.0", ">2.0.0.0 <=3.0.0.0"},
		{">2.0 , <=3.0", ">2.0.0.0 <=3.0.0.0"},
		{">2.0   , <=3.0", ">2.0.0.0 <=3.0.0.0"},
		{"> 2.0   <=  3.0", ">2.0.0.0 <=3.0.0.0"},
		{"> 2.0  ,  <=  3.0", ">2.0.0.0 <=3.0.0.0"},
		{"  > 2.0  ,  <=  3.0 ", ">2.0.0.0 <=3.0.0.0"},
		{">2.0,<2.0.5 | >2.0.6", ">2.0.0.0 <2.0.5.0-dev || >2.0.6.0"},
		{">2.0,<2.0.5 || >2.0.6", ">2.0.0.0 <2.0.5.0-dev || >2.0.6.0"},
		{"> 2.0 , <2.0.5 | >  2.0.6", ">2.0.0.0 <2.0.5.0-dev || >2.0.6.0"},
		{">=1.1.0-alpha4,<1.2.x-dev", ">=1.1.0.0-alpha4 <1.2.9999999.9999999-dev"},
		{">=1.1.0-alpha4,<1.2-beta2", ">=1.1.0.0-alpha4 <1.2.0.0-beta2"},
		// composer's stability flag and reference handling; the "*" of
		// "@dev" accepts everything, so it adds no bound.
		{"1.0@dev", "=1.0.0.0"},
		{">=1.0@beta", ">=1.0.0.0-beta"},
		{"dev-load-varnish-only-when-used as ^2.0@dev", "=dev-load-varnish-only-when-used"},
		{"dev-load-varnish-only-when-used@dev as ^2.0@dev", "=dev-load-varnish-only-when-used"},
		{">2.0@stable,<=3.0@dev", ">2.0.0.0 <=3.0.0.0-dev"},
		{">2.0@stable,@dev", ">2.0.0.0"},
		{">2.0@stable || 0@dev", ">2.0.0.0 || =0.0.0.0"},
		{"1.0.x-dev#abcd123", "=1.0.9999999.9999999-dev"},
		{"1.0.x-dev#trunk/@123", "=1.0.9999999.9999999-dev"},
		{"1.0.0-beta2@beta", "=1.0.0.0-beta2"},
		{"@dev", "*"},
		// The stability table of composer's documentation.
		{">1.2", ">1.2.0.0"},
		{">=1.2", ">=1.2.0.0-dev"},
		{">=1.2-stable", ">=1.2.0.0"},
		{"<1.3", "<1.3.0.0-dev"},
		{"<=1.3", "<=1.3.0.0"},
		{"1 - 2", ">=1.0.0.0-dev <3.0.0.0-dev"},
		{"~1.3", ">=1.3.0.0-dev <2.0.0.0-dev"},
		{"1.4.*", ">=1.4.0.0-dev <1.5.0.0-dev"},
		// Composer joins adjacent ranges of two bounds each.
		{"^1.0 || ^2.0", ">=1.0.0.0-dev <3.0.0.0-dev"},
		{"^7.4.3 || ^8.0", ">=7.4.3.0-dev <9.0.0.0-dev"},
		{"^1.0 || ^2.0 || ^4.0", ">=1.0.0.0-dev <3.0.0.0-dev || >=4.0.0.0-dev <5.0.0.0-dev"},
		{"~0.1 || ~1.0 !=1.0.1", ">=0.1.0.0-dev <1.0.0.0-dev || >=1.0.0.0-dev <2.0.0.0-dev !=1.0.1.0"},
		// Quirks that follow from composer's code rather than its tests;
		// each was checked against composer/semver on PHP 8.2.
		// The operand is lowercased before the stability check, which
		// then never recognizes "rc", so an RC bound gets -dev too.
		{">=1.0-RC1", ">=1.0.0.0-RC1-dev"},
		{">=1.0-beta1", ">=1.0.0.0-beta1"},
		// A flag is appended to a stable (including patch) operand.
		{">=01pl2@beta", ">=01.0.0.0-patch2-beta"},
		{"<>1pl2@beta", "!=1.0.0.0-patch2-beta"},
		{"<10-p1@STABLE", "<10.0.0.0-patch1-STABLE"},
		// Anything after a newline in a comparison operand is ignored.
		{">=1.0\nfoo", ">=1.0.0.0-dev"},
		{"1.0\n 2.0", "=1.0.0.0 =2.0.0.0"},
		// Numbers beyond PHP's integers become floats when bumped.
		{"~9223372036854775807.1", ">=9223372036854775807.1-dev <9.2233720368548E+18.0.0.0-dev"},
		{"^99999999999999999999", ">=99999999999999999999-dev <1.0E+20.0.0.0-dev"},
		// MediaWiki extension.json examples.
		{">= 1.39.0", ">=1.39.0.0-dev"},
		{">= 0.5.2", ">=0.5.2.0-dev"},
		{"7.*", ">=7.0.0.0-dev <8.0.0.0-dev"},
		{">= 7.0", ">=7.0.0.0-dev"},
		{">= 1.35.0 < 1.44.0", ">=1.35.0.0-dev <1.44.0.0-dev"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c := mustConstraint(t, tt.in)
			if diff := cmp.Diff(tt.want, render(c.Ranges())); diff != "" {
				t.Errorf("ParseConstraint(%q).Ranges() (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		constraint string
		yes, no    []string
	}{
		// The examples of composer's documentation, section by section.
		{"1.0.2", []string{"1.0.2", "v1.0.2", "1.0.2.0"}, []string{"1.0.3", "1.0.1", "1.0.2-beta", "1.0.2-p1"}},
		{">=1.0", []string{"1.0", "1.0.0-alpha", "1.0.1", "5.0", "1.0-p1"}, []string{"0.9", "0.9.9-p1", "dev-master"}},
		{">=1.0 <2.0", []string{"1.0", "1.5", "1.9.99"}, []string{"0.99", "2.0", "2.0-dev", "2.0.0-beta1", "2.0.1"}},
		{">=1.0 <1.1 || >=1.2", []string{"1.0.5", "1.2", "3.0"}, []string{"1.1", "1.1.5", "0.9"}},
		{"1.0 - 2.0", []string{"1.0", "1.0.0-beta", "2.0", "2.0.99"}, []string{"0.9", "2.1", "2.1.0-alpha"}},
		{"1.0.0 - 2.1.0", []string{"1.0.0", "2.1.0"}, []string{"2.1.0.1", "2.1.1", "2.1.0-p1"}},
		{"1.0.*", []string{"1.0", "1.0.0-alpha", "1.0.99"}, []string{"1.1", "1.1.0-dev", "0.9"}},
		{"~1.2", []string{"1.2", "1.2.0-beta", "1.9.9"}, []string{"1.1", "2.0", "2.0-beta.1"}},
		{"~1.2.3", []string{"1.2.3", "1.2.99"}, []string{"1.2.2", "1.3.0", "1.3.0-dev"}},
		{"~1", []string{"1.0", "1.9"}, []string{"0.9", "2.0"}},
		{"^1.2.3", []string{"1.2.3", "1.9"}, []string{"1.2.2", "2.0"}},
		{"^0.3", []string{"0.3.0", "0.3.9"}, []string{"0.2", "0.4.0"}},
		{"^0.0.3", []string{"0.0.3"}, []string{"0.0.4", "0.0.2"}},
		// The brief's stability rules.
		{"< 2.0", []string{"1.99", "1.99.0-p1"}, []string{"2.0.0-dev", "2.0.0-beta1", "2.0"}},
		{"1.0.0-beta2@beta", []string{"1.0.0-beta2"}, []string{"1.0.0"}},
		{"~1.2.3-beta", []string{"1.2.3-beta", "1.2.3-beta2", "1.2.9"}, []string{"1.2.3-alpha", "1.3.0"}},
		{"!=1.0", []string{"1.1", "0.9", "dev-master"}, []string{"1.0.0"}},
		// MediaWiki's cases.
		{">= 1.39.0", []string{"1.39.17", "1.39.0-alpha", "1.39.0", "1.40.0"}, []string{"1.38.4"}},
		{">= 0.5.2", []string{"0.5.3", "0.5.2"}, []string{"0.5.1"}},
		{"7.*", []string{"7.3.0", "7.0.0"}, []string{"8.0", "6.9"}},
		{"2.*", []string{"2.0", "2.9"}, []string{"3.0", "1.9"}},
		{"^7.4.3 || ^8.0", []string{"8.2.7", "7.4.3", "7.4.30"}, []string{"7.4.2", "9.0"}},
		{">= 7.0", []string{"7.3.0"}, []string{"6.0"}},
		// Branches equal only themselves and satisfy no range; "*" is
		// composer's match-all, "*.*" a >= 0.0.0.0-dev range.
		{"dev-master", []string{"dev-master", "master"}, []string{"dev-main", "1.0", "9999999"}},
		{"!=dev-master", []string{"dev-main", "1.0"}, []string{"dev-master"}},
		{"*", []string{"dev-master", "0.0.1", "1.0.0-alpha"}, nil},
		{"*.*", []string{"0.0.1", "1.0.0-alpha"}, []string{"dev-master"}},
		{"1.x-dev", []string{"1.x-dev", "1.9999999.9999999.9999999-dev"}, []string{"1.0", "dev-1.x"}},
		// composer's testComplexConjunctive.
		{"~0.1 || ~1.0 !=1.0.1", []string{"0.1", "1.0.2"}, []string{"1.0.1"}},
		// Composer joins ranges as text, even when the first is empty
		// (checked against composer/semver on PHP 8.2),
		// so 1.5 is rejected here although ">=1.0 <3.0" accepts it.
		{">=2.0 <1.0 || >=1.0 <3.0", []string{"2.5"}, []string{"1.5"}},
	}
	for _, tt := range tests {
		c := mustConstraint(t, tt.constraint)
		for _, want := range []bool{true, false} {
			versions := tt.yes
			if !want {
				versions = tt.no
			}
			for _, s := range versions {
				t.Run(tt.constraint+" "+s, func(t *testing.T) {
					if got := c.Matches(mustVersion(t, s)); got != want {
						t.Errorf("ParseConstraint(%q).Matches(%q) = %v, want %v (ranges %s)",
							tt.constraint, s, got, want, render(c.Ranges()))
					}
				})
			}
		}
	}
}

func TestParseConstraintErrors(t *testing.T) {
	tests := []struct{ in, mention string }{
		// composer's failingConstraints.
		{"", ""},
		{"1.0.0-meh", `"1.0.0-meh"`},
		{">2.0,,<=3.0", ""},
		{">2.0 ,, <=3.0", ""},
		{">2.0 ||| <=3.0", ""},
		{",^1@dev || ^4@dev", ""},
		{",^1@dev", ""},
		{"|| ^1@dev", ""},
		{"^1@dev ||", ""},
		{"^1@dev ,", ""},
		{"^2.0.*", ""},
		{"^2.0.x", ""},
		{"^2.0.x-beta", ""},
		{"^2.*", ""},
		{"^2.x", ""},
		{"^2.x-beta", ""},
		{"^2.1.2.*", ""},
		{"^2.1.2.x", ""},
		{"^2.1.2.x-beta", ""},
		{"~2.0.*", ""},
		{"~2.0.x", ""},
		{"~2.0.x-beta", ""},
		{"~2.*", ""},
		{"~2.x", ""},
		{"~2.x-beta", ""},
		{"~2.1.2.*", ""},
		{"~2.1.2.x", ""},
		{"~2.1.2.x-beta", ""},
		{"1.x - 2.*", ""},
		{"2.x.x.x-dev - 3.x.x.x-dev", ""},
		{"^1.*-beta-dev", ""},
		{"^1. *-dev", ""},
		{"~1.*-beta-dev", ""},
		{"1.0.0-dev<1.0.5-dev", ""},
		{"*-dev", ""},
		{"^", ""},
		{"^8 || ^", `"^"`},
		{"~", ""},
		{"~1 ~", `"~"`},
		{"1.0#abcd123", ""},
		{"~>1.2", `"~>"`},
		// The brief's list.
		{">=", ""},
		{"~>1.0", `"~>"`},
		{"1.0 -", ""},
		{"a.b.c", ""},
		{"1.2.3.4.5", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := ParseConstraint(tt.in)
			if err == nil {
				t.Fatalf("ParseConstraint(%q) = %s, want an error", tt.in, render(c.Ranges()))
			}
			msg := err.Error()
			if want := fmt.Sprintf("invalid version constraint %q", tt.in); !strings.HasPrefix(msg, want) {
				t.Errorf("ParseConstraint(%q) error %q does not start with %q", tt.in, msg, want)
			}
			if !strings.Contains(msg, tt.mention) {
				t.Errorf("ParseConstraint(%q) error %q does not mention %s", tt.in, msg, tt.mention)
			}
		})
	}
}

func TestMatchesAll(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"*", true},
		{"x", true},
		{"X", true},
		{"*.*", true},
		{"v*", true},
		{"*@dev", true},
		{"@stable", true},
		{">=0", true},
		{"1.0 || *", true},
		{">=1.0", false},
		{"0.*", false},
		{"^1", false},
		{"dev-master", false},
		{">=dev-master", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := mustConstraint(t, tt.in).MatchesAll(); got != tt.want {
				t.Errorf("ParseConstraint(%q).MatchesAll() = %v, want %v", tt.in, got, tt.want)
			}
		})
	}

	if diff := cmp.Diff([][]Bound{{}}, mustConstraint(t, "*").Ranges(), cmp.Comparer(func(a, b Version) bool {
		return a.String() == b.String()
	})); diff != "" {
		t.Errorf(`ParseConstraint("*").Ranges() (-want +got):\n%s`, diff)
	}
}

func TestConstraintString(t *testing.T) {
	for in, want := range map[string]string{
		"  >= 1.39.0 ":  ">= 1.39.0",
		"^1.2 ||\t^2.0": "^1.2 ||\t^2.0",
		"\n*\n":         "*",
	} {
		if got := mustConstraint(t, in).String(); got != want {
			t.Errorf("ParseConstraint(%q).String() = %q, want %q", in, got, want)
		}
	}
}

// TestVersionEquality checks that == on Versions compares normalized forms,
// wherever the Version came from.
func TestVersionEquality(t *testing.T) {
	upper := mustConstraint(t, "^1.0").Ranges()[0][1].Version
	if upper != mustVersion(t, "2.0.0.0-dev") || upper != mustVersion(t, "2.0-dev") {
		t.Errorf("bound %q != parsed 2.0.0.0-dev", upper)
	}
	if mustVersion(t, "1.0") == mustVersion(t, "1.0.1") {
		t.Error("1.0 == 1.0.1")
	}
}

// TestRangesAreCopies guards the immutability of Constraint.
func TestRangesAreCopies(t *testing.T) {
	c := mustConstraint(t, "^1.2")
	r := c.Ranges()
	r[0][0] = Bound{Op: OpEQ, Version: mustVersion(t, "9.0")}
	r[0] = nil
	if got, want := render(c.Ranges()), ">=1.2.0.0-dev <2.0.0.0-dev"; got != want {
		t.Errorf("Ranges after modifying a copy = %s, want %s", got, want)
	}
}

func TestZeroValues(t *testing.T) {
	var (
		v Version
		c Constraint
	)
	if v.String() != "" || v.Stability() != "" {
		t.Errorf("zero Version = %q (%q), want empty", v.String(), v.Stability())
	}
	if got := Compare(v, mustVersion(t, "0")); got != -1 {
		t.Errorf("Compare(zero, 0) = %d, want -1", got)
	}
	if c.Matches(mustVersion(t, "1.0")) || c.MatchesAll() || c.Ranges() != nil || c.String() != "" {
		t.Errorf("zero Constraint is not empty: %s", render(c.Ranges()))
	}
	if mustConstraint(t, ">=1.0").Matches(v) {
		t.Error(`">=1.0" matches the zero Version`)
	}
}

func TestPHPIncrement(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "1"},
		{"09", "10"},
		{"9223372036854775806", "9223372036854775807"},
		{"9223372036854775807", "9.2233720368548E+18"},
		{"99999999999999999999", "1.0E+20"},
		{strings.Repeat("9", 400), "INF"},
	}
	for _, tt := range tests {
		if got := phpIncrement(tt.in); got != tt.want {
			t.Errorf("phpIncrement(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		in   string
		want [][]string
	}{
		{">=1.0 <2.0", [][]string{{">=1.0", "<2.0"}}},
		{">= 1.0 < 2.0", [][]string{{">= 1.0", "< 2.0"}}},
		{"1.0 - 2.0", [][]string{{"1.0 - 2.0"}}},
		{"a as b", [][]string{{"a as b"}}},
		{"1.0  as 2.0", [][]string{{"1.0", " as 2.0"}}},
		{"a || b | c", [][]string{{"a"}, {"b"}, {"c"}}},
		{"a|||b", [][]string{{"a"}, {""}, {"b"}}},
		{"a ,b, c", [][]string{{"a", "b", "c"}}},
		{"a\tb", [][]string{{"a\tb"}}},
		{"a\t||\nb\v|\fc", [][]string{{"a"}, {"b"}, {"c"}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got [][]string
			for _, alt := range splitOr(tt.in) {
				got = append(got, splitAnd(alt))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("split(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestLongInput guards against quadratic splitting: a backtracking
// implementation of the conjunction separator needs minutes for this.
func TestLongInput(t *testing.T) {
	spaces := strings.Repeat(" ", 1<<18)
	for _, in := range []string{
		"1" + spaces + "x", "1" + spaces + ",2", "1," + spaces + "as", "1 -" + spaces + "2",
		strings.Repeat("1 ", 1<<12), strings.Repeat("| ", 1<<12), strings.Repeat("dev", 1<<12),
	} {
		_, _ = ParseConstraint(in)
		_, _ = ParseVersion(in)
	}
}

func BenchmarkMatches(b *testing.B) {
	c := mustConstraint(b, "^7.4.3 || ^8.0 !=8.1.0")
	versions := []Version{
		mustVersion(b, "8.2.7"), mustVersion(b, "7.3.0"), mustVersion(b, "8.1.0"), mustVersion(b, "dev-master"),
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Matches(versions[i%len(versions)])
	}
}

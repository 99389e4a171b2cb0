package semver

import (
	"fmt"
	"strings"
	"testing"
)

// probeVersions are matched against every constraint the fuzzer accepts.
var probeVersions = []string{
	"0", "0.0.0-dev", "0.5.3", "1.0.0-alpha", "1.0", "1.0.0-p1", "1.39.17",
	"2.0.0-beta1", "2.0", "7.4.3", "20240101", "2010-01-02", "1.x-dev",
	"dev-master", "master", "99999999999999999999.1-dev",
}

func matchesRanges(ranges [][]Bound, v Version) bool {
	for _, bounds := range ranges {
		all := true
		for _, b := range bounds {
			all = all && b.matches(v)
		}
		if all {
			return true
		}
	}

	return false
}

func FuzzParseConstraint(f *testing.F) {
	for _, s := range []string{
		">= 1.39.0", "^7.4.3 || ^8.0", "1.0 - 2.0", "~1.2.3-beta", "*", "*.*",
		"2.x-dev - 3.x-dev", ">2.0@stable,@dev", "~>1.0", "dev-master as 1.0",
		"1.0.x-dev#abc", ">= 1.0 <2.0 || !=1.5", "~9223372036854775807.1",
		"^0.0.3-stable", ">=2.0 <1.0 || >=1.0 <3.0", "1.0 ,, 2.0", "a\t||\vb",
	} {
		f.Add(s)
	}
	versions := make([]Version, len(probeVersions))
	for i, s := range probeVersions {
		versions[i] = mustVersion(f, s)
	}
	lowest := newVersion("0.0.0.0-dev")

	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConstraint(s)
		if err != nil {
			if want := fmt.Sprintf("invalid version constraint %q", s); !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("ParseConstraint(%q) error %q does not start with %q", s, err, want)
			}

			return
		}
		ranges := c.Ranges()
		if len(ranges) == 0 {
			t.Fatalf("ParseConstraint(%q) has no alternatives", s)
		}
		for _, bounds := range ranges {
			for _, b := range bounds {
				switch b.Op {
				case OpEQ, OpNE, OpLT, OpLE, OpGT, OpGE:
				default:
					t.Fatalf("ParseConstraint(%q) has operator %q", s, b.Op)
				}
				if b.Version.String() == "" {
					t.Fatalf("ParseConstraint(%q) has an empty bound", s)
				}
			}
		}
		again, err := ParseConstraint(c.String())
		if err != nil || render(again.Ranges()) != render(ranges) {
			t.Fatalf("ParseConstraint(%q) = %s, but its String %q gives %s, %v",
				s, render(ranges), c.String(), render(again.Ranges()), err)
		}
		all := c.MatchesAll()
		for _, v := range versions {
			got := c.Matches(v)
			if want := matchesRanges(ranges, v); got != want {
				t.Fatalf("ParseConstraint(%q).Matches(%q) = %v, but its Ranges %s say %v", s, v, got, render(ranges), want)
			}
			if all && !got && !isBranch(v.String()) && Compare(v, lowest) >= 0 {
				t.Fatalf("ParseConstraint(%q) matches all but not %q", s, v)
			}
		}
	})
}

// reparseMayDiffer reports whether composer's normalize, applied to v's
// normalized form, can give a different version. It is not idempotent for
// date versions ("2024-01-02" gives 2024.01.02, which reads as the classical
// 2024.01.02.0), for a capitalized "-Stable" (kept as "-stable", which is
// then dropped), and for branch names that end in whitespace or a stability
// flag: each pass drops one flag, and trailing whitespace that a dropped
// flag uncovers goes on the next pass ("dev-x @dev@dev" gives "dev-x @dev",
// then "dev-x ", then "dev-x").
func reparseMayDiffer(v Version, k kind) bool {
	switch {
	case k == kindDate, strings.Contains(v.norm, "-stable"):
		return true
	case k == kindBranch:
		return phpTrim(v.norm) != v.norm || reVersionFlag.MatchString(v.norm)
	}

	return false
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{
		"1.39.17", "v1.2", "1.2.3-beta2", "1.0.0-RC1", "1.2.3-p1", "1.0-dev",
		"dev-master", "20240101", "2010-01-02", "1.0.0RC1dev", "1.x-dev",
		"1.0.0+foo as 2.0", "1.2.3.4.5", "1.0-Stable", "dev-x @dev",
	} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			if want := fmt.Sprintf("%q", s); !strings.Contains(err.Error(), want) {
				t.Fatalf("ParseVersion(%q) error %q does not name the input", s, err)
			}

			return
		}
		switch v.Stability() {
		case "dev", "alpha", "beta", "RC", "stable", "patch":
		default:
			t.Fatalf("ParseVersion(%q) has stability %q", s, v.Stability())
		}
		if Compare(v, v) != 0 {
			t.Fatalf("Compare(%q, itself) != 0", v)
		}

		_, k, _ := normalize(s)
		w, err := ParseVersion(v.String())
		if err != nil {
			t.Fatalf("ParseVersion(%q) = %q, which does not parse: %v", s, v, err)
		}
		if c, r := Compare(v, w), Compare(w, v); c != -r {
			t.Fatalf("Compare(%q, %q) = %d but Compare(%q, %q) = %d", v, w, c, w, v, r)
		}
		if Compare(v, w) != 0 && !reparseMayDiffer(v, k) {
			t.Fatalf("ParseVersion(%q) = %q, which reparses as %q", s, v, w)
		}
		if _, kw, _ := normalize(v.String()); !reparseMayDiffer(w, kw) {
			if x := mustVersion(t, w.String()); x != w {
				t.Fatalf("normalizing %q gives %q, then %q, then %q", s, v, w, x)
			}
		}

		// A version lies at or above its own ">=" bound and not below
		// its own "<" bound.
		if isBranch(v.String()) || reparseMayDiffer(v, k) {
			return
		}
		if c, err := ParseConstraint(">=" + v.String()); err != nil || !c.Matches(v) {
			t.Fatalf(`">=%s" does not match %q: %v`, v, v, err)
		}
		if c, err := ParseConstraint("<" + v.String()); err != nil || c.Matches(v) {
			t.Fatalf(`"<%s" matches %q: %v`, v, v, err)
		}
	})
}

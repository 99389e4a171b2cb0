// Package relation turns composer version constraints (what extension.json requires of
// another extension) into package relations: Debian Depends entries and RPM Requires. The
// version orderings differ: composer's normalised "2.0.0.0" is newer than Debian's and
// RPM's "2.0.0", and composer's -dev, -alpha, -RC suffixes must sort before the release, as
// '~' does in both families. A relation may only be as strict as the family can say:
// Debian and RPM cannot express a union of ranges in one dependency, so an OR of ranges
// becomes the range that covers them all; the exact check stays with resolution.
package relation

import (
	"regexp"
	"sort"
	"strings"

	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/semver"
)

// For returns the relations on package pkg that constraint c asks for, in family f's syntax,
// sorted: none versioned for a match-all constraint ([pkg]), otherwise one per bound
// (several entries in Depends are ANDed by both families).
func For(f platform.Family, pkg string, c semver.Constraint) []string {
	if c.MatchesAll() {
		return []string{pkg}
	}
	lower, upper := hull(c.Ranges())
	var out []string
	for _, b := range []*semver.Bound{lower, upper} {
		if b == nil {
			continue
		}
		out = append(out, render(f, pkg, *b)...)
	}
	if len(out) == 0 {
		return []string{pkg}
	}
	sort.Strings(out)
	return out
}

// hull returns the loosest lower and upper bounds over the alternatives, nil where some
// alternative is unbounded on that side.
func hull(ranges [][]semver.Bound) (lower, upper *semver.Bound) {
	lowOpen, upOpen := false, false
	for _, conj := range ranges {
		var lo, up *semver.Bound
		for i := range conj {
			b := conj[i]
			switch b.Op {
			case semver.OpGE, semver.OpGT, semver.OpEQ:
				if lo == nil || semver.Compare(b.Version, lo.Version) > 0 {
					lo = &b
				}
			}
			switch b.Op {
			case semver.OpLE, semver.OpLT, semver.OpEQ:
				if up == nil || semver.Compare(b.Version, up.Version) < 0 {
					up = &b
				}
			}
		}
		if lo == nil {
			lowOpen = true
		} else if lower == nil || semver.Compare(lo.Version, lower.Version) < 0 {
			lower = lo
		}
		if up == nil {
			upOpen = true
		} else if upper == nil || semver.Compare(up.Version, upper.Version) > 0 {
			upper = up
		}
	}
	if lowOpen {
		lower = nil
	}
	if upOpen {
		upper = nil
	}
	if lower != nil && upper != nil && lower.Op == semver.OpEQ && upper.Op == semver.OpEQ && lower.Version == upper.Version {
		return lower, nil // an exact version is one relation
	}
	return lower, upper
}

func render(f platform.Family, pkg string, b semver.Bound) []string {
	rel := func(op, v string) string {
		if f == platform.Debian {
			switch op {
			case "<":
				op = "<<"
			case ">":
				op = ">>"
			}
			return pkg + " (" + op + " " + v + ")"
		}
		return pkg + " " + op + " " + v
	}
	v := Version(b.Version)
	if strings.ContainsAny(v, "~+") {
		return []string{rel(string(b.Op), v)}
	}
	// Composer's 2, 2.0 and 2.0.0 are one version; Debian and RPM order them. Just above
	// every spelling of a release is its four-part form followed by ".1~".
	above := b.Version.String() + ".1~"
	switch b.Op {
	case semver.OpLE:
		return []string{rel("<", above)}
	case semver.OpGT:
		return []string{rel(">=", above)}
	case semver.OpEQ:
		return []string{rel(">=", v), rel("<", above)}
	}
	return []string{rel(string(b.Op), v)}
}

var (
	stability = regexp.MustCompile(`^(.*?)-(dev|alpha|beta|rc|patch)(\d*)(-dev)?$`)
	trailing0 = regexp.MustCompile(`(\.0)+$`)
)

// Version renders a composer version in the syntax both Debian and RPM order correctly:
// trailing ".0" parts dropped (1.39.0.0 is 1.39), pre-release stabilities after '~' so they
// sort before the release (2.0.0.0-dev is 2~, 1.0.0.0-RC1 is 1~rc1), patch levels after '+'.
func Version(v semver.Version) string {
	s := v.String()
	var suffix string
	if m := stability.FindStringSubmatch(strings.ToLower(s)); m != nil {
		s = s[:len(m[1])]
		switch m[2] {
		case "dev":
			suffix = "~"
		case "patch":
			suffix = "+p" + m[3]
		default:
			suffix = "~" + m[2] + m[3]
		}
		if m[4] != "" && m[2] != "dev" {
			suffix += "~"
		}
	}
	s = trailing0.ReplaceAllString(s, "")
	return s + suffix
}

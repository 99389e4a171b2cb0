// Package semver implements composer's version and constraint semantics, so
// that mwedition accepts and rejects the "requires" of a MediaWiki
// extension.json exactly as MediaWiki does: MediaWiki's VersionChecker parses
// constraints with composer/semver 3.x (VersionParser::parseConstraints) and
// matches them against VersionParser::normalize of the installed version.
//
// The package reproduces that behaviour rather than semver.org's: versions
// are normalized to composer's four-part form ("1.39" becomes "1.39.0.0"),
// ordering follows PHP's version_compare on those normalized strings, and
// constraints are expanded the way composer expands them, including its
// less obvious rules (">= 1.0" admits "1.0.0-alpha", "< 2.0" rejects
// "2.0.0-beta1", "dev-" branches never satisfy a range).
package semver

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// kind records which of composer's version grammars accepted a version.
type kind uint8

const (
	kindInvalid   kind = iota
	kindClassical      // up to four dotted numbers plus modifiers
	kindDate           // date/time style, e.g. 20240101 or 2024-01-01
	kindNumbered       // numbered development branch, e.g. 1.x-dev
	kindBranch         // named branch, dev-<name>
)

// Version is a version normalized the way composer normalizes it. Every
// field derives from the normalized form, so == on Versions compares those
// forms; Compare is the ordering composer uses. The zero Version is not a
// valid version; it sorts below every numbered version and its String is
// empty.
type Version struct {
	norm  string // composer's normalized form, e.g. "1.39.17.0"
	canon string // norm as PHP's version_compare canonicalizes it
	stab  string // see Stability
}

// ParseVersion normalizes s as composer's VersionParser::normalize does:
// "1.39.17" becomes 1.39.17.0, a leading "v" and "+build" metadata are
// dropped, stability modifiers are expanded ("1.2.3b2" becomes
// 1.2.3.0-beta2, "1.2.3-p1" becomes 1.2.3.0-patch1), "1.x-dev" becomes
// 1.9999999.9999999.9999999-dev, date versions such as 20240101 are kept
// as they are, and "dev-<name>" (or bare "master", "trunk", "default") names
// a branch. An "@stability" flag or an " as <alias>" suffix is ignored.
func ParseVersion(s string) (Version, error) {
	norm, _, err := normalize(s)
	if err != nil {
		return Version{}, fmt.Errorf("invalid version %q", s)
	}

	return newVersion(norm), nil
}

// newVersion wraps an already normalized version string. Constraint bounds
// are built this way because composer keeps them as plain strings, such as
// "2.0.0.0-dev" for "^1.0" or "1.0E+20.0.0.0-dev" for "^99999999999999999999",
// which normalize would not even accept.
func newVersion(norm string) Version {
	v := Version{norm: norm, stab: parseStability(norm)}
	if v.stab == "stable" && isPatch(norm) {
		v.stab = "patch"
	}
	if !isBranch(norm) {
		v.canon = canonicalize(norm)
	}

	return v
}

// String returns the normalized form, e.g. "1.39.17.0", "1.2.3.0-beta2" or
// "dev-master".
func (v Version) String() string { return v.norm }

// Stability returns composer's stability of v: "dev", "alpha", "beta",
// "RC" or "stable", except that patch releases ("1.2.3-p1", normalized to
// 1.2.3.0-patch1) report "patch" where composer's parseStability says
// "stable"; both count as stable releases, and patch releases sort above
// the release they patch. The zero Version reports "".
func (v Version) Stability() string { return v.stab }

// Compare orders a and b by PHP's version_compare applied to their
// normalized forms, which is what composer's constraints use: -1 if a < b,
// 0 if they are equal, 1 if a > b. Within one release the order is
// dev < alpha < beta < RC < (no suffix) < patch, and "1.0.0.0-beta" <
// "1.0.0.0-beta1" < "1.0.0.0-beta2".
//
// Branch versions (dev-<name>) have no order in composer. Compare sorts
// them before every numbered version and among themselves by name, so that
// Compare returns 0 exactly when two branches are the same branch.
func Compare(a, b Version) int {
	ab, bb := isBranch(a.norm), isBranch(b.norm)
	switch {
	case ab && bb:
		return strings.Compare(a.norm, b.norm)
	case ab:
		return -1
	case bb:
		return 1
	}

	return compareNormalized(a, b)
}

// compareNormalized is PHP's version_compare(a, b) on two normalized
// strings, using the canonical forms computed when the Versions were made.
func compareNormalized(a, b Version) int {
	if a.canon == "" || b.canon == "" {
		return emptyCompare(a.canon, b.canon)
	}

	return compareCanonical(a.canon, b.canon)
}

// isBranch reports whether composer treats the normalized string as a branch
// name, which it recognizes by the literal (case-sensitive) "dev-" prefix.
func isBranch(norm string) bool { return strings.HasPrefix(norm, "dev-") }

// normalize is VersionParser::normalize. It returns the normalized string
// and the grammar that accepted it.
func normalize(in string) (string, kind, error) {
	v := phpTrim(in)
	orig := v

	if m := reAlias.FindStringSubmatch(v); m != nil {
		v = m[1]
	}
	if loc := reVersionFlag.FindStringIndex(v); loc != nil {
		v = v[:loc[0]]
	}
	switch v {
	case "master", "trunk", "default":
		v = "dev-" + v
	}
	if hasPrefixFold(v, "dev-") {
		return "dev-" + v[4:], kindBranch, nil
	}
	if m := reBuildMeta.FindStringSubmatch(v); m != nil {
		v = m[1]
	}

	if m := reClassical.FindStringSubmatch(v); m != nil {
		out := m[1] + orDefault(m[2], ".0") + orDefault(m[3], ".0") + orDefault(m[4], ".0")

		return withModifiers(out, m[5], m[6], m[7]), kindClassical, nil
	}
	if m := reDate.FindStringSubmatch(v); m != nil {
		out := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}

			return '.'
		}, m[1])

		return withModifiers(out, m[2], m[3], m[4]), kindDate, nil
	}

	// "1.2.x-dev" and "1.2-dev"-like spellings of numbered branches; a
	// named branch must be written dev-<name>, so that case is an error.
	if m := reDevTail.FindStringSubmatch(v); m != nil {
		if b := normalizeBranch(m[1]); !strings.Contains(b, "dev-") {
			return b, kindNumbered, nil
		}
	}

	return "", kindInvalid, fmt.Errorf("invalid version %q", orig)
}

// withModifiers appends composer's expanded stability modifier to a
// normalized number. A literal lowercase "stable" drops every modifier,
// including -dev, as composer does; other spellings ("Stable") are kept.
func withModifiers(out, stability, number, dev string) string {
	if stability != "" {
		if stability == "stable" {
			return out
		}
		out += "-" + expandStability(stability) + strings.TrimLeft(number, ".-")
	}
	if dev != "" {
		out += "-dev"
	}

	return out
}

func expandStability(s string) string {
	switch s = asciiLower(s); s {
	case "a":
		return "alpha"
	case "b":
		return "beta"
	case "p", "pl":
		return "patch"
	case "rc":
		return "RC"
	default:
		return s
	}
}

// normalizeBranch is VersionParser::normalizeBranch: numbered branch names
// get 9999999 for every missing or wildcard part, anything else becomes a
// dev-<name> branch.
func normalizeBranch(name string) string {
	name = phpTrim(name)
	m := reNumberedBranch.FindStringSubmatch(name)
	if m == nil {
		return "dev-" + name
	}
	var b strings.Builder
	for i := 1; i <= 4; i++ {
		if m[i] == "" {
			b.WriteString(".x")

			continue
		}
		b.WriteString(wildcardToX.Replace(m[i]))
	}

	return strings.ReplaceAll(b.String(), "x", "9999999") + "-dev"
}

var wildcardToX = strings.NewReplacer("*", "x", "X", "x")

// parseStability is VersionParser::parseStability: "dev", "alpha", "beta",
// "RC" or "stable" (which includes patch releases).
func parseStability(v string) string {
	// composer first strips a "#ref" suffix; only branch names can carry
	// one, and they are "dev" regardless, so that step is omitted.
	if strings.HasPrefix(v, "dev-") || strings.HasSuffix(v, "-dev") {
		return "dev"
	}
	// The pattern is entirely optional, so it always matches (at worst the
	// empty string at the end).
	m := reStabilityTail.FindStringSubmatch(asciiLower(v))
	if m[3] != "" {
		return "dev"
	}
	switch m[1] {
	case "beta", "b":
		return "beta"
	case "alpha", "a":
		return "alpha"
	case "rc":
		return "RC"
	}

	return "stable"
}

// isPatch reports whether a normalized version carries a patch modifier.
func isPatch(v string) bool {
	switch reStabilityTail.FindStringSubmatch(asciiLower(v))[1] {
	case "patch", "pl", "p":
		return true
	}

	return false
}

// PHP string helpers. They work on bytes and ASCII only, as PHP's do.

// phpTrim is PHP's trim() with its default character list.
func phpTrim(s string) string { return strings.Trim(s, " \t\n\r\x00\x0b") }

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + ('a' - 'A')
		}

		return r
	}, s)
}

// hasPrefixFold is stripos($s, $prefix) === 0 for an ASCII prefix.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && asciiLower(s[:len(prefix)]) == prefix
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}

	return s
}

// phpIncrement returns the string PHP produces for ($digits + 1), where
// digits is a run of decimal digits: an integer while it fits in a PHP int,
// otherwise PHP's float rendering (e.g. "9.2233720368548E+18").
func phpIncrement(digits string) string {
	n, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		// Unreachable for regexp-matched digits; PHP would treat it as 0.
		return "1"
	}
	if n.Cmp(big.NewInt(math.MaxInt64)) < 0 {
		return strconv.FormatInt(n.Int64()+1, 10)
	}
	f, _ := strconv.ParseFloat(strings.TrimLeft(digits, "0"), 64)

	return phpFloatString(f + 1)
}

// phpFloatString renders f as PHP converts a float to string with the
// default precision of 14 significant digits. Only values of at least 2^63
// reach it, which PHP always writes in exponent form ("1.0E+20").
func phpFloatString(f float64) string {
	if math.IsInf(f, 1) {
		return "INF"
	}
	mant, exp, _ := strings.Cut(strconv.FormatFloat(f, 'e', 13, 64), "e")
	digits := strings.TrimRight(strings.Replace(mant, ".", "", 1), "0")
	rest := digits[1:]
	if rest == "" {
		rest = "0"
	}
	e, _ := strconv.Atoi(exp)
	sign := "+"
	if e < 0 {
		sign, e = "-", -e
	}

	return digits[:1] + "." + rest + "E" + sign + strconv.Itoa(e)
}

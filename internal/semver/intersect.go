package semver

// Conjuncts returns the single constraints a constraint string is made of,
// split at "||" (or "|") and at the spaces or commas that separate
// conjuncts, exactly where ParseConstraint splits them, e.g. ">=1.0 <2.0 ||
// 3.0@dev" gives [">=1.0" "<2.0" "3.0@dev"]. Composer's root package loader
// reads stability flags ("@dev") and pre-release versions from these pieces.
func Conjuncts(s string) []string {
	var out []string
	for _, alternative := range splitOr(phpTrim(s)) {
		out = append(out, splitAnd(alternative)...)
	}

	return out
}

// Intersects reports whether some version satisfies both a and b, as
// composer's $a->matches($b) decides it between two constraints, which is
// how a "provide" or "replace" link is held against a requirement. Composer
// compares the bounds pairwise; on a line that is the same as asking whether
// the two ranges overlap, which is what this computes. "!=" bounds never make
// two ranges disjoint, as in composer.
func Intersects(a, b Constraint) bool {
	for _, ga := range a.groups {
		for _, gb := range b.groups {
			if feasible(append(append([]term{}, ga...), gb...)) {
				return true
			}
		}
	}

	return false
}

// feasible reports whether one version can satisfy every term of a
// conjunction.
func feasible(terms []term) bool {
	var bounds []Bound
	for _, t := range terms {
		if !t.any {
			bounds = append(bounds, t.Bound)
		}
	}
	// An exact version must satisfy the rest itself, "!=" included.
	for _, b := range bounds {
		if b.Op == OpEQ {
			return allBounds(bounds, b.Version)
		}
	}
	var low, high *Bound
	for i, b := range bounds {
		if b.Op != OpNE && isBranch(b.Version.norm) {
			// A range around a branch name matches nothing.
			return false
		}
		switch b.Op {
		case OpNE:
		case OpGT, OpGE:
			if low == nil || tighterLow(b, *low) {
				low = &bounds[i]
			}
		case OpLT, OpLE:
			if high == nil || tighterHigh(b, *high) {
				high = &bounds[i]
			}
		}
	}
	if low == nil || high == nil {
		return true
	}
	c := compareNormalized(low.Version, high.Version)

	return c < 0 || (c == 0 && low.Op == OpGE && high.Op == OpLE)
}

func allBounds(bounds []Bound, v Version) bool {
	for _, b := range bounds {
		if !b.matches(v) {
			return false
		}
	}

	return true
}

// tighterLow reports whether lower bound a excludes more than lower bound b.
func tighterLow(a, b Bound) bool {
	c := compareNormalized(a.Version, b.Version)

	return c > 0 || (c == 0 && a.Op == OpGT)
}

// tighterHigh reports whether upper bound a excludes more than upper bound b.
func tighterHigh(a, b Bound) bool {
	c := compareNormalized(a.Version, b.Version)

	return c < 0 || (c == 0 && a.Op == OpLT)
}

// StabilityOf is composer's VersionParser::parseStability on any string,
// such as a constraint operand ">=1.1.0-RC1": "dev", "alpha", "beta", "RC"
// or "stable" (patch releases included), judged by the string's tail.
func StabilityOf(s string) string { return parseStability(s) }

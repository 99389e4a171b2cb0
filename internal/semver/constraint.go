package semver

import (
	"errors"
	"fmt"
	"strings"
)

// Op is a comparison operator of a Bound.
type Op string

// The operators composer's constraints expand to. "==" and "<>" in a
// constraint are reported as OpEQ and OpNE.
const (
	OpEQ Op = "="
	OpNE Op = "!="
	OpLT Op = "<"
	OpLE Op = "<="
	OpGT Op = ">"
	OpGE Op = ">="
)

// Bound is a single comparison such as ">= 1.39.0.0-dev".
type Bound struct {
	Op      Op
	Version Version
}

// String renders b without a space, e.g. ">=1.39.0.0-dev".
func (b Bound) String() string { return string(b.Op) + b.Version.String() }

// matches is composer's Constraint::matchSpecific for an exact version: the
// comparison uses version_compare, except that a branch version only ever
// equals (or differs from) the same branch and satisfies no range.
func (b Bound) matches(v Version) bool {
	vb, bb := isBranch(v.norm), isBranch(b.Version.norm)
	switch b.Op {
	case OpNE:
		if vb || bb {
			return v.norm != b.Version.norm
		}

		return compareNormalized(v, b.Version) != 0
	case OpEQ:
		if vb || bb {
			return vb && bb && v.norm == b.Version.norm
		}

		return compareNormalized(v, b.Version) == 0
	}
	if vb || bb {
		return false
	}
	c := compareNormalized(v, b.Version)
	switch b.Op {
	case OpLT:
		return c < 0
	case OpLE:
		return c <= 0
	case OpGT:
		return c > 0
	case OpGE:
		return c >= 0
	}

	return false
}

// term is one element of a conjunction: a bound, or composer's
// MatchAllConstraint ("*"), which is kept because it affects how composer
// merges adjacent ranges.
type term struct {
	any bool
	Bound
}

func (t term) matches(v Version) bool { return t.any || t.Bound.matches(v) }

// composerString is (string) of composer's constraint object, which its
// range merging inspects.
func (t term) composerString() string {
	if t.any {
		return "*"
	}
	op := string(t.Op)
	if t.Op == OpEQ {
		op = "=="
	}

	return op + " " + t.Version.norm
}

// Constraint is a parsed composer version constraint: a disjunction of
// conjunctions of bounds. The zero Constraint matches nothing.
type Constraint struct {
	text   string
	groups [][]term
}

// ParseConstraint parses s as composer's VersionParser::parseConstraints
// does. Alternatives are separated by "||" (or a single "|"), conjuncts by
// spaces or a comma; each conjunct is an exact version ("1.0.2"), a
// comparison ("<>", "!=", ">", ">=", "<", "<=", "=", "=="), a wildcard
// ("1.2.*", "*"), a tilde or caret range ("~1.2", "^1.2.3"), or a hyphen
// range ("1.0 - 2.0"), optionally followed by a stability flag such as
// "@dev". As in composer, ">=" and "<" bounds without an explicit stability
// get "-dev" appended, so ">= 1.39" admits 1.39.0-alpha and "< 2.0" rejects
// 2.0.0-beta1.
func ParseConstraint(s string) (Constraint, error) {
	text := phpTrim(s)
	var groups [][]term
	for _, alternative := range splitOr(text) {
		var group []term
		for _, conjunct := range splitAnd(alternative) {
			terms, err := parseConjunct(conjunct)
			if err != nil {
				if conjunct != text {
					err = fmt.Errorf("in %q: %w", conjunct, err)
				}

				return Constraint{}, fmt.Errorf("invalid version constraint %q: %w", s, err)
			}
			group = append(group, terms...)
		}
		groups = append(groups, group)
	}

	return Constraint{text: text, groups: mergeAdjacent(groups)}, nil
}

// Matches reports whether v satisfies c, exactly as composer's
// $constraint->matches(new Constraint('==', $version)) decides it.
func (c Constraint) Matches(v Version) bool {
	for _, group := range c.groups {
		if allMatch(group, v) {
			return true
		}
	}

	return false
}

func allMatch(group []term, v Version) bool {
	for _, t := range group {
		if !t.matches(v) {
			return false
		}
	}

	return true
}

// String returns the constraint as written, with surrounding whitespace
// removed.
func (c Constraint) String() string { return c.text }

// Ranges returns c as alternatives (OR) of bound lists (AND), with every
// tilde, caret, wildcard and hyphen range expanded to the bounds composer
// uses, e.g. "^1.2 || 3.*" gives [[>=1.2.0.0-dev <2.0.0.0-dev]
// [>=3.0.0.0-dev <4.0.0.0-dev]]. Like composer, it joins neighbouring
// alternatives whose ranges meet: "^1.0 || ^2.0" gives
// [[>=1.0.0.0-dev <3.0.0.0-dev]]. An alternative that accepts everything,
// such as "*", is an empty list, so "*" gives [][]Bound{{}}. The result is
// a fresh copy.
func (c Constraint) Ranges() [][]Bound {
	if c.groups == nil {
		return nil
	}
	out := make([][]Bound, len(c.groups))
	for i, group := range c.groups {
		out[i] = []Bound{}
		for _, t := range group {
			if !t.any {
				out[i] = append(out[i], t.Bound)
			}
		}
	}

	return out
}

// MatchesAll reports whether c accepts every version: true for "*", "x"
// and "@dev", and also for "*.*", "v*" and ">=0", which composer expands to
// ">= 0.0.0.0-dev" rather than to its match-all constraint. That bound
// accepts every numbered version but, unlike "*", no dev-<name> branch.
func (c Constraint) MatchesAll() bool {
	for _, bounds := range c.Ranges() {
		switch {
		case len(bounds) == 0:
			return true
		case len(bounds) == 1 && bounds[0].Op == OpGE && !isBranch(bounds[0].Version.norm) &&
			compareNormalized(bounds[0].Version, lowestVersion) <= 0:
			return true
		}
	}

	return false
}

// lowestVersion is the bound of composer's "any numbered version" ranges.
var lowestVersion = newVersion("0.0.0.0-dev")

// splitOr splits a constraint at "|" or "||" together with the whitespace
// around them, keeping empty alternatives so that they are rejected later.
func splitOr(s string) []string {
	var parts []string
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '|' {
			continue
		}
		start := i
		for start > last && isPCRESpace(s[start-1]) {
			start--
		}
		end := i + 1
		if end < len(s) && s[end] == '|' {
			end++
		}
		for end < len(s) && isPCRESpace(s[end]) {
			end++
		}
		parts = append(parts, s[last:start])
		last = end
		i = end - 1
	}

	return append(parts, s[last:])
}

// splitAnd splits one alternative into conjuncts the way composer's
// separator pattern does: a single space or comma, with optional spaces
// around it, that neither follows an operator, a space, a comma or "as",
// nor sits next to a hyphen (so "1.0 - 2.0" stays whole), nor precedes a
// comma, "as" or the end.
func splitAnd(s string) []string {
	var parts []string
	last := 0
	for p := 0; p < len(s); p++ {
		if end, ok := andSeparatorAt(s, p); ok {
			parts = append(parts, s[last:p])
			last = end
			p = end - 1
		}
	}

	return append(parts, s[last:])
}

// andSeparatorAt tries the separator at byte p and returns where it ends.
// It gives the result a backtracking regexp engine would, without its
// quadratic cost on long runs of spaces.
func andSeparatorAt(s string, p int) (int, bool) {
	if p == 0 || strings.IndexByte("=>< ,", s[p-1]) >= 0 || (p >= 2 && s[p-2:p] == "as") {
		return 0, false
	}
	k := countSpaces(s, p)
	// q is the separator itself: first the character after the spaces
	// (which must then be a comma), then each of the spaces, last first.
	for q := p + k; q >= p; q-- {
		if s[q-1] == '-' || q >= len(s) || (s[q] != ' ' && s[q] != ',') {
			continue
		}
		if q+1 < len(s) && s[q+1] == '-' {
			continue
		}
		// The spaces after the separator run up to e. The match ends at e
		// if what follows is acceptable, or else one space earlier, which
		// is always acceptable, if there is such a space.
		e := p + k
		if q == p+k {
			e = q + 1 + countSpaces(s, q+1)
		}
		atEnd := e == len(s) || (e == len(s)-1 && s[e] == '\n')
		if !atEnd && s[e] != ',' && !strings.HasPrefix(s[e:], "as") {
			return e, true
		}
		if e-1 > q {
			return e - 1, true
		}
	}

	return 0, false
}

func countSpaces(s string, from int) int {
	n := 0
	for from+n < len(s) && s[from+n] == ' ' {
		n++
	}

	return n
}

// isPCRESpace reports whether PCRE's \s matches c.
func isPCRESpace(c byte) bool { return strings.IndexByte("\t\n\v\f\r ", c) >= 0 }

// mergeAdjacent applies composer's one optimization of alternatives:
// neighbouring two-bound ranges where one's "<" bound is the next one's
// ">=" bound are joined, so "^1.0 || ^2.0" becomes >=1.0.0.0-dev
// <3.0.0.0-dev. Composer compares the bounds as text and does not check
// that the ranges are ordered; neither does this, to stay identical.
func mergeAdjacent(groups [][]term) [][]term {
	if len(groups) < 2 {
		return groups
	}
	var merged [][]term
	left := groups[0]
	joined := false
	for _, right := range groups[1:] {
		if joinable(left, right) {
			left = []term{left[0], right[1]}
			joined = true

			continue
		}
		merged = append(merged, left)
		left = right
	}
	if !joined {
		return groups
	}

	return append(merged, left)
}

func joinable(left, right []term) bool {
	if len(left) != 2 || len(right) != 2 {
		return false
	}
	l0, l1 := left[0].composerString(), left[1].composerString()
	r0, r1 := right[0].composerString(), right[1].composerString()

	return strings.HasPrefix(l0, ">=") && strings.HasPrefix(l1, "<") &&
		strings.HasPrefix(r0, ">=") && strings.HasPrefix(r1, "<") &&
		l1[2:] == r0[3:]
}

// errTildeArrow mirrors composer's hint for Ruby's pessimistic operator.
var errTildeArrow = errors.New(`operator "~>" is not supported, use "~"`)

// parseConjunct is VersionParser::parseConstraint: it expands one conjunct
// into the bounds composer derives from it.
func parseConjunct(c string) ([]term, error) {
	if m := reAlias.FindStringSubmatch(c); m != nil {
		c = m[1]
	}
	// A stability flag only widens composer's minimum-stability; here it
	// matters only for a plain comparison against a stable version.
	var flag string
	if m := reFlag.FindStringSubmatch(c); m != nil {
		c = orDefault(m[1], "*")
		if m[2] != "stable" {
			flag = m[2]
		}
	}
	if m := reRef.FindStringSubmatch(c); m != nil {
		c = m[1]
	}

	if m := reWildcard.FindStringSubmatch(c); m != nil {
		if m[1] != "" || m[2] != "" {
			return []term{{Bound: Bound{Op: OpGE, Version: lowestVersion}}}, nil
		}

		return []term{{any: true}}, nil
	}
	if m := reTilde.FindStringSubmatch(c); m != nil {
		return tildeRange(c, m)
	}
	if m := reCaret.FindStringSubmatch(c); m != nil {
		return caretRange(c, m)
	}
	if m := reXRange.FindStringSubmatch(c); m != nil {
		return wildcardRange(m), nil
	}
	if m := reHyphen.FindStringSubmatch(c); m != nil {
		return hyphenRange(m)
	}

	return comparison(c, flag)
}

func bound(op Op, norm string) term { return term{Bound: Bound{Op: op, Version: newVersion(norm)}} }

// unstable reports whether a constraint operand carried neither a stability
// modifier nor a .x-dev suffix, in which case composer lowers the bound to
// the -dev of that version.
func unstable(stability, dev, xdev string) bool { return stability == "" && dev == "" && xdev == "" }

// tildeRange expands "~1.2.3": at least 1.2.3, below the next release of
// the second-to-last given part (1.3); "~1" behaves like "~1.0".
func tildeRange(c string, m []string) ([]term, error) {
	if strings.HasPrefix(c, "~>") {
		return nil, errTildeArrow
	}
	pos := lastGiven(m)
	if m[8] != "" {
		// "~2.0.x-dev": the x stands for one more part.
		pos++
	}
	suffix := ""
	if unstable(m[5], m[7], m[8]) {
		suffix = "-dev"
	}
	low, _, err := normalize((c + suffix)[1:])
	if err != nil {
		return nil, err
	}
	high := bump([4]string{m[1], m[2], m[3], m[4]}, max(1, pos-1), true) + "-dev"

	return []term{bound(OpGE, low), bound(OpLT, high)}, nil
}

// caretRange expands "^1.2.3": at least 1.2.3, below the next release of the
// leftmost non-zero part among the given ones.
func caretRange(c string, m []string) ([]term, error) {
	pos := 3
	switch {
	case m[1] != "0" || m[2] == "":
		pos = 1
	case m[2] != "0" || m[3] == "":
		pos = 2
	}
	suffix := ""
	if unstable(m[5], m[7], m[8]) {
		suffix = "-dev"
	}
	low, _, err := normalize((c + suffix)[1:])
	if err != nil {
		return nil, err
	}
	high := bump([4]string{m[1], m[2], m[3], m[4]}, pos, true) + "-dev"

	return []term{bound(OpGE, low), bound(OpLT, high)}, nil
}

// wildcardRange expands "1.2.*" to [1.2.0.0-dev, 1.3.0.0-dev); a range
// starting at 0.0.0.0-dev keeps only its upper bound.
func wildcardRange(m []string) []term {
	pos := 1
	switch {
	case m[3] != "":
		pos = 3
	case m[2] != "":
		pos = 2
	}
	parts := [4]string{m[1], m[2], m[3], ""}
	low := bump(parts, pos, false) + "-dev"
	high := bound(OpLT, bump(parts, pos, true)+"-dev")
	if low == "0.0.0.0-dev" {
		return []term{high}
	}

	return []term{bound(OpGE, low), high}
}

// hyphenRange expands "1.0 - 2.0": inclusive at both ends, where a partial
// upper version stands for all its releases ("2.0" means "< 2.1").
func hyphenRange(m []string) ([]term, error) {
	low, _, err := normalize(m[1])
	if err != nil {
		return nil, err
	}
	if unstable(m[6], m[8], m[9]) {
		low += "-dev"
	}
	high, _, err := normalize(m[10])
	if err != nil {
		return nil, err
	}
	if (m[12] != "" && m[13] != "") || m[15] != "" || m[17] != "" || m[18] != "" {
		return []term{bound(OpGE, low), bound(OpLE, high)}, nil
	}
	pos := 2
	if m[12] == "" {
		pos = 1
	}
	upper := bump([4]string{m[11], m[12], m[13], m[14]}, pos, true) + "-dev"

	return []term{bound(OpGE, low), bound(OpLT, upper)}, nil
}

// comparison handles an operator (or none, meaning "=") and a version.
func comparison(c, flag string) ([]term, error) {
	m := reBasic.FindStringSubmatch(c)
	op, operand := m[1], m[2]
	norm, _, err := normalize(operand)
	if err != nil {
		// "foo-dev" is composer's old spelling of the branch dev-foo.
		if !strings.HasSuffix(operand, "-dev") || !reDevRecover.MatchString(operand) {
			return nil, err
		}
		norm = "dev-" + operand[:len(operand)-len("-dev")]
	}
	switch {
	case op != "==" && op != "=" && op != "" && flag != "" && parseStability(norm) == "stable":
		norm += "-" + flag
	case op == "<" || op == ">=":
		// Without an explicit stability, "< 2.0" must exclude 2.0's
		// pre-releases and ">= 2.0" must include them.
		if !reDashModifier.MatchString(asciiLower(operand)) && !strings.HasPrefix(operand, "dev-") {
			norm += "-dev"
		}
	}

	return []term{bound(composerOp(op), norm)}, nil
}

func composerOp(op string) Op {
	switch op {
	case "", "=", "==":
		return OpEQ
	case "<>", "!=":
		return OpNE
	}

	return Op(op)
}

// lastGiven returns the 1-based position of the last number given in a
// version operand (groups 1-4 of m).
func lastGiven(m []string) int {
	for i := 4; i > 1; i-- {
		if m[i] != "" {
			return i
		}
	}

	return 1
}

// bump builds a four-part version from parts, zeroing the parts after
// position pos (1-based) and, if inc, incrementing the part at pos with
// PHP's integer semantics.
func bump(parts [4]string, pos int, inc bool) string {
	for i := range parts {
		switch {
		case i+1 > pos:
			parts[i] = "0"
		case i+1 == pos && inc:
			parts[i] = phpIncrement(parts[i])
		}
	}

	return strings.Join(parts[:], ".")
}

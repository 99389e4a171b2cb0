package composer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/mwedition/mwedition/internal/semver"
)

// decision is how a required name is satisfied: by a package of that name
// (link nil), or by another package's replace or provide link.
type decision struct {
	pkg  *Package
	link *Link
	core bool
}

func (d decision) satisfies(c semver.Constraint) bool {
	if d.link == nil {
		return c.Matches(d.pkg.Norm)
	}

	return semver.Intersects(d.link.Constraint, c)
}

func (d decision) describe() string {
	what := d.pkg.ID()
	if d.core {
		what = "core's " + what
	}
	if d.link == nil {
		return what
	}

	return fmt.Sprintf("%s, which %s %s %q", what, d.linkKind(), d.link.Target, d.link.Constraint.String())
}

func (d decision) linkKind() string {
	for i := range d.pkg.Replace {
		if &d.pkg.Replace[i] == d.link {
			return "replaces"
		}
	}

	return "provides"
}

// state is one node of the search. Each decision works on a clone, so
// backtracking is returning to the parent.
type state struct {
	reqs     map[string][]Requirement
	queue    []string // names in the order they were first required
	decided  map[string]decision
	chosen   []*Package // in decision order
	platform []Requirement
}

func newState() *state {
	return &state{reqs: map[string][]Requirement{}, decided: map[string]decision{}}
}

func (st *state) clone() *state {
	n := &state{
		reqs:     make(map[string][]Requirement, len(st.reqs)),
		queue:    st.queue[:len(st.queue):len(st.queue)],
		decided:  make(map[string]decision, len(st.decided)+1),
		chosen:   st.chosen[:len(st.chosen):len(st.chosen)],
		platform: st.platform[:len(st.platform):len(st.platform)],
	}
	for k, v := range st.reqs {
		n.reqs[k] = v[:len(v):len(v)] // appends copy, never share
	}
	for k, v := range st.decided {
		n.decided[k] = v
	}

	return n
}

func (st *state) require(r Requirement) {
	if _, ok := st.reqs[r.Target]; !ok {
		st.queue = append(st.queue, r.Target)
	}
	st.reqs[r.Target] = append(st.reqs[r.Target], r)
}

// open returns the required names not decided yet, in queue order.
func (st *state) open() []string {
	var out []string
	for _, n := range st.queue {
		if _, ok := st.decided[n]; !ok {
			out = append(out, n)
		}
	}

	return out
}

// fatal marks errors that end the search instead of being backtracked.
type fatal struct{ err error }

func (f fatal) Error() string { return f.err.Error() }
func (f fatal) Unwrap() error { return f.err }

type solver struct {
	ctx      context.Context
	in       Input
	platform map[string]semver.Version
	flags    map[string]int // per-name stability rank from root requirements
	minRank  int
	versions map[string][]*Package // by name and dev flag, from the canonical source
	steps    int
	best     *Error
	bestAt   int
}

func newSolver(ctx context.Context, in Input) (*solver, error) {
	s := &solver{ctx: ctx, in: in, platform: map[string]semver.Version{}, versions: map[string][]*Package{}, bestAt: -1}
	for name, v := range in.Platform {
		pv, err := semver.ParseVersion(v)
		if err != nil {
			return nil, fmt.Errorf("platform %s: %w", name, err)
		}
		s.platform[strings.ToLower(name)] = pv
	}
	min := in.MinimumStability
	if min == "" {
		min = "stable"
	}
	rank, ok := stabilityRank[normalizeStability(min)]
	if !ok {
		return nil, fmt.Errorf("minimum-stability %q is none of stable, RC, beta, alpha, dev", min)
	}
	s.minRank = rank
	s.flags = stabilityFlags(in.Require, rank)
	if s.in.MaxSteps == 0 {
		s.in.MaxSteps = 100000
	}

	return s, nil
}

// culprits are the names of chosen packages a failure depends on. A
// decision whose name is not among them cannot cure the failure, so the
// search jumps back past it (conflict-directed backjumping) instead of
// trying its every other version: a library in no repository must not
// cost every combination of the libraries chosen before it.
type culprits map[string]bool

func (c culprits) add(names ...string) {
	for _, n := range names {
		if n != "" {
			c[n] = true
		}
	}
}

// requirers returns the packages whose requirements brought name in.
func requirers(st *state, name string) culprits {
	c := culprits{}
	for _, r := range st.reqs[name] {
		c.add(r.From)
	}

	return c
}

// solve decides the next open name and recurses; it returns the first
// complete state found, or the failure and its culprits.
func (s *solver) solve(st *state, depth int) (*state, culprits, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, nil, fatal{err}
	}
	name, err := s.next(st)
	if err != nil || name == "" {
		return st, nil, err
	}
	if d, ok := s.providedBy(st, name); ok {
		if bad := unsatisfied(st.reqs[name], d); len(bad) > 0 {
			blame := requirers(st, name)
			if !d.core {
				blame.add(d.pkg.Name)
			}

			return nil, blame, s.fail(st, depth, s.providedError(name, d, st.reqs[name]))
		}
		next := st.clone()
		next.decided[name] = d

		return s.solve(next, depth)
	}
	cands, blame, err := s.candidates(st, name, depth)
	if err != nil {
		blame.add(keys(requirers(st, name))...)

		return nil, blame, err
	}
	for _, c := range cands {
		if s.steps++; s.steps > s.in.MaxSteps {
			return nil, nil, fatal{ErrTooComplex}
		}
		next, why, culprit := s.choose(st, c)
		if next == nil {
			s.fail(st, depth+1, why)
			blame.add(culprit)
			continue
		}
		res, sub, err := s.solve(next, depth+1)
		var f fatal
		switch {
		case err == nil:
			return res, nil, nil
		case errors.As(err, &f):
			return nil, nil, err
		case !sub[name]:
			return nil, sub, err // backjump: no version of name can help
		}
		delete(sub, name)
		blame.add(keys(sub)...)
	}
	blame.add(keys(requirers(st, name))...)

	return nil, blame, s.failure()
}

func keys(m culprits) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}

	return out
}

// next picks the name to decide: the first open one that something
// provides or a catalog has. A name no catalog has (a virtual package such
// as psr/log-implementation) waits until no other is left, since a package
// chosen meanwhile may provide it, as composer finds such providers among
// the packages it has loaded for other requirements.
func (s *solver) next(st *state) (string, error) {
	open := st.open()
	for _, name := range open {
		if _, ok := s.providedBy(st, name); ok {
			return name, nil
		}
		ps, err := s.available(name)
		if err != nil {
			return "", fatal{err}
		}
		if len(ps) > 0 {
			return name, nil
		}
	}
	if len(open) == 0 {
		return "", nil
	}

	return open[0], nil
}

// fail records a failure if it is the deepest so far and returns the
// failure to report.
func (s *solver) fail(st *state, depth int, e *Error) error {
	if depth > s.bestAt {
		e.Chain = chain(st, e.Requirers)
		s.best, s.bestAt = e, depth
	}

	return s.failure()
}

// chain follows the requirers that are packages back to the root
// requirements, so that an error about a library several steps away still
// names the extension that pulled it in.
func chain(st *state, reqs []Requirement) []Requirement {
	var out []Requirement
	seen := map[string]bool{}
	todo := []string{}
	for _, r := range reqs {
		todo = append(todo, r.From)
	}
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		for _, r := range sortedReqs(st.reqs[name]) {
			out = append(out, r)
			todo = append(todo, r.From)
		}
	}

	return out
}

func (s *solver) failure() error {
	if s.best == nil {
		return &Error{Reason: "no solution"}
	}

	return s.best
}

// choose decides c and adds its requirements, or says why c cannot be
// chosen given what is already decided, and which chosen package is in the
// way.
func (s *solver) choose(st *state, c *Package) (*state, *Error, string) {
	next := st.clone()
	next.decided[c.Name] = decision{pkg: c}
	next.chosen = append(next.chosen, c)
	for _, l := range c.Require {
		r := Requirement{Link: l, By: c.ID(), From: c.Name}
		if d, ok := next.decided[l.Target]; ok && !d.satisfies(l.Constraint) {
			culprit := d.pkg.Name
			if d.core {
				culprit = ""
			}

			return nil, &Error{
				Library:   l.Target,
				Requirers: sortedReqs(append(next.reqs[l.Target], r)),
				Reason:    fmt.Sprintf("%s would need it, but %s is already chosen", c.ID(), d.describe()),
			}, culprit
		}
		next.require(r)
	}
	for _, l := range c.Platform {
		next.platform = append(next.platform, Requirement{Link: l, By: c.ID(), From: c.Name})
	}

	return next, nil, ""
}

func unsatisfied(reqs []Requirement, d decision) []Requirement {
	var bad []Requirement
	for _, r := range reqs {
		if !d.satisfies(r.Constraint) {
			bad = append(bad, r)
		}
	}

	return bad
}

func sortedReqs(rs []Requirement) []Requirement {
	out := append([]Requirement(nil), rs...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].By != out[j].By {
			return out[i].By < out[j].By
		}

		return out[i].Constraint.String() < out[j].Constraint.String()
	})

	return out
}

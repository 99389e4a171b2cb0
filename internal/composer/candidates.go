package composer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mwedition/mwedition/internal/semver"
)

// providedBy reports whether name is satisfied without choosing a package
// of that name: by core's vendor or core's composer.json (which always
// win: core's autoloader would find them first), or by an already chosen
// package's replace or provide.
func (s *solver) providedBy(st *state, name string) (decision, bool) {
	for i := range s.in.Core {
		if p := &s.in.Core[i]; p.Name == name {
			return decision{pkg: p, core: true}, true
		}
	}
	core := make([]*Package, 0, len(s.in.Core)+1)
	for i := range s.in.Core {
		core = append(core, &s.in.Core[i])
	}
	if s.in.CoreRoot != nil {
		core = append(core, s.in.CoreRoot)
	}
	if d, ok := linkTo(core, name); ok {
		d.core = true

		return d, true
	}

	return linkTo(st.chosen, name)
}

// linkTo finds a package among ps that replaces or provides name.
func linkTo(ps []*Package, name string) (decision, bool) {
	for _, p := range ps {
		for _, links := range [][]Link{p.Replace, p.Provide} {
			for i := range links {
				if links[i].Target == name {
					return decision{pkg: p, link: &links[i]}, true
				}
			}
		}
	}

	return decision{}, false
}

// providedError explains a requirement that what core or a chosen package
// provides does not meet, quoting core's own requirement when there is one.
func (s *solver) providedError(name string, d decision, reqs []Requirement) *Error {
	e := &Error{Library: name, Requirers: sortedReqs(reqs)}
	if !d.core {
		e.Reason = fmt.Sprintf("%s is already chosen, and not every requirer accepts it", d.describe())

		return e
	}
	file := s.in.CoreFile
	if file == "" {
		file = "core's vendor"
	}
	e.Reason = fmt.Sprintf("conflicts with core: %s (%s) is what MediaWiki ships, and not every requirer accepts it", d.describe(), file)
	if s.in.CoreRoot != nil {
		for _, l := range append(append([]Link(nil), s.in.CoreRoot.Require...), s.in.CoreRoot.Platform...) {
			if l.Target == name {
				e.Requirers = append(e.Requirers, Requirement{Link: l, By: "core " + s.in.CoreRoot.ID()})
			}
		}
	}

	return e
}

// candidates returns the versions of name that could be chosen now, in
// composer's order of preference, or the failure that none can; and the
// chosen packages that ruled versions out.
func (s *solver) candidates(st *state, name string, depth int) ([]*Package, culprits, error) {
	reqs := st.reqs[name]
	blame := culprits{}
	all, err := s.available(name)
	if err != nil {
		return nil, blame, fatal{err}
	}
	if len(all) == 0 {
		var where []string
		for _, src := range s.in.Catalogs {
			where = append(where, src.URL())
		}

		return nil, blame, s.fail(st, depth, &Error{Library: name, Requirers: sortedReqs(reqs),
			Reason: fmt.Sprintf("is in no repository (searched: %s)", orNone(where))})
	}
	var out []*Package
	var hints []string
	for _, p := range all {
		if !matchesAll(reqs, p) {
			continue
		}
		if !s.stable(name, p) {
			hints = append(hints, fmt.Sprintf("%s is excluded by minimum-stability (its stability is %s; a root requirement with @%s would allow it)",
				p.Version, p.Norm.Stability(), p.Norm.Stability()))
			continue
		}
		if why, culprit := s.blocked(st, p); why != "" {
			hints = append(hints, why)
			blame.add(culprit)
			continue
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		reason := "no version satisfies every requirer (available: " + listVersions(all) + ")"
		if len(hints) > 0 {
			reason = "no version can be chosen: " + hints[0]
		}

		return nil, blame, s.fail(st, depth, &Error{Library: name, Requirers: sortedReqs(reqs), Reason: reason})
	}
	if s.in.PreferStable {
		sort.SliceStable(out, func(i, j int) bool {
			return stabilityRank[out[i].Norm.Stability()] < stabilityRank[out[j].Norm.Stability()]
		})
	}

	return out, blame, nil
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none configured"
	}

	return strings.Join(s, ", ")
}

// listVersions names up to eight versions, highest first.
func listVersions(ps []*Package) string {
	var vs []string
	for i, p := range ps {
		if i == 8 {
			vs = append(vs, fmt.Sprintf("and %d more", len(ps)-i))
			break
		}
		vs = append(vs, p.Version)
	}

	return strings.Join(vs, ", ")
}

func matchesAll(reqs []Requirement, p *Package) bool {
	for _, r := range reqs {
		if !r.Constraint.Matches(p.Norm) {
			return false
		}
	}

	return true
}

// available returns name's versions from the first source that has any,
// highest first.
func (s *solver) available(name string) ([]*Package, error) {
	withDev := s.rank(name) >= stabilityRank["dev"]
	key := fmt.Sprintf("%s\x00%v", name, withDev)
	if ps, ok := s.versions[key]; ok {
		return ps, nil
	}
	var out []*Package
	for _, src := range s.in.Catalogs {
		ps, err := src.Versions(s.ctx, name, withDev)
		if err != nil {
			return nil, fmt.Errorf("looking up composer library %s: %w", name, err)
		}
		if len(ps) == 0 {
			continue
		}
		for i := range ps {
			if ps[i].Name == name {
				out = append(out, &ps[i])
				if a := branchAlias(&ps[i]); a != nil {
					out = append(out, a)
				}
			}
		}
		break // canonical: the first source with the name hides the others
	}
	sort.SliceStable(out, func(i, j int) bool { return semver.Compare(out[i].Norm, out[j].Norm) > 0 })
	s.versions[key] = out

	return out, nil
}

func (s *solver) rank(name string) int {
	if r, ok := s.flags[name]; ok {
		return r
	}

	return s.minRank
}

func (s *solver) stable(name string, p *Package) bool {
	return stabilityRank[p.Norm.Stability()] <= s.rank(name)
}

// blocked says why p cannot join what st has decided (a conflict, a
// replace of a chosen package, an unmet platform requirement), or "", and
// which chosen package is in the way ("" for core, the root or the
// platform, which no choice changes).
func (s *solver) blocked(st *state, p *Package) (string, string) {
	for _, l := range p.Platform {
		if v, ok := s.platform[l.Target]; ok && !l.Constraint.Matches(v) {
			return fmt.Sprintf("%s requires %s %q, and the platform has %s", p.ID(), l.Target, l.Constraint.String(), v.String()), ""
		}
	}
	for _, r := range s.in.Conflict {
		if r.Target == p.Name && r.Constraint.Matches(p.Norm) {
			return fmt.Sprintf("%s conflicts with %s %q", r.By, r.Target, r.Constraint.String()), ""
		}
	}
	core := s.installed(nil)
	for i, q := range append(core, st.chosen...) {
		culprit := ""
		if i >= len(core) {
			culprit = q.Name
		}
		if why := conflicts(q, p); why != "" {
			return why, culprit
		}
		if why := conflicts(p, q); why != "" {
			return why, culprit
		}
		for _, l := range p.Replace {
			if q.Name == l.Target {
				return fmt.Sprintf("%s replaces %s, which is already installed as %s", p.ID(), l.Target, q.ID()), culprit
			}
		}
	}

	return "", ""
}

// installed is every package present: core's, and the chosen ones unless
// st is nil.
func (s *solver) installed(st *state) []*Package {
	out := make([]*Package, 0, len(s.in.Core)+1)
	for i := range s.in.Core {
		out = append(out, &s.in.Core[i])
	}
	if s.in.CoreRoot != nil {
		out = append(out, s.in.CoreRoot)
	}
	if st == nil {
		return out
	}

	return append(out, st.chosen...)
}

// conflicts says whether a's conflict links exclude b (by b's name, or a
// name b replaces or provides).
func conflicts(a, b *Package) string {
	for _, l := range a.Conflict {
		if l.Target == b.Name && l.Constraint.Matches(b.Norm) {
			return fmt.Sprintf("%s conflicts with %s %q", a.ID(), l.Target, l.Constraint.String())
		}
		for _, links := range [][]Link{b.Replace, b.Provide} {
			for _, bl := range links {
				if bl.Target == l.Target && semver.Intersects(bl.Constraint, l.Constraint) {
					return fmt.Sprintf("%s conflicts with %s %q, which %s provides", a.ID(), l.Target, l.Constraint.String(), b.ID())
				}
			}
		}
	}

	return ""
}

// checkPlatform checks a root platform requirement against Input.Platform.
func (s *solver) checkPlatform(r Requirement) error {
	v, ok := s.platform[r.Target]
	if !ok || r.Constraint.Matches(v) {
		return nil
	}

	return &Error{Library: r.Target, Requirers: []Requirement{r},
		Reason: fmt.Sprintf("the platform has %s", v.String())}
}

// stabilityFlags is composer's RootPackageLoader::extractStabilityFlags:
// an explicit "@flag" in a root requirement sets that package's stability
// (the least stable flag wins); otherwise a pre-release or dev version
// named in it lowers the package's stability to that one, if that is less
// stable than minimum-stability. Non-root requirements carry no flags.
func stabilityFlags(reqs []Requirement, minRank int) map[string]int {
	flags := map[string]int{}
	for _, r := range reqs {
		parts := semver.Conjuncts(r.Constraint.String())
		if explicitFlags(r.Target, parts, flags) {
			continue
		}
		for _, c := range parts {
			if i := strings.Index(c, " as "); i >= 0 {
				c = c[:i]
			}
			if c == "" || strings.ContainsAny(c, ", \t\n@") {
				continue
			}
			st := semver.StabilityOf(c)
			if st == "stable" {
				continue
			}
			rank := stabilityRank[st]
			if f, ok := flags[r.Target]; (ok && f > rank) || minRank > rank {
				continue
			}
			flags[r.Target] = rank
		}
	}

	return flags
}

func explicitFlags(name string, parts []string, flags map[string]int) bool {
	found := false
	for _, c := range parts {
		at := strings.LastIndex(c, "@")
		if at < 0 || strings.Contains(c[:at], "@") {
			continue
		}
		st := normalizeStability(c[at+1:])
		if st == "" {
			continue
		}
		rank := stabilityRank[st]
		found = true
		if f, ok := flags[name]; ok && f > rank {
			continue
		}
		flags[name] = rank
	}

	return found
}

// branchAlias is composer's ArrayLoader::getBranchAlias: a branch whose
// extra.branch-alias maps it to a numbered "-dev" version also counts as
// that version ("dev-main" as 1.9999999.9999999.9999999-dev for "1.x-dev"),
// so that "^1.0@dev" can choose it. Installing the alias installs the branch.
func branchAlias(p *Package) *Package {
	if !strings.HasPrefix(p.Norm.String(), "dev-") || p.BranchAlias == nil {
		return nil
	}
	for from, to := range p.BranchAlias {
		src, err := semver.ParseVersion(from)
		if err != nil || src != p.Norm || !strings.HasSuffix(to, "-dev") {
			continue
		}
		norm, err := semver.ParseVersion(to)
		if err != nil || strings.HasPrefix(norm.String(), "dev-") {
			continue
		}
		a := *p
		a.Version, a.Norm, a.AliasOf = to, norm, p

		return &a
	}

	return nil
}

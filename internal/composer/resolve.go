package composer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Requirement is a link together with who makes it, for diagnostics: a
// component ("extension OpenIDConnect") for root requirements, "name
// version" for a library's own.
type Requirement struct {
	Link
	By string
	// From is the name of the requiring package, "" for a root
	// requirement.
	From string
}

func (r Requirement) String() string {
	s := fmt.Sprintf("%s requires %s %q", r.By, r.Target, r.Constraint.String())
	if r.Pos.File != "" {
		s += " (" + r.Pos.String() + ")"
	}

	return s
}

// Catalog gives the versions of a package: a Repository, or Static for
// explicit library recipes.
type Catalog interface {
	URL() string
	Versions(ctx context.Context, name string, withDev bool) ([]Package, error)
}

// Static is a fixed set of package versions, such as the libraries built
// from explicit recipes, which override repositories for their names.
type Static struct {
	Name     string // what messages call it, e.g. "recipe acme/lib"
	Packages map[string][]Package
}

// URL returns the static source's name.
func (s Static) URL() string { return s.Name }

// Versions returns the source's versions of name, highest first.
func (s Static) Versions(_ context.Context, name string, _ bool) ([]Package, error) {
	ps := append([]Package(nil), s.Packages[name]...)
	sortVersions(ps)

	return ps, nil
}

// Input is everything a resolution depends on.
type Input struct {
	// Require are the root requirements: every component's composer.json
	// require merged, as composer-merge-plugin merges them (duplicates are
	// all kept and must all hold). Platform links may be included.
	Require []Requirement
	// Conflict are the root conflicts, from the same files.
	Conflict []Requirement
	// Core is what core's vendor/ already holds (ParseInstalled), and
	// CoreRoot, if not nil, core's own composer.json with its version set:
	// its replace and provide count as provided by core, and its require
	// links are quoted when a requirement conflicts with core's vendor.
	Core     []Package
	CoreRoot *Package
	// CoreFile names where Core was read, for messages.
	CoreFile string
	// Platform gives the platform packages' versions (php, ext-json,
	// composer-plugin-api ...). A platform requirement on a name listed
	// here constrains the choice as in composer; one on a name not listed
	// is not checked but reported in Result.Platform.
	Platform map[string]string
	// Catalogs are searched in order; the first that has any version of a
	// name is the only one used for it (composer's canonical repositories).
	Catalogs []Catalog
	// MinimumStability is composer's minimum-stability ("" means stable);
	// PreferStable is composer's prefer-stable.
	MinimumStability string
	PreferStable     bool
	// MaxSteps bounds the search (0 means 100000 candidate tries).
	MaxSteps int
}

// Library is a library the resolution chose.
type Library struct {
	Package
	// RequiredBy lists who requires it, sorted.
	RequiredBy []string
	// Plugin is true for composer plugins: install-time code (such as
	// composer/installers), chosen so that constraints hold as in
	// composer, but not a runtime library.
	Plugin bool
	// MediaWikiPath is where composer/installers would put a MediaWiki
	// extension or skin required through composer ("extensions/Name"),
	// empty for libraries. Such a package is a component of the edition,
	// not a library: the edition must list it.
	MediaWikiPath string
}

// Result is a resolution.
type Result struct {
	// Libraries are the chosen packages that core does not provide, sorted
	// by name.
	Libraries []Library
	// FromCore are the required packages core's vendor already has, sorted
	// by name; they are not shipped again.
	FromCore []Library
	// Platform are the platform requirements not covered by
	// Input.Platform (such as ext-curl), sorted: a package must depend on
	// them instead.
	Platform []Requirement
}

// Runtime returns the chosen libraries without composer plugins and
// MediaWiki components: what has to be shipped under vendor/.
func (r Result) Runtime() []Library {
	var out []Library
	for _, l := range r.Libraries {
		if !l.Plugin && l.MediaWikiPath == "" {
			out = append(out, l)
		}
	}

	return out
}

// Error is a resolution failure about one library.
type Error struct {
	Library   string
	Requirers []Requirement // every requirement on Library in force, sorted
	Reason    string        // why no version fits
	// Chain are the requirements that brought the requiring packages in,
	// back to the root requirements (the extensions).
	Chain []Requirement
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "composer library %s: %s", e.Library, e.Reason)
	for _, r := range e.Requirers {
		b.WriteString("\n  " + r.String())
	}
	for _, r := range e.Chain {
		b.WriteString("\n  where " + r.String())
	}

	return b.String()
}

// ErrTooComplex is returned when the search exceeds Input.MaxSteps.
var ErrTooComplex = errors.New("composer resolution gave up: too many combinations to try")

// Resolve chooses one version of every library the root requirements need,
// directly or not, as `composer update --no-dev` would: for each package
// the highest version (the most stable first with PreferStable) that every
// requirer accepts, that core's vendor and every chosen package's conflict
// and replace links allow, whose platform requirements hold, and with which
// the rest can still be chosen, backtracking otherwise.
func Resolve(ctx context.Context, in Input) (Result, error) {
	s, err := newSolver(ctx, in)
	if err != nil {
		return Result{}, err
	}
	st := newState()
	// Callers' order must not matter: composer-merge-plugin reads the
	// extensions' files in glob order, and an edition lists them freely.
	for _, r := range sortedByTarget(in.Require) {
		if IsPlatform(r.Target) {
			if err := s.checkPlatform(r); err != nil {
				return Result{}, err
			}
			st.platform = append(st.platform, r)
			continue
		}
		st.require(r)
	}
	final, _, err := s.solve(st, 0)
	if err != nil {
		return Result{}, err
	}

	return s.result(final), nil
}

// result turns the final state into a Result.
func (s *solver) result(st *state) Result {
	var res Result
	seen := map[*Package]int{} // index into res.Libraries or res.FromCore
	for _, name := range st.queue {
		d := st.decided[name]
		list := &res.Libraries
		if d.core {
			list = &res.FromCore
		}
		pkg := d.pkg
		if pkg.AliasOf != nil {
			pkg = pkg.AliasOf // the branch is what gets installed
		}
		i, ok := seen[pkg]
		if !ok {
			*list = append(*list, Library{Package: *pkg, Plugin: pkg.IsPlugin(), MediaWikiPath: MediaWikiPath(*pkg)})
			i = len(*list) - 1
			seen[pkg] = i
		}
		for _, r := range st.reqs[name] {
			(*list)[i].RequiredBy = append((*list)[i].RequiredBy, r.By)
		}
	}
	for _, list := range [][]Library{res.Libraries, res.FromCore} {
		for i := range list {
			list[i].RequiredBy = uniqueSorted(list[i].RequiredBy)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	}
	for _, r := range sortedReqs(st.platform) {
		if _, ok := s.platform[r.Target]; !ok {
			res.Platform = append(res.Platform, r)
		}
	}
	sort.SliceStable(res.Platform, func(i, j int) bool { return res.Platform[i].Target < res.Platform[j].Target })

	return res
}

func uniqueSorted(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}

	return out
}

func sortedByTarget(rs []Requirement) []Requirement {
	out := sortedReqs(rs)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Target < out[j].Target })

	return out
}

// Root turns a component's composer.json into root requirements and
// conflicts made by by (e.g. "extension OpenIDConnect"), as
// composer-merge-plugin merges an extension's file into the root: require
// (platform links included) and conflict; require-dev, minimum-stability
// and prefer-stable stay with the component.
func Root(by string, p Package) (require, conflict []Requirement) {
	for _, ls := range [][]Link{p.Require, p.Platform} {
		for _, l := range ls {
			require = append(require, Requirement{Link: l, By: by})
		}
	}
	for _, l := range p.Conflict {
		conflict = append(conflict, Requirement{Link: l, By: by})
	}

	return require, conflict
}

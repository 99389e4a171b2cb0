package releasediff

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/semver"
	"github.com/mwedition/mwedition/internal/spec"
)

// Format names the JSON encoding of a Report; it changes when the encoding does.
const Format = "mwedition-diff-v1"

// Report is what changed from one release to the next. Every list is sorted and present
// (empty, not null, in JSON), so a consumer needs no special case.
type Report struct {
	Format string `json:"format"`
	Old    string `json:"old"`
	New    string `json:"new"`
	// OldRelease and NewRelease name the releases: their editions' versions and git
	// revisions, as the Markdown heading does (Release.Label).
	OldRelease string `json:"oldRelease"`
	NewRelease string `json:"newRelease"`
	Edition    string `json:"edition,omitempty"` // the edition the comparison was restricted to
	Identical  bool   `json:"identical"`

	Added    []Entry         `json:"added"`
	Removed  []Entry         `json:"removed"`
	Bumped   []Bump          `json:"bumped"`
	Editions []EditionChange `json:"editions"`
	// Security are the patches that fix CVEs the older release's components did not have
	// fixed, and the patches the older release applied that the newer one does not.
	Security []SecurityFix `json:"securityFixes"`
	// Libraries are the composer libraries added, removed, bumped or changed; they are
	// not among Added, Removed, Bumped or Licenses, which are the other components.
	Libraries []LibraryChange `json:"libraries"`
	// DebianBases are the locked Debian bases (what the images are built on) added,
	// removed or changed: packages added, removed and updated, suites, archive date. Both
	// inputs must record them (not a build manifest; Notes then say so). They are the
	// project's, compared whole even with an edition filter.
	DebianBases []DebianBaseChange `json:"debianBases"`

	PHP           []PHPChange       `json:"php"`           // requires.php of added and changed components
	PHPExtensions []ExtensionChange `json:"phpExtensions"` // over the whole release
	OSPackages    []PackageChange   `json:"osPackages"`    // over the whole release, per family
	Licenses      []LicenseChange   `json:"licenses"`
	SchemaUpdates []SchemaUpdate    `json:"schemaUpdates"`
	// TablesLeftBehind are components that register schema updates and that the release
	// (or some of its editions) no longer has: their tables stay in the wikis' databases.
	TablesLeftBehind []LeftBehind `json:"tablesLeftBehind"`

	Notes []string `json:"notes"` // what could not be compared, and why
}

// Entry is an added or removed component.
type Entry struct {
	ID      string      `json:"id"`
	Version string      `json:"version"`
	Source  lock.Source `json:"source"`
	Tree    string      `json:"tree"`
	License string      `json:"license,omitempty"`
	// MergedIntoCore is the core release that took a removed extension in: the reason
	// it is gone, in the notes' words.
	MergedIntoCore string `json:"mergedIntoCore,omitempty"`
}

// Pin is where a component's bytes come from in one release.
type Pin struct {
	Version string      `json:"version"`
	Source  lock.Source `json:"source"`
	Tree    string      `json:"tree"`
}

// Bump is a component in both releases whose version, source or tree changed.
type Bump struct {
	ID  string `json:"id"`
	Old Pin    `json:"old"`
	New Pin    `json:"new"`
	// Downgrade is set when both versions parse and the new one is older.
	Downgrade bool `json:"downgrade,omitempty"`
}

// EditionChange is an edition added, removed, or whose version or members changed.
type EditionChange struct {
	Name       string   `json:"name"`
	Change     string   `json:"change"` // "added", "removed" or "changed"
	OldVersion string   `json:"oldVersion,omitempty"`
	NewVersion string   `json:"newVersion,omitempty"`
	Added      []string `json:"membersAdded"`
	Removed    []string `json:"membersRemoved"`
}

// PHPChange is a component's PHP version requirement, where it is new or changed. An empty
// side means no requirement (or, for Old, no such component).
type PHPChange struct {
	ID  string `json:"id"`
	Old string `json:"old"`
	New string `json:"new"`
}

// ExtensionChange is a PHP extension the release as a whole newly needs, or no longer needs.
type ExtensionChange struct {
	Name       string   `json:"name"`
	Change     string   `json:"change"`     // "added" or "removed"
	Components []string `json:"components"` // who needs it (added) or needed it (removed)
}

// PackageChange is an OS package the release's packages newly depend on, or no longer do.
type PackageChange struct {
	Family     platform.Family `json:"family"` // "debian" or "rpm" (Fedora, RHEL)
	Name       string          `json:"name"`
	Change     string          `json:"change"`
	Components []string        `json:"components"`
}

// LicenseChange is a component in both releases whose declared licence changed.
type LicenseChange struct {
	ID  string `json:"id"`
	Old string `json:"old"`
	New string `json:"new"`
}

// SchemaUpdate is a component whose arrival or upgrade needs maintenance/update.php.
type SchemaUpdate struct {
	ID         string `json:"id"`
	Reason     string `json:"reason"` // "added", "bumped" or "core"
	OldVersion string `json:"oldVersion,omitempty"`
	NewVersion string `json:"newVersion"`
}

// LeftBehind is a removed component whose database tables stay behind: MediaWiki never
// drops an extension's tables when it is no longer loaded.
type LeftBehind struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	// Editions are the editions it left while others keep it; empty when the release as a
	// whole no longer has it.
	Editions []string `json:"editions"`
}

// Changes in ExtensionChange, PackageChange and EditionChange.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeChanged = "changed"
)

// Reasons in SchemaUpdate.
const (
	SchemaAdded  = "added"  // a new component registers schema updates: update.php creates its tables
	SchemaBumped = "bumped" // a component that registers schema updates moved
	SchemaCore   = "core"   // MediaWiki's own schema: every core upgrade runs update.php
)

// Options restrict a comparison.
type Options struct {
	// Edition restricts both releases to that edition's members. Both inputs must say which
	// members it has; an edition only one of them has counts as empty in the other.
	Edition string
}

// Compare reports what changed from prev to next.
func Compare(prev, next Release, o Options) (Report, error) {
	r := Report{Format: Format, Old: prev.Name, New: next.Name, Edition: o.Edition,
		Added: []Entry{}, Removed: []Entry{}, Bumped: []Bump{}, Editions: []EditionChange{}, Security: []SecurityFix{},
		Libraries: []LibraryChange{}, DebianBases: []DebianBaseChange{}, PHP: []PHPChange{}, PHPExtensions: []ExtensionChange{}, OSPackages: []PackageChange{},
		Licenses: []LicenseChange{}, SchemaUpdates: []SchemaUpdate{}, TablesLeftBehind: []LeftBehind{}, Notes: []string{}}
	if o.Edition != "" {
		var err error
		if prev, next, err = restrict(prev, next, o.Edition); err != nil {
			return Report{}, err
		}
	}
	r.OldRelease, r.NewRelease = prev.Label(), next.Label()
	r.Editions = compareEditions(prev, next)
	r.TablesLeftBehind = leftBehind(prev, next)
	r.Libraries = compareLibraries(prev, next)
	r.compareComponents(prev, next)
	r.Security = compareSecurity(prev, next)
	if prev.PHPKnown && next.PHPKnown {
		r.PHP = comparePHP(prev, next)
		r.PHPExtensions = compareSets(prev, next, func(c Component) []string { return c.PHPExtensions },
			func(name, change string, ids []string) ExtensionChange {
				return ExtensionChange{Name: name, Change: change, Components: ids}
			})
	} else {
		for _, rel := range []Release{prev, next} {
			if !rel.PHPKnown {
				r.Notes = append(r.Notes, fmt.Sprintf("PHP versions and extensions not compared: %s is a build manifest, which records the OS packages they need but not them; compare the %s files for them", rel.Name, lock.FileName))
			}
		}
	}
	if prev.DebianKnown && next.DebianKnown {
		r.DebianBases = compareDebianBases(prev, next)
	}
	r.Notes = append(r.Notes, debianNotes(prev, next)...)
	system := prev.SystemKnown && next.SystemKnown
	if !system && (prev.SystemKnown || next.SystemKnown) {
		r.Notes = append(r.Notes, fmt.Sprintf("System packages of the recipes not compared: %s is a lock, which does not record them; compare project directories, git revisions or build manifests for them", lockSide(prev, next)))
	}
	for _, fam := range platform.Families {
		r.OSPackages = append(r.OSPackages, compareSets(prev, next, func(c Component) []string {
			if !system {
				return c.OSPackages[fam]
			}
			return slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(c.OSPackages[fam]), c.SystemPackages[fam]...))))
		},
			func(name, change string, ids []string) PackageChange {
				return PackageChange{Family: fam, Name: name, Change: change, Components: ids}
			})...)
	}
	r.Identical = len(r.Added)+len(r.Removed)+len(r.Bumped)+len(r.Editions)+len(r.Licenses)+len(r.Libraries)+len(r.OSPackages)+len(r.DebianBases) == 0
	return r, nil
}

// compareComponents fills in the components added, removed and bumped, their licences and
// schema updates; the composer libraries among them are compareLibraries'.
func (r *Report) compareComponents(prev, next Release) {
	for _, c := range prev.Components {
		if _, lib := libraryName(c.ID); lib {
			continue // under Libraries
		}
		if _, ok := next.Component(c.ID); !ok {
			e := entry(c)
			e.MergedIntoCore = mergedInto(c.ID, next)
			r.Removed = append(r.Removed, e)
		}
	}
	for _, n := range next.Components {
		if _, lib := libraryName(n.ID); lib {
			continue
		}
		oc, ok := prev.Component(n.ID)
		if !ok {
			r.Added = append(r.Added, entry(n))
			if n.SchemaUpdates {
				r.SchemaUpdates = append(r.SchemaUpdates, SchemaUpdate{ID: n.ID, Reason: SchemaAdded, NewVersion: n.Version})
			}
			continue
		}
		if oc.License != n.License {
			r.Licenses = append(r.Licenses, LicenseChange{ID: n.ID, Old: oc.License, New: n.License})
		}
		if !moved(oc, n) {
			continue
		}
		r.Bumped = append(r.Bumped, Bump{ID: n.ID, Old: pin(oc), New: pin(n), Downgrade: older(n.Version, oc.Version)})
		switch {
		case isCore(n.ID) && oc.Version != n.Version:
			r.SchemaUpdates = append(r.SchemaUpdates, SchemaUpdate{ID: n.ID, Reason: SchemaCore, OldVersion: oc.Version, NewVersion: n.Version})
		case n.SchemaUpdates:
			r.SchemaUpdates = append(r.SchemaUpdates, SchemaUpdate{ID: n.ID, Reason: SchemaBumped, OldVersion: oc.Version, NewVersion: n.Version})
		}
	}
}

// leftBehind lists the components of prev that register schema updates and that next no
// longer has, or that editions of both releases no longer hold.
func leftBehind(prev, next Release) []LeftBehind {
	out := []LeftBehind{}
	for _, c := range prev.Components {
		if !c.SchemaUpdates {
			continue
		}
		if _, ok := next.Component(c.ID); !ok {
			out = append(out, LeftBehind{ID: c.ID, Version: c.Version, Editions: []string{}})
			continue
		}
		var eds []string
		for _, name := range sortedKeys(editionNames(prev.Editions)) {
			ne, inNext := next.Editions[name]
			if inNext && slices.Contains(prev.Editions[name].Members, c.ID) && !slices.Contains(ne.Members, c.ID) {
				eds = append(eds, name)
			}
		}
		if len(eds) > 0 {
			out = append(out, LeftBehind{ID: c.ID, Version: c.Version, Editions: eds})
		}
	}
	return out
}

// restrict keeps, in each release, only the members of the named edition.
func restrict(prev, next Release, name string) (Release, Release, error) {
	found := false
	for _, rel := range []*Release{&prev, &next} {
		if rel.Editions == nil {
			return prev, next, fmt.Errorf("--edition %s: %s; give a project directory, an out/manifest.json or git:REV instead", name, rel.NoEditions)
		}
		ed, ok := rel.Editions[name]
		found = found || ok
		keep := map[string]bool{}
		for _, id := range ed.Members {
			keep[id] = true
		}
		var cs []Component
		for _, c := range rel.Components {
			if keep[c.ID] {
				cs = append(cs, c)
			}
		}
		rel.Components = cs
		rel.Editions = map[string]Edition{}
		if ok {
			rel.Editions[name] = ed
		}
	}
	if !found {
		return prev, next, fmt.Errorf("--edition %s: neither %s nor %s has an edition of that name", name, prev.Name, next.Name)
	}
	return prev, next, nil
}

func compareEditions(prev, next Release) []EditionChange {
	out := []EditionChange{}
	if prev.Editions == nil || next.Editions == nil {
		return out
	}
	names := map[string]bool{}
	for n := range prev.Editions {
		names[n] = true
	}
	for n := range next.Editions {
		names[n] = true
	}
	for _, n := range sortedKeys(names) {
		oe, inOld := prev.Editions[n]
		ne, inNew := next.Editions[n]
		ch := EditionChange{Name: n, OldVersion: oe.Version, NewVersion: ne.Version,
			Added: minus(ne.Members, oe.Members), Removed: minus(oe.Members, ne.Members)}
		switch {
		case !inOld:
			ch.Change = ChangeAdded
		case !inNew:
			ch.Change = ChangeRemoved
		case oe.Version != ne.Version || len(ch.Added)+len(ch.Removed) > 0:
			ch.Change = ChangeChanged
		default:
			continue
		}
		out = append(out, ch)
	}
	return out
}

// comparePHP lists the components of next whose PHP requirement is new or changed.
func comparePHP(prev, next Release) []PHPChange {
	out := []PHPChange{}
	for _, n := range next.Components {
		oc, had := prev.Component(n.ID)
		if oc.PHP == n.PHP || (!had && n.PHP == "") {
			continue
		}
		out = append(out, PHPChange{ID: n.ID, Old: oc.PHP, New: n.PHP})
	}
	return out
}

// compareSets compares the union over each release's components of what get returns:
// what only next has was added, what only prev has was removed, each with the components that
// (no longer) need it.
func compareSets[T any](prev, next Release, get func(Component) []string, mk func(name, change string, ids []string) T) []T {
	users := func(r Release) map[string][]string {
		m := map[string][]string{}
		for _, c := range r.Components { // sorted, so each list is too
			for _, v := range get(c) {
				m[v] = append(m[v], c.ID)
			}
		}
		return m
	}
	o, n := users(prev), users(next)
	names := map[string]bool{}
	for k := range o {
		names[k] = true
	}
	for k := range n {
		names[k] = true
	}
	out := []T{}
	for _, name := range sortedKeys(names) {
		switch {
		case o[name] == nil:
			out = append(out, mk(name, ChangeAdded, n[name]))
		case n[name] == nil:
			out = append(out, mk(name, ChangeRemoved, o[name]))
		}
	}
	return out
}

// moved reports whether a component changed between releases: its version, its tree, or
// its pin. A bundled component's pin is its core's release, so a core upgrade that leaves
// it byte for byte as it was does not move it.
func moved(a, b Component) bool {
	if a.Version != b.Version || a.Tree != b.Tree {
		return true
	}
	if a.Source.Kind == spec.Bundled && b.Source.Kind == spec.Bundled {
		return a.Source.Path != b.Source.Path || a.Source.Of != b.Source.Of
	}
	return a.Source != b.Source
}

func entry(c Component) Entry {
	return Entry{ID: c.ID, Version: c.Version, Source: c.Source, Tree: c.Tree, License: c.License}
}

func pin(c Component) Pin { return Pin{Version: c.Version, Source: c.Source, Tree: c.Tree} }

func isCore(id string) bool { return strings.HasPrefix(id, "core/") }

// older reports whether version a is older than b, as composer orders them. Versions that
// do not parse (extensions may declare anything) are never called older.
func older(a, b string) bool {
	va, erra := semver.ParseVersion(a)
	vb, errb := semver.ParseVersion(b)
	return erra == nil && errb == nil && semver.Compare(va, vb) < 0
}

// minus returns the sorted elements of a not in b.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	out := []string{}
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// lockSide names the release of the two that does not know its recipes' system packages.
func lockSide(prev, next Release) string {
	if !prev.SystemKnown {
		return prev.Name
	}
	return next.Name
}

// mergedInto is the release since which next's core holds the extension id names, or "".
func mergedInto(id string, next Release) string {
	kind, name, _ := strings.Cut(id, "/")
	since, ok := spec.MergedIntoCore[name]
	if !ok || kind != string(spec.Extension) {
		return ""
	}
	v, err := semver.ParseVersion(since)
	if err != nil {
		return ""
	}
	for _, c := range next.Components {
		if !strings.HasPrefix(c.ID, string(spec.Core)+"/") {
			continue
		}
		// A patched core's version carries a suffix (1.43.9+p1); the release is before it.
		rel, _, _ := strings.Cut(c.Version, "+")
		if have, err := semver.ParseVersion(rel); err == nil && semver.Compare(have, v) >= 0 {
			return since
		}
	}
	return ""
}

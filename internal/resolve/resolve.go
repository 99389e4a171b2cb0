// Package resolve turns decoded manifests and the lock into the sealed graph every build
// runs from: which components each edition holds (after inheritance, removals and the
// requirements their extension.json declares), with versions, trees and OS dependencies,
// checked the way MediaWiki checks them at run time. It is pure: facts about components come
// from the lock or from a callback, and nothing here touches the disk or the network.
package resolve

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/registration"
	"github.com/mwedition/mwedition/internal/semver"
	"github.com/mwedition/mwedition/internal/spec"
)

// Member is one component of an edition, with why it is there.
type Member struct {
	ID     string
	Reason string    // "listed", "inherited from knowledge-base", "required by CodeEditor"
	Range  hcl.Range // the edition line that brought it in
}

// Component is a resolved component: the recipe joined with its lock entry.
type Component struct {
	ID      string
	Kind    spec.Kind
	Name    string
	Version string
	Time    int64
	Tree    string
	Files   int
	Bytes   int64
	Source  lock.Source
	Info    registration.Info
	Exclude []string
	Epoch   uint                         // of its packages' versions
	OSDeps  map[platform.Family][]string // PHP extensions as OS packages
	Decl    hcl.Range
	// Requires are a composer library's requirements on other libraries (name ->
	// constraint); its PHP and extensions are in Info.Requires, as a component's are.
	Requires map[string]string
	// Patches are the patches that touched its tree, as locked.
	Patches []lock.Patch
	// Systems are the system packages its recipe declares, per distribution, and Settings
	// the settings that point it at them.
	Systems  []spec.System
	Settings []spec.Setting
}

// InstallDir is where the component sits inside a MediaWiki tree: "" for the core,
// extensions/<Name> and skins/<Name> otherwise.
func (c Component) InstallDir() string { return InstallDir(c.Kind, c.Name) }

// InstallDir is Component.InstallDir for a kind and name.
func InstallDir(k spec.Kind, name string) string {
	switch k {
	case spec.Extension:
		return "extensions/" + name
	case spec.Skin:
		return "skins/" + name
	case spec.LibraryKind:
		return spec.LibraryDir + "/" + name
	}
	return ""
}

// Edition is a resolved edition.
type Edition struct {
	Name, Title, Version string
	Core                 string   // component ID
	Members              []Member // sorted by ID, core included
	Extensions           []string // names to wfLoadExtensions, sorted
	Skins                []string // names to wfLoadSkins, sorted
	DefaultSkin          string
	Settings             []spec.Setting
	Outputs              []spec.Output
	Time                 int64 // newest member's source time
	Decl                 hcl.Range
}

// Graph is the sealed result: every component some edition uses, and every edition.
type Graph struct {
	Components []Component // sorted by ID
	Editions   []Edition   // sorted by name
}

// Component looks a resolved component up by ID.
func (g Graph) Component(id string) (Component, bool) {
	i := sort.Search(len(g.Components), func(i int) bool { return g.Components[i].ID >= id })
	if i < len(g.Components) && g.Components[i].ID == id {
		return g.Components[i], true
	}
	return Component{}, false
}

// InfoFunc supplies a component's registration facts. The lock command passes one that
// fetches sources; Resolve uses the lock.
type InfoFunc func(id string) (registration.Info, error)

// Closure returns the IDs of every component the editions need, sorted: their members and
// the sources those are bundled in. It asks info about each member once.
func Closure(set spec.Set, info InfoFunc) ([]string, hcl.Diagnostics) {
	need := map[string]bool{}
	var diags hcl.Diagnostics
	cache := map[string]registration.Info{}
	cached := func(id string) (registration.Info, error) {
		if in, ok := cache[id]; ok {
			return in, nil
		}
		in, err := info(id)
		if err == nil {
			cache[id] = in
		}
		return in, err
	}
	var ed editionDiags
	for _, e := range set.Editions() {
		ms, d := members(set, e, cached)
		ed.add(e.Name, d)
		for _, m := range ms {
			need[m.ID] = true
		}
	}
	diags = ed.result()
	for id := range need {
		if c, ok := set.Component(id); ok && c.Source.Kind == spec.Bundled {
			need[spec.ID(spec.Core, c.Source.Core)] = true
		}
	}
	ids := make([]string, 0, len(need))
	for id := range need {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, diags
}

// Resolve checks the lock against the recipes and seals the graph. A component the editions
// need but the lock lacks, or whose recipe changed since, makes the lock stale: the
// diagnostic says what changed, old and new, once per change (a core's new tarball is one
// diagnostic listing the components bundled in it), and to run mwedition lock. So does a
// debian_base whose block, or the system requirements of the editions on it, changed.
func Resolve(set spec.Set, lk lock.File) (Graph, hcl.Diagnostics) {
	g, diags := ResolveEditions(set, lk)
	if diags.HasErrors() {
		return g, diags
	}
	if d := CheckDebianBases(set, g, lk); d.HasErrors() {
		return Graph{}, append(diags, d...)
	}
	return g, diags
}

// ResolveEditions is Resolve without the check of the Debian bases: what `lock` resolves
// before it locks the bases, whose system requirements it needs the editions for.
func ResolveEditions(set spec.Set, lk lock.File) (Graph, hcl.Diagnostics) {
	stale := map[string]bool{}
	info := func(id string) (registration.Info, error) {
		c, ok := set.Component(id)
		if !ok {
			return registration.Info{}, fmt.Errorf("no recipe declares %s", id)
		}
		lc, ok := locked(set, lk, c)
		if !ok {
			stale[id] = true
			return registration.Info{}, errStale
		}
		return lc.Registry, nil
	}
	ids, diags := Closure(set, info)
	// Closure asks only about members; the cores they are bundled in are checked here.
	for _, id := range ids {
		if c, ok := set.Component(id); ok {
			if _, ok := locked(set, lk, c); !ok {
				stale[id] = true
			}
		}
	}
	if len(stale) > 0 {
		staleClosure(set, lk, stale)
		return Graph{}, append(staleDiagnostics(set, lk, stale), dropStale(diags)...)
	}
	if diags.HasErrors() {
		return Graph{}, diags
	}
	var g Graph
	for _, id := range ids {
		c, _ := set.Component(id)
		lc, _ := lk.Lookup(id)
		if d := mismatch(set, c, lc, lk); d != nil {
			diags = append(diags, d)
			continue
		}
		rc := Component{ID: id, Kind: c.Kind, Name: c.Name, Version: lc.Version, Time: lc.Time, Tree: lc.Tree,
			Files: lc.Files, Bytes: lc.Bytes, Source: lc.Source, Info: lc.Registry, Exclude: c.Exclude, Epoch: c.Epoch, Decl: c.DeclRange,
			OSDeps: map[platform.Family][]string{}, Patches: lc.Patches, Systems: c.Systems, Settings: c.Settings}
		for _, f := range platform.Families {
			if p := platform.Packages(f, lc.Registry.Requires.PHPExtensions); len(p) > 0 {
				rc.OSDeps[f] = p
			}
		}
		g.Components = append(g.Components, rc)
	}
	libs, d := libraryComponents(set, lk)
	diags = append(diags, d...)
	if diags.HasErrors() {
		return Graph{}, diags
	}
	g.Components = append(g.Components, libs...)
	sort.Slice(g.Components, func(i, j int) bool { return g.Components[i].ID < g.Components[j].ID })
	var ed editionDiags
	for _, e := range set.Editions() {
		re, d := edition(set, g, lk, e)
		ed.add(e.Name, d)
		g.Editions = append(g.Editions, re)
	}
	diags = append(diags, ed.result()...)
	diags = append(diags, CheckVersions(set, lk, g)...)
	if diags.HasErrors() {
		return Graph{}, diags
	}
	return g, diags
}

var errStale = fmt.Errorf("stale lock")

// staleClosure adds to stale what the editions would need were the stale entries still
// right: the closure stops at a stale member, and what it requires, stale too when it is
// bundled in a changed core, belongs in the list of what a lock will redo.
func staleClosure(set spec.Set, lk lock.File, stale map[string]bool) {
	ids, _ := Closure(set, func(id string) (registration.Info, error) {
		if lc, ok := lk.Lookup(id); ok {
			return lc.Registry, nil
		}
		return registration.Info{}, errStale
	})
	for _, id := range ids {
		if c, ok := set.Component(id); ok {
			if _, ok := locked(set, lk, c); !ok {
				stale[id] = true
			}
		}
	}
}

// dropStale removes the follow-up errors that only repeat a stale-lock diagnostic.
func dropStale(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if d.Summary == "Cannot read component" && strings.Contains(d.Detail, errStale.Error()) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// members computes an edition's components: the inherited set, minus remove, plus its own
// lists, plus everything their registration files require, transitively.
func members(set spec.Set, e spec.Edition, info InfoFunc) ([]Member, hcl.Diagnostics) {
	ms := &memberSet{byID: map[string]Member{}, removed: map[string]spec.Ref{}, blocked: map[string]bool{}}
	chain := inheritChain(set, e)
	for i := len(chain) - 1; i >= 0; i-- {
		ms.apply(chain[i], i == 0, e.Name)
	}
	if e.Core.Name != "" {
		ms.add(Member{ID: spec.ID(spec.Core, e.Core.Name), Reason: "core", Range: e.Core.Range})
	}
	ms.require(set, e, info)
	// A remove that matched nothing inherited has no effect, unless it blocks a requirement
	// or removes what e also lists: those are errors already reported.
	for _, r := range ms.noop {
		if ms.blocked[r.Name] || containsRef(e.Extensions, r.Name) || containsRef(e.Skins, r.Name) {
			continue
		}
		ms.diags = append(ms.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Nothing to remove",
			Detail: fmt.Sprintf("%q is not part of what edition %q inherits; this remove has no effect.", r.Name, e.Name), Subject: r.Range.Ptr()})
	}
	out := make([]Member, 0, len(ms.byID))
	for _, m := range ms.byID {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, ms.diags
}

// inheritChain is the edition and the editions it inherits from, nearest first; a missing
// parent or a cycle ends it (the loader reports both).
func inheritChain(set spec.Set, e spec.Edition) []spec.Edition {
	chain := []spec.Edition{e}
	seen := map[string]bool{e.Name: true}
	for cur := e; cur.Inherits != nil; {
		parent, ok := set.Edition(cur.Inherits.Name)
		if !ok || seen[parent.Name] {
			break
		}
		seen[parent.Name] = true
		chain = append(chain, parent)
		cur = parent
	}
	return chain
}

// memberSet is an edition's membership as it is worked out.
type memberSet struct {
	byID    map[string]Member
	order   []string            // IDs in the order they were first added
	removed map[string]spec.Ref // names removed along the chain
	noop    []spec.Ref          // removes of the edition itself that matched nothing inherited
	blocked map[string]bool     // removed names some member requires
	diags   hcl.Diagnostics
}

func (ms *memberSet) add(m Member) {
	if _, ok := ms.byID[m.ID]; !ok {
		ms.order = append(ms.order, m.ID)
	}
	ms.byID[m.ID] = m
}

// apply applies one edition of the chain, from the farthest ancestor down: its removes,
// then its lists. own says it is the edition being resolved, named name.
func (ms *memberSet) apply(ed spec.Edition, own bool, name string) {
	reason := "listed"
	if ed.Name != name {
		reason = "inherited from " + ed.Name
	}
	for _, r := range ed.Remove {
		hit := false
		for _, k := range []spec.Kind{spec.Extension, spec.Skin} {
			id := spec.ID(k, r.Name)
			if _, ok := ms.byID[id]; ok {
				delete(ms.byID, id)
				hit = true
			}
		}
		if !hit && own {
			ms.noop = append(ms.noop, r)
		}
		ms.removed[r.Name] = r
	}
	for _, k := range []struct {
		kind spec.Kind
		refs []spec.Ref
	}{{spec.Extension, ed.Extensions}, {spec.Skin, ed.Skins}} {
		for _, r := range k.refs {
			if rr, ok := ms.removed[r.Name]; ok && own && containsRef(ed.Remove, r.Name) {
				ms.diags = append(ms.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Added and removed",
					Detail: fmt.Sprintf("%q is both listed and removed in edition %q (removed at %s).", r.Name, name, rr.Range), Subject: r.Range.Ptr()})
				continue
			}
			ms.add(Member{ID: spec.ID(k.kind, r.Name), Reason: reason, Range: r.Range})
		}
	}
}

// require pulls in what the members' registration files require, breadth first in a
// stable order.
func (ms *memberSet) require(set spec.Set, e spec.Edition, info InfoFunc) {
	queue := append([]string(nil), ms.order...)
	sort.Strings(queue)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		m, ok := ms.byID[id]
		if !ok {
			continue
		}
		if _, ok := set.Component(id); !ok {
			continue // unknown names are reported by the loader
		}
		in, err := info(id)
		if err != nil {
			ms.diags = append(ms.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read component",
				Detail: fmt.Sprintf("%s: %v", id, err), Subject: m.Range.Ptr()})
			continue
		}
		for _, dep := range requirements(in) {
			if depID, ok := ms.requirement(set, e, info, id, m, dep); ok {
				queue = append(queue, depID)
			}
		}
	}
}

// requirement adds one requirement of member m (id) when it can; it reports one that no
// recipe declares or that the edition removes.
func (ms *memberSet) requirement(set spec.Set, e spec.Edition, info InfoFunc, id string, m Member, dep requirement) (string, bool) {
	depID, ok := findComponent(set, ms.byID, info, dep.kind, dep.name)
	if !ok {
		ms.diags = append(ms.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing requirement",
			Detail: fmt.Sprintf("%s requires %s %q (%s), which no recipe declares. Add a recipe for it in recipes/, or remove %s from the edition.",
				id, dep.kind, dep.name, dep.constraint, strings.TrimPrefix(strings.TrimPrefix(id, "extension/"), "skin/")),
			Subject: m.Range.Ptr()})
		return "", false
	}
	if _, ok := ms.byID[depID]; ok {
		return "", false
	}
	if r, ok := ms.removed[nameOf(depID)]; ok {
		ms.blocked[nameOf(depID)] = true
		ms.diags = append(ms.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Removed requirement",
			Detail: fmt.Sprintf("%s requires %s, which edition %q removes at %s; MediaWiki would refuse to load it.", id, depID, e.Name, r.Range), Subject: m.Range.Ptr()})
		return "", false
	}
	ms.add(Member{ID: depID, Reason: "required by " + nameOf(id), Range: m.Range})
	return depID, true
}

type requirement struct {
	kind       spec.Kind
	name       string
	constraint string
}

func requirements(in registration.Info) []requirement {
	var out []requirement
	for _, k := range []struct {
		kind spec.Kind
		m    map[string]string
	}{{spec.Extension, in.Requires.Extensions}, {spec.Skin, in.Requires.Skins}} {
		for name, c := range k.m {
			out = append(out, requirement{k.kind, name, c})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].kind+spec.Kind(out[i].name) < out[j].kind+spec.Kind(out[j].name) })
	return out
}

// findComponent maps a name from a requires section to a component: the recipe of that
// name, or a member whose registration name it is (SyntaxHighlight lives in
// SyntaxHighlight_GeSHi).
func findComponent(set spec.Set, byID map[string]Member, info InfoFunc, k spec.Kind, name string) (string, bool) {
	if _, ok := set.Component(spec.ID(k, name)); ok {
		return spec.ID(k, name), true
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !strings.HasPrefix(id, string(k)+"/") {
			continue
		}
		if in, err := info(id); err == nil && in.Name == name {
			return id, true
		}
	}
	return "", false
}

func nameOf(id string) string { return id[strings.IndexByte(id, '/')+1:] }

func containsRef(refs []spec.Ref, name string) bool {
	for _, r := range refs {
		if r.Name == name {
			return true
		}
	}
	return false
}

// edition seals one edition and checks its members' requirements against each other, the
// core version and the PHP of each output target.
func edition(set spec.Set, g Graph, lk lock.File, e spec.Edition) (Edition, hcl.Diagnostics) {
	info := func(id string) (registration.Info, error) {
		c, ok := g.Component(id)
		if !ok {
			return registration.Info{}, fmt.Errorf("%s is not locked", id)
		}
		return c.Info, nil
	}
	// members' own diagnostics were reported by Closure, which Resolve ran first with the
	// same facts (and any error there stopped it): reporting them again would repeat them.
	ms, _ := members(set, e, info)
	ms = append(ms, libraryMembers(g, lk, e.Name)...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
	re := Edition{Name: e.Name, Title: e.Title, Version: e.Version, Core: spec.ID(spec.Core, e.Core.Name), Members: ms,
		Outputs: e.Outputs, Decl: e.DeclRange}
	re.DefaultSkin, re.Settings = inherited(set, e)
	core, ok := g.Component(re.Core)
	if !ok {
		return re, nil
	}
	ec := &editionCheck{g: g}
	coreVersion, checkCore := ec.coreVersion(core)
	byManifest := seal(&re, g)
	ec.defaultSkin(re)
	for _, m := range ms {
		c, _ := g.Component(m.ID)
		if m.ID == re.Core {
			continue
		}
		if req := c.Info.Requires.MediaWiki; req != "" && checkCore {
			if ok, err := matches(req, coreVersion); err != nil {
				ec.errorAt(m, "Invalid constraint", "%s requires MediaWiki %q: %v", c.ID, req, err)
			} else if !ok {
				ec.errorAt(m, "Incompatible MediaWiki", "%s %s requires MediaWiki %s, but the edition's core is %s.", c.ID, c.Version, req, core.Version)
			}
		}
		ec.requirements(m, c, byManifest)
	}
	for _, o := range e.Outputs {
		ec.php(o, ms)
	}
	ec.settings(re)
	return re, ec.diags
}

// seal fills in an edition's time and its sorted extension and skin names from its
// members, and indexes the members both by registration name (kind/name, as requirements
// name them) and by ID.
func seal(re *Edition, g Graph) map[string]Component {
	byManifest := map[string]Component{}
	for _, m := range re.Members {
		c, _ := g.Component(m.ID)
		byManifest[string(c.Kind)+"/"+c.Info.Name] = c
		byManifest[c.ID] = c
		re.Time = max(re.Time, c.Time)
		switch c.Kind {
		case spec.Extension:
			re.Extensions = append(re.Extensions, c.Name)
		case spec.Skin:
			re.Skins = append(re.Skins, c.Name)
		}
	}
	sort.Strings(re.Extensions)
	sort.Strings(re.Skins)
	return byManifest
}

// editionCheck collects what is wrong with one edition's members.
type editionCheck struct {
	g     Graph
	diags hcl.Diagnostics
}

func (ec *editionCheck) errorAt(m Member, summary, format string, args ...any) {
	ec.diags = append(ec.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: m.Range.Ptr()})
}

// coreVersion is the core's version, when requires.MediaWiki can be checked against it.
// MediaWiki skips its own requires.MediaWiki check when its version is not a composer
// version (branch builds such as 1.43.0-wmf.5); so do we, and say so.
func (ec *editionCheck) coreVersion(core Component) (semver.Version, bool) {
	v, err := semver.ParseVersion(core.Version)
	if err != nil {
		ec.diags = append(ec.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Core version not checkable",
			Detail:  fmt.Sprintf("%s version %q is not a composer version (%v); requires.MediaWiki constraints are not checked, as MediaWiki itself does not check them.", core.ID, core.Version, err),
			Subject: core.Decl.Ptr()})
		return v, false
	}
	return v, true
}

func (ec *editionCheck) defaultSkin(re Edition) {
	if re.DefaultSkin == "" {
		return
	}
	for _, s := range re.Skins {
		if strings.EqualFold(s, re.DefaultSkin) {
			return
		}
	}
	ec.diags = append(ec.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Default skin not in edition",
		Detail: fmt.Sprintf("default_skin %q is not one of the edition's skins (%s).", re.DefaultSkin, strings.Join(re.Skins, ", ")), Subject: re.Decl.Ptr()})
}

// requirements checks member m's requirements on other components against the versions
// the edition holds, as MediaWiki does when it loads m.
func (ec *editionCheck) requirements(m Member, c Component, byManifest map[string]Component) {
	for _, dep := range requirements(c.Info) {
		dc, ok := byManifest[string(dep.kind)+"/"+dep.name]
		if !ok {
			dc, ok = byManifest[spec.ID(dep.kind, dep.name)]
		}
		if !ok {
			continue // reported by members
		}
		cons, err := semver.ParseConstraint(dep.constraint)
		if err != nil {
			ec.errorAt(m, "Invalid constraint", "%s requires %s %q: %v", c.ID, dep.name, dep.constraint, err)
			continue
		}
		if cons.MatchesAll() {
			continue
		}
		if dc.Info.Version == "" {
			ec.errorAt(m, "Unversioned requirement", "%s does not expose its version, but %s requires: %s. MediaWiki would refuse to load it; require \"*\" instead.", dep.name, c.Info.Name, dep.constraint)
			continue
		}
		v, err := semver.ParseVersion(dc.Info.Version)
		if err != nil {
			ec.errorAt(m, "Invalid version", "%s does not have a valid version string (%q), but %s requires %s.", dep.name, dc.Info.Version, c.Info.Name, dep.constraint)
			continue
		}
		if !cons.Matches(v) {
			ec.errorAt(m, "Unsatisfied requirement", "%s requires %s %s, but the edition has %s %s.", c.Info.Name, dep.name, dep.constraint, dep.name, dc.Info.Version)
		}
	}
}

// php checks every member's requires.PHP against the PHP an output targets.
func (ec *editionCheck) php(o spec.Output, ms []Member) {
	php := o.PHP
	if php == "" {
		f, _ := spec.LookupOutputFormat(o.Format)
		php = f.DefaultPHP
	}
	if php == "" {
		return
	}
	// A target names a PHP branch; distributions ship its patch releases.
	pv, err := semver.ParseVersion(php + ".999")
	if strings.Count(php, ".") == 2 {
		pv, err = semver.ParseVersion(php)
	}
	if err != nil {
		return // rejected by the loader
	}
	for _, m := range ms {
		c, _ := ec.g.Component(m.ID)
		req := c.Info.Requires.PHP
		if req == "" {
			continue
		}
		if ok, err := matches(req, pv); err != nil {
			ec.errorAt(m, "Invalid constraint", "%s requires PHP %q: %v", c.ID, req, err)
		} else if !ok {
			ec.diags = append(ec.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Incompatible PHP",
				Detail:  fmt.Sprintf("%s requires PHP %s, but the %s output targets PHP %s. Set php = \"...\" in the output block, or drop the component.", c.ID, req, o.Format, php),
				Subject: o.Range.Ptr()})
		}
	}
}

// inherited returns the default skin and settings along e's inheritance chain: the nearest
// edition that sets the default skin wins, and a setting an edition sets overrides its parent's.
func inherited(set spec.Set, e spec.Edition) (string, []spec.Setting) {
	var chain []spec.Edition
	seen := map[string]bool{}
	for cur, ok := e, true; ok && !seen[cur.Name]; {
		seen[cur.Name] = true
		chain = append(chain, cur)
		if cur.Inherits == nil {
			break
		}
		cur, ok = set.Edition(cur.Inherits.Name)
	}
	skin := ""
	byName := map[string]spec.Setting{}
	for i := len(chain) - 1; i >= 0; i-- {
		if chain[i].DefaultSkin != "" {
			skin = chain[i].DefaultSkin
		}
		for _, s := range chain[i].Settings {
			byName[s.Name] = s
		}
	}
	settings := make([]spec.Setting, 0, len(byName))
	for _, s := range byName {
		settings = append(settings, s)
	}
	sort.Slice(settings, func(i, j int) bool { return settings[i].Name < settings[j].Name })
	return skin, settings
}

func matches(constraint string, v semver.Version) (bool, error) {
	c, err := semver.ParseConstraint(constraint)
	if err != nil {
		return false, err
	}
	return c.Matches(v), nil
}

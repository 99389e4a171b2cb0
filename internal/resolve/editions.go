package resolve

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

// editionDiags gathers what is wrong with each edition. Editions inherit, so one mistake is
// often found in several: an extension the core edition lists, incompatible with the core,
// is incompatible in every edition inheriting it, at the same line. Such a diagnostic is
// said once, naming every edition it concerns.
type editionDiags struct {
	order    []diagKey
	editions map[diagKey][]string
	diags    map[diagKey]*hcl.Diagnostic
}

type diagKey struct {
	severity        hcl.DiagnosticSeverity
	summary, detail string
	subject         hcl.Range
}

func (ed *editionDiags) add(edition string, ds hcl.Diagnostics) {
	if ed.diags == nil {
		ed.editions, ed.diags = map[diagKey][]string{}, map[diagKey]*hcl.Diagnostic{}
	}
	for _, d := range ds {
		k := diagKey{severity: d.Severity, summary: d.Summary, detail: d.Detail}
		if d.Subject != nil {
			k.subject = *d.Subject
		}
		if _, ok := ed.diags[k]; !ok {
			ed.order = append(ed.order, k)
			ed.diags[k] = d
		}
		if !slices.Contains(ed.editions[k], edition) {
			ed.editions[k] = append(ed.editions[k], edition)
		}
	}
}

// result is every diagnostic once, in the order first found, each naming its editions
// unless it already names its only one.
func (ed *editionDiags) result() hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, k := range ed.order {
		d := *ed.diags[k]
		names := ed.editions[k]
		sort.Strings(names)
		switch {
		case len(names) == 1 && strings.Contains(d.Detail, fmt.Sprintf("edition %q", names[0])):
		case len(names) == 1:
			d.Detail += fmt.Sprintf("\nIn edition %s.", names[0])
		default:
			d.Detail += fmt.Sprintf("\nIn editions %s and %s.", strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
		}
		out = append(out, &d)
	}
	return out
}

// settings checks that each setting of an edition (its own and those it inherits) names a
// configuration variable that MediaWiki or one of the edition's components declares: any
// other name would be set and ignored by MediaWiki, silently.
func (ec *editionCheck) settings(re Edition) {
	all := append([]spec.Setting(nil), re.Settings...)
	for _, m := range re.Members {
		// A recipe's settings are the edition's too: it sets them in its settings file.
		c, _ := ec.g.Component(m.ID)
		all = append(all, c.Settings...)
		for _, s := range c.Systems {
			all = append(all, s.Settings...)
		}
	}
	if len(all) == 0 {
		return
	}
	core, _ := ec.g.Component(re.Core)
	if core.Info.Config == nil {
		ec.diags = append(ec.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Setting names not checked",
			Detail: fmt.Sprintf("%s records no configuration variables of %s, so setting names are not checked: the lock was written by an earlier mwedition (run `mwedition lock` to record them), or the core names its settings in neither includes/MainConfigNames.php nor includes/DefaultSettings.php.",
				lock.FileName, core.ID),
			Subject: core.Decl.Ptr()})
		return
	}
	known := map[string]bool{}
	for _, m := range re.Members {
		c, _ := ec.g.Component(m.ID)
		for _, v := range c.Info.Variables() {
			known[v] = true
		}
	}
	for _, s := range all {
		if known[s.Variable()] {
			continue
		}
		ec.diags = append(ec.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown setting",
			Detail: ec.unknownSetting(s.Variable(), known), Subject: s.NameRange.Ptr()})
	}
}

// unknownSetting says why name is not a setting of the edition: a component it does not
// hold declares it, or none does (with the closest name it could have meant).
func (ec *editionCheck) unknownSetting(name string, known map[string]bool) string {
	var by []string
	for _, c := range ec.g.Components {
		if slices.Contains(c.Info.Variables(), name) {
			by = append(by, c.ID)
		}
	}
	if len(by) > 0 {
		return fmt.Sprintf("%s is declared by %s, which the edition does not hold: add it to the edition, or drop the setting.", name, strings.Join(by, ", "))
	}
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	sort.Strings(names)
	return fmt.Sprintf("%s is not a configuration variable of MediaWiki or of any of the edition's components (their extension.json or skin.json \"config\", with its prefix), so MediaWiki would ignore it.%s",
		name, load.DidYouMean(name, names))
}

// Records are what the lock keeps of each edition: its version and its members.
func Records(g Graph) []lock.Edition {
	var out []lock.Edition
	for _, e := range g.Editions {
		r := lock.Edition{Name: e.Name, Version: e.Version, Libraries: e.Libraries()}
		for _, m := range e.Members {
			if isLibrary(m.ID) {
				continue // recorded under Libraries
			}
			r.Members = append(r.Members, m.ID)
		}
		out = append(out, r)
	}
	return out
}

// CheckVersions reports each edition of g whose members differ from what was recorded for
// the same version: a version names one set of packages, and a repository refuses a second
// set under it (only at publish time, after a whole build). At lock time was is the previous
// lock, so a component that changed version or files since shows as changed; when
// resolving against a lock, was is that lock.
func CheckVersions(set spec.Set, was lock.File, g Graph) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, e := range g.Editions {
		r, ok := was.Edition(e.Name)
		if !ok || r.Version != e.Version {
			continue
		}
		changes := memberChanges(r, e, was, g)
		if len(changes) == 0 {
			continue
		}
		se, _ := set.Edition(e.Name)
		at := se.VersionRange
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Edition changed, version did not",
			Detail: fmt.Sprintf("Edition %q changed since %s recorded its version %s: %s. A version names one set of packages, and a repository refuses other bytes under a published one: bump version at %s:%d.",
				e.Name, lock.FileName, e.Version, strings.Join(changes, "; "), at.Filename, at.Start.Line),
			Subject: at.Ptr()})
	}
	return diags
}

// memberChanges lists what differs between a recorded edition and its resolved form:
// components added and removed, and those whose version or files changed.
func memberChanges(r lock.Edition, e Edition, was lock.File, g Graph) []string {
	var added, removed, changed []string
	now := map[string]bool{}
	for _, m := range e.Members {
		if isLibrary(m.ID) {
			continue // chosen by the lock itself, which records them per edition
		}
		now[m.ID] = true
		if !slices.Contains(r.Members, m.ID) {
			added = append(added, m.ID)
			continue
		}
		old, ok := was.Lookup(m.ID)
		c, _ := g.Component(m.ID)
		switch {
		case !ok:
		case old.Version != c.Version:
			changed = append(changed, fmt.Sprintf("%s %s -> %s", m.ID, old.Version, c.Version))
		case old.Tree != c.Tree:
			changed = append(changed, fmt.Sprintf("%s %s has other files (tree %s -> %s)", m.ID, c.Version, old.Tree, c.Tree))
		}
	}
	for _, id := range r.Members {
		if !now[id] {
			removed = append(removed, id)
		}
	}
	var out []string
	for _, part := range []struct {
		verb string
		ids  []string
	}{{"added", added}, {"removed", removed}, {"changed", changed}} {
		if len(part.ids) > 0 {
			out = append(out, part.verb+" "+strings.Join(part.ids, ", "))
		}
	}
	return out
}

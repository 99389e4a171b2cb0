package resolve

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

// Stale is the Extra of a stale-lock diagnostic: the component whose recipe changed (or
// that the lock lacks), and every component that change leaves stale, itself included.
// One change to a shared source, such as the core tarball its bundled extensions come
// from, is one diagnostic listing them all.
type Stale struct {
	Component string
	Affected  []string // sorted
}

// locked returns c's lock entry when it holds c as its recipe says.
func locked(set spec.Set, lk lock.File, c spec.Component) (lock.Component, bool) {
	lc, ok := lk.Lookup(c.ID())
	return lc, ok && lc.Recipe == lock.Fingerprint(set, c)
}

// staleDiagnostics reports the stale components, each root cause once: a bundled component
// whose own declaration is as it was locked is stale only because its core changed, and is
// listed under the core's diagnostic rather than given one of its own.
func staleDiagnostics(set spec.Set, lk lock.File, stale map[string]bool) hcl.Diagnostics {
	ids := make([]string, 0, len(stale))
	for id := range stale {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	under := map[string][]string{}
	var roots []spec.Component
	for _, id := range ids {
		c, _ := set.Component(id)
		if cont := spec.ID(spec.Core, c.Source.Core); c.Source.Kind == spec.Bundled && stale[cont] && onlyContainerChanged(set, lk, c, cont) {
			under[cont] = append(under[cont], id)
			continue
		}
		roots = append(roots, c)
	}
	sort.SliceStable(roots, func(i, j int) bool {
		a, b := roots[i].DeclRange, roots[j].DeclRange
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	var diags hcl.Diagnostics
	for _, c := range roots {
		diags = append(diags, staleDiagnostic(c, lk, under[c.ID()]))
	}
	return diags
}

// onlyContainerChanged says whether bundled c, stale, would match its lock entry were its
// core still as locked: c's own declaration did not change.
func onlyContainerChanged(set spec.Set, lk lock.File, c spec.Component, cont string) bool {
	lc, ok := lk.Lookup(c.ID())
	if !ok {
		return true // new, and from a core that changed too: locking the core locks it
	}
	lcore, ok := lk.Lookup(cont)
	return ok && lc.Recipe == lock.FingerprintIn(set, c, lcore.Recipe)
}

// staleDiagnostic says what changed in c's recipe since it was locked, old and new, at the
// attribute that changed, and which components it leaves stale besides c.
func staleDiagnostic(c spec.Component, lk lock.File, bundled []string) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Stale lock", Subject: c.DeclRange.Ptr(),
		Extra: Stale{Component: c.ID(), Affected: append([]string{c.ID()}, bundled...)}}
	sort.Strings(d.Extra.(Stale).Affected)
	var b strings.Builder
	lc, ok := lk.Lookup(c.ID())
	if !ok {
		fmt.Fprintf(&b, "%s %q is not in %s.", c.Kind, c.Name, lock.FileName)
	} else if chs := withVersion(c, lc, changes(c, lc)); len(chs) == 0 {
		fmt.Fprintf(&b, "%s %q changed since it was locked, in what the lock does not record: %s.", c.Kind, c.Name, unrecorded(c))
	} else {
		fmt.Fprintf(&b, "%s %q changed since it was locked:", c.Kind, c.Name)
		for _, ch := range chs {
			fmt.Fprintf(&b, "\n  %s\n    locked: %s\n    recipe: %s", ch.what, orNone(ch.old), orNone(ch.new))
		}
		if r, ok := c.Source.Attrs[chs[0].attr]; ok {
			d.Subject = r.Ptr()
		}
	}
	if len(bundled) > 0 {
		fmt.Fprintf(&b, "\nAffected, being bundled in it (%d): %s.", len(bundled), ByKind(bundled))
		b.WriteString("\nRun `mwedition lock` to lock them again.")
	} else {
		if strings.Contains(b.String(), "\n") {
			b.WriteString("\n")
		} else {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "Run `mwedition lock` to lock it (or `mwedition lock --update %s` to move only this one).", c.Name)
	}
	d.Detail = b.String()
	return d
}

// change is one recorded fact of a lock entry that its recipe no longer says.
type change struct {
	what, attr string // "the tarball's sha256", and the recipe attribute that says it
	old, new   string
}

// changes compares what a lock entry records of its source with the recipe. A lock records
// the pin, not every attribute: what it does not record (exclude, signature, keyring) is
// only known to differ through the recipe's fingerprint.
func changes(c spec.Component, lc lock.Component) []change {
	rec, pin := c.Source, lc.Source
	if pin.Kind != rec.Kind {
		return []change{{what: "the kind of source", old: string(pin.Kind), new: string(rec.Kind)}}
	}
	var out []change
	add := func(what, attr, old, new string) {
		if old != new {
			out = append(out, change{what, attr, old, new})
		}
	}
	switch rec.Kind {
	case spec.Tarball:
		add("the tarball's sha256", "sha256", pin.SHA256, rec.SHA256)
		add("the tarball's url", "url", pin.URL, rec.URL)
	case spec.Git:
		add("the git repository", "url", pin.URL, rec.URL)
		add("the git ref", "ref", pin.Ref, rec.Ref)
	case spec.Dir:
		add("the directory", "path", pin.Path, rec.Path)
	case spec.Bundled:
		add("the core it is bundled in", "core", pin.Of, spec.ID(spec.Core, rec.Core))
		add("its path in the core", "path", pin.Path, rec.Path)
	}
	return out
}

// withVersion adds a core's release version to its source changes, when it changed too.
func withVersion(c spec.Component, lc lock.Component, chs []change) []change {
	if c.Kind == spec.Core && lc.Version != c.Version {
		chs = append(chs, change{what: "the release version", attr: "version", old: lc.Version, new: c.Version})
	}
	return chs
}

// unrecorded names what may have changed when nothing the lock records did.
func unrecorded(c spec.Component) string {
	switch {
	case c.Kind == spec.Core && c.Source.Kind == spec.Tarball:
		return "its exclude, signature or keyring, or which sub-trees other recipes take from it"
	case c.Kind == spec.Core:
		return "its exclude, or which sub-trees other recipes take from it"
	case c.Source.Kind == spec.Tarball:
		return "its exclude, signature or keyring"
	}
	return "its exclude"
}

// ByKind lists component IDs by kind, the way a person reads them:
// "extensions Cite, Math; skins Vector".
func ByKind(ids []string) string {
	var kinds []string
	names := map[string][]string{}
	for _, id := range ids {
		kind, name, _ := strings.Cut(id, "/")
		if names[kind] == nil {
			kinds = append(kinds, kind)
		}
		names[kind] = append(names[kind], name)
	}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		label := k
		if len(names[k]) > 1 {
			label = plural(k)
		}
		parts[i] = label + " " + strings.Join(names[k], ", ")
	}
	return strings.Join(parts, "; ")
}

// plural is a kind's plural: "extensions", "skins", "libraries".
func plural(k string) string {
	if stem, ok := strings.CutSuffix(k, "y"); ok {
		return stem + "ies"
	}
	return k + "s"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// mismatch reports a lock entry that matches its recipe's fingerprint yet pins another
// source than the recipe says: an entry edited by hand, which build would refuse later.
func mismatch(set spec.Set, c spec.Component, lc lock.Component, lk lock.File) *hcl.Diagnostic {
	chs := changes(c, lc)
	if c.Source.Kind == spec.Bundled && len(chs) == 0 {
		core, ok := lk.Lookup(lc.Source.Of)
		coreSpec, _ := set.Component(lc.Source.Of)
		// A core whose own entry was edited is reported once, not with every member.
		if ok && len(changes(coreSpec, core)) == 0 && (core.Source.SHA256 != lc.Source.SHA256 || core.Source.Commit != lc.Source.Commit) {
			chs = append(chs, change{what: "the pin of the core it is bundled in", old: lc.Source.SHA256 + lc.Source.Commit, new: core.Source.SHA256 + core.Source.Commit})
		}
	}
	if len(chs) == 0 {
		return nil
	}
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Lock does not match recipe", Subject: c.DeclRange.Ptr(),
		Extra: Stale{Component: c.ID(), Affected: []string{c.ID()}}}
	if r, ok := c.Source.Attrs[chs[0].attr]; ok {
		d.Subject = r.Ptr()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The entry of %s %q in %s records its recipe as it is, but not the source that recipe says:", c.Kind, c.Name, lock.FileName)
	for _, ch := range chs {
		fmt.Fprintf(&b, "\n  %s\n    locked: %s\n    recipe: %s", ch.what, orNone(ch.old), orNone(ch.new))
	}
	b.WriteString("\nWas the lock edited by hand? Run `mwedition lock` to write it again.")
	d.Detail = b.String()
	return d
}

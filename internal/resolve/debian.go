package resolve

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

// DebianBaseID names a debian_base in a stale-lock diagnostic's Extra, beside component IDs.
func DebianBaseID(name string) string { return "debian_base/" + name }

// DebianRequirements are the Debian system requirements of every component of every
// edition of g whose image output is built on the debian_base named base, sorted: what the
// base must install besides its own packages.
func DebianRequirements(g Graph, base string) []string {
	var out []string
	for _, e := range g.Editions {
		for _, o := range e.Outputs {
			if name, ok := spec.DebianBaseName(o.Base); ok && name == base && o.Format == spec.FormatImage {
				out = append(out, e.DebianRequirements(g)...)
			}
		}
	}
	return lock.SortedUnique(out)
}

// CheckDebianBases reports each declared debian_base that lk does not hold as the block
// and g's editions now ask for it (lock.DebianBase.Satisfies), saying what changed. Resolve runs it; lock, which is
// about to lock the bases again, does not.
func CheckDebianBases(set spec.Set, g Graph, lk lock.File) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, b := range set.DebianBases() {
		reqs := DebianRequirements(g, b.Name)
		lb, ok := lk.DebianBase(b.Name)
		if ok && lb.Satisfies(b, reqs) {
			continue
		}
		id := DebianBaseID(b.Name)
		d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Stale lock", Subject: b.DeclRange.Ptr(),
			Extra: Stale{Component: id, Affected: []string{id}}}
		if !ok {
			d.Detail = fmt.Sprintf("debian_base %q is not in %s. Run `mwedition lock` to resolve and pin its packages.", b.Name, lock.FileName)
		} else {
			d.Detail = fmt.Sprintf("debian_base %q changed since it was locked:%s\nRun `mwedition lock` to resolve and pin its packages again.",
				b.Name, debianChanges(b, reqs, lb))
		}
		diags = append(diags, d)
	}
	return diags
}

// debianChanges lists what differs between a base's block (and requirements) and its lock.
func debianChanges(b spec.DebianBase, reqs []string, lb lock.DebianBase) string {
	var out strings.Builder
	diff := func(what string, locked, now []string) {
		added, removed := setDiff(lock.SortedUnique(locked), lock.SortedUnique(now))
		if len(added) > 0 {
			fmt.Fprintf(&out, "\n  %s added: %s", what, strings.Join(added, ", "))
		}
		if len(removed) > 0 {
			fmt.Fprintf(&out, "\n  %s removed: %s", what, strings.Join(removed, ", "))
		}
	}
	var lockedSuites, suites []string
	for _, s := range lb.Suites {
		lockedSuites = append(lockedSuites, s.Archive+" "+s.Suite)
	}
	for _, s := range b.Sources {
		for _, suite := range s.Suites {
			suites = append(suites, s.URL+" "+suite)
		}
	}
	diff("suites", lockedSuites, suites)
	diff("packages", lb.Requested, b.Packages)
	diff("system requirements", lb.Requirements, reqs)
	if lb.Keyring != b.Keyring {
		fmt.Fprintf(&out, "\n  keyring\n    locked: %s\n    recipe: %s", orNone(lb.Keyring), orNone(b.Keyring))
	}
	if out.Len() == 0 {
		out.WriteString("\n  the order of its sources or suites, which is apt's order of preference")
	}
	return out.String()
}

// setDiff returns what now has that was does not, and what was has that now does not;
// both are sorted and hold no duplicates.
func setDiff(was, now []string) (added, removed []string) {
	in := func(s []string, x string) bool {
		for _, y := range s {
			if y == x {
				return true
			}
		}
		return false
	}
	for _, x := range now {
		if !in(was, x) {
			added = append(added, x)
		}
	}
	for _, x := range was {
		if !in(now, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}

package build

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
)

// checkLibraryVersions refuses an edition whose composer libraries changed under the
// version the previous lock recorded, as resolve.CheckVersions refuses changed members:
// the libraries ship with the edition, so other libraries are other packages.
func (ll *libraryLocker) checkLibraryVersions(g resolve.Graph, names map[string][]string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, e := range g.Editions {
		r, ok := ll.prev.Edition(e.Name)
		if !ok || r.Version != e.Version {
			continue
		}
		changes := ll.libraryChanges(r.Libraries, names[e.Name])
		if len(changes) == 0 {
			continue
		}
		at := e.Decl
		if se, ok := ll.set.Edition(e.Name); ok {
			at = se.VersionRange
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Edition changed, version did not",
			Detail: fmt.Sprintf("Edition %q changed since %s recorded its version %s: %s. A version names one set of packages, and a repository refuses other bytes under a published one: bump version at %s:%d.",
				e.Name, lock.FileName, e.Version, strings.Join(changes, "; "), at.Filename, at.Start.Line),
			Subject: at.Ptr()})
	}
	return diags
}

// libraryChanges lists the libraries added, removed, and at another version or with
// other bytes between the previous lock and this one.
func (ll *libraryLocker) libraryChanges(was, now []string) []string {
	var out []string
	for _, n := range now {
		if !slices.Contains(was, n) {
			out = append(out, "composer library "+n+" added")
			continue
		}
		old, _ := ll.prev.Library(n)
		cur := ll.chosen[n]
		switch {
		case old.Version != cur.Version:
			out = append(out, fmt.Sprintf("composer library %s %s -> %s", n, old.Version, cur.Version))
		case old.Source != cur.Source:
			out = append(out, fmt.Sprintf("composer library %s %s has another source (%s %s -> %s %s)", n, cur.Version, old.Source.Reference, old.Source.SHA256, cur.Source.Reference, cur.Source.SHA256))
		}
	}
	for _, n := range was {
		if !slices.Contains(now, n) {
			out = append(out, "composer library "+n+" removed")
		}
	}
	return out
}

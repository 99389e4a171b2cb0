package releasediff

import (
	"sort"
	"strings"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

// Changes in LibraryChange besides ChangeAdded and ChangeRemoved.
const (
	ChangeBumped = "bumped" // another version
	// ChangeReplaced is a library at the same version whose archive (its sha256, its commit
	// or its tree) is not the same: the repository replaced the dist, or a library recipe
	// now overrides where it comes from.
	ChangeReplaced = "changed"
)

// LibraryChange is a composer library added, removed, bumped or changed. Libraries are
// reported here only, not among the components, although the build makes each one a
// component of kind library.
type LibraryChange struct {
	Name      string      `json:"name"`   // vendor/name
	Change    string      `json:"change"` // "added", "removed", "bumped" or "changed"
	Old       *LibraryPin `json:"old,omitempty"`
	New       *LibraryPin `json:"new,omitempty"`
	Downgrade bool        `json:"downgrade,omitempty"`
}

// LibraryPin is a library in one release: its version, licence and where its files come
// from (a dist archive is a tarball source pinned by its sha256).
type LibraryPin struct {
	Version string      `json:"version"`
	License string      `json:"license,omitempty"`
	Source  lock.Source `json:"source"`
	Tree    string      `json:"tree,omitempty"`
}

// libraryName is the composer name of a library component's ID, and whether it is one.
func libraryName(id string) (string, bool) {
	return strings.CutPrefix(id, string(spec.LibraryKind)+"/")
}

// lockLibraries are the libraries of a lock as the build makes them components: those an
// edition record names, plugins left out (composer/installers is install-time code, which
// no format ships). A lock without edition records, written before libraries were, ships
// every library that is not a plugin.
func lockLibraries(f lock.File) []Component {
	used := map[string]bool{}
	for _, e := range f.Editions {
		for _, n := range e.Libraries {
			used[n] = true
		}
	}
	var out []Component
	for _, lib := range f.Libraries {
		if lib.Plugin || (len(f.Editions) > 0 && !used[lib.Name]) {
			continue
		}
		rc := resolve.LibraryComponent(lib)
		c := Component{ID: rc.ID, Version: rc.Version, Source: rc.Source, Tree: rc.Tree, License: rc.Info.License,
			PHP: rc.Info.Requires.PHP, PHPExtensions: sortedCopy(rc.Info.Requires.PHPExtensions)}
		for fam, p := range rc.OSDeps {
			if len(p) > 0 {
				if c.OSPackages == nil {
					c.OSPackages = map[platform.Family][]string{}
				}
				c.OSPackages[fam] = sortedCopy(p)
			}
		}
		out = append(out, c)
	}
	return out
}

// compareLibraries reports the library components of both releases, by name.
func compareLibraries(prev, next Release) []LibraryChange {
	out := []LibraryChange{}
	for _, c := range prev.Components {
		if name, ok := libraryName(c.ID); ok {
			if _, in := next.Component(c.ID); !in {
				out = append(out, LibraryChange{Name: name, Change: ChangeRemoved, Old: libraryPin(c)})
			}
		}
	}
	for _, n := range next.Components {
		name, ok := libraryName(n.ID)
		if !ok {
			continue
		}
		o, had := prev.Component(n.ID)
		switch {
		case !had:
			out = append(out, LibraryChange{Name: name, Change: ChangeAdded, New: libraryPin(n)})
		case o.Version != n.Version:
			out = append(out, LibraryChange{Name: name, Change: ChangeBumped, Old: libraryPin(o), New: libraryPin(n),
				Downgrade: older(n.Version, o.Version)})
		case moved(o, n) || o.License != n.License:
			out = append(out, LibraryChange{Name: name, Change: ChangeReplaced, Old: libraryPin(o), New: libraryPin(n)})
		}
	}
	sortLibraryChanges(out)
	return out
}

func libraryPin(c Component) *LibraryPin {
	return &LibraryPin{Version: c.Version, License: c.License, Source: c.Source, Tree: c.Tree}
}

func sortLibraryChanges(ls []LibraryChange) {
	sort.Slice(ls, func(i, j int) bool { return ls[i].Name < ls[j].Name })
}

package resolve

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/registration"
	"github.com/mwedition/mwedition/internal/spec"
)

// libraryComponents turns the composer libraries the lock's editions ship into components
// of kind library, so that every format packages, segments and layers them as it does an
// extension. A plugin (composer/installers) is install-time code and is not one of them.
func libraryComponents(set spec.Set, lk lock.File) ([]Component, hcl.Diagnostics) {
	used := map[string]bool{}
	for _, e := range lk.Editions {
		for _, n := range e.Libraries {
			used[n] = true
		}
	}
	var out []Component
	var diags hcl.Diagnostics
	for _, lib := range lk.Libraries {
		if lib.Plugin || !used[lib.Name] {
			continue
		}
		if lib.Tree == "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Stale lock",
				Detail:  fmt.Sprintf("composer library %s %s has no unpacked tree in %s (it was locked by an older mwedition); run mwedition lock.", lib.Name, lib.Version, lock.FileName),
				Subject: LockRange.Ptr()})
			continue
		}
		if d := staleLibraryRecipe(set, lib); d != nil {
			diags = append(diags, d)
			continue
		}
		out = append(out, LibraryComponent(lib))
	}
	return out, diags
}

// staleLibraryRecipe says when a library recipe changed since the lock chose the library:
// one added for a library the lock took from a repository, one removed, or a new source.
func staleLibraryRecipe(set spec.Set, lib lock.Library) *hcl.Diagnostic {
	var rec *spec.Library
	for _, r := range set.Libraries() {
		if r.Name == lib.Name {
			rec = &r
		}
	}
	fromRecipe := lib.Repository == "recipe"
	var what string
	var at *hcl.Range
	switch {
	case rec != nil && !fromRecipe:
		what, at = fmt.Sprintf("a library recipe now overrides it, but %s took it from repository %s", lock.FileName, lib.Repository), rec.DeclRange.Ptr()
	case rec == nil && fromRecipe:
		what = fmt.Sprintf("%s took it from a library recipe, which is gone", lock.FileName)
	case rec != nil && (string(rec.Source.Kind) != lib.Source.Type || rec.Source.URL+rec.Source.Path != lib.Source.URL):
		what, at = fmt.Sprintf("its recipe's source is now %s %s, but %s locked %s %s", rec.Source.Kind, rec.Source.URL+rec.Source.Path, lock.FileName, lib.Source.Type, lib.Source.URL), rec.Source.Range.Ptr()
	default:
		return nil
	}
	if at == nil {
		at = LockRange.Ptr()
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Stale lock",
		Detail:  fmt.Sprintf("composer library %s changed since it was locked: %s. Run mwedition lock (or mwedition lock --update %s).", lib.Name, what, lib.Name),
		Subject: at}
}

// LibraryComponent is a locked library as a component of kind library: its dist archive a
// tarball source, its licences one expression, its PHP and extensions as a component's.
// diff reads a lock's libraries through it, so that a lock and a build manifest agree.
func LibraryComponent(lib lock.Library) Component {
	c := Component{ID: spec.ID(spec.LibraryKind, lib.Name), Kind: spec.LibraryKind, Name: lib.Name, Version: lib.Version,
		Time: lib.Time, Tree: lib.Tree, Files: lib.Files, Bytes: lib.Bytes, Decl: LockRange,
		Source:   librarySource(lib.Source),
		Info:     registration.Info{Name: lib.Name, Version: lib.Version, License: strings.Join(lib.Licenses, " OR ")},
		OSDeps:   map[platform.Family][]string{},
		Requires: map[string]string{}}
	for target, constraint := range lib.Require {
		switch {
		case strings.Contains(target, "/"):
			c.Requires[target] = constraint
		case target == "php":
			c.Info.Requires.PHP = constraint
		case strings.HasPrefix(target, "ext-"):
			c.Info.Requires.PHPExtensions = append(c.Info.Requires.PHPExtensions, strings.TrimPrefix(target, "ext-"))
		}
	}
	sort.Strings(c.Info.Requires.PHPExtensions)
	for _, f := range platform.Families {
		if p := platform.Packages(f, c.Info.Requires.PHPExtensions); len(p) > 0 {
			c.OSDeps[f] = p
		}
	}
	return c
}

// librarySource is a locked library's source as a component's: a dist archive is a
// tarball source pinned by its sha256; a library recipe's git or dir source keeps its kind.
func librarySource(s lock.LibrarySource) lock.Source {
	switch spec.SourceKind(s.Type) {
	case spec.Git:
		return lock.Source{Kind: spec.Git, URL: s.URL, Commit: s.Reference}
	case spec.Dir:
		return lock.Source{Kind: spec.Dir, Path: s.URL, SHA256: s.SHA256}
	}
	return lock.Source{Kind: spec.Tarball, URL: s.URL, SHA256: s.SHA256, Commit: s.Reference}
}

// libraryMembers are the members an edition's locked libraries add, each with the
// libraries that require it, or the components' composer.json when none does.
func libraryMembers(g Graph, lk lock.File, edition string) []Member {
	rec, ok := lk.Edition(edition)
	if !ok {
		return nil
	}
	var out []Member
	for _, name := range rec.Libraries {
		id := spec.ID(spec.LibraryKind, name)
		if _, ok := g.Component(id); !ok {
			continue // a plugin
		}
		var by []string
		for _, other := range rec.Libraries {
			if c, ok := g.Component(spec.ID(spec.LibraryKind, other)); ok && c.Requires[name] != "" {
				by = append(by, other)
			}
		}
		reason := "composer library, required by the members' composer.json"
		if len(by) > 0 {
			reason = "composer library, required by " + strings.Join(by, ", ")
		}
		out = append(out, Member{ID: id, Reason: reason})
	}
	return out
}

// Libraries are the names of e's composer libraries, sorted.
func (e Edition) Libraries() []string {
	var out []string
	for _, m := range e.Members {
		if name, ok := strings.CutPrefix(m.ID, string(spec.LibraryKind)+"/"); ok {
			out = append(out, name)
		}
	}
	return slices.Clip(out)
}

func isLibrary(id string) bool { return strings.HasPrefix(id, string(spec.LibraryKind)+"/") }

// LockRange is where a composer library from a repository is declared: in the lock, whose
// JSON has no positions to point at, so its first line.
var LockRange = hcl.Range{Filename: lock.FileName, Start: hcl.InitialPos, End: hcl.InitialPos}

package build

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/composer"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/semver"
	"github.com/mwedition/mwedition/internal/source"
	"github.com/mwedition/mwedition/internal/spec"
)

// libraryLocker chooses the editions' composer libraries at lock time. A bundled
// component's composer.json is left out: the release tarball's vendor/ (mediawiki/vendor)
// is made for the extensions it bundles, so their needs are core's. Only components from
// other sources (git, tarball, dir) bring libraries of their own.
type libraryLocker struct {
	*locker
	repos []repository
	// chosen are the libraries locked so far, by name, shared by the editions: a library
	// is locked once, at one version, when several editions agree on it.
	chosen map[string]lock.Library
	// fromRecipe are the libraries of library recipes, by name, fetched once
	// (recipesRead) when the first edition needs libraries.
	fromRecipe  map[string]lock.LibrarySource
	recipeCat   composer.Static
	recipesRead bool
}

type repository struct {
	spec.ComposerRepository
	*composer.Repository
}

// editionInput is what one edition's resolution starts from.
type editionInput struct {
	in       composer.Input
	members  map[string]bool // component IDs
	needsLib bool            // some requirement is on a library, not only the platform
}

// libraries chooses every edition's composer libraries and returns lf recording them.
func (l *locker) libraries(ctx context.Context, g resolve.Graph, lf lock.File) (lock.File, hcl.Diagnostics) {
	ll := &libraryLocker{locker: l, chosen: map[string]lock.Library{}, fromRecipe: map[string]lock.LibrarySource{}}
	for _, r := range l.set.ComposerRepositories() {
		ll.repos = append(ll.repos, repository{r, composer.NewRepository(r.URL, l.fetchMetadata)})
	}
	var diags hcl.Diagnostics
	names := map[string][]string{}
	for _, e := range g.Editions {
		ns, d := ll.edition(ctx, e)
		diags = append(diags, d...)
		names[e.Name] = ns
	}
	if diags.HasErrors() {
		return lf, diags
	}
	if diags = ll.checkLibraryVersions(g, names); diags.HasErrors() {
		return lf, diags
	}
	var libs []lock.Library
	for _, lib := range ll.chosen {
		libs = append(libs, lib)
	}
	sort.Slice(libs, func(i, j int) bool { return libs[i].Name < libs[j].Name })
	libs, err := ll.libraryTrees(ctx, libs)
	if err != nil {
		return lf, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot unpack composer library", Detail: err.Error()})
	}
	for i, e := range lf.Editions {
		lf.Editions[i].Libraries = names[e.Name]
	}
	return lf.WithLibraries(libs), diags
}

// fetchMetadata reads a repository's metadata through the fetcher, answering
// composer.ErrNotFound for what is not there.
func (l *locker) fetchMetadata(ctx context.Context, u string) ([]byte, error) {
	b, err := l.o.Fetcher.Read(ctx, u)
	if errors.Is(err, source.ErrNotFound) {
		return nil, fmt.Errorf("%w: %v", composer.ErrNotFound, err)
	}
	return b, err
}

// edition resolves one edition's libraries and locks them; it returns their names.
func (ll *libraryLocker) edition(ctx context.Context, e resolve.Edition) ([]string, hcl.Diagnostics) {
	ei, err := ll.input(e)
	if err != nil {
		return nil, ll.diag(e, "Cannot read composer.json", err.Error(), nil)
	}
	if !ei.needsLib {
		return nil, nil
	}
	if !ll.recipesRead {
		ll.recipesRead = true
		var d hcl.Diagnostics
		if ll.recipeCat, d = ll.recipes(ctx); d.HasErrors() {
			return nil, d
		}
	}
	res, err := ll.resolve(ctx, ei.in)
	if err != nil {
		return nil, ll.resolveDiag(e, ei.in, err)
	}
	var names []string
	var diags hcl.Diagnostics
	for _, lib := range res.Libraries {
		if lib.MediaWikiPath != "" {
			diags = append(diags, ll.component(e, ei, lib, res)...)
			continue
		}
		locked, err := ll.lockLibrary(ctx, lib, e)
		if err != nil {
			detail := err.Error() + requirers(lib.Name, ei.in, res)
			diags = append(diags, ll.diag(e, "Cannot lock composer library "+lib.Name, detail, lib.RequiredBy)...)
			continue
		}
		ll.chosen[lib.Name] = locked
		names = append(names, lib.Name)
	}
	sort.Strings(names)
	return names, diags
}

// requirers lists the requirements on name in force, one per line: the components' from
// their composer.json, and the chosen libraries' own.
func requirers(name string, in composer.Input, res composer.Result) string {
	var b strings.Builder
	for _, r := range in.Require {
		if r.Target == name {
			b.WriteString("\n  " + r.String())
		}
	}
	for _, lib := range res.Libraries {
		for _, l := range lib.Require {
			if l.Target == name {
				b.WriteString("\n  " + composer.Requirement{Link: l, By: lib.ID()}.String())
			}
		}
	}
	return b.String()
}

// component checks a MediaWiki extension or skin required through composer: it is not a
// library but a component, which the edition must list.
func (ll *libraryLocker) component(e resolve.Edition, ei editionInput, lib composer.Library, res composer.Result) hcl.Diagnostics {
	kind, name, _ := strings.Cut(lib.MediaWikiPath, "/")
	id := spec.ID(spec.Extension, name)
	if kind == "skins" {
		id = spec.ID(spec.Skin, name)
	}
	if ei.members[id] {
		return nil
	}
	return ll.diag(e, "Missing component",
		fmt.Sprintf("composer package %s is the MediaWiki %s %s, not a library: add %s %s to the edition (and a recipe for it).%s", lib.Name, strings.TrimSuffix(kind, "s"), name, strings.TrimSuffix(kind, "s"), name, requirers(lib.Name, ei.in, res)), lib.RequiredBy)
}

// resolve resolves with the locked libraries first, each at its locked version, so that a
// lock keeps what it chose; if they no longer fit (a requirement changed), it resolves
// afresh from the repositories alone.
func (ll *libraryLocker) resolve(ctx context.Context, in composer.Input) (composer.Result, error) {
	repos := []composer.Catalog{ll.recipeCat}
	for _, r := range ll.repos {
		repos = append(repos, r.Repository)
	}
	if locked, ok := ll.lockedCatalog(); ok {
		in.Catalogs = append([]composer.Catalog{ll.recipeCat, locked}, repos[1:]...)
		res, err := composer.Resolve(ctx, in)
		var ce *composer.Error
		if err == nil || !errors.As(err, &ce) {
			return res, err
		}
	}
	in.Catalogs = repos
	return composer.Resolve(ctx, in)
}

// lockedCatalog offers the previous lock's libraries, but those named in --update.
func (ll *libraryLocker) lockedCatalog() (composer.Static, bool) {
	st := composer.Static{Name: lock.FileName, Packages: map[string][]composer.Package{}}
	for _, lib := range ll.prev.Libraries {
		if ll.update["library:"+lib.Name] || ll.recipeCat.Packages[lib.Name] != nil {
			continue
		}
		p, err := lockedPackage(lib)
		if err != nil {
			continue // an entry people edited into nonsense is chosen afresh
		}
		st.Packages[lib.Name] = []composer.Package{p}
	}
	return st, len(st.Packages) > 0
}

// lockedPackage turns a locked library back into the package it was chosen as.
func lockedPackage(lib lock.Library) (composer.Package, error) {
	norm, err := semver.ParseVersion(lib.Version)
	if err != nil {
		return composer.Package{}, err
	}
	p := composer.Package{Name: lib.Name, PrettyName: lib.Name, Version: lib.Version, Norm: norm, Type: lib.Type, License: lib.Licenses,
		Dist: &composer.Dist{Type: lib.Source.Type, URL: lib.Source.URL, Reference: lib.Source.Reference, SHA256: lib.Source.SHA256}}
	targets := make([]string, 0, len(lib.Require))
	for t := range lib.Require {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for _, t := range targets {
		c, err := semver.ParseConstraint(lib.Require[t])
		if err != nil {
			return composer.Package{}, err
		}
		link := composer.Link{Target: t, Constraint: c}
		if composer.IsPlatform(t) {
			p.Platform = append(p.Platform, link)
		} else {
			p.Require = append(p.Require, link)
		}
	}
	return p, nil
}

// readFile reads a file of a locked component's source, nil if it has none.
func (l *locker) readFile(id, name string) ([]byte, error) {
	c, ok := l.set.Component(id)
	if !ok {
		return nil, fmt.Errorf("no recipe declares %s", id)
	}
	pin := l.done[container(c)].Source
	fsys, err := l.srcFS(c, pin)
	if err != nil {
		return nil, err
	}
	b, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// srcFS is c's unpacked source in the store.
func (l *locker) srcFS(c spec.Component, containerPin lock.Source) (fs.FS, error) {
	srcID, err := source.ID(containerPin)
	if err != nil {
		return nil, err
	}
	root, err := l.o.store().SrcRoot(srcID)
	if err != nil {
		return nil, err
	}
	if c.Source.Kind == spec.Bundled {
		root += "/" + c.Source.Path
	}
	return os.DirFS(l.o.store().Path(root)), nil
}

// blobPath is where the store keeps a blob.
func (l *locker) blobPath(sha string) string { return l.o.store().Path(cache.BlobRel(sha)) }

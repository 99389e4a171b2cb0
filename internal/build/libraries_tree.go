package build

import (
	"context"
	"fmt"
	"strings"

	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

// libraryComponent is a locked library as the component machinery sees it: a recipe-less
// component whose source is its dist archive (a tarball source, zip or tar, pinned by
// sha256) or, for a library recipe, the recipe's source as locked. Its tree is made, and
// checked against the lock, exactly as a component's is.
func libraryComponent(set spec.Set, lib lock.Library) (spec.Component, lock.Source, error) {
	c := spec.Component{Kind: spec.LibraryKind, Name: lib.Name, Version: lib.Version,
		DeclRange: resolve.LockRange}
	src := lib.Source
	if lib.Repository == recipeRepository {
		for _, r := range set.Libraries() {
			if r.Name != lib.Name {
				continue
			}
			c.Source, c.DeclRange = r.Source, r.DeclRange
			pin := lock.Source{Kind: r.Source.Kind, URL: r.Source.URL, Ref: r.Source.Ref, Path: r.Source.Path, SHA256: src.SHA256, Commit: src.Reference}
			if r.Source.Kind == spec.Tarball {
				pin.SHA256 = r.Source.SHA256
			}
			return c, pin, nil
		}
		return c, lock.Source{}, fmt.Errorf("composer library %s: %s says it comes from a library recipe, but no recipe declares it; run mwedition lock", lib.Name, lock.FileName)
	}
	if src.URL == "" || src.SHA256 == "" {
		return c, lock.Source{}, fmt.Errorf("composer library %s %s: %s records no dist archive and sha256 for it; run mwedition lock", lib.Name, lib.Version, lock.FileName)
	}
	c.Source = spec.Source{Kind: spec.Tarball, URL: src.URL, SHA256: strings.ToLower(src.SHA256)}
	return c, lock.Source{Kind: spec.Tarball, URL: src.URL, SHA256: strings.ToLower(src.SHA256)}, nil
}

// LibrarySource is where the build takes a locked library's files from, as a
// component's pin: its dist archive by sha256, or its library recipe's source at the
// locked commit or sha256. verify seeds a cold cache with it.
func LibrarySource(set spec.Set, lib lock.Library) (lock.Source, error) {
	_, pin, err := libraryComponent(set, lib)
	return pin, err
}

// libraryTrees unpacks each chosen library (plugins aside) and records its tree in the
// lock entry, as lock does for components.
func (ll *libraryLocker) libraryTrees(ctx context.Context, libs []lock.Library) ([]lock.Library, error) {
	var acts []engine.Action
	for _, lib := range libs {
		if lib.Plugin {
			continue
		}
		c, pin, err := libraryComponent(ll.set, lib)
		if err != nil {
			return nil, err
		}
		acts = append(acts, ll.o.componentActions(ll.set, c, pin, pin, "")...)
	}
	if len(acts) == 0 {
		return libs, nil
	}
	opts, err := ll.o.engineOptions()
	if err != nil {
		return nil, err
	}
	rep, err := engine.Run(ctx, acts, opts...)
	ll.merge(rep)
	if err != nil {
		return nil, err
	}
	out := append([]lock.Library(nil), libs...)
	for i, lib := range out {
		if lib.Plugin {
			continue
		}
		id := spec.ID(spec.LibraryKind, lib.Name)
		tr, err := format.Lookup[Tree](rep, treeAction(id))
		if err != nil {
			return nil, err
		}
		t, err := ll.o.store().Tree(tr.Digest)
		if err != nil {
			return nil, err
		}
		out[i].Tree, out[i].Time = tr.Digest, tr.Time
		out[i].Files, out[i].Bytes = treeCounts(t)
	}
	return out, nil
}

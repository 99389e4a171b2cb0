package build

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/composer"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/semver"
	"github.com/mwedition/mwedition/internal/spec"
)

// recipeRepository is what lock records as the repository of a library from a recipe.
const recipeRepository = "recipe"

// recipes fetches every library recipe's source into the cache, pinned as a component's
// would be, and returns them as one catalog that overrides the repositories. A git ref
// already locked keeps its commit until --update names the library.
func (ll *libraryLocker) recipes(ctx context.Context) (composer.Static, hcl.Diagnostics) {
	st := composer.Static{Name: "library recipes", Packages: map[string][]composer.Package{}}
	var diags hcl.Diagnostics
	for _, lib := range ll.set.Libraries() {
		p, src, err := ll.recipe(ctx, lib)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot fetch library " + lib.Name,
				Detail: err.Error(), Subject: lib.DeclRange.Ptr()})
			continue
		}
		st.Packages[lib.Name] = []composer.Package{p}
		ll.fromRecipe[lib.Name] = src
	}
	return st, diags
}

// recipe pins and fetches one library recipe, and reads its composer.json.
func (ll *libraryLocker) recipe(ctx context.Context, lib spec.Library) (composer.Package, lock.LibrarySource, error) {
	label, rec, f := "library "+lib.Name, lib.Source, ll.o.Fetcher
	pin := lock.Source{Kind: rec.Kind, URL: rec.URL, SHA256: rec.SHA256, Ref: rec.Ref, Path: rec.Path}
	switch rec.Kind {
	case spec.Git:
		prev, ok := ll.prev.Library(lib.Name)
		if ok && prev.Repository == recipeRepository && prev.Source.URL == rec.URL && prev.Source.Type == string(spec.Git) && !ll.update["library:"+lib.Name] {
			pin.Commit = prev.Source.Reference
		} else {
			commit, err := f.ResolveGit(ctx, label, rec)
			if err != nil {
				return composer.Package{}, lock.LibrarySource{}, err
			}
			pin.Commit = commit
		}
	case spec.Dir:
		t, _, err := f.ScanDir(ctx, label, rec, "", ll.o.jobs())
		if err != nil {
			return composer.Package{}, lock.LibrarySource{}, err
		}
		pin.SHA256 = t.Digest()
	}
	id, err := f.Materialize(ctx, label, rec, pin)
	if err != nil {
		return composer.Package{}, lock.LibrarySource{}, err
	}
	src := lock.LibrarySource{Type: string(rec.Kind), URL: rec.URL + rec.Path, SHA256: pin.SHA256, Reference: pin.Commit}
	p, err := ll.recipeManifest(lib, id)
	if err != nil {
		return p, src, err
	}
	p.Dist = &composer.Dist{Type: src.Type, URL: src.URL, Reference: src.Reference, SHA256: src.SHA256}
	return p, src, nil
}

// recipeManifest reads the library's composer.json from its unpacked source; the recipe's
// name and version are what it is chosen as.
func (ll *libraryLocker) recipeManifest(lib spec.Library, id string) (composer.Package, error) {
	root, err := ll.o.store().SrcRoot(id)
	if err != nil {
		return composer.Package{}, err
	}
	var p composer.Package
	b, err := fs.ReadFile(os.DirFS(ll.o.store().Path(root)), "composer.json")
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return p, err
	default:
		if p, err = composer.ParseManifest(lib.Name+"/composer.json", b); err != nil {
			return p, err
		}
	}
	if p.Name != "" && p.Name != lib.Name {
		return p, fmt.Errorf("its composer.json names it %s, not %s", p.Name, lib.Name)
	}
	p.Name, p.PrettyName, p.Version = lib.Name, lib.Name, lib.Version
	if p.Type == "" {
		p.Type = "library"
	}
	p.Norm, err = semver.ParseVersion(lib.Version)
	return p, err
}

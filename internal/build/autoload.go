package build

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"sort"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/composer"
	"github.com/mwedition/mwedition/internal/composer/autoload"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/semver"
	"github.com/mwedition/mwedition/internal/source"
	"github.com/mwedition/mwedition/internal/spec"
)

const kindAutoload = "autoload"

// autoloadLayout names the rules of the generated autoloader: change it whenever
// autoload.Generate's output changes for the same libraries.
const autoloadLayout = "mwedition-autoload-v1"

// autoloadParams identify an edition's autoloader: its libraries as locked (installed.json
// carries their versions, licences and dists) and their trees.
type autoloadParams struct {
	Layout, Suffix string
	Libraries      []lock.Library
}

// autoloadActions make, for each edition that ships composer libraries, the autoloader
// that loads them: one per edition, since its class map is the union of the edition's
// libraries. The formats place its tree below spec.LibraryDir, next to the libraries.
func (o Options) autoloadActions(set spec.Set, lk lock.File, g resolve.Graph) (map[string]string, []engine.Action, error) {
	keys := map[string]string{}
	var acts []engine.Action
	for _, e := range g.Editions {
		names := e.Libraries()
		if len(names) == 0 {
			continue
		}
		ap := autoloadParams{Layout: autoloadLayout, Suffix: autoload.SuffixFor(e.Name)}
		var deps []string
		for _, n := range names {
			lib, ok := lk.Library(n)
			if !ok {
				return nil, nil, fmt.Errorf("edition %s: composer library %s is not in %s; run mwedition lock", e.Name, n, lock.FileName)
			}
			ap.Libraries = append(ap.Libraries, lib)
			id := spec.ID(spec.LibraryKind, n)
			deps = append(deps, sourceAction(id), treeAction(id))
		}
		a := engine.Action{
			ID: format.AutoloadAction(e.Name), Kind: kindAutoload, Key: key(kindAutoload, ap), Deps: deps,
			Where: e.Decl.String(), Label: "autoloader " + e.Name, Group: e.Name, Valid: o.generatedThere,
			Run: func(context.Context, engine.Inputs) (engine.Outcome, error) {
				return o.makeAutoloader(set, ap)
			},
		}
		keys[e.Name] = a.Key
		acts = append(acts, a)
	}
	return keys, acts, nil
}

func (o Options) generatedThere(out engine.Outcome) bool {
	g, err := format.Decode[format.Generated](out)
	return err == nil && o.store().HasTree(g.Tree)
}

// makeAutoloader generates the autoloader from the libraries' unpacked sources and stores
// it as a tree.
func (o Options) makeAutoloader(set spec.Set, ap autoloadParams) (engine.Outcome, error) {
	var libs []autoload.Library
	for _, lib := range ap.Libraries {
		l, err := o.autoloadLibrary(set, lib)
		if err != nil {
			return engine.Outcome{}, fmt.Errorf("composer library %s: %w", lib.Name, err)
		}
		libs = append(libs, l)
	}
	res, err := autoload.Generate(libs, autoload.Options{Suffix: ap.Suffix})
	if err != nil {
		return engine.Outcome{}, err
	}
	var entries []fstree.Entry
	dirs := map[string]bool{}
	for _, f := range res.Files {
		sha, err := o.store().PutBytes(f.Data)
		if err != nil {
			return engine.Outcome{}, err
		}
		for d := parentDir(f.Path); d != "" && !dirs[d]; d = parentDir(d) {
			dirs[d] = true
			entries = append(entries, fstree.Entry{Path: d, Type: fstree.Dir})
		}
		entries = append(entries, fstree.Entry{Path: f.Path, Type: fstree.File, Size: int64(len(f.Data)), Digest: sha, Src: cache.BlobRel(sha)})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })
	t, err := fstree.New(entries)
	if err != nil {
		return engine.Outcome{}, err
	}
	if err := o.store().PutTree(t); err != nil {
		return engine.Outcome{}, err
	}
	return format.Encode(format.Generated{Tree: t.Digest()}, t.Size())
}

func parentDir(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return ""
}

// autoloadLibrary is what the generator needs of one library: its lock entry, its
// composer.json's autoload section, and its unpacked files to scan.
func (o Options) autoloadLibrary(set spec.Set, lib lock.Library) (autoload.Library, error) {
	_, pin, err := libraryComponent(set, lib)
	if err != nil {
		return autoload.Library{}, err
	}
	id, err := source.ID(pin)
	if err != nil {
		return autoload.Library{}, err
	}
	root, err := o.store().SrcRoot(id)
	if err != nil {
		return autoload.Library{}, fmt.Errorf("its source is not unpacked: %w", err)
	}
	fsys := os.DirFS(o.store().Path(root))
	l := autoload.Library{Name: lib.Name, Version: lib.Version, Type: lib.Type, License: lib.Licenses, Path: lib.Name, Tree: fsys,
		Dist: &composer.Dist{Type: lib.Source.Type, URL: lib.Source.URL, Reference: lib.Source.Reference, SHA256: lib.Source.SHA256}}
	if b, err := fs.ReadFile(fsys, "composer.json"); err == nil {
		p, err := composer.ParseManifest(lib.Name+"/composer.json", b)
		if err != nil {
			return l, err
		}
		l.Autoload = p.Autoload
	}
	for _, t := range sortedKeys(lib.Require) {
		c, err := semver.ParseConstraint(lib.Require[t])
		if err != nil {
			return l, fmt.Errorf("%s requires %s %q: %w", lib.Name, t, lib.Require[t], err)
		}
		l.Require = append(l.Require, composer.Link{Target: t, Constraint: c})
	}
	return l, nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

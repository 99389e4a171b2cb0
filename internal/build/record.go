package build

import (
	"fmt"
	"time"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/source"
	"github.com/mwedition/mwedition/internal/spec"
)

// record writes what the build used into the store's builds/, so that `mwedition cache gc
// --keep N` keeps it for the next build: every action that succeeded (its key and kind) and
// every entry of the store it asked about or wrote. A failed build is recorded too: what
// it finished is what a second attempt needs.
func (o Options) record(acts []engine.Action, rep engine.Report, started time.Time) error {
	byID := make(map[string]engine.Action, len(acts))
	for _, a := range acts {
		byID[a.ID] = a
	}
	r := cache.BuildRecord{Started: started, Finished: o.now(), Project: o.Root, Entries: o.store().Used()}
	for _, res := range rep.Results {
		if res.Status == engine.Cached || res.Status == engine.Executed {
			a := byID[res.ID]
			r.Actions = append(r.Actions, cache.ActionUse{Key: a.Key, Kind: a.Kind})
		}
	}
	r.OK = len(r.Actions) == len(acts) // none failed, was skipped, or was cut short
	if _, err := o.store().RecordBuild(r); err != nil {
		return fmt.Errorf("the build ran, but %w", err)
	}
	return nil
}

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Time{}
	}
	return o.Now()
}

// CacheRoots names the cache entries that a build of lk needs from its sources, whatever
// was built before: each release tarball and its recorded signature, each composer
// library's dist archive, each git mirror, each unpacked source and each locked tree, and
// every .deb a Debian base pins.
// `mwedition cache gc` keeps them, since a release tarball may be impossible to download
// again, and a library's dist may have been replaced upstream under the same version.
func CacheRoots(set spec.Set, lk lock.File) []string {
	var out []string
	for _, lc := range lk.Components {
		signature := ""
		if c, ok := set.Component(lc.ID); ok {
			signature = c.Source.Signature
		}
		out = append(out, sourceRoots(lc.Source, lc.Tree, signature)...)
	}
	for _, lib := range lk.Libraries {
		if lib.Plugin {
			continue // chosen, never unpacked
		}
		if pin, err := LibrarySource(set, lib); err == nil {
			out = append(out, sourceRoots(pin, lib.Tree, "")...)
		}
	}
	return append(out, debianRoots(lk)...)
}

// sourceRoots are the cache entries of one pinned source and the tree made of it.
func sourceRoots(pin lock.Source, tree, signature string) []string {
	var out []string
	if tree != "" {
		out = append(out, cache.TreeRel(tree))
	}
	if id, err := source.ID(pin); err == nil {
		out = append(out, cache.SrcRel(id))
	}
	switch pin.Kind {
	case spec.Tarball:
		out = append(out, cache.BlobRel(pin.SHA256))
		if signature != "" {
			out = append(out, cache.URLRel(signature))
		}
	case spec.Git:
		out = append(out, cache.GitRel(pin.URL))
	}
	return out
}

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
// was built before: each release tarball and its recorded signature, each git mirror, each
// unpacked source and each locked tree. `mwedition cache gc` keeps them, since a release
// tarball may be impossible to download again.
func CacheRoots(set spec.Set, lk lock.File) []string {
	var out []string
	for _, lc := range lk.Components {
		if lc.Tree != "" {
			out = append(out, cache.TreeRel(lc.Tree))
		}
		if id, err := source.ID(lc.Source); err == nil {
			out = append(out, cache.SrcRel(id))
		}
		switch lc.Source.Kind {
		case spec.Tarball:
			out = append(out, cache.BlobRel(lc.Source.SHA256))
			if c, ok := set.Component(lc.ID); ok && c.Source.Signature != "" {
				out = append(out, cache.URLRel(c.Source.Signature))
			}
		case spec.Git:
			out = append(out, cache.GitRel(lc.Source.URL))
		}
	}
	return append(out, libraryRoots(set, lk)...)
}

// libraryRoots are CacheRoots' entries for the composer libraries: each one's archive (or
// git mirror), unpacked source and tree. A plugin's archive is never fetched.
func libraryRoots(set spec.Set, lk lock.File) []string {
	var out []string
	for _, lib := range lk.Libraries {
		if lib.Plugin {
			continue
		}
		if lib.Tree != "" {
			out = append(out, cache.TreeRel(lib.Tree))
		}
		_, pin, err := libraryComponent(set, lib)
		if err != nil {
			continue
		}
		if id, err := source.ID(pin); err == nil {
			out = append(out, cache.SrcRel(id))
		}
		switch pin.Kind {
		case spec.Tarball:
			out = append(out, cache.BlobRel(pin.SHA256))
		case spec.Git:
			out = append(out, cache.GitRel(pin.URL))
		}
	}
	return out
}

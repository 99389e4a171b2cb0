package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// GCOptions say what gc keeps.
type GCOptions struct {
	// Keep is how many of the newest builds keep what they used: their action records and
	// every entry they asked about or wrote.
	Keep int
	// Roots are entries kept whatever the builds say: the sources the project's lock needs,
	// since a release tarball may be impossible to download again.
	Roots []string
	// DryRun says what would go and deletes nothing.
	DryRun bool
}

// GCResult is what gc removed (or, in a dry run, would remove) and what it kept.
type GCResult struct {
	Removed, Kept               []Entry       // sorted by name
	KeptBuilds, ForgottenBuilds []BuildRecord // newest first
}

// GC deletes every entry that neither the roots nor the last Keep builds need, with what
// those need in turn: the files a kept listing is read from, the blobs a kept image
// manifest names, the download a kept unpacked source came from. Build records beyond the
// last Keep go too, and whatever is in tmp/.
//
// It holds the store's lock exclusive, so it never runs while a build, fetch or lock
// shares it, and fails with ErrBusy instead of waiting; a build that starts meanwhile waits
// for it. A dry run only shares the lock. Action records go first, so that a gc cut short
// leaves no record naming a deleted entry; the rest is only ever rebuilt from.
func (s *Store) GC(o GCOptions) (GCResult, error) {
	if o.Keep < 0 {
		return GCResult{}, fmt.Errorf("cache gc: cannot keep %d builds", o.Keep)
	}
	how := syscall.LOCK_EX
	if o.DryRun {
		how = syscall.LOCK_SH
	}
	release, err := s.exclusive(how)
	if err != nil {
		return GCResult{}, err
	}
	defer release()
	inv, err := s.Inventory(o.Roots)
	if err != nil {
		return GCResult{}, err
	}
	var res GCResult
	res.KeptBuilds = inv.Builds[:min(o.Keep, len(inv.Builds))]
	res.ForgottenBuilds = inv.Builds[len(res.KeptBuilds):]
	marked, err := s.mark(inv, s.seeds(o.Roots, res.KeptBuilds))
	if err != nil {
		return GCResult{}, err
	}
	for _, e := range inv.Entries {
		if e.Area != AreaTmp && marked[e.Name] {
			res.Kept = append(res.Kept, e)
		} else {
			res.Removed = append(res.Removed, e)
		}
	}
	if o.DryRun {
		return res, nil
	}
	// Records before what they name; tmp last, as nothing there is named by anything.
	for _, area := range []string{AreaActions, AreaBuilds, AreaBlobs, AreaSrc, AreaGit, AreaTrees, AreaStamps, AreaURLs, AreaTmp} {
		for _, e := range res.Removed {
			if e.Area != area {
				continue
			}
			if err := removeAll(s.hostPath(e.Name)); err != nil {
				return res, fmt.Errorf("cache gc: removing %s: %w", s.hostPath(e.Name), err)
			}
		}
	}
	return res, nil
}

// seeds are the entries kept in their own right: the roots, and what each kept build
// recorded (its record too).
func (s *Store) seeds(roots []string, builds []BuildRecord) []string {
	out := append([]string(nil), roots...)
	for _, b := range builds {
		out = append(out, "builds/"+b.Name)
		out = append(out, b.Entries...)
		for _, a := range b.Actions {
			out = append(out, ActionRel(a.Key))
		}
	}
	return out
}

// mark returns every entry reachable from the seeds that exist.
func (s *Store) mark(inv Inventory, seeds []string) (map[string]bool, error) {
	idx := index(inv.Entries)
	marked := map[string]bool{}
	var queue []Entry
	visit := func(name string) {
		if i, ok := idx[name]; ok && !marked[name] && inv.Entries[i].Area != AreaTmp {
			marked[name] = true
			queue = append(queue, inv.Entries[i])
		}
	}
	for _, n := range seeds {
		visit(n)
	}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		refs, err := s.refs(e)
		if err != nil {
			return nil, fmt.Errorf("cache gc: %w", err)
		}
		for _, r := range refs {
			visit(r)
		}
	}
	return marked, nil
}

// removeAll removes p; unpacked sources may hold read-only directories, which are made
// writable first.
func removeAll(p string) error {
	err := os.RemoveAll(p)
	if err == nil || !errors.Is(err, fs.ErrPermission) {
		return err
	}
	_ = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(q, 0o755)
		}
		return nil
	})
	return os.RemoveAll(p)
}

package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

// defaultKeep is how many builds gc keeps by default: the current one, and two before it
// to go back to (a release and the one before, or a build and its verification).
const defaultKeep = 3

func newCache(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "cache",
		Short: "Manage the content-addressed cache: add files, list it, collect garbage",
		Long: `The cache holds every download (release tarballs, signatures, git mirrors, image bases),
every unpacked source and tree listing, and everything built (packages, tarballs, layers,
images, SBOMs), each by the digest of its content, with a record of which build used what.
'cache ls' says what it holds and 'cache gc' deletes what neither the project's lock nor the
last builds need.`,
	}
	dir := &cobra.Command{
		Use:   "dir",
		Short: "Print the cache directory",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if g.json {
				g.result(map[string]any{"event": "cache", "dir": g.cacheDir()})
				return nil
			}
			fmt.Fprintln(g.stdout, g.cacheDir())
			return nil
		},
	}
	c.AddCommand(newCacheAdd(g), dir, newCacheLs(g), newCacheGC(g))
	return c
}

func newCacheAdd(g *globals) *cobra.Command {
	var rawURL, want string
	add := &cobra.Command{
		Use:   "add FILE",
		Short: "Add a file obtained elsewhere (a mirror, a USB stick) to the cache by its sha256",
		Long: `Add copies FILE into the cache under its sha256, so that a recipe pinning that sha256
finds it without downloading. A detached signature is not pinned by hash but checked
against the keyring; add it with --url set to the signature URL the recipe names.`,
		Example: "  mwedition cache add mediawiki-1.39.17.tar.gz\n" +
			"  mwedition cache add --url https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz.sig mediawiki-1.39.17.tar.gz.sig",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("cache add takes one FILE")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if want != "" && !sha256Hex.MatchString(want) {
				return usageError{fmt.Errorf("--sha256 %q is not 64 lowercase hex digits", want)}
			}
			st, err := g.openCache()
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			sha, n, err := st.AddBlob(f, want)
			if err != nil {
				return fmt.Errorf("adding %s: %w", args[0], err)
			}
			if rawURL != "" {
				if err := st.SetURLBlob(rawURL, sha); err != nil {
					return err
				}
			}
			g.result(map[string]any{"event": "cached", "file": args[0], "sha256": sha, "bytes": n, "url": rawURL})
			g.say("added %s: sha256 %s (%s)", args[0], sha, humanBytes(n))
			return nil
		},
	}
	add.Flags().StringVar(&rawURL, "url", "", "also record the file as what this URL gives (for signatures)")
	add.Flags().StringVar(&want, "sha256", "", "refuse the file unless it has this sha256")
	return add
}

// openCache opens the cache and shares its lock until the command ends, so that gc waits
// for this process; a gc already running makes it wait, and say so.
func (g *globals) openCache() (*cache.Store, error) {
	dir := g.cacheDir()
	st, err := cache.Open(dir)
	if err != nil {
		return nil, err
	}
	wait := func() { fmt.Fprintf(g.stderr, "mwedition: waiting for 'mwedition cache gc' to finish with %s\n", dir) }
	if err := st.Share(wait); err != nil {
		return nil, err
	}
	g.closers = append(g.closers, func() { st.Close() })
	return st, nil
}

func newCacheLs(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "ls",
		Short: "Say what the cache holds, by kind, with sizes, and which builds it recorded",
		Long: `Ls lists what the cache holds, one line per kind: the downloaded sources, the blobs each
kind of action made (pack.deb, pack.rpm, pack.tarball, image.layer, ...), unpacked sources,
git mirrors, tree listings, and the records of actions and builds, with their counts and
sizes; then the builds it recorded, newest first, which 'cache gc --keep N' goes by.

Blobs are told apart by what names them: a downloaded source is named by its unpacked
source, a URL record or the project's lock (when run in a project); a built blob by the
record of the action that made it, or by an image manifest or tree listing that is.
"unrecorded" are those of actions no build record describes (made by 'lock', or by an
mwedition that did not record builds); "unreferenced" are named by nothing. Sizes count
each file's bytes: a file hard-linked elsewhere counts in full.

--json prints one object (event "inventory") with the same rows and builds.`,
		Example: "  mwedition cache ls\n  mwedition cache ls --json | jq '.kinds[] | select(.area == \"blobs\")'",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := cache.Open(g.cacheDir())
			if err != nil {
				return err
			}
			roots, _ := g.lockRoots()
			inv, err := st.Inventory(roots)
			if err != nil {
				return err
			}
			g.listCache(st.Root(), inv)
			return nil
		},
	}
}

// lockRoots names the entries the project's lock needs from its sources. It fails, saying
// why, when the project has no lock or its manifests do not load.
func (g *globals) lockRoots() ([]string, error) {
	roots, err := projectRoots(g.dir)
	if err != nil {
		return nil, err
	}
	// The other release lines of the repository share the cache: what their locks pin
	// stays too, or a gc in one line would drop the other's release tarball.
	for _, dir := range siblingLines(g.dir) {
		r, err := projectRoots(dir)
		if err != nil {
			return nil, fmt.Errorf("release line %s: %w (gc keeps what every line's lock pins)", dir, err)
		}
		roots = append(roots, r...)
	}
	return roots, nil
}

func projectRoots(dir string) ([]string, error) {
	lk, err := build.ReadLock(dir)
	if err != nil {
		return nil, err
	}
	p, diags := load.Dir(dir)
	if diags.HasErrors() {
		return nil, fmt.Errorf("the manifests in %s have errors (run mwedition validate)", dir)
	}
	return build.CacheRoots(p.Set, lk), nil
}

// siblingLines are the other release lines of dir's repository that have a lock: the
// repository's root (the directory a line's includes reach up to) and its lines/*
// directories, as the shipped project lays them out. None when dir is not a line.
func siblingLines(dir string) []string {
	line, diags := load.LineOf(dir)
	if line == nil || diags.HasErrors() {
		return nil
	}
	top := filepath.Join(append([]string{dir}, slices.Repeat([]string{".."}, line.Up())...)...)
	cands, _ := filepath.Glob(filepath.Join(top, "lines", "*", spec.LineFileName))
	cands = append(cands, filepath.Join(top, spec.LineFileName))
	var out []string
	self, _ := filepath.Abs(dir)
	for _, c := range cands {
		d := filepath.Dir(c)
		abs, _ := filepath.Abs(d)
		if abs == self {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, lock.FileName)); err == nil {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}

// usage is one line of `cache ls` and `cache gc`: entries of one area and kind.
type usage struct {
	Area    string `json:"area"`
	Kind    string `json:"kind"`
	What    string `json:"what"`
	Entries int    `json:"entries"`
	Bytes   int64  `json:"bytes"`
}

// summarize adds entries up by area and, for blobs, kind, in the order `cache ls` shows:
// areas as cache.Areas lists them, downloads first among blobs and what nothing names last.
func summarize(entries []cache.Entry) []usage {
	m := map[[2]string]*usage{}
	for _, e := range entries {
		kind := e.Area
		if e.Area == cache.AreaBlobs {
			kind = e.Kind
		}
		u, ok := m[[2]string{e.Area, kind}]
		if !ok {
			u = &usage{Area: e.Area, Kind: kind, What: describeKind(e.Area, kind)}
			m[[2]string{e.Area, kind}] = u
		}
		u.Entries++
		u.Bytes += e.Bytes
	}
	out := make([]usage, 0, len(m))
	for _, u := range m {
		out = append(out, *u)
	}
	rank := func(u usage) (int, int) {
		order := map[string]int{cache.KindSource: -1, cache.KindUnrecorded: 1, cache.KindUnreferenced: 2}
		return slices.Index(cache.Areas, u.Area), order[u.Kind]
	}
	slices.SortFunc(out, func(a, b usage) int {
		ai, ak := rank(a)
		bi, bk := rank(b)
		if ai != bi {
			return ai - bi
		}
		if ak != bk {
			return ak - bk
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return out
}

func describeKind(area, kind string) string {
	switch area {
	case cache.AreaBlobs:
		switch kind {
		case cache.KindSource:
			return "blobs: downloaded sources"
		case cache.KindUnrecorded:
			return "blobs: made by unrecorded actions"
		case cache.KindUnreferenced:
			return "blobs: unreferenced"
		}
		return "blobs: made by " + kind
	case cache.AreaSrc:
		return "unpacked sources (src/)"
	case cache.AreaGit:
		return "git mirrors (git/)"
	case cache.AreaTrees:
		return "tree listings (trees/)"
	case cache.AreaURLs:
		return "URL records (urls/)"
	case cache.AreaStamps:
		return "dir source stamps (stamps/)"
	case cache.AreaActions:
		return "action records (actions/)"
	case cache.AreaBuilds:
		return "build records (builds/)"
	}
	return "work in progress (tmp/)"
}

func (g *globals) listCache(root string, inv cache.Inventory) {
	rows := summarize(inv.Entries)
	var n int64
	for _, e := range inv.Entries {
		n += e.Bytes
	}
	builds := make([]map[string]any, 0, len(inv.Builds))
	for _, b := range inv.Builds {
		builds = append(builds, map[string]any{"name": b.Name, "started": b.Started, "finished": b.Finished,
			"project": b.Project, "ok": b.OK, "actions": len(b.Actions), "entries": len(b.Entries)})
	}
	g.result(map[string]any{"event": "inventory", "dir": root, "entries": len(inv.Entries), "bytes": n, "kinds": rows, "builds": builds})
	g.say("cache %s: %s in %s\n", root, humanBytes(n), nEntries(len(inv.Entries)))
	g.usageTable(rows, "total")
	if len(inv.Builds) == 0 {
		g.say("\nno builds recorded yet: 'cache gc' keeps only what the lock needs")
		return
	}
	g.say("\n%s recorded, newest first:", plural(len(inv.Builds), "build"))
	for _, b := range inv.Builds {
		state := "ok"
		if !b.OK {
			state = "failed"
		}
		g.say("  %s  %-6s  %4d actions  %s", b.Finished.Format(time.DateTime+" MST"), state, len(b.Actions), b.Project)
	}
}

func (g *globals) usageTable(rows []usage, total string) {
	g.say("%-36s %8s %11s", "WHAT", "ENTRIES", "SIZE")
	var n, b int64
	for _, r := range rows {
		g.say("%-36s %8d %11s", r.What, r.Entries, humanBytes(r.Bytes))
		n += int64(r.Entries)
		b += r.Bytes
	}
	g.say("%-36s %8d %11s", total, n, humanBytes(b))
}

func newCacheGC(g *globals) *cobra.Command {
	var keep int
	var dryRun, noLock bool
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Delete what neither the project's lock nor the last builds need",
		Long: `Gc deletes from the cache every entry that neither the project's editions.lock (-C DIR)
nor the last N builds need (--keep N, default 3), and says what it freed:

  - the lock's sources are always kept: each release tarball and its signature, each git
    mirror, each unpacked source and locked tree, since a release tarball may be
    impossible to download again (--no-lock drops this protection);
  - each build records, in the cache, the actions it ran or took from the cache and every
    entry it used: the last N builds' are kept, with what they need in turn (the files a
    tree listing is read from, the blobs an image manifest names);
  - the rest goes: packages, layers and trees of older builds, sources no lock of yours
    names any more (a file added with 'cache add' for a lock not yet written too: lock
    first), and what killed processes left in tmp/.

The same build as one of the last N runs nothing afterwards; an older one rebuilds what
it needs, from the kept sources, offline if need be.

Gc never runs beside another mwedition using the cache: it takes the cache's lock
exclusive, and stops if a build, fetch, lock or 'cache add' holds it, while those wait for
a running gc to finish. --dry-run says what would go and deletes nothing.`,
		Example: "  mwedition cache gc --dry-run\n  mwedition cache gc --keep 1\n  mwedition -C ~/editions cache gc --json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keep < 0 {
				return usageError{fmt.Errorf("--keep %d: give how many builds to keep, 0 or more", keep)}
			}
			var roots []string
			if !noLock {
				r, err := g.lockRoots()
				if errors.Is(err, build.ErrNoLock) {
					return fmt.Errorf("cache gc: %s has no %s, so gc cannot tell which sources to keep: run it in your project (-C DIR), or pass --no-lock to keep only what the last %d builds used", g.dir, lock.FileName, keep)
				}
				if err != nil {
					return fmt.Errorf("cache gc: %w", err)
				}
				roots = r
			}
			st, err := cache.Open(g.cacheDir())
			if err != nil {
				return err
			}
			res, err := st.GC(cache.GCOptions{Keep: keep, Roots: roots, DryRun: dryRun})
			if errors.Is(err, cache.ErrBusy) {
				return fmt.Errorf("cache gc: %s is in use by another mwedition (a build, fetch, lock or cache add); run gc once it has finished", st.Root())
			}
			if err != nil {
				return err
			}
			g.collected(res, dryRun, keep, noLock)
			return nil
		},
	}
	cmd.Flags().IntVar(&keep, "keep", defaultKeep, "keep what the last N builds used")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "say what would be deleted, delete nothing")
	cmd.Flags().BoolVar(&noLock, "no-lock", false, "do not keep the lock's sources (release tarballs may not download again)")
	return cmd
}

func (g *globals) collected(res cache.GCResult, dryRun bool, keep int, noLock bool) {
	var freed, kept int64
	for _, e := range res.Removed {
		freed += e.Bytes
	}
	for _, e := range res.Kept {
		kept += e.Bytes
	}
	rows := summarize(res.Removed)
	g.result(map[string]any{"event": "gc", "dryRun": dryRun, "removed": len(res.Removed), "freed": freed,
		"kept": len(res.Kept), "keptBytes": kept, "keep": keep, "lockKept": !noLock,
		"keptBuilds": len(res.KeptBuilds), "forgottenBuilds": len(res.ForgottenBuilds), "kinds": rows})
	verb, freedVerb := "removed", "freed"
	if dryRun {
		verb, freedVerb = "would remove", "would free"
	}
	if len(rows) > 0 {
		g.usageTable(rows, verb)
		g.say("")
	}
	why := fmt.Sprintf("what %s needs and the last %d of %d builds", lock.FileName,
		len(res.KeptBuilds), len(res.KeptBuilds)+len(res.ForgottenBuilds))
	if noLock {
		why = why[strings.Index(why, "the last"):]
	}
	g.say("cache gc: %s %s (%s); kept %s, %s: %s",
		freedVerb, humanBytes(freed), nEntries(len(res.Removed)), nEntries(len(res.Kept)), humanBytes(kept), why)
}

func nEntries(n int) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}

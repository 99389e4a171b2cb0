// Package repo publishes package repositories (apt, dnf) as plain directories that any web
// server, or file://, can serve: safe against two publishers at once, against a publisher
// killed at any point, and against clients that read while a publish runs.
//
// A repository directory DIR looks like this:
//
//	DIR/.lock               flock(2)ed by the one publisher at work
//	DIR/pool/...            package files, at the caller's paths: immutable, shared by generations
//	DIR/.generations/<N>/   one complete metadata tree per publish that changed something
//	DIR/.current            symlink to .generations/<N>: the served generation
//	DIR/<top>               symlink to .current/<top>, for each top-level metadata name
//	                        (dists, repodata, a key file)
//
// A client opening DIR/dists/... goes through .current, so a new generation is served by one
// rename(2) of .current, and a publisher killed before that leaves the old one served, whole.
// Everything a generation holds is written and fsynced before the switch.
//
// A client that read the old index just before the switch then asks for the files it names.
// Metadata the caller marks as retained (by-hash copies, checksum-named files) of the last
// Keep generations is carried into each new generation, and package files named by any of
// those generations stay in the pool; what only older generations named is deleted.
// Which package versions a new generation names (retention for rollback) is the caller's
// choice: it passes the pool it wants, reading back what the served generation has with
// ReadFile.
package repo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// File is a metadata file, at a slash path relative to the repository root.
type File struct {
	Path string
	Data []byte
}

// PoolFile is a package file to place at Path (relative to the repository root), copied
// from the local file Src.
type PoolFile struct {
	Path string
	Src  string
}

// DefaultKeep is how many superseded generations stay reachable when PublishOptions.Keep is 0.
const DefaultKeep = 3

// PublishOptions tune a publish.
type PublishOptions struct {
	// Keep is how many superseded generations stay reachable after a publish: their
	// retained metadata is carried into the new generation and the package files they name
	// stay in the pool. 0 means DefaultKeep.
	Keep int
	// Retain reports whether a metadata path is content-addressed (an apt by-hash copy, a
	// dnf checksum-named file), so that clients holding an older index may still ask for
	// it. Nil retains nothing.
	Retain func(path string) bool
	// Progress, if set, is told what the publish is doing.
	Progress func(Event)

	// fail, set by tests, is called at each step; an error stops the publish there, as a
	// crash would.
	fail func(step string) error
}

// Event is one step of a publish, for progress display.
type Event struct {
	Step  string // "wait" (for another publisher), "pool" (a package file copied), "generation", "switch", "prune"
	Path  string // the pool file, or the generation directory
	Done  int    // pool files handled so far
	Total int    // pool files in all
	Bytes int64  // bytes copied into the pool by this step
}

// Result says what a publish did.
type Result struct {
	Generation int      // the generation served now
	Unchanged  bool     // the served generation already had this metadata and pool: nothing switched
	Added      []string // pool files copied in
	AddedBytes int64
	Removed    []string // pool files no kept generation names any more, deleted
	Pruned     []int    // generations deleted
}

const (
	lockName    = ".lock"
	currentName = ".current"
	gensDir     = ".generations"
	manifest    = ".publish.json" // in each generation directory
	tmpMark     = ".tmp-publish"
)

// Repo is a repository directory whose lock this process holds.
type Repo struct {
	dir  string
	lock *os.File
}

// Publish places pool and serves meta as the new generation of the repository at dir,
// creating it if needed. See Repo.Publish.
func Publish(ctx context.Context, dir string, pool []PoolFile, meta []File, opt PublishOptions) error {
	r, err := Open(ctx, dir, opt.Progress)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = r.Publish(ctx, pool, meta, opt)
	return err
}

// Open creates dir if needed and takes its lock, waiting (until ctx ends) while another
// publisher holds it. progress, if not nil, hears of the wait.
func Open(ctx context.Context, dir string, progress func(Event)) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("repository %s: %w", abs, err)
	}
	f, err := os.OpenFile(filepath.Join(abs, lockName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("repository %s: %w", abs, err)
	}
	told := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("repository %s: locking %s: %w", abs, lockName, err)
		}
		if !told && progress != nil {
			progress(Event{Step: "wait", Path: abs})
			told = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("repository %s: waiting for another publisher: %w", abs, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return &Repo{dir: abs, lock: f}, nil
}

// Close releases the lock.
func (r *Repo) Close() error { return r.lock.Close() }

// Dir is the repository's absolute path.
func (r *Repo) Dir() string { return r.dir }

// Path is the host path of a slash path relative to the repository root.
func (r *Repo) Path(rel string) string { return filepath.Join(r.dir, filepath.FromSlash(rel)) }

// ReadFile reads a metadata file of the served generation; it fails with fs.ErrNotExist
// when there is no such file or nothing is served yet.
func (r *Repo) ReadFile(rel string) ([]byte, error) {
	n, ok, err := r.current()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s: nothing published yet: %w", r.dir, fs.ErrNotExist)
	}
	if err := checkPath(rel); err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(r.genPath(n), filepath.FromSlash(rel)))
}

// generation is what a generation directory's manifest records: its own metadata files
// (not those carried from older generations) and the pool files its metadata names.
type generation struct {
	Meta []string `json:"meta"`
	Pool []string `json:"pool"`
}

func (r *Repo) genPath(n int) string { return filepath.Join(r.dir, gensDir, strconv.Itoa(n)) }

// current is the served generation's number.
func (r *Repo) current() (int, bool, error) {
	t, err := os.Readlink(filepath.Join(r.dir, currentName))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("repository %s: %w", r.dir, err)
	}
	dir, base := path.Split(filepath.ToSlash(t))
	n, err := strconv.Atoi(base)
	if dir != gensDir+"/" || err != nil || n < 1 {
		return 0, false, fmt.Errorf("repository %s: %s points to %q, not to a generation", r.dir, currentName, t)
	}
	return n, true, nil
}

// generations lists the complete generation directories, oldest first.
func (r *Repo) generations() ([]int, error) {
	ents, err := os.ReadDir(filepath.Join(r.dir, gensDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []int
	for _, e := range ents {
		if n, err := strconv.Atoi(e.Name()); err == nil && n > 0 && e.IsDir() {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (r *Repo) readGeneration(n int) (generation, error) {
	var g generation
	b, err := os.ReadFile(filepath.Join(r.genPath(n), manifest))
	if err != nil {
		return g, fmt.Errorf("repository %s: generation %d: %w", r.dir, n, err)
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return g, fmt.Errorf("repository %s: generation %d: %s: %w", r.dir, n, manifest, err)
	}
	return g, nil
}

// checkPath refuses paths that are not clean, relative, inside the repository, or that
// name the repository's own bookkeeping.
func checkPath(p string) error {
	if p == "" || path.IsAbs(p) || path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, "\\") {
		return fmt.Errorf("repository path %q: not a clean relative path", p)
	}
	top, _, _ := strings.Cut(p, "/")
	if top == "." || top == lockName || top == currentName || top == gensDir || strings.Contains(p, tmpMark) || path.Base(p) == manifest {
		return fmt.Errorf("repository path %q: reserved for the repository's bookkeeping", p)
	}
	return nil
}

func topOf(p string) string {
	top, _, _ := strings.Cut(p, "/")
	return top
}

// Publish places the pool files, then serves meta as a new generation, and prunes what
// the generations it keeps no longer name. Pool files are immutable: one already there with
// other bytes is an error, unless no kept generation names it (a publish that died before
// serving it left it). When the served generation already has exactly this metadata and
// pool, nothing is switched and the result says Unchanged.
//
// If Publish fails (or the process dies) at any point, the repository serves either the
// generation it served before or the new one, whole; the next publish tidies up.
func (r *Repo) Publish(ctx context.Context, pool []PoolFile, meta []File, opt PublishOptions) (Result, error) {
	var res Result
	opt = opt.withDefaults()
	progress, fail := opt.Progress, opt.fail
	// Check every input before touching anything.
	pool, meta, metaTops, err := r.checkInputs(pool, meta)
	if err != nil {
		return res, err
	}
	cur, served, err := r.current()
	if err != nil {
		return res, err
	}
	if err := r.tidy(cur); err != nil {
		return res, err
	}
	gens, err := r.generations()
	if err != nil {
		return res, err
	}
	recent, recorded, named, err := r.recentGenerations(gens, opt.Keep)
	if err != nil {
		return res, err
	}
	// The pool first: a generation must never name a package file that is not there.
	added, bytesAdded, err := r.placePool(ctx, pool, named, progress, fail)
	res.Added, res.AddedBytes = added, bytesAdded
	if err != nil {
		return res, err
	}
	next := nextGeneration(pool, meta)
	if served {
		same, err := r.sameAs(cur, recorded[cur], next, meta)
		if err != nil {
			return res, err
		}
		if same {
			// Nothing to serve; still finish the pruning a publish that died may have left.
			res.Generation, res.Unchanged = cur, true
			res.Removed, res.Pruned, err = r.prune(gens, recent, next, recorded, progress, fail)
			return res, err
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	kept := recent[:min(opt.Keep, len(recent))]
	n := 1
	if len(gens) > 0 {
		n = gens[len(gens)-1] + 1
	}
	if err := r.stage(n, meta, next, kept, recorded, metaTops, opt); err != nil {
		return res, err
	}
	progress(Event{Step: "switch", Path: r.genPath(n)})
	if err := r.switchTo(n); err != nil {
		return res, err
	}
	res.Generation = n
	if err := fail("switched"); err != nil {
		return res, err
	}
	// After the switch, only tidying: failing here leaves the new generation served.
	if err := r.unlinkTops(metaTops); err != nil {
		return res, err
	}
	keptAfter := append([]int{n}, kept...)
	removed, pruned, err := r.prune(gens, keptAfter, next, recorded, progress, fail)
	res.Removed, res.Pruned = removed, pruned
	return res, err
}

// withDefaults fills in what the zero options mean, so that Publish calls each hook
// without checking it.
func (o PublishOptions) withDefaults() PublishOptions {
	if o.Keep <= 0 {
		o.Keep = DefaultKeep
	}
	if o.Retain == nil {
		o.Retain = func(string) bool { return false }
	}
	if o.Progress == nil {
		o.Progress = func(Event) {}
	}
	if o.fail == nil {
		o.fail = func(string) error { return nil }
	}
	return o
}

// checkInputs sorts copies of pool and meta and refuses bad or repeated paths, and
// metadata that would share a top-level name with the pool; it returns the top-level
// names of the metadata, which are served through symlinks.
func (r *Repo) checkInputs(pool []PoolFile, meta []File) ([]PoolFile, []File, map[string]bool, error) {
	pool = slices.Clone(pool)
	slices.SortFunc(pool, func(a, b PoolFile) int { return strings.Compare(a.Path, b.Path) })
	meta = slices.Clone(meta)
	slices.SortFunc(meta, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	poolTops, metaTops := map[string]bool{}, map[string]bool{}
	for i, p := range pool {
		if err := checkPath(p.Path); err != nil {
			return nil, nil, nil, err
		}
		if i > 0 && pool[i-1].Path == p.Path {
			return nil, nil, nil, fmt.Errorf("pool file %s given twice", p.Path)
		}
		poolTops[topOf(p.Path)] = true
	}
	for i, m := range meta {
		if err := checkPath(m.Path); err != nil {
			return nil, nil, nil, err
		}
		if i > 0 && meta[i-1].Path == m.Path {
			return nil, nil, nil, fmt.Errorf("metadata file %s given twice", m.Path)
		}
		if i > 0 && strings.HasPrefix(m.Path, meta[i-1].Path+"/") {
			return nil, nil, nil, fmt.Errorf("metadata file %s is inside the file %s", m.Path, meta[i-1].Path)
		}
		metaTops[topOf(m.Path)] = true
	}
	if len(meta) == 0 {
		return nil, nil, nil, errors.New("nothing to publish: no metadata files")
	}
	for top := range metaTops {
		if poolTops[top] {
			return nil, nil, nil, fmt.Errorf("%s holds both metadata and pool files; metadata is served through a symlink, so they must not share a top-level name", top)
		}
		if err := r.checkTop(top); err != nil {
			return nil, nil, nil, err
		}
	}
	return pool, meta, metaTops, nil
}

// recentGenerations reads the newest generations, the served one first: keep+1 of them
// stay if nothing changes, and the newest keep are carried into a new one. named holds
// the pool files they name.
func (r *Repo) recentGenerations(gens []int, keep int) (recent []int, recorded map[int]generation, named map[string]bool, err error) {
	recorded, named = map[int]generation{}, map[string]bool{}
	for i := len(gens) - 1; i >= 0 && len(recent) < keep+1; i-- {
		g, err := r.readGeneration(gens[i])
		if err != nil {
			return nil, nil, nil, err
		}
		recent = append(recent, gens[i])
		recorded[gens[i]] = g
		for _, p := range g.Pool {
			named[p] = true
		}
	}
	return recent, recorded, named, nil
}

func nextGeneration(pool []PoolFile, meta []File) generation {
	next := generation{Pool: make([]string, len(pool))}
	for i, p := range pool {
		next.Pool[i] = p.Path
	}
	for _, m := range meta {
		next.Meta = append(next.Meta, m.Path)
	}
	return next
}

// stage writes generation n and links the metadata's top-level names, ready for the
// switch. The links are made before the switch: until it, a new one dangles, which a
// client sees as the file not being there, as before.
func (r *Repo) stage(n int, meta []File, next generation, kept []int, recorded map[int]generation, metaTops map[string]bool, opt PublishOptions) error {
	opt.Progress(Event{Step: "generation", Path: r.genPath(n)})
	if err := r.writeGeneration(n, meta, next, kept, recorded, opt.Retain, opt.fail); err != nil {
		return err
	}
	if err := opt.fail("generation-renamed"); err != nil {
		return err
	}
	for top := range metaTops {
		if err := r.linkTop(top); err != nil {
			return err
		}
	}
	return opt.fail("linked")
}

// checkTop refuses a top-level name that is something other than our symlink.
func (r *Repo) checkTop(top string) error {
	p := filepath.Join(r.dir, top)
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		if t, err := os.Readlink(p); err == nil && t == currentName+"/"+top {
			return nil
		}
	}
	return fmt.Errorf("%s exists and is not a symlink to %s/%s: this directory was not made by mwedition publish; publish into an empty directory", p, currentName, top)
}

// tidy removes what a publish that died left: temporary directories and files, and
// generations newer than the served one (written, never served).
func (r *Repo) tidy(cur int) error {
	gd := filepath.Join(r.dir, gensDir)
	ents, err := os.ReadDir(gd)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		name := e.Name()
		n, err := strconv.Atoi(name)
		if strings.HasPrefix(name, tmpMark) || (err == nil && n > cur) {
			if err := os.RemoveAll(filepath.Join(gd, name)); err != nil {
				return fmt.Errorf("repository %s: removing what an earlier publish left: %w", r.dir, err)
			}
		}
	}
	return nil
}

// placePool copies in the pool files that are not there yet, each under a temporary name
// renamed into place, and syncs them and the directories holding them.
func (r *Repo) placePool(ctx context.Context, pool []PoolFile, named map[string]bool, progress func(Event), fail func(string) error) ([]string, int64, error) {
	var added []string
	var total int64
	dirs := map[string]bool{}
	cleaned := map[string]bool{}
	for i, p := range pool {
		if err := ctx.Err(); err != nil {
			return added, total, err
		}
		dst := r.Path(p.Path)
		dir := filepath.Dir(dst)
		if !cleaned[dir] {
			cleaned[dir] = true
			old, _ := filepath.Glob(filepath.Join(dir, ".*"+tmpMark+"*"))
			for _, o := range old {
				os.Remove(o)
			}
		}
		fi, err := os.Stat(dst)
		switch {
		case err == nil:
			same, err := sameContent(p.Src, dst, fi)
			if err != nil {
				return added, total, fmt.Errorf("pool file %s: %w", p.Path, err)
			}
			if same {
				progress(Event{Step: "pool", Path: p.Path, Done: i + 1, Total: len(pool)})
				continue
			}
			if named[p.Path] {
				return added, total, fmt.Errorf("pool file %s is already published with other bytes, and published package files never change: give the package a new version (%s differs)", p.Path, p.Src)
			}
		case !errors.Is(err, fs.ErrNotExist):
			return added, total, fmt.Errorf("pool file %s: %w", p.Path, err)
		}
		if err := mkdirAll(r.dir, dir, dirs); err != nil {
			return added, total, err
		}
		n, err := copyFile(p.Src, dst)
		if err != nil {
			return added, total, fmt.Errorf("pool file %s: %w", p.Path, err)
		}
		dirs[dir] = true
		added = append(added, p.Path)
		total += n
		progress(Event{Step: "pool", Path: p.Path, Done: i + 1, Total: len(pool), Bytes: n})
		if err := fail("pool-placed"); err != nil {
			return added, total, err
		}
	}
	return added, total, syncDirs(dirs)
}

// mkdirAll makes dir (inside root) and records every directory it made, and the one that
// holds each, for syncing.
func mkdirAll(root, dir string, dirs map[string]bool) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	rel, err := filepath.Rel(root, dir)
	if err != nil {
		return err
	}
	p := root
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		parent := p
		p = filepath.Join(p, part)
		if err := os.Mkdir(p, 0o755); err == nil {
			dirs[parent] = true
			dirs[p] = true
		} else if !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	return nil
}

// sameContent compares src with the file at dst (whose info is fi).
func sameContent(src, dst string, fi fs.FileInfo) (bool, error) {
	si, err := os.Stat(src)
	if err != nil {
		return false, err
	}
	if os.SameFile(si, fi) {
		return true, nil
	}
	if si.Size() != fi.Size() {
		return false, nil
	}
	a, err := os.Open(src)
	if err != nil {
		return false, err
	}
	defer a.Close()
	b, err := os.Open(dst)
	if err != nil {
		return false, err
	}
	defer b.Close()
	ba, bb := make([]byte, 1<<20), make([]byte, 1<<20)
	for {
		na, ea := io.ReadFull(a, ba)
		nb, eb := io.ReadFull(b, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false, nil
		}
		if ea == io.EOF || ea == io.ErrUnexpectedEOF {
			return eb == io.EOF || eb == io.ErrUnexpectedEOF, nil
		}
		if ea != nil {
			return false, ea
		}
		if eb != nil {
			return false, eb
		}
	}
}

// copyFile copies src to dst through a temporary file in dst's directory, synced before
// the rename, world-readable whatever the umask.
func copyFile(src, dst string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+tmpMark)
	os.Remove(tmp)
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if err == nil {
		err = out.Chmod(0o644)
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, err
	}
	return n, nil
}

func writeFile(p string, data []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(p string) error {
	d, err := os.Open(p)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("syncing %s: %w", p, err)
	}
	return nil
}

func syncDirs(dirs map[string]bool) error {
	list := make([]string, 0, len(dirs))
	for d := range dirs {
		list = append(list, d)
	}
	// Deepest first, so a directory is synced after the entries it holds are.
	slices.SortFunc(list, func(a, b string) int { return strings.Compare(b, a) })
	for _, d := range list {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// sameAs reports whether generation n (manifest g) has exactly next's pool and metadata.
func (r *Repo) sameAs(n int, g generation, next generation, meta []File) (bool, error) {
	if !slices.Equal(g.Meta, next.Meta) || !slices.Equal(g.Pool, next.Pool) {
		return false, nil
	}
	for _, m := range meta {
		b, err := os.ReadFile(filepath.Join(r.genPath(n), filepath.FromSlash(m.Path)))
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if !bytes.Equal(b, m.Data) {
			return false, nil
		}
	}
	return true, nil
}

// writeGeneration writes generation n aside, synced, and renames it into place: its own
// metadata, the retained metadata of the kept generations (hard links, or copies), and its
// manifest.
func (r *Repo) writeGeneration(n int, meta []File, next generation, kept []int, recorded map[int]generation, retain func(string) bool, fail func(string) error) error {
	gd := filepath.Join(r.dir, gensDir)
	if err := os.MkdirAll(gd, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(gd, tmpMark+"-"+strconv.Itoa(n))
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	dirs := map[string]bool{gd: true}
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return err
	}
	dirs[tmp] = true
	own := map[string]bool{}
	for _, m := range meta {
		p := filepath.Join(tmp, filepath.FromSlash(m.Path))
		if err := mkdirAll(tmp, filepath.Dir(p), dirs); err != nil {
			return err
		}
		if err := writeFile(p, m.Data); err != nil {
			return fmt.Errorf("repository %s: writing %s: %w", r.dir, m.Path, err)
		}
		dirs[filepath.Dir(p)] = true
		own[m.Path] = true
	}
	if err := fail("metadata-written"); err != nil {
		return err
	}
	for _, k := range kept {
		for _, m := range recorded[k].Meta {
			if own[m] || !retain(m) {
				continue
			}
			own[m] = true // once, from the newest generation holding it
			from := filepath.Join(r.genPath(k), filepath.FromSlash(m))
			p := filepath.Join(tmp, filepath.FromSlash(m))
			if err := mkdirAll(tmp, filepath.Dir(p), dirs); err != nil {
				return err
			}
			if err := os.Link(from, p); err != nil {
				if _, err := copyFile(from, p); err != nil {
					return fmt.Errorf("repository %s: keeping %s of generation %d: %w", r.dir, m, k, err)
				}
			}
			dirs[filepath.Dir(p)] = true
		}
	}
	mb, err := json.MarshalIndent(next, "", "\t")
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(tmp, manifest), append(mb, '\n')); err != nil {
		return err
	}
	if err := syncDirs(dirs); err != nil {
		return err
	}
	if err := fail("generation-written"); err != nil {
		return err
	}
	if err := os.Rename(tmp, r.genPath(n)); err != nil {
		return fmt.Errorf("repository %s: %w", r.dir, err)
	}
	return syncDir(gd)
}

// linkTop makes DIR/top a symlink to .current/top, if it is not one yet.
func (r *Repo) linkTop(top string) error {
	p := filepath.Join(r.dir, top)
	want := currentName + "/" + top
	if t, err := os.Readlink(p); err == nil && t == want {
		return nil
	}
	tmp := filepath.Join(r.dir, "."+top+tmpMark)
	os.Remove(tmp)
	if err := os.Symlink(want, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		return err
	}
	return syncDir(r.dir)
}

// switchTo serves generation n: .current is replaced by a symlink to it in one rename.
func (r *Repo) switchTo(n int) error {
	tmp := filepath.Join(r.dir, currentName+tmpMark)
	os.Remove(tmp)
	if err := os.Symlink(gensDir+"/"+strconv.Itoa(n), tmp); err != nil {
		return fmt.Errorf("repository %s: %w", r.dir, err)
	}
	if err := os.Rename(tmp, filepath.Join(r.dir, currentName)); err != nil {
		return fmt.Errorf("repository %s: %w", r.dir, err)
	}
	return syncDir(r.dir)
}

// unlinkTops removes top-level symlinks into .current that the served generation no
// longer has.
func (r *Repo) unlinkTops(tops map[string]bool) error {
	ents, err := os.ReadDir(r.dir)
	if err != nil {
		return err
	}
	changed := false
	for _, e := range ents {
		if tops[e.Name()] || e.Type()&fs.ModeSymlink == 0 {
			continue
		}
		p := filepath.Join(r.dir, e.Name())
		if t, err := os.Readlink(p); err == nil && t == currentName+"/"+e.Name() {
			if err := os.Remove(p); err != nil {
				return err
			}
			changed = true
		}
	}
	if changed {
		return syncDir(r.dir)
	}
	return nil
}

// prune deletes the generations not kept, and the pool files only they named. A generation
// is renamed aside before it is deleted, after its pool files are, so that a publish that
// dies half-way has either not started on it or need not finish it.
func (r *Repo) prune(gens, kept []int, next generation, recorded map[int]generation, progress func(Event), fail func(string) error) ([]string, []int, error) {
	named := map[string]bool{}
	for _, p := range next.Pool {
		named[p] = true
	}
	for _, k := range kept {
		for _, p := range recorded[k].Pool {
			named[p] = true
		}
	}
	var removed []string
	var pruned []int
	dirs := map[string]bool{}
	for _, n := range gens {
		if slices.Contains(kept, n) {
			continue
		}
		g, err := r.readGeneration(n)
		if err != nil {
			return removed, pruned, err
		}
		progress(Event{Step: "prune", Path: r.genPath(n)})
		for _, p := range g.Pool {
			if named[p] || checkPath(p) != nil {
				continue
			}
			err := os.Remove(r.Path(p))
			if err == nil {
				removed = append(removed, p)
				dirs[filepath.Dir(r.Path(p))] = true
			} else if !errors.Is(err, fs.ErrNotExist) {
				return removed, pruned, err
			}
		}
		if err := syncDirs(dirs); err != nil {
			return removed, pruned, err
		}
		if err := fail("pruning"); err != nil {
			return removed, pruned, err
		}
		aside := filepath.Join(r.dir, gensDir, tmpMark+"-old-"+strconv.Itoa(n))
		if err := os.Rename(r.genPath(n), aside); err != nil {
			return removed, pruned, err
		}
		if err := os.RemoveAll(aside); err != nil {
			return removed, pruned, err
		}
		pruned = append(pruned, n)
	}
	slices.Sort(removed)
	return removed, pruned, nil
}

// KeyChangeError refuses to sign a served repository with another key than the one its
// users imported from its key file.
type KeyChangeError struct {
	Dir, KeyFile string
	Served       []string // fingerprints in the served key file
	Given        string   // the signing key's
	Names        string   // who names the key file: Signed-By, a .repo file's gpgkey
	Consequence  string   // what users would see
}

func (e *KeyChangeError) Error() string {
	return fmt.Sprintf("the repository is signed with key %s (its %s, %s), not with the key given, %s: %s",
		strings.Join(e.Served, ", "), e.KeyFile, e.Names, e.Given, e.Consequence)
}

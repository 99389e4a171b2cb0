package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/pack/oci"
	"github.com/mwedition/mwedition/internal/repro"
)

const verifyHelp = `Verify rebuilds every artifact of the chosen editions from editions.lock, in a fresh
temporary directory with a cold cache, and compares the result with out/ (or --against DIR,
or the digests of a published SHA256SUMS file given with --sums FILE).

The rebuild proves more than a second build would: it runs as a separate process under
other conditions than the first build, each of which must not change a byte:

  - another build path: the project (recipes, editions, lock, keyrings, dir sources) is
    copied into the temporary directory;
  - another TZ (GMT-14 or GMT+12), umask (0077, or 0002 if yours is 0077), locale
    (LC_ALL and LANG et_EE.UTF-8 or C.UTF-8), a HOME that does not exist, PATH with a
    directory that does not exist at its end, and one worker (-j 1, GOMAXPROCS=1) unless
    you give -j;
  - SOURCE_DATE_EPOCH: the original build's when it had one (out/manifest.json records
    it, with the formats and the image base, in its "build" field); when it had none, one
    second after the newest source time of the lock, which clamps nothing;
  - a cold cache: only the pinned sources are taken from your cache (release tarballs and
    their signatures by sha256, git mirrors, registry bases by digest), each checked
    against its pin; every tree, package, tarball and layer is made again.

--format and --image-base default to what the original build recorded. Detached
signatures (.asc) are not rebuilt, as verify has no key; a signed .rpm is compared without
its signature.

When an artifact differs, verify names the first entries that differ, field by field: for
a .deb, its ar members, control fields and control.tar and data.tar entries (name, mode,
uid/gid, owner names, mtime, size, content digest); for an .rpm, its header tags and the
payload's cpio entries; for a tarball, its gzip headers and tar entries; for an image,
the index, manifest and configuration fields and the layers' entries. With --sums only
the digests can be compared.

Exit codes: 0 every artifact matches; 2 an artifact differs, is missing from the rebuild,
or the rebuild made one the original lacks; 1 verify could not run (the rebuild failed, a
source is not in the cache offline, an unreadable original); 64 wrong usage.`

const verifyExamples = `  mwedition verify
  mwedition verify --edition enterprise --json
  mwedition verify --against /srv/release/1.39.17.1
  mwedition verify --sums SHA256SUMS --format deb,tarball
  mwedition verify --keep             # keep the rebuild for inspection (its path is printed)`

func newVerify(g *globals) *cobra.Command {
	var v verifyFlags
	cmd := &cobra.Command{
		Use:     "verify",
		Short:   "Rebuild the editions under varied conditions and compare with out/ (exit 2 on a difference)",
		Long:    verifyHelp,
		Example: verifyExamples,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v.jobsSet = cmd.Flags().Changed("jobs") || cmd.Root().PersistentFlags().Changed("jobs")
			return g.verify(cmd.Context(), v)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&v.editions, "edition", nil, "verify only these editions' artifacts (default all); the whole project is rebuilt, since editions share components")
	f.StringSliceVar(&v.formats, "format", nil, "formats to rebuild and compare: deb, rpm, tarball, image (default: what the original build recorded)")
	f.StringVar(&v.imageBase, "image-base", "", "base of every image, as for build (default: what the original build recorded)")
	f.StringVar(&v.against, "against", "", "the original artifacts: an output directory (default <dir>/out)")
	f.StringVar(&v.sums, "sums", "", "compare with the digests of this SHA256SUMS file (lines \"<sha256>  <path relative to out/>\") instead of files")
	f.BoolVar(&v.keep, "keep", false, "keep the rebuild directory (project copy, cache, out) and print where it is")
	return cmd
}

type verifyFlags struct {
	editions, formats  []string
	imageBase, against string
	sums               string
	keep, jobsSet      bool
}

func (g *globals) verify(ctx context.Context, v verifyFlags) error {
	if v.against != "" && v.sums != "" {
		return usageError{errors.New("--against and --sums both name the original: give one")}
	}
	for _, f := range v.formats {
		if f != build.FormatDeb && f != build.FormatRPM && f != build.FormatTarball && f != build.FormatImage {
			return usageError{fmt.Errorf("--format %q: use deb, rpm, tarball and/or image", f)}
		}
	}
	if g.jobs < 1 {
		return usageError{errors.New("--jobs must be at least 1")}
	}
	p, lk, err := g.projectAndLock()
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, e := range p.Set.Editions() {
		have[e.Name] = true
	}
	for _, e := range v.editions {
		if !have[e] {
			return usageError{fmt.Errorf("--edition %s: the project has no such edition", e)}
		}
	}
	root, err := filepath.Abs(g.dir)
	if err != nil {
		return err
	}
	orig := orDefault(v.against, filepath.Join(root, "out"))
	var sums []repro.Sum
	if v.sums != "" {
		f, err := os.Open(v.sums)
		if err != nil {
			return err
		}
		sums, err = repro.ParseSums(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", v.sums, err)
		}
	} else if _, err := os.Stat(orig); err != nil {
		return fmt.Errorf("nothing to verify: %w (run mwedition build first, or give --against DIR or --sums FILE)", err)
	}

	// What the original build was asked for, unless the flags say otherwise.
	rec, recErr := readBuildInfo(filepath.Join(orig, "manifest.json"))
	if recErr != nil && v.sums == "" {
		return recErr
	}
	formats := v.formats
	if len(formats) == 0 {
		formats = rec.Formats
	}
	imageBase := v.imageBase
	if imageBase == "" {
		imageBase = rec.ImageBase
	}
	if imageBase != "" {
		b, err := oci.ParseBase(imageBase)
		if err != nil {
			return usageError{fmt.Errorf("--image-base: %w", err)}
		}
		// A file base is the original project's: the rebuild runs elsewhere.
		imageBase = b.In(root).String()
		if !slices.Contains(formats, build.FormatImage) {
			return usageError{errors.New("--image-base is the base of images: add --format image")}
		}
	}

	tmp, err := os.MkdirTemp("", "mwedition-verify-*")
	if err != nil {
		return fmt.Errorf("making the rebuild directory: %w", err)
	}
	keep := v.keep
	defer func() {
		if !keep {
			os.RemoveAll(tmp)
		}
	}()
	proj, cacheDir, out := filepath.Join(tmp, "project"), filepath.Join(tmp, "cache"), filepath.Join(tmp, "out")
	if err := repro.CopyProject(root, proj, p.Set); err != nil {
		return err
	}
	user, err := cache.Open(g.cacheDir())
	if err != nil {
		return err
	}
	fresh, err := cache.Open(cacheDir)
	if err != nil {
		return err
	}
	seeded, err := repro.Seed(user, fresh, p.Set, lk)
	if err != nil {
		return err
	}
	if err := g.seedBases(user, fresh, p, imageBase, &seeded); err != nil {
		return err
	}

	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, val, _ := strings.Cut(kv, "=")
		env[k] = val
	}
	mask := syscall.Umask(0o022)
	syscall.Umask(mask)
	var newest int64
	for _, c := range lk.Components {
		newest = max(newest, c.Time)
	}
	cond := repro.Vary(repro.Host{Env: env, Umask: mask, Jobs: g.jobs, JobsSet: v.jobsSet, NumCPU: runtime.NumCPU()},
		rec.SourceDateEpoch, newest, filepath.Join(tmp, "home-does-not-exist"))
	if !g.quiet {
		fmt.Fprintf(g.stderr, "verify: rebuilding in %s (%d pinned sources from your cache), under:\n", tmp, seeded.Blobs+seeded.Mirrors)
		for _, l := range cond.Describe(proj) {
			fmt.Fprintf(g.stderr, "  %s\n", l)
		}
		for _, a := range seeded.Absent {
			fmt.Fprintf(g.stderr, "  not in your cache, fetched by the rebuild: %s\n", a)
		}
	}

	args := []string{"-C", proj, "--cache", cacheDir, "-j", strconv.Itoa(cond.Jobs), "build", "--out", out}
	if g.offline {
		args = append([]string{"--offline"}, args...)
	}
	if len(formats) == 0 {
		args = append(args, "--format", "tree")
	} else {
		args = append(args, "--format", strings.Join(formats, ","))
	}
	if imageBase != "" {
		args = append(args, "--image-base", imageBase)
	}
	if err := g.rebuild(ctx, args, cond, env); err != nil {
		keep = true
		return fmt.Errorf("%w; the rebuild directory is kept: %s", err, tmp)
	}

	m, err := readManifest(filepath.Join(out, "manifest.json"))
	if err != nil {
		return err
	}
	sel, err := repro.Select(m, v.editions)
	if err != nil {
		return usageError{err}
	}
	if !sameSet(formats, rec.Formats) {
		sel.Formats = map[string]bool{}
		for _, f := range formats {
			sel.Formats[f] = true
		}
	}
	var results []repro.Result
	if v.sums != "" {
		results, err = repro.CompareSums(sums, out, sel)
	} else {
		results, err = repro.CompareDirs(orig, out, sel)
	}
	if err != nil {
		return err
	}
	return g.verifyReport(results, sel, cond, proj, tmp, keep)
}

// readBuildInfo reads the build field of an original manifest.json; a manifest from before
// the field existed gives the defaults (every format, the output blocks' bases, no SDE).
func readBuildInfo(p string) (build.BuildInfo, error) {
	def := build.BuildInfo{Formats: []string{build.FormatDeb, build.FormatRPM, build.FormatTarball, build.FormatImage}}
	m, err := readManifest(p)
	if errors.Is(err, fs.ErrNotExist) {
		return def, fmt.Errorf("%s does not exist: verify compares with a build's output (run mwedition build, or give --against DIR)", p)
	}
	if err != nil {
		return def, err
	}
	if m.Build == nil {
		return def, nil
	}
	return *m.Build, nil
}

func readManifest(p string) (build.Manifest, error) {
	var m build.Manifest
	b, err := os.ReadFile(p)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %w", p, err)
	}
	return m, nil
}

// seedBases copies registry bases, pinned by digest, from the user's cache, so that an
// offline rebuild has them; file bases are read where they are.
func (g *globals) seedBases(user, fresh *cache.Store, p load.Project, imageBase string, s *repro.Seeded) error {
	refs := []string{imageBase}
	if imageBase == "" {
		refs = nil
		for _, e := range p.Set.Editions() {
			for _, o := range e.Outputs {
				refs = append(refs, o.Base)
			}
		}
	}
	for _, r := range refs {
		b, err := oci.ParseBase(r)
		if err != nil || b.Kind != oci.RegistryBase {
			continue // the rebuild reports a bad reference as build does
		}
		_, digest, _ := strings.Cut(b.Ref, "@")
		ok, n, err := repro.SeedImage(user, fresh, digest)
		if err != nil {
			return fmt.Errorf("base %s: %w", r, err)
		}
		if !ok {
			s.Absent = append(s.Absent, "base "+r)
		}
		s.Blobs += n
	}
	return nil
}

// rebuild runs `mwedition build` as a child process of this binary, under the varied
// conditions; its output goes to stderr as progress.
func (g *globals) rebuild(ctx context.Context, args []string, c repro.Conditions, env map[string]string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this program to run the rebuild: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = c.Environ(env)
	cmd.Dir = os.TempDir() // not the project: the rebuild must not depend on the working directory
	var w io.Writer = io.Discard
	if !g.quiet {
		w = &prefixWriter{w: g.stderr, prefix: "rebuild: "}
	}
	cmd.Stdout, cmd.Stderr = w, w
	// The child inherits the umask at fork: set it around Start only.
	old := syscall.Umask(c.Umask)
	err = cmd.Start()
	syscall.Umask(old)
	if err != nil {
		return fmt.Errorf("starting the rebuild: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		if pw, ok := w.(*prefixWriter); ok {
			pw.flush()
		}
		return fmt.Errorf("the rebuild failed (%v): its output is above", err)
	}
	if pw, ok := w.(*prefixWriter); ok {
		pw.flush()
	}
	return nil
}

// prefixWriter writes whole lines with a prefix; os/exec copies both of a child's outputs
// through one writer from two goroutines.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := slices.Index(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i])
		p.buf = p.buf[i+1:]
	}
}

func (p *prefixWriter) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf)
		p.buf = nil
	}
}

// verifyReport prints the comparison and turns a difference into exit code 2.
func (g *globals) verifyReport(results []repro.Result, sel repro.Selection, c repro.Conditions, proj, tmp string, keep bool) error {
	count := map[repro.Status]int{}
	bw := bufio.NewWriter(g.stdout)
	enc := json.NewEncoder(bw)
	for _, r := range results {
		count[r.Status]++
		if g.json {
			ev := map[string]any{"event": "artifact", "artifact": r.Artifact, "status": r.Status, "original": r.Original, "rebuilt": r.Rebuilt}
			if r.Note != "" {
				ev["note"] = r.Note
			}
			if len(r.Differences) > 0 {
				ev["differences"] = r.Differences
				ev["more"] = r.More
			}
			enc.Encode(ev)
			continue
		}
		if r.Status == repro.Identical && g.quiet {
			continue
		}
		label := map[repro.Status]string{repro.Identical: "identical", repro.Differs: "DIFFERS", repro.Missing: "MISSING", repro.Extra: "EXTRA", repro.Skipped: "skipped"}[r.Status]
		fmt.Fprintf(bw, "%-9s  %s", label, r.Artifact)
		if r.Note != "" && (r.Status != repro.Identical || strings.HasPrefix(r.Note, "the original is signed")) {
			fmt.Fprintf(bw, "  (%s)", r.Note)
		}
		fmt.Fprintln(bw)
		for _, d := range r.Differences {
			fmt.Fprintf(bw, "           %s\n", d)
		}
		if r.More > 0 {
			fmt.Fprintf(bw, "           ... and %d more differences\n", r.More)
		}
	}
	bad := count[repro.Differs] + count[repro.Missing] + count[repro.Extra]
	editions := make([]string, 0, len(sel.Editions))
	for e := range sel.Editions {
		editions = append(editions, e)
	}
	slices.Sort(editions)
	summary := fmt.Sprintf("verify: %d artifacts of %s: %d identical, %d differ, %d missing from the rebuild, %d only in the rebuild, %d skipped",
		len(results), strings.Join(editions, ", "), count[repro.Identical], count[repro.Differs], count[repro.Missing], count[repro.Extra], count[repro.Skipped])
	if g.json {
		ev := map[string]any{"event": "verified", "artifacts": len(results), "identical": count[repro.Identical], "differing": count[repro.Differs],
			"missing": count[repro.Missing], "extra": count[repro.Extra], "skipped": count[repro.Skipped], "editions": editions,
			"conditions": c.Describe(proj), "ok": bad == 0}
		if keep {
			ev["rebuildDir"] = tmp
		}
		enc.Encode(ev)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	g.say("%s", summary)
	if keep {
		g.say("verify: the rebuild is kept in %s (project, cache, out)", tmp)
	}
	if bad > 0 {
		if !keep {
			g.say("verify: rerun with --keep to inspect the rebuilt artifacts (diffoscope compares them in full)")
		}
		return exitError{ExitMismatch}
	}
	return nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

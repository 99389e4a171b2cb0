package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/policy"
	"github.com/mwedition/mwedition/internal/repro"
	"github.com/mwedition/mwedition/internal/spec"
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
  mwedition verify --keep             # keep the rebuild for inspection (its path is printed)
  mwedition verify --policy           # check out/ against policy.hcl, without rebuilding
  mwedition verify --policy=/srv/security/policy.hcl --against /srv/release/1.39.17.2 --json`

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
	f.StringVar(&v.policy, "policy", "", "check out/ (or --against DIR) against this policy file instead of rebuilding; --policy alone takes the project's "+policy.FileName+" (exit 2 on a violation)")
	f.Lookup("policy").NoOptDefVal = policy.FileName
	return cmd
}

type verifyFlags struct {
	editions, formats  []string
	imageBase, against string
	sums, policy       string
	keep, jobsSet      bool
}

// check refuses flags that contradict each other before anything is loaded.
func (v verifyFlags) check() error {
	if v.against != "" && v.sums != "" {
		return usageError{errors.New("--against and --sums both name the original: give one")}
	}
	for _, f := range v.formats {
		if build.CheckFormats([]string{f}) != nil {
			return usageError{fmt.Errorf("--format %q: use %s", f, formatList())}
		}
	}
	return nil
}

// checkEditions refuses --edition names the project does not have.
func checkEditions(set spec.Set, names []string) error {
	have := map[string]bool{}
	for _, e := range set.Editions() {
		have[e.Name] = true
	}
	for _, e := range names {
		if !have[e] {
			return usageError{fmt.Errorf("--edition %s: the project has no such edition", e)}
		}
	}
	return nil
}

func (g *globals) verify(ctx context.Context, v verifyFlags) error {
	if err := v.check(); err != nil {
		return err
	}
	if v.policy != "" {
		return g.verifyPolicy(v)
	}
	p, lk, err := g.projectAndLock()
	if err != nil {
		return err
	}
	if err := checkEditions(p.Set, v.editions); err != nil {
		return err
	}
	root, err := filepath.Abs(g.dir)
	if err != nil {
		return err
	}
	// The pinned sources are copied from the user's cache: hold it shared, so that a gc
	// waits until they are.
	if _, err := g.openCache(); err != nil {
		return err
	}
	res, err := repro.Verify(ctx, repro.VerifyOptions{
		Root: root, Set: p.Set, Lock: lk,
		Editions: v.editions, Formats: v.formats, ImageBase: v.imageBase,
		Against: v.against, SumsFile: v.sums, Keep: v.keep, Offline: g.offline,
		UserCache: g.cacheDir(), TempDir: os.TempDir(), Host: g.host(v.jobsSet),
		Planned: g.showRebuild, Run: g.rebuild,
	})
	var oe repro.OptionError
	if errors.As(err, &oe) {
		return usageError{oe}
	}
	if err != nil {
		return err
	}
	return g.verifyReport(res)
}

// host is what the rebuild's conditions move away from: this process's environment,
// umask and workers.
func (g *globals) host(jobsSet bool) repro.Host {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, val, _ := strings.Cut(kv, "=")
		env[k] = val
	}
	// Reading the umask means setting it: put it straight back.
	mask := syscall.Umask(0o022)
	syscall.Umask(mask)
	return repro.Host{Env: env, Umask: mask, Jobs: g.jobs, JobsSet: jobsSet, NumCPU: runtime.NumCPU()}
}

// showRebuild says where the rebuild runs and what it varies.
func (g *globals) showRebuild(rb repro.Rebuild) {
	if g.quiet {
		return
	}
	fmt.Fprintf(g.stderr, "verify: rebuilding in %s (%d pinned sources from your cache), under:\n", rb.Dir, rb.Seeded.Blobs+rb.Seeded.Mirrors)
	for _, l := range rb.Conditions.Describe(rb.Project) {
		fmt.Fprintf(g.stderr, "  %s\n", l)
	}
	for _, a := range rb.Seeded.Absent {
		fmt.Fprintf(g.stderr, "  not in your cache, fetched by the rebuild: %s\n", a)
	}
}

// rebuild runs `mwedition build` as a child process of this binary, under the varied
// conditions; its output goes to stderr as progress.
func (g *globals) rebuild(ctx context.Context, rb repro.Rebuild) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this program to run the rebuild: %w", err)
	}
	if g.quiet {
		return repro.Child{Exe: exe, Dir: os.TempDir(), Output: io.Discard}.Run(ctx, rb)
	}
	pw := &prefixWriter{w: g.stderr, prefix: "rebuild: "}
	err = repro.Child{Exe: exe, Dir: os.TempDir(), Output: pw}.Run(ctx, rb)
	// A last line without a newline is still the rebuild's: show it before what follows.
	pw.flush()
	return err
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
func (g *globals) verifyReport(res repro.VerifyResult) error {
	count := tally(res.Results)
	bw := bufio.NewWriter(g.stdout)
	for _, r := range res.Results {
		switch {
		case g.json:
			writeJSON(bw, artifactEvent(r))
		case r.Status == repro.Identical && g.quiet:
		default:
			writeArtifact(bw, r)
		}
	}
	if g.json {
		writeJSON(bw, verifiedEvent(res, count))
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	g.say("%s", verifySummary(res, count))
	if res.Kept {
		g.say("verify: the rebuild is kept in %s (project, cache, out)", res.Rebuild.Dir)
	}
	if failed(count) > 0 {
		if !res.Kept {
			g.say("verify: rerun with --keep to inspect the rebuilt artifacts (diffoscope compares them in full)")
		}
		return exitError{ExitMismatch}
	}
	return nil
}

// statusLabels are the first column of verify's text report: upper case for what fails.
var statusLabels = map[repro.Status]string{repro.Identical: "identical", repro.Differs: "DIFFERS", repro.Missing: "MISSING", repro.Extra: "EXTRA", repro.Skipped: "skipped"}

// failed counts the artifacts that make verify fail: skipped ones do not.
func failed(count map[repro.Status]int) int {
	return count[repro.Differs] + count[repro.Missing] + count[repro.Extra]
}

func tally(results []repro.Result) map[repro.Status]int {
	count := map[repro.Status]int{}
	for _, r := range results {
		count[r.Status]++
	}
	return count
}

// writeArtifact writes one artifact's line of the text report and its differences. An
// identical artifact's note is noise, except that a signed original was compared unsigned.
func writeArtifact(w io.Writer, r repro.Result) {
	fmt.Fprintf(w, "%-9s  %s", statusLabels[r.Status], r.Artifact)
	if r.Note != "" && (r.Status != repro.Identical || strings.HasPrefix(r.Note, "the original is signed")) {
		fmt.Fprintf(w, "  (%s)", r.Note)
	}
	fmt.Fprintln(w)
	for _, d := range r.Differences {
		fmt.Fprintf(w, "           %s\n", d)
	}
	if r.More > 0 {
		fmt.Fprintf(w, "           ... and %d more differences\n", r.More)
	}
}

func artifactEvent(r repro.Result) map[string]any {
	ev := map[string]any{"event": "artifact", "artifact": r.Artifact, "status": r.Status, "original": r.Original, "rebuilt": r.Rebuilt}
	if r.Note != "" {
		ev["note"] = r.Note
	}
	if len(r.Differences) > 0 {
		ev["differences"] = r.Differences
		ev["more"] = r.More
	}
	return ev
}

func verifiedEvent(res repro.VerifyResult, count map[repro.Status]int) map[string]any {
	ev := map[string]any{"event": "verified", "artifacts": len(res.Results), "identical": count[repro.Identical], "differing": count[repro.Differs],
		"missing": count[repro.Missing], "extra": count[repro.Extra], "skipped": count[repro.Skipped], "editions": res.Editions,
		"conditions": res.Rebuild.Conditions.Describe(res.Rebuild.Project), "ok": failed(count) == 0}
	if res.Kept {
		ev["rebuildDir"] = res.Rebuild.Dir
	}
	return ev
}

func verifySummary(res repro.VerifyResult, count map[repro.Status]int) string {
	return fmt.Sprintf("verify: %d artifacts of %s: %d identical, %d differ, %d missing from the rebuild, %d only in the rebuild, %d skipped",
		len(res.Results), strings.Join(res.Editions, ", "), count[repro.Identical], count[repro.Differs], count[repro.Missing], count[repro.Extra], count[repro.Skipped])
}

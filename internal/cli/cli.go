// Package cli is the mwedition command line: flags, environment, the clock, terminal
// progress and every line printed. It is the only package that reads the environment or
// prints; everything below it takes those as explicit inputs.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/source"
)

// Exit codes, documented in --help.
const (
	ExitOK       = 0
	ExitFailure  = 1  // a build, fetch or lock failed, or the manifests are invalid
	ExitMismatch = 2  // verify: a rebuilt artifact differs, is missing, or is new
	ExitUsage    = 64 // wrong flags or arguments
)

type globals struct {
	dir     string
	cache   string
	jobs    int
	json    bool
	offline bool
	quiet   bool
	profile string
	version bool

	stdout, stderr io.Writer
	env            func(string) string
	now            func() time.Time
	isTTY          bool
	closers        []func() // run when the command ends: releasing the cache's lock
}

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr, env: os.Getenv, now: time.Now, isTTY: isTerminal(stderr)}
	root := newRoot(g)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	for _, c := range g.closers {
		c()
	}
	if err == nil {
		return ExitOK
	}
	var ue usageError
	if errors.As(err, &ue) {
		g.result(map[string]any{"event": "error", "error": err.Error(), "usage": true})
		fmt.Fprintf(stderr, "mwedition: %v\nRun '%s --help' for usage.\n", err, cmd.CommandPath())
		return ExitUsage
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	g.result(map[string]any{"event": "error", "error": err.Error()})
	fmt.Fprintf(stderr, "mwedition: %v\n", err)
	return ExitFailure
}

// usageError is wrong usage: exit 64.
type usageError struct{ error }

// exitError ends the command with a code once its output has been written.
type exitError struct{ code int }

func (e exitError) Error() string { return "exit " + strconv.Itoa(e.code) }

const rootHelp = `mwedition builds MediaWiki editions: MediaWiki core plus a chosen set of extensions and
skins at pinned versions, described in HCL and built from one resolved, content-addressed
dependency graph.

A project holds recipes/*.hcl (where each component comes from), editions/*.hcl (which
components make up each edition and which outputs to produce) and editions.lock (the exact
pins). The usual cycle is:

  mwedition init DIR --core 1.39.17
                            a new project for a release: its core, bundled extensions and skins
  mwedition validate        check the manifests
  mwedition lock            pin every source and record its tree (writes editions.lock)
  mwedition build           build everything the lock describes into out/
  mwedition plan            see what a build would run and what is cached
  mwedition verify          rebuild under other conditions and compare with out/ (exit 2 on a difference)
  mwedition publish         push the editions' images to a registry (--registry HOST/PREFIX)
  mwedition diff OLD NEW    what changed since the last release, as Markdown for its notes
  mwedition bump core VERSION
                            move to a new core release (or: bump extension NAME --ref REF):
                            rewrites the recipe, relocks, prints the diff

Offline machines: 'mwedition cache add FILE' adds a release tarball obtained elsewhere by
its sha256, and 'build --offline' builds from the cache alone.

Environment:
  SOURCE_DATE_EPOCH   clamp every source time to this Unix time (reproducible builds)
  MWEDITION_CACHE     cache directory (default $XDG_CACHE_HOME/mwedition or ~/.cache/mwedition)
  HTTPS_PROXY         proxy for downloads
  DOCKER_CONFIG       directory of the Docker config.json with registry credentials (publish)
  GOMEMLIMIT          Go's soft memory limit (default 64 MiB plus 48 MiB per job)

Exit codes: 0 success; 1 failure (invalid manifests, stale lock, fetch or build error);
2 a verified artifact differs (verify); 64 wrong usage.`

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:           "mwedition",
		Short:         "Build MediaWiki editions as packages, tarballs and images from one pinned graph",
		Long:          rootHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.Flags().BoolVar(&g.version, "version", false, "print the version (as 'mwedition version' does) and exit")
	pf := root.PersistentFlags()
	pf.StringVarP(&g.dir, "dir", "C", ".", "project directory (holding recipes/ and editions/)")
	pf.StringVar(&g.cache, "cache", "", "cache directory (default $MWEDITION_CACHE, else $XDG_CACHE_HOME/mwedition)")
	pf.IntVarP(&g.jobs, "jobs", "j", runtime.NumCPU(), "actions and file hashes run at once")
	pf.BoolVar(&g.json, "json", false, "print events and results as JSON lines on stdout (for CI)")
	pf.BoolVar(&g.offline, "offline", false, "use only the cache; never download")
	pf.BoolVarP(&g.quiet, "quiet", "q", false, "print no progress")
	pf.StringVar(&g.profile, "cpuprofile", "", "write a CPU profile of the run to this file")
	_ = pf.MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := g.checkFlags(cmd); err != nil {
			return err
		}
		if g.profile == "" {
			return nil
		}
		f, err := os.Create(g.profile)
		if err != nil {
			return err
		}
		return pprof.StartCPUProfile(f)
	}
	root.PersistentPostRun = func(*cobra.Command, []string) {
		if g.profile != "" {
			pprof.StopCPUProfile()
		}
	}
	root.AddCommand(newValidate(g), newLock(g), newFetch(g), newBuild(g), newPlan(g), newGraph(g), newCache(g), newPublish(g), newVerify(g), newDiff(g), newInit(g), newBump(g), newReference(g))
	root.AddCommand(newVersion(g))
	finishTree(g, root)
	return root
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments (got %q)", cmd.CommandPath(), args)}
	}
	return nil
}

// project loads the manifests and prints their diagnostics; it fails on errors.
func (g *globals) project() (load.Project, error) {
	p, diags := load.Dir(g.dir)
	g.diagnostics(p, diags)
	if diags.HasErrors() {
		return p, exitError{ExitFailure}
	}
	return p, nil
}

func (g *globals) diagnostics(p load.Project, diags hcl.Diagnostics) {
	if len(diags) == 0 {
		return
	}
	if g.json {
		for _, d := range diags {
			writeJSON(g.stdout, jsonDiag(d))
		}
	}
	writeDiagnostics(g.stderr, p.Files, diags)
}

func (g *globals) cacheDir() string {
	if g.cache != "" {
		return g.cache
	}
	if c := g.env("MWEDITION_CACHE"); c != "" {
		return c
	}
	if x := g.env("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(x, "mwedition")
	}
	if h := g.env("HOME"); h != "" {
		return filepath.Join(h, ".cache", "mwedition")
	}
	return filepath.Join(g.dir, ".cache")
}

// httpClient fails fast on a network that drops packets, yet lets a large download take
// its time once data flows.
func httpClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 30 * time.Second
	t.ResponseHeaderTimeout = 60 * time.Second
	return &http.Client{Transport: t, Timeout: 30 * time.Minute}
}

func (g *globals) options(obs *observer) (build.Options, error) {
	g.limitMemory()
	st, err := g.openCache()
	if err != nil {
		return build.Options{}, err
	}
	root, err := filepath.Abs(g.dir)
	if err != nil {
		return build.Options{}, err
	}
	o := build.Options{
		Root: root, Jobs: g.jobs,
		Fetcher: &source.Fetcher{Store: st, Root: root, Offline: g.offline, Now: g.now, GitEnv: os.Environ(),
			Client: httpClient()},
		Builder: builder(), Now: g.now,
	}
	if obs != nil {
		o.Observer = obs.event
	}
	if s := g.env("SOURCE_DATE_EPOCH"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return o, usageError{fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a Unix time", s)}
		}
		o.SourceDateEpoch = &v
	}
	return o, nil
}

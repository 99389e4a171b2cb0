package repro

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/pack/oci"
	"github.com/mwedition/mwedition/internal/spec"
)

// VerifyOptions are what verify is asked to do and what the caller read for it: the
// loaded project, the flags, and the host it runs on. Verify reads no environment of its
// own, so that a test can pass any.
type VerifyOptions struct {
	Root string // the project directory, absolute: it is copied, and file image bases are its
	Set  spec.Set
	Lock lock.File

	Editions  []string // the editions whose artifacts are compared; none: every edition
	Formats   []string // the formats rebuilt; none: what the original build recorded
	ImageBase string   // "": what the original build recorded
	Against   string   // the original output directory; "": Root/out
	SumsFile  string   // compare with these published digests instead of files
	Keep      bool     // keep the rebuild directory
	Offline   bool

	UserCache string // the caller's cache, which the pinned sources are seeded from
	TempDir   string // where the rebuild directory is made ($TMPDIR, read by the caller)
	Host      Host

	// Planned is told what the rebuild will be before it runs, for the caller to show.
	Planned func(Rebuild)
	// Run runs the rebuild: mwedition with r.Args in r.Env and umask r.Conditions.Umask,
	// as Child.Run does. The caller says where its output goes; a test fakes it.
	Run func(ctx context.Context, r Rebuild) error
}

// Rebuild is one planned rebuild: where it happens and under which conditions.
type Rebuild struct {
	Dir        string // the rebuild directory, holding Project, Cache and Out
	Project    string // the copy of the project
	Cache      string // the cold cache, seeded with the pinned sources
	Out        string // the rebuild's output directory
	Conditions Conditions
	Seeded     Seeded
	Args       []string // mwedition's arguments
	Env        []string // the rebuild's whole environment
}

// VerifyResult is the comparison of the original artifacts with the rebuilt ones.
type VerifyResult struct {
	Results  []Result
	Editions []string // the verified editions, sorted
	Rebuild  Rebuild
	Kept     bool // the rebuild directory was kept
}

// OptionError is an option verify cannot honour: the caller's usage was wrong, not the
// build.
type OptionError struct{ Err error }

func (e OptionError) Error() string { return e.Err.Error() }
func (e OptionError) Unwrap() error { return e.Err }

// Verify rebuilds the project in a fresh directory under varied conditions and compares
// the selected artifacts with the original ones (or with published digests). The rebuild
// directory is removed afterwards unless Keep is set or the rebuild failed.
func Verify(ctx context.Context, o VerifyOptions) (VerifyResult, error) {
	orig := o.Against
	if orig == "" {
		orig = filepath.Join(o.Root, "out")
	}
	sums, err := readOriginal(orig, o.SumsFile)
	if err != nil {
		return VerifyResult{}, err
	}
	rec, recErr := ReadBuildInfo(filepath.Join(orig, "manifest.json"))
	if recErr != nil && o.SumsFile == "" {
		return VerifyResult{}, recErr
	}
	formats, imageBase, err := o.target(rec)
	if err != nil {
		return VerifyResult{}, err
	}
	tmp, err := os.MkdirTemp(o.TempDir, "mwedition-verify-*")
	if err != nil {
		return VerifyResult{}, fmt.Errorf("making the rebuild directory: %w", err)
	}
	keep := o.Keep
	defer func() {
		if !keep {
			os.RemoveAll(tmp)
		}
	}()
	rb, err := o.prepare(tmp, imageBase, rec.SourceDateEpoch)
	if err != nil {
		return VerifyResult{}, err
	}
	rb.Args = rebuildArgs(rb, o.Offline, formats, imageBase)
	if o.SumsFile == "" {
		replay, err := writeReplay(orig, tmp)
		if err != nil {
			return VerifyResult{}, fmt.Errorf("reading the original's cosign signatures: %w", err)
		}
		if replay != "" {
			rb.Args = append(rb.Args, "--cosign-replay", replay)
		}
	}
	if o.Planned != nil {
		o.Planned(rb)
	}
	if err := o.Run(ctx, rb); err != nil {
		keep = true
		return VerifyResult{}, fmt.Errorf("%w; the rebuild directory is kept: %s", err, tmp)
	}
	res, err := compareRebuild(orig, rb.Out, sums, o.SumsFile != "", o.Editions, formats, rec.Formats)
	if err != nil {
		return VerifyResult{}, err
	}
	res.Rebuild, res.Kept = rb, keep
	return res, nil
}

// readOriginal reads the published digests when there are some, and otherwise checks that
// the original output directory exists.
func readOriginal(orig, sumsFile string) ([]Sum, error) {
	if sumsFile == "" {
		if _, err := os.Stat(orig); err != nil {
			return nil, fmt.Errorf("nothing to verify: %w (run mwedition build first, or give --against DIR or --sums FILE)", err)
		}
		return nil, nil
	}
	f, err := os.Open(sumsFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sums, err := ParseSums(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sumsFile, err)
	}
	return sums, nil
}

// target is what the rebuild is asked for: the options' formats and image base, else the
// original build's.
func (o VerifyOptions) target(rec build.BuildInfo) ([]string, string, error) {
	formats := o.Formats
	if len(formats) == 0 {
		formats = rec.Formats
	}
	imageBase := o.ImageBase
	if imageBase == "" && slices.Contains(formats, build.FormatImage) {
		// The original build's base matters only to a rebuild that makes images.
		imageBase = rec.ImageBase
	}
	if imageBase == "" {
		return formats, "", nil
	}
	b, err := oci.ParseBase(imageBase)
	if err != nil {
		return nil, "", OptionError{fmt.Errorf("--image-base: %w", err)}
	}
	// A file base is the original project's: the rebuild runs elsewhere.
	imageBase = b.In(o.Root).String()
	if !slices.Contains(formats, build.FormatImage) {
		return nil, "", OptionError{errors.New("--image-base is the base of images: add --format image")}
	}
	return formats, imageBase, nil
}

// prepare copies the project into the rebuild directory, seeds a cold cache with the
// pinned sources and chooses the rebuild's conditions.
func (o VerifyOptions) prepare(tmp, imageBase string, sde *int64) (Rebuild, error) {
	rb := Rebuild{Dir: tmp, Project: filepath.Join(tmp, "project"), Cache: filepath.Join(tmp, "cache"), Out: filepath.Join(tmp, "out")}
	root, err := CopyProject(o.Root, rb.Project, o.Set)
	if err != nil {
		return rb, err
	}
	rb.Project = root
	user, err := cache.Open(o.UserCache)
	if err != nil {
		return rb, err
	}
	fresh, err := cache.Open(rb.Cache)
	if err != nil {
		return rb, err
	}
	if rb.Seeded, err = Seed(user, fresh, o.Set, o.Lock); err != nil {
		return rb, err
	}
	if err := seedBases(user, fresh, baseRefs(o.Set, imageBase), &rb.Seeded); err != nil {
		return rb, err
	}
	rb.Conditions = Vary(o.Host, sde, newestSource(o.Lock), filepath.Join(tmp, "home-does-not-exist"))
	rb.Env = rb.Conditions.Environ(o.Host.Env)
	return rb, nil
}

func newestSource(lk lock.File) int64 {
	var newest int64
	for _, c := range lk.Components {
		newest = max(newest, c.Time)
	}
	return newest
}

// baseRefs are the image bases the rebuild reads: the one given, else every output
// block's.
func baseRefs(set spec.Set, imageBase string) []string {
	if imageBase != "" {
		return []string{imageBase}
	}
	var refs []string
	for _, e := range set.Editions() {
		for _, o := range e.Outputs {
			refs = append(refs, o.Base)
		}
	}
	return refs
}

// seedBases copies registry bases, pinned by digest, from the user's cache, so that an
// offline rebuild has them; file bases are read where they are.
func seedBases(user, fresh *cache.Store, refs []string, s *Seeded) error {
	for _, r := range refs {
		b, err := oci.ParseBase(r)
		if err != nil || b.Kind != oci.RegistryBase {
			continue // the rebuild reports a bad reference as build does
		}
		_, digest, _ := strings.Cut(b.Ref, "@")
		ok, n, err := SeedImage(user, fresh, digest)
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

// rebuildArgs are the arguments of the child `mwedition build`; no formats means the
// original built trees only.
func rebuildArgs(rb Rebuild, offline bool, formats []string, imageBase string) []string {
	args := []string{"-C", rb.Project, "--cache", rb.Cache, "-j", strconv.Itoa(rb.Conditions.Jobs), "build", "--out", rb.Out}
	if offline {
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
	return args
}

// compareRebuild selects the verified editions' artifacts from the rebuild's manifest and
// compares them with the original's files or digests.
func compareRebuild(orig, out string, sums []Sum, bySums bool, editions, formats, recorded []string) (VerifyResult, error) {
	m, err := ReadManifest(filepath.Join(out, "manifest.json"))
	if err != nil {
		return VerifyResult{}, err
	}
	sel, err := Select(m, editions)
	if err != nil {
		return VerifyResult{}, OptionError{err}
	}
	if !sameSet(formats, recorded) {
		sel.Formats = map[string]bool{}
		for _, f := range formats {
			sel.Formats[f] = true
		}
	}
	var results []Result
	if bySums {
		results, err = CompareSums(sums, out, sel)
	} else {
		results, err = CompareDirs(orig, out, sel)
	}
	if err != nil {
		return VerifyResult{}, err
	}
	names := make([]string, 0, len(sel.Editions))
	for e := range sel.Editions {
		names = append(names, e)
	}
	slices.Sort(names)
	return VerifyResult{Results: results, Editions: names}, nil
}

// ReadBuildInfo reads the build field of an original manifest.json; a manifest from before
// the field existed gives the defaults (every format, the output blocks' bases, no SDE).
func ReadBuildInfo(p string) (build.BuildInfo, error) {
	def := build.BuildInfo{Formats: build.FormatNames()}
	m, err := ReadManifest(p)
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

// ReadManifest reads a build's manifest.json.
func ReadManifest(p string) (build.Manifest, error) {
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

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

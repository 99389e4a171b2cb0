package releasediff

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

// GitPrefix marks an input naming a git revision of the project: git:REV.
const GitPrefix = "git:"

// Opener reads the inputs of a comparison.
type Opener struct {
	// Project is the project directory git:REV inputs are read from (the directory holding
	// editions.lock, anywhere inside a git work tree).
	Project string
	// GitEnv is git's environment; nil means the process's own.
	GitEnv []string
}

// Open reads one input: git:REV (the project's lock and manifests at that revision), a
// project directory (its lock and manifests), or a file (an editions.lock or an
// out/manifest.json). Editions are known for a project whose manifests resolve against its
// lock; otherwise the release has the lock's components only, and NoEditions says why.
func (o Opener) Open(ctx context.Context, arg string) (Release, error) {
	if rev, ok := strings.CutPrefix(arg, GitPrefix); ok {
		return o.git(ctx, arg, rev)
	}
	st, err := os.Stat(arg)
	if err != nil {
		return Release{}, fmt.Errorf("reading %s: %w", arg, err)
	}
	if st.IsDir() {
		r, err := openProject(arg)
		if err == nil {
			r.Revision = o.describeDir(ctx, arg)
		}
		return r, err
	}
	b, err := os.ReadFile(arg)
	if err != nil {
		return Release{}, fmt.Errorf("reading %s: %w", arg, err)
	}
	return Parse(arg, b)
}

func openProject(dir string) (Release, error) {
	file := filepath.Join(dir, lock.FileName)
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return Release{}, fmt.Errorf("%s has no %s: give a project directory that has been locked (mwedition lock), or a lock or manifest file", dir, lock.FileName)
	}
	if err != nil {
		return Release{}, fmt.Errorf("reading %s: %w", file, err)
	}
	lk, err := lock.Decode(b)
	if err != nil {
		return Release{}, fmt.Errorf("%s: %w", file, err)
	}
	if err := checkDebianBases(file, lk); err != nil {
		return Release{}, err
	}
	r := FromLock(dir, lk)
	p, diags := load.Dir(dir)
	if diags.HasErrors() {
		r.NoEditions = fmt.Sprintf("the manifests in %s have errors (run mwedition -C %s validate)", dir, dir)
		return r, nil
	}
	return withEditions(r, dir, p.Set, lk), nil
}

// withEditions resolves the editions of set against lk; a stale lock leaves them unknown.
func withEditions(r Release, where string, set spec.Set, lk lock.File) Release {
	g, diags := resolve.Resolve(set, lk)
	if diags.HasErrors() {
		r.NoEditions = fmt.Sprintf("the editions in %s do not resolve against its %s (run mwedition validate there)", where, lock.FileName)
		return r
	}
	return r.WithGraph(g)
}

// git reads the lock and the manifests at a revision. Paths are given as "./NAME" so that
// git takes them relative to the project directory, wherever it sits in the work tree.
func (o Opener) git(ctx context.Context, arg, rev string) (Release, error) {
	if rev == "" || strings.HasPrefix(rev, "-") || strings.ContainsAny(rev, ":\n\x00") {
		return Release{}, fmt.Errorf("%s: name a revision after git:, such as git:HEAD~1 or git:v1.39.16", arg)
	}
	dir := o.Project
	if dir == "" {
		dir = "."
	}
	b, err := o.runGit(ctx, dir, "show", rev+":./"+lock.FileName)
	if err != nil {
		return Release{}, fmt.Errorf("%s: reading %s at %s in %s: %w", arg, lock.FileName, rev, dir, err)
	}
	lk, err := lock.Decode(b)
	if err != nil {
		return Release{}, fmt.Errorf("%s: %w", arg, err)
	}
	if err := checkDebianBases(arg, lk); err != nil {
		return Release{}, err
	}
	r := FromLock(arg, lk)
	r.Revision = o.describe(ctx, dir, rev)
	// Every path at the revision, so the loader can ask whether a keyring or dir source exists.
	list, err := o.runGit(ctx, dir, "ls-tree", "-r", "--name-only", "-z", rev, "--", ".")
	if err != nil {
		return Release{}, fmt.Errorf("%s: listing the files at %s in %s: %w", arg, rev, dir, err)
	}
	files := gitFS{}
	var srcs []load.Source
	for _, name := range strings.Split(strings.TrimSuffix(string(list), "\x00"), "\x00") {
		if name == "" {
			continue
		}
		for d := name; d != "." && d != "/" && d != ""; d = path.Dir(d) {
			files[d] = true
		}
		if path.Ext(name) != ".hcl" || (path.Dir(name) != "recipes" && path.Dir(name) != "editions") {
			continue
		}
		b, err := o.runGit(ctx, dir, "show", rev+":./"+name)
		if err != nil {
			return Release{}, fmt.Errorf("%s: reading %s at %s: %w", arg, name, rev, err)
		}
		srcs = append(srcs, load.Source{Name: name, Bytes: b})
	}
	if len(srcs) == 0 {
		r.NoEditions = fmt.Sprintf("%s has no recipes/*.hcl or editions/*.hcl", arg)
		return r, nil
	}
	line, shared, err := o.gitLine(ctx, dir, rev, files)
	if err != nil {
		r.NoEditions = fmt.Sprintf("the release line at %s: %v", arg, err)
		return r, nil
	}
	set, _, diags := load.LineSources(line, append(shared, srcs...), files)
	if diags.HasErrors() {
		r.NoEditions = fmt.Sprintf("the manifests at %s have errors (check out that revision and run mwedition validate)", arg)
		return r, nil
	}
	return withEditions(r, arg, set, lk), nil
}

// describe names a revision as release notes would: its tag, or the nearest tag with the
// commits since, or an abbreviated commit; rev itself when git cannot say more.
func (o Opener) describe(ctx context.Context, dir, rev string) string {
	b, err := o.runGit(ctx, dir, "describe", "--tags", "--always", rev)
	if d := strings.TrimSpace(string(b)); err == nil && d != "" {
		return d
	}
	return rev
}

// describeDir names the revision of a project directory git tracks, "-dirty" when it has
// uncommitted changes; "" when git does not track its lock (a directory outside any work
// tree, or a copy that only sits inside one).
func (o Opener) describeDir(ctx context.Context, dir string) string {
	if _, err := o.runGit(ctx, dir, "ls-files", "--error-unmatch", "--", lock.FileName); err != nil {
		return ""
	}
	b, err := o.runGit(ctx, dir, "describe", "--tags", "--always", "--dirty")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// gitFS answers the loader's existence questions from a revision's file list.
type gitFS map[string]bool

func (g gitFS) Exists(name string) bool { return g[path.Clean(name)] }

func (o Opener) runGit(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	if o.GitEnv != nil {
		cmd.Env = append(append([]string(nil), o.GitEnv...), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("git %s: %s", args[0], msg)
		}
		return nil, fmt.Errorf("git %s: %w", args[0], err)
	}
	return stdout.Bytes(), nil
}

// gitLine reads a revision's line.hcl, if it has one, and the shared manifests it includes.
func (o Opener) gitLine(ctx context.Context, dir, rev string, files gitFS) (*spec.Line, []load.Source, error) {
	if !files[spec.LineFileName] {
		return nil, nil, nil
	}
	b, err := o.runGit(ctx, dir, "show", rev+":./"+spec.LineFileName)
	if err != nil {
		return nil, nil, err
	}
	line, diags := load.ParseLine(hclparse.NewParser(), b)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	var srcs []load.Source
	for _, g := range line.Include {
		list, err := o.runGit(ctx, dir, "ls-tree", "--name-only", "-z", rev, "--", path.Dir(g)+"/")
		if err != nil {
			return nil, nil, fmt.Errorf("include %s: %w", g, err)
		}
		for _, name := range strings.Split(strings.TrimSuffix(string(list), "\x00"), "\x00") {
			rel := path.Join(path.Dir(g), path.Base(name))
			if ok, _ := path.Match(g, rel); !ok {
				continue
			}
			b, err := o.runGit(ctx, dir, "show", rev+":./"+rel)
			if err != nil {
				return nil, nil, fmt.Errorf("include %s: %w", rel, err)
			}
			srcs = append(srcs, load.Source{Name: rel, Bytes: b})
		}
	}
	return line, srcs, nil
}

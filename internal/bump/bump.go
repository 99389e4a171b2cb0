// Package bump moves a project to a new release of one component: a core to another
// release tarball (version, url, sha256, signature), or a git extension or skin to another
// ref. It rewrites the recipe in place, keeping its comments and layout, raises the
// versions of the editions holding the component, locks the edited project as
// `mwedition lock` does (which fetches the new source and checks its sha256 and signature),
// and gives both locks, for the caller to compare as `mwedition diff` does. Nothing is
// written until all of that succeeded, and then every file at once (Write).
package bump

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

// Request says what to move where.
type Request struct {
	Kind spec.Kind // spec.Core, spec.Extension or spec.Skin
	Name string    // the component; "" for a project's only core
	// Version, URL, SHA256 and Signature are a core's new release. URL and Signature ""
	// derive them from the recipe's by replacing the version; SHA256 "" takes the
	// download's.
	Version, URL, SHA256, Signature string
	Ref                             string // an extension's or skin's new git ref
	// EditionVersion, when set, is the version of every edition holding the component;
	// "" raises each as EditionVersion says.
	EditionVersion string
}

// Result is what a bump would write, and what changed.
type Result struct {
	Component string // "core/mediawiki"
	From, To  string // versions (core) or refs
	// Computed is the sha256 taken from the download, when none was given.
	Computed string
	Editions []Moved
	Files    []File // the manifests edited, in name order
	Lock     lock.File
	Changed  bool // false when the new source is the one already locked: nothing to write
	Report   engine.Report
	// Project is the edited project, whose files the diagnostics point into.
	Project load.Project
}

// Moved is an edition's version change.
type Moved struct{ Name, From, To string }

// File is one manifest, before and after.
type File struct {
	Name     string // "recipes/core.hcl"
	Old, New []byte
}

// Plan makes the bump in memory: edited manifests and the new lock. Diagnostics are
// the lock's, reported against the edited project.
func Plan(ctx context.Context, o build.Options, p load.Project, prev lock.File, r Request) (Result, hcl.Diagnostics, error) {
	c, err := target(p.Set, r)
	if err != nil {
		return Result{}, nil, err
	}
	res := Result{Component: c.ID()}
	var edits []Edit
	if c.Kind == spec.Core {
		edits, err = res.core(ctx, o, c, r)
	} else {
		edits, err = res.ref(c, r)
	}
	if err != nil {
		return res, nil, err
	}
	byFile := map[string][]Edit{c.DeclRange.Filename: edits}
	if err := res.editions(p, prev, r, byFile); err != nil {
		return res, nil, err
	}
	if err := res.rewrite(p, byFile); err != nil {
		return res, nil, err
	}
	return res.relock(ctx, o, p, prev, c)
}

// target finds the component a request names.
func target(set spec.Set, r Request) (spec.Component, error) {
	var found []spec.Component
	for _, c := range set.Components() {
		if c.Kind == r.Kind && (r.Name == "" || c.Name == r.Name) {
			found = append(found, c)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		var names []string
		for _, c := range found {
			names = append(names, c.Name)
		}
		return spec.Component{}, fmt.Errorf("the project declares %d cores (%v): name the one to move with --name", len(found), names)
	case r.Kind == spec.Core:
		return spec.Component{}, errors.New("no recipe declares a core")
	}
	return spec.Component{}, fmt.Errorf("no recipe declares %s %q", r.Kind, r.Name)
}

// rewrite applies the edits to each manifest's text.
func (res *Result) rewrite(p load.Project, byFile map[string][]Edit) error {
	names := make([]string, 0, len(byFile))
	for n := range byFile {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, ok := p.Files[n]
		if !ok {
			return fmt.Errorf("%s: not one of the project's manifests", n)
		}
		b, err := Rewrite(n, f.Bytes, byFile[n])
		if err != nil {
			return err
		}
		res.Files = append(res.Files, File{Name: n, Old: f.Bytes, New: b})
	}
	return nil
}

// relock loads the edited manifests and locks them as `mwedition lock` does, with the
// component named in --update so that a git ref is resolved afresh.
func (res *Result) relock(ctx context.Context, o build.Options, p load.Project, prev lock.File, c spec.Component) (Result, hcl.Diagnostics, error) {
	replace := map[string][]byte{}
	for _, f := range res.Files {
		replace[f.Name] = f.New
	}
	np, diags := load.DirWith(p.Root, replace)
	res.Project = np
	if diags.HasErrors() {
		return *res, diags, nil
	}
	if err := verifyTarball(ctx, o, np.Set, c.ID()); err != nil {
		return *res, diags, err
	}
	lf, rep, d, err := build.Lock(ctx, o, np.Set, prev, []string{c.ID()})
	res.Report, res.Lock = rep, lf
	if diags = append(diags, d...); err != nil || diags.HasErrors() {
		return *res, diags, err
	}
	if err := res.check(c, prev); err != nil {
		return *res, diags, err
	}
	return *res, diags, nil
}

// verifyTarball checks the edited component's tarball and signature before anything is
// locked: the lock would take a source the cache already unpacked without looking at its
// signature again.
func verifyTarball(ctx context.Context, o build.Options, set spec.Set, id string) error {
	c, ok := set.Component(id)
	if !ok || c.Source.Kind != spec.Tarball {
		return nil
	}
	return o.Fetcher.VerifyTarball(ctx, id, c.Source)
}

// check compares the new lock's entry with the old: one that did not move means there is
// nothing to write. (That a core is the release its recipe names, the lock checks.)
func (res *Result) check(c spec.Component, prev lock.File) error {
	now, ok := res.Lock.Lookup(c.ID())
	if !ok {
		return fmt.Errorf("%s: no edition uses it, so %s does not lock it: nothing to bump", c.ID(), lock.FileName)
	}
	was, _ := prev.Lookup(c.ID())
	res.Changed = was.Source != now.Source || was.Tree != now.Tree
	return nil
}

// Write puts the bump's files in place: each is written to a temporary file beside it
// first, and only when all are written are they renamed over the old ones, editions.lock
// last, so that a failure leaves the project as it was.
func Write(root string, res Result) error {
	lk, err := res.Lock.Encode()
	if err != nil {
		return err
	}
	files := append(append([]File(nil), res.Files...), File{Name: lock.FileName, New: lk})
	var tmps []string
	defer func() {
		for _, t := range tmps {
			os.Remove(t) // gone already once renamed
		}
	}()
	for _, f := range files {
		t, err := writeTemp(filepath.Join(root, filepath.FromSlash(f.Name)), f.New)
		if err != nil {
			return err
		}
		tmps = append(tmps, t)
	}
	for i, f := range files {
		if err := os.Rename(tmps[i], filepath.Join(root, filepath.FromSlash(f.Name))); err != nil {
			return fmt.Errorf("writing %s: %w", f.Name, err)
		}
	}
	return nil
}

// writeTemp writes b to a new file beside path, with path's permissions.
func writeTemp(path string, b []byte) (string, error) {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".bump-*")
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Name(), nil
}

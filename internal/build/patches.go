package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/patch"
	"github.com/mwedition/mwedition/internal/source"
	"github.com/mwedition/mwedition/internal/spec"
)

const kindPatch = "source.patch"

// patchLayout names how patches apply and what their outcome records: change it whenever
// either changes for the same patches.
const patchLayout = "mwedition-patch-v1"

func patchAction(container string) string { return "patch/" + container }

// patchInput is one patch of a source, as its action's key holds it.
type patchInput struct {
	File, SHA256 string
	Strip        int
	Dir          string   `json:",omitempty"` // a bundled component's patch applies in its directory
	CVEs         []string `json:",omitempty"`
	Embargoed    bool     `json:",omitempty"`
	Where        string   `json:"-"`
}

type patchParams struct {
	Layout, Source string
	Patches        []patchInput
}

// Patched is what a patch action made: the files the patches wrote (each a blob, or
// deleted), and what became of each patch.
type Patched struct {
	Files   []PatchedFile `json:"files"`
	Reports []PatchReport `json:"reports"`
}

// PatchedFile is one file of a source as the patches left it.
type PatchedFile struct {
	Path    string `json:"path"`
	Blob    string `json:"blob,omitempty"`
	Size    int64  `json:"size,omitempty"`
	Exec    bool   `json:"exec,omitempty"`
	Deleted bool   `json:"deleted,omitempty"`
}

// PatchReport is what became of one patch, and the paths it touched.
type PatchReport struct {
	lock.Patch
	Time  int64    `json:"time,omitempty"` // the patch's date, when its header gives one
	Paths []string `json:"paths"`
}

// PatchSummary is what became of one patch file across the lock: its status, the
// components it changed (or found it in), and the CVEs it fixes.
type PatchSummary struct {
	File, Status string
	Components   []string
	CVEs         []string
	Embargoed    bool
}

// PatchSummaries lists the lock's patches by file.
func PatchSummaries(lf lock.File) []PatchSummary {
	byFile := map[string]*PatchSummary{}
	var files []string
	for _, c := range lf.Components {
		for _, p := range c.Patches {
			s, ok := byFile[p.File]
			if !ok {
				s = &PatchSummary{File: p.File, Status: p.Status, CVEs: p.CVEs, Embargoed: p.Embargoed}
				byFile[p.File] = s
				files = append(files, p.File)
			}
			s.Components = append(s.Components, c.ID)
		}
	}
	sort.Strings(files)
	out := make([]PatchSummary, 0, len(files))
	for _, f := range files {
		out = append(out, *byFile[f])
	}
	return out
}

// sourcePatches are the patches of container's source, in the order they apply: the
// container's own, then those of each component bundled in it, by ID, in its directory.
func sourcePatches(set spec.Set, container spec.Component) []patchInput {
	var out []patchInput
	add := func(dir string, ps []spec.Patch) {
		for _, p := range ps {
			out = append(out, patchInput{File: p.Path, SHA256: p.SHA256, Strip: p.Strip, Dir: dir, CVEs: p.CVEs, Embargoed: p.Embargoed, Where: p.Range.String()})
		}
	}
	add("", container.Source.Patches)
	for _, c := range set.Components() {
		if c.Source.Kind == spec.Bundled && spec.ID(spec.Core, c.Source.Core) == container.ID() {
			add(c.Source.Path, c.Source.Patches)
		}
	}
	return out
}

// patchSourceAction applies the patches of a source to its unpacked files, once, for
// every tree cut from it.
func (o Options) patchSourceAction(cont spec.Component, srcKey string, containerPin lock.Source, patches []patchInput) engine.Action {
	pp := patchParams{Layout: patchLayout, Source: srcKey, Patches: patches}
	return engine.Action{
		ID: patchAction(cont.ID()), Kind: kindPatch, Key: key(kindPatch, pp), Deps: []string{sourceAction(cont.ID())},
		Where: patches[0].Where, Label: fmt.Sprintf("patch %s (%d)", cont.ID(), len(patches)),
		Valid: format.Valid(func(p Patched) bool {
			for _, f := range p.Files {
				if !f.Deleted && !o.store().HasBlob(f.Blob) {
					return false
				}
			}
			return true
		}),
		Run: func(ctx context.Context, _ engine.Inputs) (engine.Outcome, error) {
			return o.applyPatches(ctx, cont.ID(), containerPin, patches)
		},
	}
}

func (o Options) applyPatches(ctx context.Context, id string, pin lock.Source, patches []patchInput) (engine.Outcome, error) {
	srcID, err := source.ID(pin)
	if err != nil {
		return engine.Outcome{}, err
	}
	root, err := o.store().SrcRoot(srcID)
	if err != nil {
		return engine.Outcome{}, fmt.Errorf("source %s is not unpacked: %w", srcID, err)
	}
	var in []patch.Patch
	for _, p := range patches {
		if err := ctx.Err(); err != nil {
			return engine.Outcome{}, err
		}
		data, err := o.readPatch(p)
		if err != nil {
			return engine.Outcome{}, err
		}
		in = append(in, patch.Patch{Name: p.File, Data: data, Strip: p.Strip, Dir: p.Dir})
	}
	res, err := patch.Apply(os.DirFS(o.store().Path(root)), in)
	var pe *patch.Error
	if errors.As(err, &pe) {
		return engine.Outcome{}, fmt.Errorf("%s: %w", id, err)
	}
	if err != nil {
		return engine.Outcome{}, fmt.Errorf("%s: patching: %w", id, err)
	}
	var out Patched
	for _, f := range res.Files {
		pf := PatchedFile{Path: f.Path, Deleted: f.Deleted, Exec: f.Mode&0o111 != 0}
		if !f.Deleted {
			if pf.Blob, err = o.store().PutBytes(f.Data); err != nil {
				return engine.Outcome{}, err
			}
			pf.Size = int64(len(f.Data))
		}
		out.Files = append(out.Files, pf)
	}
	for i, r := range res.Reports {
		out.Reports = append(out.Reports, patchReport(patches[i], r))
	}
	return format.Encode(out, 0)
}

// readPatch reads a patch file of the project and checks it against its pin.
func (o Options) readPatch(p patchInput) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(o.Root, filepath.FromSlash(p.File)))
	if err != nil {
		return nil, fmt.Errorf("%s: patch %s: %w", p.Where, p.File, err)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != p.SHA256 {
		return nil, fmt.Errorf("%s: patch %s has sha256 %s, but the recipe pins %s: the file changed; check it, then update sha256", p.Where, p.File, got, p.SHA256)
	}
	if _, err := o.store().PutBytes(data); err != nil {
		return nil, err
	}
	return data, nil
}

func patchReport(in patchInput, r patch.Report) PatchReport {
	status := lock.PatchApplied
	if r.Status == patch.AlreadyApplied {
		status = lock.PatchAlreadyApplied
	}
	cves := slices.Clone(in.CVEs)
	for _, c := range r.Header.CVEs {
		if !slices.Contains(cves, c) {
			cves = append(cves, c)
		}
	}
	sort.Strings(cves)
	rep := PatchReport{Patch: lock.Patch{File: in.File, SHA256: in.SHA256, Status: status, Subject: r.Header.Subject, CVEs: cves, Embargoed: in.Embargoed}}
	if t, err := time.Parse(time.RFC3339, r.Header.Date); err == nil {
		rep.Time = t.Unix()
	}
	for _, f := range r.Files {
		rep.Paths = append(rep.Paths, f.Path)
		if f.From != "" && f.From != f.Path {
			rep.Paths = append(rep.Paths, f.From)
		}
	}
	sort.Strings(rep.Paths)
	return rep
}

// patchTree lays what the patches wrote over the tree cut at sub from the source (less the
// skipped sub-trees), and says which patches touched it, and its newest time.
func patchTree(t fstree.Tree, p Patched, sub string, skip []string) (fstree.Tree, []lock.Patch, int64, error) {
	rel := func(full string) (string, bool) {
		for _, s := range skip {
			if fstree.Under(full, s) {
				return "", false
			}
		}
		if sub == "" {
			return full, true
		}
		r, ok := strings.CutPrefix(full, sub+"/")
		return r, ok
	}
	changed := map[string]PatchedFile{}
	for _, f := range p.Files {
		if r, ok := rel(f.Path); ok {
			changed[r] = f
		}
	}
	var entries []fstree.Entry
	for _, e := range t.Entries() {
		if _, ok := changed[e.Path]; !ok {
			entries = append(entries, e)
		}
	}
	for r, f := range changed {
		if f.Deleted {
			continue
		}
		entries = append(entries, fstree.Entry{Path: r, Type: fstree.File, Exec: f.Exec, Size: f.Size, Digest: f.Blob, Src: cache.BlobRel(f.Blob)})
	}
	var touched []lock.Patch
	var newest int64
	for _, r := range p.Reports {
		if slices.ContainsFunc(r.Paths, func(p string) bool { _, ok := rel(p); return ok }) {
			touched = append(touched, r.Patch)
			if r.Status == lock.PatchApplied {
				newest = max(newest, r.Time)
			}
		}
	}
	out, err := fstree.New(entries)
	if err != nil {
		return out, nil, 0, fmt.Errorf("patched tree: %w", err)
	}
	return out, touched, newest, nil
}

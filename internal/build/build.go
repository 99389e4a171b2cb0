package build

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/embargo"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/policy"
	"github.com/mwedition/mwedition/internal/registration"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/source"
	"github.com/mwedition/mwedition/internal/spec"
)

// Lock pins every component the editions need and records its tree. Git refs already
// locked keep their commit unless the component is named in update (by name or ID) or its
// recipe changed; everything else is re-derived, which costs nothing when the cache has it.
// The returned diagnostics include resolution errors; the caller writes the lock only
// without errors.
func Lock(ctx context.Context, o Options, set spec.Set, prev lock.File, update []string) (lock.File, engine.Report, hcl.Diagnostics, error) {
	want := map[string]bool{}
	for _, u := range update {
		found := false
		for _, c := range set.Components() {
			if c.Name == u || c.ID() == u {
				want[c.ID()] = true
				found = true
			}
		}
		if _, ok := prev.Library(strings.ToLower(u)); ok {
			want["library:"+strings.ToLower(u)] = true
			found = true
		}
		if name, ok := strings.CutPrefix(u, spec.DebianBasePrefix); ok {
			_, found = set.DebianBase(name)
			want[debianUpdate(name)] = found
		}
		if !found {
			return lock.File{}, engine.Report{}, nil, fmt.Errorf("--update %s: no recipe declares a component or (as debian:NAME) a debian_base of that name, and %s locks no composer library of that name", u, lock.FileName)
		}
	}
	l := &locker{o: o, set: set, prev: prev, update: want, done: map[string]lock.Component{}, errs: map[string]error{}}
	ids, diags := resolve.Closure(set, func(id string) (registration.Info, error) {
		c, err := l.component(ctx, id)
		return c.Registry, err
	})
	var firstErr error
	for _, id := range ids {
		if _, err := l.component(ctx, id); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if ctx.Err() != nil {
		return lock.File{}, l.report, diags, ctx.Err()
	}
	if firstErr != nil || diags.HasErrors() {
		return lock.File{}, l.report, diags, firstErr
	}
	var cs []lock.Component
	for _, id := range ids {
		cs = append(cs, l.done[id])
	}
	lf := lock.New(cs)
	applied := alreadyApplied(set, cs)
	// Resolve repeats every check Closure made (now against the finished lock), warnings
	// included: report its diagnostics only, so nothing is said twice.
	g, d := resolve.ResolveEditions(set, lf)
	d = append(applied, d...)
	if d.HasErrors() {
		return lf, l.report, d, nil
	}
	// An edition whose members changed since the previous lock must change its version
	// too: say so now rather than when a repository refuses the packages.
	d = append(d, resolve.CheckVersions(set, prev, g)...)
	lf = lf.WithEditions(resolve.Records(g))
	if d.HasErrors() {
		return lf, l.report, d, nil
	}
	lf, ld := l.libraries(ctx, g, lf)
	if d = append(d, ld...); d.HasErrors() {
		return lf, l.report, d, ctx.Err()
	}
	lf, ld = l.debianBases(ctx, g, lf)
	return lf, l.report, append(d, ld...), ctx.Err()
}

type locker struct {
	o      Options
	set    spec.Set
	prev   lock.File
	update map[string]bool
	done   map[string]lock.Component
	errs   map[string]error
	report engine.Report
}

func (l *locker) component(ctx context.Context, id string) (lock.Component, error) {
	if c, ok := l.done[id]; ok {
		return c, nil
	}
	if err, ok := l.errs[id]; ok {
		return lock.Component{}, err
	}
	c, err := l.lockOne(ctx, id)
	if err != nil {
		l.errs[id] = err
		return lock.Component{}, err
	}
	l.done[id] = c
	return c, nil
}

func (l *locker) lockOne(ctx context.Context, id string) (lock.Component, error) {
	c, ok := l.set.Component(id)
	if !ok {
		return lock.Component{}, fmt.Errorf("no recipe declares %s", id)
	}
	pin, containerPin, err := l.pin(ctx, c)
	if err != nil {
		return lock.Component{}, err
	}
	tr, err := l.tree(ctx, c, pin, containerPin)
	if err != nil {
		return lock.Component{}, err
	}
	digest, mtime := tr.Digest, tr.Time
	info, err := l.registration(c, containerPin)
	if err != nil {
		return lock.Component{}, &source.Error{Component: id, Source: pin.URL + pin.Path, Err: err}
	}
	tree, err := l.o.store().Tree(digest)
	if err != nil {
		return lock.Component{}, err
	}
	files, size := treeCounts(tree)
	return lock.Component{
		ID: id, Recipe: lock.Fingerprint(l.set, c), Source: pin, Tree: digest, Files: files, Bytes: size,
		Version: lock.PatchedVersion(l.version(c, info, pin, mtime), appliedPatches(tr.Patches)), Time: mtime, Registry: info,
		Patches: tr.Patches,
	}, nil
}

// treeCounts are a tree's regular files and their total size, as the lock records them.
func treeCounts(t fstree.Tree) (files int, size int64) {
	for i := 0; i < t.Len(); i++ {
		if t.At(i).Type == fstree.File {
			files++
		}
	}
	return files, t.Size()
}

// pin pins c's source, and the source its files are in (its core's, when bundled).
func (l *locker) pin(ctx context.Context, c spec.Component) (pin, containerPin lock.Source, err error) {
	id, fp, rec := c.ID(), lock.Fingerprint(l.set, c), c.Source
	switch rec.Kind {
	case spec.Tarball:
		pin = lock.Source{Kind: rec.Kind, URL: rec.URL, SHA256: rec.SHA256}
	case spec.Git:
		pin = lock.Source{Kind: rec.Kind, URL: rec.URL, Ref: rec.Ref}
		if prev, ok := l.prev.Lookup(id); ok && prev.Recipe == fp && !l.update[id] && prev.Source.Commit != "" {
			pin.Commit = prev.Source.Commit
		} else {
			commit, err := l.o.Fetcher.ResolveGit(ctx, id, rec)
			if err != nil {
				return pin, containerPin, err
			}
			pin.Commit = commit
		}
	case spec.Dir:
		prev, _ := l.prev.Lookup(id)
		t, _, err := l.o.Fetcher.ScanDir(ctx, id, rec, prev.Source.SHA256, l.o.jobs())
		if err != nil {
			return pin, containerPin, err
		}
		pin = lock.Source{Kind: rec.Kind, Path: rec.Path, SHA256: t.Digest()}
	case spec.Bundled:
		core, err := l.component(ctx, container(c))
		if err != nil {
			return pin, containerPin, fmt.Errorf("%s is bundled in %s: %w", id, container(c), err)
		}
		containerPin = core.Source
		pin = lock.Source{Kind: rec.Kind, Of: container(c), Path: rec.Path, SHA256: core.Source.SHA256, Commit: core.Source.Commit}
	}
	if rec.Kind != spec.Bundled {
		containerPin = pin
	}
	return pin, containerPin, nil
}

// tree makes c's tree from its pinned source, and returns its digest and source time.
func (l *locker) tree(ctx context.Context, c spec.Component, pin, containerPin lock.Source) (Tree, error) {
	rec, id := c.Source, c.ID()
	acts := l.o.componentActions(l.set, c, pin, containerPin, "")
	if rec.Kind == spec.Bundled {
		// The core's source, and its patches, which bundled components are cut after.
		core, _ := l.set.Component(container(c))
		for _, a := range l.o.componentActions(l.set, core, containerPin, containerPin, "") {
			if a.Kind != kindTree {
				acts = append(acts, a)
			}
		}
	}
	opts, err := l.o.engineOptions()
	if err != nil {
		return Tree{}, err
	}
	rep, err := engine.Run(ctx, acts, opts...)
	l.merge(rep)
	if err != nil {
		return Tree{}, err
	}
	return format.Lookup[Tree](rep, treeAction(id))
}

// alreadyApplied warns of each patch a source already contains: upstream has the fix, so
// the patch block can go at the next bump.
func alreadyApplied(set spec.Set, cs []lock.Component) hcl.Diagnostics {
	where := map[string]*hcl.Range{}
	for _, c := range set.Components() {
		for _, p := range c.Source.Patches {
			where[p.Path] = p.Range.Ptr()
		}
	}
	var diags hcl.Diagnostics
	said := map[string]bool{}
	for _, c := range cs {
		for _, p := range c.Patches {
			if p.Status != lock.PatchAlreadyApplied || said[p.File] {
				continue
			}
			said[p.File] = true
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Patch already applied",
				Detail:  fmt.Sprintf("%s is already in the source of %s (its reverse applies): upstream contains the fix, so this patch block can be dropped.", p.File, c.ID),
				Subject: where[p.File]})
		}
	}
	return diags
}

// appliedPatches counts the patches that changed a tree: those already applied did not.
func appliedPatches(ps []lock.Patch) int {
	n := 0
	for _, p := range ps {
		if p.Status == lock.PatchApplied {
			n++
		}
	}
	return n
}

// registration reads c's registration facts from its unpacked source, as patched.
func (l *locker) registration(c spec.Component, containerPin lock.Source) (registration.Info, error) {
	fsys, err := l.patchedFS(c, containerPin)
	if err != nil {
		return registration.Info{}, err
	}
	var info registration.Info
	switch c.Kind {
	case spec.Core:
		info, err = registration.ReadCore(fsys)
		if err == nil && info.Version != c.Version {
			err = fmt.Errorf("the recipe says version %s, but the source's includes/Defines.php says %s", c.Version, info.Version)
		}
	case spec.Extension:
		info, err = registration.ReadComponent(fsys, "extension.json")
	case spec.Skin:
		info, err = registration.ReadComponent(fsys, "skin.json")
	}
	return info, err
}

func (l *locker) merge(r engine.Report) {
	l.report.Results = append(l.report.Results, r.Results...)
	l.report.Executed += r.Executed
	l.report.Cached += r.Cached
	l.report.Failed += r.Failed
	l.report.Skipped += r.Skipped
}

// version is the component's version string: the core's release; an extension's declared
// version, or its core's when it declares none (as Debian versions bundled extensions);
// plus, for git sources, the commit's UTC date and time and its short hash, so a newer
// commit always sorts higher.
func (l *locker) version(c spec.Component, info registration.Info, pin lock.Source, mtime int64) string {
	if c.Kind == spec.Core {
		return c.Version
	}
	v := info.Version
	if v == "" {
		v = "0"
		if cont, ok := l.set.Component(container(c)); ok && cont.Kind == spec.Core {
			v = cont.Version
		} else if cores := coreVersions(l.set); len(cores) == 1 {
			v = cores[0]
		}
	}
	if pin.Kind == spec.Git {
		// The time of day keeps two pins of one day in order; the short hash alone would not.
		v += "+git" + time.Unix(mtime, 0).UTC().Format("20060102.150405") + "." + pin.Commit[:7]
	}
	return v
}

func coreVersions(set spec.Set) []string {
	var out []string
	for _, c := range set.Components() {
		if c.Kind == spec.Core {
			out = append(out, c.Version)
		}
	}
	return out
}

// Graph builds the full action graph of a resolved project: every component's source and
// tree, every edition's tree, what each selected format adds, the SBOM documents, and the
// publication that decides out/.
func (o Options) Graph(set spec.Set, lk lock.File, g resolve.Graph) ([]engine.Action, error) {
	var acts []engine.Action
	for _, rc := range g.Components {
		if rc.Kind == spec.LibraryKind {
			lib, _ := lk.Library(rc.Name)
			c, pin, err := libraryComponent(set, lib)
			if err != nil {
				return nil, err
			}
			acts = append(acts, o.componentActions(set, c, pin, pin, rc.Tree)...)
			continue
		}
		c, _ := set.Component(rc.ID)
		lc, _ := lk.Lookup(rc.ID)
		containerPin := lc.Source
		if c.Source.Kind == spec.Bundled {
			core, ok := lk.Lookup(container(c))
			if !ok {
				return nil, fmt.Errorf("%s: its core %s is not locked; run mwedition lock", rc.ID, container(c))
			}
			containerPin = core.Source
		}
		acts = append(acts, o.componentActions(set, c, lc.Source, containerPin, lc.Tree)...)
	}
	for _, e := range g.Editions {
		a, err := o.editionActionFor(g, e)
		if err != nil {
			return nil, err
		}
		acts = append(acts, a)
	}
	env := o.env(g, lk)
	autoloadKeys, autoloads, err := o.autoloadActions(set, lk, g)
	if err != nil {
		return nil, err
	}
	acts = append(acts, autoloads...)
	env.Autoloads = autoloadKeys
	var formatActs []engine.Action
	for _, f := range o.selected() {
		fa, err := f.Actions(env)
		if err != nil {
			return nil, err
		}
		formatActs = append(formatActs, fa...)
	}
	acts = append(append(acts, formatActs...), o.librariesActions(g)...)
	keys := map[string]string{}
	for _, a := range acts {
		keys[a.ID] = a.Key
	}
	docs, err := o.documentsActions(g, lk, keys)
	if err != nil {
		return nil, err
	}
	acts = append(acts, docs...)
	pub, err := o.publishAction(g, lk, formatActs, docs)
	if err != nil {
		return nil, err
	}
	acts = append(acts, pub)
	sort.Slice(acts, func(i, j int) bool { return acts[i].ID < acts[j].ID })
	return acts, nil
}

// Prepare checks the project against its lock (Check) and plans the graph. It is what
// build, fetch, plan and graph start with.
func Prepare(ctx context.Context, o Options, set spec.Set, lk lock.File) (resolve.Graph, []engine.Action, hcl.Diagnostics, error) {
	g, _, diags, err := Check(ctx, o, set, lk)
	if err != nil || diags.HasErrors() {
		return g, nil, diags, err
	}
	acts, err := o.Graph(set, lk, g)
	return g, acts, diags, err
}

// Result is what a build produced.
type Result struct {
	Report   engine.Report
	Manifest Manifest
	Images   []format.ImageRef // what out/oci holds, by edition then tag
}

// Build runs the graph, then publishes what its publication action decided: each format's
// directory, out/sbom, out/manifest.json and, last, out/SHA256SUMS. Nothing under out/
// changes unless every action succeeded.
func Build(ctx context.Context, o Options, set spec.Set, lk lock.File) (Result, hcl.Diagnostics, error) {
	g, acts, diags, err := Prepare(ctx, o, set, lk)
	if err != nil || diags.HasErrors() {
		return Result{}, diags, err
	}
	if o.Policy != nil {
		// What the graph says (licences, members, embargo) is refused before any work.
		if diags = append(diags, policy.Diagnostics(o.Policy.Check(GraphFacts(g)))...); diags.HasErrors() {
			return Result{}, diags, nil
		}
	}
	opts, err := o.engineOptions()
	if err != nil {
		return Result{}, diags, err
	}
	started := o.now()
	rep, err := engine.Run(ctx, acts, opts...)
	if rerr := o.record(acts, rep, started); err == nil {
		err = rerr
	}
	if err != nil {
		return Result{Report: rep}, diags, err
	}
	res := Result{Report: rep}
	p, err := format.Lookup[Published](rep, publishActionID)
	if err != nil {
		return res, diags, err
	}
	if o.Policy != nil {
		// What only the artifacts say (their libraries, signatures and sizes) is refused
		// before out/ is touched.
		f, err := OutputFacts(p.Manifest, o.publishedOpener(p), policy.Build)
		if err != nil {
			return res, diags, fmt.Errorf("reading the build's output for %s: %w", policy.FileName, err)
		}
		if diags = append(diags, policy.Diagnostics(o.Policy.Check(f))...); diags.HasErrors() {
			return res, diags, nil
		}
	}
	if err := o.publish(ctx, p); err != nil {
		return res, diags, err
	}
	res.Manifest, res.Images = p.Manifest, p.Images
	return res, diags, nil
}

func (o Options) out() string {
	if o.Out != "" {
		return o.Out
	}
	return filepath.Join(o.Root, "out")
}

// Fetch runs only the source actions: every locked source verified and unpacked in the cache.
func Fetch(ctx context.Context, o Options, set spec.Set, lk lock.File) (engine.Report, hcl.Diagnostics, error) {
	_, acts, diags, err := Prepare(ctx, o, set, lk)
	if err != nil || diags.HasErrors() {
		return engine.Report{}, diags, err
	}
	var fetches []engine.Action
	for _, a := range acts {
		if a.Kind == kindSource {
			fetches = append(fetches, a)
		}
	}
	// The Debian bases' .debs, so that a build on them needs no network either.
	fetches = append(fetches, o.debActions(lk.DebianBases)...)
	opts, err := o.engineOptions()
	if err != nil {
		return engine.Report{}, diags, err
	}
	rep, err := engine.Run(ctx, fetches, opts...)
	return rep, diags, err
}

// Plan reports, without running anything, which actions are cached and which would run.
func Plan(ctx context.Context, o Options, set spec.Set, lk lock.File) ([]engine.PlanItem, []engine.Action, hcl.Diagnostics, error) {
	_, acts, diags, err := Prepare(ctx, o, set, lk)
	if err != nil || diags.HasErrors() {
		return nil, nil, diags, err
	}
	opts, err := o.engineOptions()
	if err != nil {
		return nil, nil, diags, err
	}
	items, err := engine.Plan(acts, opts...)
	return items, acts, diags, err
}

// ErrNoLock is returned when the project has no lock yet.
var ErrNoLock = errors.New(lock.FileName + " does not exist: run `mwedition lock` first")

// ReadLock reads the project's lock, turning a missing file into ErrNoLock.
func ReadLock(root string) (lock.File, error) {
	lf, err := lock.Read(root)
	if errors.Is(err, os.ErrNotExist) {
		return lf, ErrNoLock
	}
	return lf, err
}

// Manifest is out/manifest.json: what a build produced, by digest. It carries no wall-clock
// time: the same lock gives the same bytes.
type Manifest struct {
	Format     string              `json:"format"`
	Build      *BuildInfo          `json:"build,omitempty"`
	Editions   []ManifestEdition   `json:"editions"`
	Components []ManifestComponent `json:"components"`
	// Artifacts are the files the build published (out/SHA256SUMS lists them too), by path.
	Artifacts []ManifestArtifact `json:"artifacts"`
}

// BuildInfo records what a build was asked for, so that `mwedition verify` rebuilds the
// same (formats, image base, SOURCE_DATE_EPOCH) and varies what must not matter.
type BuildInfo struct {
	Formats []string `json:"formats"` // as resolved: the defaults filled in; empty for trees only
	// ImageBase is --image-base as given ("" when each output block's base was used); a
	// relative path is the project directory's.
	ImageBase string `json:"imageBase,omitempty"`
	// SourceDateEpoch is SOURCE_DATE_EPOCH, when it was set and clamped some source time.
	SourceDateEpoch *int64 `json:"sourceDateEpoch,omitempty"`
}

// ManifestEdition is one edition in the manifest.
type ManifestEdition struct {
	Name       string   `json:"name"`
	Title      string   `json:"title"`
	Version    string   `json:"version"`
	Time       string   `json:"time"`
	Tree       string   `json:"tree"`
	Entries    int      `json:"entries"`
	Bytes      int64    `json:"bytes"`
	Members    []Member `json:"members"`
	Extensions []string `json:"extensions"`
	Skins      []string `json:"skins"`
	// CVEs are those its members' applied patches fix, sorted; left out when none.
	CVEs []string `json:"cves,omitempty"`
	// Embargoed says that a member took a patch not public yet (EmbargoedPatches lists
	// them): publish sends such an edition only to targets declared private.
	Embargoed        bool            `json:"embargoed,omitempty"`
	EmbargoedPatches []embargo.Patch `json:"embargoedPatches,omitempty"`
}

// Member is one component of an edition in the manifest.
type Member struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// ManifestComponent is one component in the manifest.
type ManifestComponent struct {
	ID           string              `json:"id"`
	Version      string              `json:"version"`
	Time         string              `json:"time"`
	Tree         string              `json:"tree"`
	Files        int                 `json:"files"`
	Bytes        int64               `json:"bytes"`
	Source       lock.Source         `json:"source"`
	License      string              `json:"license,omitempty"`
	OSDeps       map[string][]string `json:"osDependencies,omitempty"`
	Abilities    []string            `json:"abilities,omitempty"`
	InstallDir   string              `json:"installDir"`
	SchemaUpdate bool                `json:"schemaUpdates,omitempty"`
	// Patches are the patches that touched the component (file, sha256, status, subject,
	// CVEs, embargo), as locked; CVEs those its applied patches fix. Both are left out for
	// an unpatched component, so that its manifest entry reads as before.
	Patches []lock.Patch `json:"patches,omitempty"`
	CVEs    []string     `json:"cves,omitempty"`
	// System are the system packages its recipe declares, by distribution ("debian",
	// "fedora"), each requirement as written ("lua5.1 | php-luasandbox"). Left out when the
	// recipe declares none.
	System map[string]ManifestSystem `json:"system,omitempty"`
}

// ManifestSystem is a component's requirements on one distribution's packages.
type ManifestSystem struct {
	Depends    []string `json:"depends,omitempty"`
	Recommends []string `json:"recommends,omitempty"`
}

// manifestSystem records a component's system blocks, nil when it has none.
func manifestSystem(c resolve.Component) map[string]ManifestSystem {
	var out map[string]ManifestSystem
	for _, s := range c.Systems {
		if len(s.Depends)+len(s.Recommends) == 0 {
			continue
		}
		if out == nil {
			out = map[string]ManifestSystem{}
		}
		out[s.Distro] = ManifestSystem{Depends: s.Depends, Recommends: s.Recommends}
	}
	return out
}

func (o Options) manifest(g resolve.Graph, outs format.Outcomes) (Manifest, error) {
	var newest int64
	for _, c := range g.Components {
		newest = max(newest, c.Time)
	}
	m := Manifest{Format: "mwedition-manifest-v1",
		Build: &BuildInfo{Formats: nonNil(o.Formats), ImageBase: o.ImageBase, SourceDateEpoch: o.clamping(newest)}}
	for _, c := range g.Components {
		mc := ManifestComponent{ID: c.ID, Version: c.Version, Time: utc(o.clamp(c.Time)), Tree: c.Tree, Files: c.Files, Bytes: c.Bytes,
			Source: c.Source, License: c.Info.License, Abilities: c.Info.Requires.Abilities, InstallDir: c.InstallDir(), SchemaUpdate: c.Info.SchemaUpdates,
			Patches: c.Patches, CVEs: lock.PatchCVEs(c.Patches), System: manifestSystem(c)}
		if len(c.OSDeps) > 0 {
			mc.OSDeps = map[string][]string{}
			for f, p := range c.OSDeps {
				mc.OSDeps[string(f)] = p
			}
		}
		m.Components = append(m.Components, mc)
	}
	for _, e := range g.Editions {
		t, err := format.Lookup[Tree](outs, editionAction(e.Name))
		if err != nil {
			return m, fmt.Errorf("edition %s produced no tree: %w", e.Name, err)
		}
		h, err := o.store().TreeHeader(t.Digest)
		if err != nil {
			return m, err
		}
		me := ManifestEdition{Name: e.Name, Title: e.Title, Version: e.Version, Time: utc(o.clamp(e.Time)), Tree: h.Digest,
			Entries: h.Entries, Bytes: h.Size, Extensions: nonNil(e.Extensions), Skins: nonNil(e.Skins)}
		var patches []lock.Patch
		for _, mem := range e.Members {
			me.Members = append(me.Members, Member{ID: mem.ID, Reason: mem.Reason})
			if c, ok := g.Component(mem.ID); ok {
				patches = append(patches, c.Patches...)
				me.EmbargoedPatches = embargo.Collect(me.EmbargoedPatches, c.ID, c.Patches)
			}
		}
		me.CVEs = lock.PatchCVEs(patches)
		me.Embargoed = len(me.EmbargoedPatches) > 0
		m.Editions = append(m.Editions, me)
	}
	return m, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

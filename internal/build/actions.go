// Package build turns a project into the content-addressed graph of actions the engine
// runs, and implements the commands that run it: lock (pin every source and record its
// tree), build (produce every component's normalised tree and every edition's assembled
// tree, then out/manifest.json) and plan. The unit of work is a component: a source is
// fetched and unpacked once, each component's tree is made once and shared by every edition
// that holds it, and an edition is assembled from those trees.
package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/cosign"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/layout"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/policy"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/sbom"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/source"
	"github.com/mwedition/mwedition/internal/spec"
)

// Options are what the CLI decides for a run.
type Options struct {
	Root     string          // project root
	Fetcher  *source.Fetcher // carries the store, offline mode and network settings
	Jobs     int             // parallel actions; also files hashed at once within one
	Observer func(engine.Event)
	Out      string // output directory; default <Root>/out
	// SourceDateEpoch, when set, clamps every source time (SOURCE_DATE_EPOCH semantics).
	SourceDateEpoch *int64
	// Formats are the formats to build (FormatDeb, FormatRPM, FormatTarball, FormatImage) for editions
	// whose output blocks ask for them; none means trees only.
	Formats []string
	// Signer, when set, signs every .rpm (rpm -K verifies it once the public key is
	// imported), and every tarball and out/tarballs/SHA256SUMS with a detached armored
	// signature (gpg --verify); nil leaves them unsigned.
	Signer *signature.Signer
	// ImageSigner, when set, signs each edition's image as cosign does (a
	// sha256-<digest>.sig tag in out/oci) and its SBOM and provenance as DSSE in-toto
	// attestations: attached to the image (sha256-<digest>.att) and written to out/sbom.
	ImageSigner cosign.Signer
	// Policy, when set, is checked twice: against the resolved graph before anything is
	// built, and against the artifacts before out/ is written; a violation is an error
	// diagnostic at the rule it breaks, and nothing is written.
	Policy *policy.Policy
	// ImageBase, when set, replaces the base of every image output (build --image-base).
	ImageBase string
	// Keychain supplies credentials for registry bases; nil means anonymous access.
	Keychain authn.Keychain
	// Builder is mwedition's version and Go toolchain, as the SBOMs and provenance name
	// the program that made the artifacts.
	Builder sbom.Builder
	// Now is the clock, read only for the times of the build record that `cache gc` orders
	// builds by; nil records zero times. Nothing built depends on it.
	Now func() time.Time
	// DebianResolver resolves a debian_base's packages at lock time; nil runs mmdebstrap.
	DebianResolver DebianResolver
}

func (o Options) store() *cache.Store { return o.Fetcher.Store }

func (o Options) jobs() int { return max(o.Jobs, 1) }

func (o Options) engineOptions() ([]engine.Option, error) {
	dc, err := engine.NewDirCache(o.store().ActionsDir())
	if err != nil {
		return nil, err
	}
	opts := []engine.Option{engine.WithJobs(o.jobs()), engine.WithCache(dc)}
	if o.Observer != nil {
		opts = append(opts, engine.WithObserver(o.Observer))
	}
	return opts, nil
}

// Action kinds.
const (
	kindSource  = "source.fetch"
	kindTree    = "component.tree"
	kindEdition = "edition.tree"
)

// Action IDs.
func sourceAction(id string) string { return "source/" + id }

var (
	treeAction    = format.TreeAction
	editionAction = format.EditionAction
	key           = format.Key
)

// container is the component whose source holds c's files: itself, or its core if bundled.
func container(c spec.Component) string {
	if c.Source.Kind == spec.Bundled {
		return spec.ID(spec.Core, c.Source.Core)
	}
	return c.ID()
}

// Tree is what a tree action made: the tree, by digest, and its source time (none for
// an edition's tree); and the patches that touched it, for the lock to record.
type Tree struct {
	Digest  string       `json:"digest"`
	Time    int64        `json:"time,omitempty"`
	Patches []lock.Patch `json:"patches,omitempty"`
}

// Source is what a source action made: the unpacked source, by ID in the store.
type Source struct {
	ID string `json:"id"`
}

// sourceParams identifies a source fetch: the pin, plus how it is verified.
type sourceParams struct {
	Pin       lock.Source
	Signature string
	KeyFile   string
}

// treeParams identifies a component tree: where it comes from and how it is cut out.
type treeParams struct {
	ID, Sub  string
	Exclude  []string
	Skip     []string
	Source   string // key of the source action
	Patches  string `json:",omitempty"` // key of the source's patch action
	GitInfo  *gitInfo
	Expected string `json:"-"` // checked, not part of the identity
}

type gitInfo struct{ URL, Ref, Commit string }

// componentActions returns the actions that produce component c's tree from its pin
// (bundled components read their core's source, pinned by corePin). expect, when not
// empty, is the tree digest the lock promises.
func (o Options) componentActions(set spec.Set, c spec.Component, pin, containerPin lock.Source, expect string) []engine.Action {
	cont := container(c)
	contComp, _ := set.Component(cont)
	sp := sourceParams{Pin: containerPin, Signature: contComp.Source.Signature, KeyFile: contComp.Source.KeyFile}
	srcKey := key(kindSource, sp)
	var acts []engine.Action
	if cont == c.ID() {
		rec := c.Source
		where := rec.Range.String()
		if rec.Range.Filename == "" {
			where = c.DeclRange.Filename // a library from a repository: its lock entry
		}
		acts = append(acts, engine.Action{
			ID: sourceAction(c.ID()), Kind: kindSource, Key: srcKey, Where: where,
			Label: "fetch " + c.ID(),
			Valid: format.Valid(func(s Source) bool { return o.store().HasSrc(s.ID) }),
			Run: func(ctx context.Context, _ engine.Inputs) (engine.Outcome, error) {
				id, err := o.Fetcher.Materialize(ctx, c.ID(), rec, containerPin)
				if err != nil {
					return engine.Outcome{}, err
				}
				return format.Encode(Source{ID: id}, 0)
			},
		})
	}
	deps, patchKey := []string{sourceAction(cont)}, ""
	if patches := sourcePatches(set, contComp); len(patches) > 0 {
		pa := o.patchSourceAction(contComp, srcKey, containerPin, patches)
		if cont == c.ID() {
			acts = append(acts, pa)
		}
		deps, patchKey = append(deps, pa.ID), pa.Key
	}
	tp := treeParams{ID: c.ID(), Exclude: sorted(c.Exclude), Source: srcKey, Patches: patchKey, Expected: expect}
	switch c.Source.Kind {
	case spec.Bundled:
		tp.Sub = c.Source.Path
	case spec.Git:
		if c.Kind == spec.LibraryKind {
			break // gitinfo.json is what Special:Version reads of an extension
		}
		tp.GitInfo = &gitInfo{URL: c.Source.URL, Ref: c.Source.Ref, Commit: pin.Commit}
	}
	if c.Kind == spec.Core {
		tp.Skip = bundledPaths(set, c.Name)
	}
	acts = append(acts, engine.Action{
		ID: treeAction(c.ID()), Kind: kindTree, Key: key(kindTree, tp), Deps: deps,
		Where: c.DeclRange.String(), Label: "tree " + c.ID(), Valid: o.treeThere,
		Run: func(ctx context.Context, in engine.Inputs) (engine.Outcome, error) {
			var p *Patched
			if len(deps) > 1 {
				pd, err := format.Lookup[Patched](in, deps[1])
				if err != nil {
					return engine.Outcome{}, err
				}
				p = &pd
			}
			return o.makeTree(ctx, containerPin, tp, p)
		},
	})
	return acts
}

// bundledPaths lists the sub-trees of a core's source that other recipes claim: they are
// components of their own, so the core's tree leaves them out.
func bundledPaths(set spec.Set, core string) []string {
	var out []string
	for _, c := range set.Components() {
		if c.Source.Kind == spec.Bundled && c.Source.Core == core {
			out = append(out, c.Source.Path)
		}
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func (o Options) makeTree(ctx context.Context, containerPin lock.Source, tp treeParams, patched *Patched) (engine.Outcome, error) {
	st := o.store()
	srcID, err := source.ID(containerPin)
	if err != nil {
		return engine.Outcome{}, err
	}
	root, err := st.SrcRoot(srcID)
	if err != nil {
		return engine.Outcome{}, fmt.Errorf("source %s is not unpacked: %w", srcID, err)
	}
	rel := root
	if tp.Sub != "" {
		rel = root + "/" + tp.Sub
	}
	t, info, err := fstree.Scan(ctx, st.Path(rel), fstree.ScanOptions{Exclude: tp.Exclude, Skip: tp.Skip, Src: rel, Jobs: o.jobs()})
	if err != nil {
		return engine.Outcome{}, err
	}
	if t.Len() == 0 {
		return engine.Outcome{}, fmt.Errorf("%s is empty in source %s: check the recipe's path", path.Join("/", tp.Sub), srcID)
	}
	if tp.GitInfo != nil {
		if t, err = o.addGitInfo(t, *tp.GitInfo, info.MaxMTime); err != nil {
			return engine.Outcome{}, err
		}
	}
	var touched []lock.Patch
	if patched != nil {
		var newest int64
		if t, touched, newest, err = patchTree(t, *patched, tp.Sub, tp.Skip); err != nil {
			return engine.Outcome{}, err
		}
		// Newer files for a patched component: a PHP opcode cache that checks times
		// sees them change.
		info.MaxMTime = max(info.MaxMTime, newest)
	}
	if tp.Expected != "" && t.Digest() != tp.Expected {
		return engine.Outcome{}, fmt.Errorf("tree is %s, but %s says %s: the source changed under the same pin, or the recipe's excludes did; run `mwedition lock --update %s` if that is expected",
			t.Digest(), lock.FileName, tp.Expected, tp.ID[strings.IndexByte(tp.ID, '/')+1:])
	}
	if err := st.PutTree(t); err != nil {
		return engine.Outcome{}, err
	}
	return format.Encode(Tree{Digest: t.Digest(), Time: info.MaxMTime, Patches: touched}, info.Bytes)
}

// addGitInfo adds the gitinfo.json MediaWiki's Special:Version reads when there is no .git,
// so a component from git stays identifiable once packaged.
func (o Options) addGitInfo(t fstree.Tree, g gitInfo, commitTime int64) (fstree.Tree, error) {
	if _, ok := t.Lookup("gitinfo.json"); ok {
		return t, nil
	}
	b, err := json.MarshalIndent(map[string]string{
		"head": g.Ref, "headSHA1": g.Commit, "headCommitDate": strconv.FormatInt(commitTime, 10),
		"branch": g.Ref, "remoteURL": g.URL,
	}, "", "\t")
	if err != nil {
		return t, err
	}
	b = append(b, '\n')
	sha, err := o.store().PutBytes(b)
	if err != nil {
		return t, err
	}
	return fstree.New(append(t.Entries(), fstree.Entry{Path: "gitinfo.json", Type: fstree.File, Size: int64(len(b)), Digest: sha, Src: cache.BlobRel(sha)}))
}

// treeThere says whether a recorded tree is still in the store (caches get pruned).
func (o Options) treeThere(out engine.Outcome) bool {
	t, err := format.Decode[Tree](out)
	return err == nil && o.store().HasTree(t.Digest)
}

// editionParams identifies an assembled edition tree.
type editionParams struct {
	Name     string
	Settings string // SHA-256 of the generated settings file
	Members  []editionMember
}

type editionMember struct {
	ID, Dir, Tree string
}

// SettingsFile is the name of the generated file that enables an edition's extensions and
// skins, at the root of the edition's tree.
const SettingsFile = layout.SettingsFile

func (o Options) editionActionFor(g resolve.Graph, e resolve.Edition) (engine.Action, error) {
	settings, err := layout.RenderSettings(e, g)
	if err != nil {
		return engine.Action{}, err
	}
	sum := sha256.Sum256(settings)
	ep := editionParams{Name: e.Name, Settings: hex.EncodeToString(sum[:])}
	var deps []string
	for _, m := range e.Members {
		c, _ := g.Component(m.ID)
		ep.Members = append(ep.Members, editionMember{ID: c.ID, Dir: c.InstallDir(), Tree: c.Tree})
		deps = append(deps, treeAction(c.ID))
	}
	return engine.Action{
		ID: editionAction(e.Name), Kind: kindEdition, Key: key(kindEdition, ep), Deps: deps,
		Where: e.Decl.String(), Label: "edition " + e.Name, Group: e.Name, Valid: o.treeThere,
		Run: func(ctx context.Context, _ engine.Inputs) (engine.Outcome, error) {
			return o.assemble(ep, settings)
		},
	}, nil
}

// assemble places each member's tree at its install directory and adds the settings file.
func (o Options) assemble(ep editionParams, settings []byte) (engine.Outcome, error) {
	st := o.store()
	sha, err := st.PutBytes(settings)
	if err != nil {
		return engine.Outcome{}, err
	}
	gen, err := fstree.New([]fstree.Entry{{Path: SettingsFile, Type: fstree.File, Size: int64(len(settings)), Digest: sha, Src: cache.BlobRel(sha)}})
	if err != nil {
		return engine.Outcome{}, err
	}
	parts := []fstree.Tree{gen}
	for _, m := range ep.Members {
		t, err := st.Tree(m.Tree)
		if err != nil {
			return engine.Outcome{}, fmt.Errorf("%s: %w", m.ID, err)
		}
		if t, err = t.Place(m.Dir); err != nil {
			return engine.Outcome{}, fmt.Errorf("%s: %w", m.ID, err)
		}
		parts = append(parts, t)
	}
	t, err := fstree.Merge(parts...)
	if err != nil {
		return engine.Outcome{}, fmt.Errorf("components overlap: %w", err)
	}
	if err := st.PutTree(t); err != nil {
		return engine.Outcome{}, err
	}
	return format.Encode(Tree{Digest: t.Digest()}, t.Size())
}

// clamp applies SOURCE_DATE_EPOCH to a source time.
func (o Options) clamp(t int64) int64 {
	if o.SourceDateEpoch != nil && t > *o.SourceDateEpoch {
		return *o.SourceDateEpoch
	}
	return t
}

// clamping is SourceDateEpoch when it clamps a time up to newest, else nil: an epoch later
// than every source time changes no byte, so the records of a build (manifest.json's build
// field, provenance) leave it out too, and a build with it is identical to one without.
func (o Options) clamping(newest int64) *int64 {
	if o.SourceDateEpoch != nil && *o.SourceDateEpoch < newest {
		return o.SourceDateEpoch
	}
	return nil
}

func utc(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }

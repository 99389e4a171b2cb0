// Package tarballs is the release tarball format: per edition and compression one
// tarball, the concatenation of its components' compressed segments (each made once,
// whatever the number of editions holding it) and a last segment of the edition's own;
// signed when the build signs, and listed in out/tarballs/SHA256SUMS.
package tarballs

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/layout"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/pack/tarball"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/sbom"
	"github.com/mwedition/mwedition/internal/spec"
)

// Format is the tarball format.
var Format = tarballFormat{}

type tarballFormat struct{}

// Name is the format's name in output blocks.
func (tarballFormat) Name() string { return spec.FormatTarball }

// Dir is where tarballs are published below out/.
func (tarballFormat) Dir() string { return Dir }

// Layout is the version of the rules that make tarballs.
func (tarballFormat) Layout() string { return tarLayout }

const (
	kindTarSeg  = "pack.tarseg"
	kindTarball = "pack.tarball"
	// Dir is where tarballs are published, below the output directory.
	Dir = outdir.Tarballs
	// SumsFile lists every published tarball's SHA-256, as sha256sum -c reads it.
	SumsFile = outdir.Sums
)

// tarLayout names how editions become tarballs beyond what tarball.Format covers: the top
// directory's name, the order of segments, what the last segment holds, the chunk size.
// Change it whenever a tarball's bytes change for the same inputs.
const tarLayout = "mwedition-tarball-layout-v2"

// TarballName is the file name of an edition's tarball.
func TarballName(edition, version string, c tarball.Compression) string {
	return "mediawiki-" + edition + "-" + version + c.Ext()
}

// tarTop is the tarball's one top directory: named after the core release, as in
// MediaWiki's own tarballs, so that every edition on that core shares its segments. A
// patched core keeps the release's name (mediawiki-1.39.17, as Debian's patched source
// unpacks): patching it then leaves the segments of the components it did not touch alone.
func tarTop(core resolve.Component) string {
	release, _ := lock.SplitPatched(core.Version)
	return "mediawiki-" + release
}

// segParams identify a compressed segment: one component's tree below a prefix.
type segParams struct {
	Layout, Format string
	ChunkSize      int64
	Compression    tarball.Compression
	Prefix         string
	Tree           string
	MTime          int64
}

// tarballParams identify an edition's tarball: its segments (by key, in order), and what
// its last segment holds.
type tarballParams struct {
	Layout, Format string
	Name           string
	Compression    tarball.Compression
	Top            string
	Segments       []string
	Settings       string // SHA-256 of the settings file
	Dirs           []string
	MTime          int64
	// Autoload is the key of the edition's composer autoloader action, when it ships
	// libraries: the last segment holds the autoloader, as it holds the settings file.
	Autoload string `json:",omitempty"`
	// Signer is the fingerprint of the key that signs the tarball. Signatures are made in
	// this action, not at publish time: they are deterministic (time pinned, no salt), so
	// a signed tarball is cached like any output, publishing only moves files, and no-op
	// builds sign nothing.
	Signer string
}

// tarMember is one segment of an edition's tarball.
type tarMember struct {
	c   resolve.Component
	dir string // below the top directory: "" for core, "extensions/Cite"
}

// Actions returns, for every edition whose output blocks ask for tarballs, one action
// per compression that makes the tarball, and one per component and compression (shared
// by every edition holding the component) that makes its compressed segment.
func (f tarballFormat) Actions(env format.Env) ([]engine.Action, error) {
	// One limiter for every segment: chunks of core compress in parallel, yet no more
	// than jobs compressors run at once, whatever the engine runs beside them.
	lim := tarball.NewLimiter(max(env.Jobs, 1))
	seen := map[string]bool{}
	var acts []engine.Action
	for _, e := range env.Graph.Editions {
		out, ok := format.Output(e, f.Name())
		if !ok {
			continue
		}
		members, err := tarMembers(env.Graph, e)
		if err != nil {
			return nil, err
		}
		settings, err := env.Settings(e)
		if err != nil {
			return nil, err
		}
		top := tarTop(members[0].c)
		for _, cs := range out.Compression {
			c, err := tarball.ParseCompression(cs)
			if err != nil {
				return nil, fmt.Errorf("edition %s (%s): %w", e.Name, out.Range, err)
			}
			tp := tarballParams{Layout: tarLayout, Format: tarball.Format, Name: TarballName(e.Name, e.Version, c), Compression: c,
				Top: top, Settings: format.SHA256Hex(settings), MTime: env.Clamp(e.Time)}
			if env.Signer != nil {
				tp.Signer = env.Signer.Fingerprint()
			}
			deps := []string{format.EditionAction(e.Name)} // the edition's tree: members must not overlap
			if id, key, ok := env.Autoload(e); ok {
				tp.Autoload, deps = key, append(deps, id)
			}
			var segs []string
			for _, m := range members {
				a := segmentAction(env, c, top, m, lim)
				if !seen[a.ID] {
					seen[a.ID] = true
					acts = append(acts, a)
				}
				tp.Segments = append(tp.Segments, a.Key)
				deps = append(deps, a.ID)
				segs = append(segs, a.ID)
			}
			acts = append(acts, engine.Action{
				ID: tarballActionID(c, e.Name), Kind: kindTarball, Key: format.Key(kindTarball, tp), Deps: deps,
				Where: out.Range.String(), Label: "tar." + string(c) + " " + strings.TrimSuffix(tp.Name, c.Ext()), Group: e.Name,
				Valid: format.Valid(func(t Tarball) bool {
					return env.Store.HasBlob(t.Blob) && (t.Signature == "" || env.Store.HasBlob(t.Signature))
				}),
				Run: func(ctx context.Context, in engine.Inputs) (engine.Outcome, error) {
					return makeTarball(ctx, env, tp, members, segs, in, settings, format.AutoloadAction(e.Name), lim)
				},
			})
		}
	}
	return acts, nil
}

func tarballActionID(c tarball.Compression, edition string) string {
	return "tar." + string(c) + "/edition/" + edition
}

// tarMembers lists an edition's segments: core first, then the other members in the
// edition's (ID) order.
func tarMembers(g resolve.Graph, e resolve.Edition) ([]tarMember, error) {
	core, ok := g.Component(e.Core)
	if !ok {
		return nil, fmt.Errorf("edition %s: its core %s is not resolved", e.Name, e.Core)
	}
	out := []tarMember{{c: core}}
	for _, m := range e.Members {
		if m.ID == e.Core {
			continue
		}
		c, _ := g.Component(m.ID)
		out = append(out, tarMember{c: c, dir: c.InstallDir()})
	}
	return out, nil
}

// Segment is what a segment action made: the compressed segment's blob.
type Segment struct {
	Blob string `json:"blob"`
}

func segmentAction(env format.Env, c tarball.Compression, top string, m tarMember, lim *tarball.Limiter) engine.Action {
	sp := segParams{Layout: tarLayout, Format: tarball.Format, ChunkSize: tarball.DefaultChunkSize, Compression: c,
		Prefix: format.JoinDir(top, m.dir), Tree: m.c.Tree, MTime: env.Clamp(m.c.Time)}
	st := env.Store
	return engine.Action{
		ID: "tar." + string(c) + "/" + top + "/" + m.c.ID, Kind: kindTarSeg, Key: format.Key(kindTarSeg, sp), Deps: []string{format.TreeAction(m.c.ID)},
		Where: m.c.Decl.String(), Label: "tar." + string(c) + " " + format.PackageName(m.c.Kind, m.c.Name),
		Valid: format.Valid(func(s Segment) bool { return st.HasBlob(s.Blob) }),
		Run: func(ctx context.Context, _ engine.Inputs) (engine.Outcome, error) {
			t, err := st.Tree(sp.Tree)
			if err != nil {
				return engine.Outcome{}, err
			}
			seg := tarball.Segment{Prefix: sp.Prefix, OwnsPrefix: true, Tree: t, MTime: time.Unix(sp.MTime, 0)}
			sha, n, err := format.AddStreamed(st, func(w io.Writer) error {
				return tarball.WriteSegment(ctx, w, st, seg, c, tarball.Options{ChunkSize: sp.ChunkSize, Limiter: lim})
			})
			if err != nil {
				return engine.Outcome{}, fmt.Errorf("%s segment of %s: %w", c, m.c.ID, err)
			}
			return format.Encode(Segment{Blob: sha}, n)
		},
	}
}

// Tarball is what a tarball action made: the tarball's blob and file name, and the blob
// of its detached signature when the build signs.
type Tarball struct {
	Blob      string `json:"blob"`
	File      string `json:"file"`
	Signature string `json:"signature,omitempty"`
}

// makeTarball concatenates the edition's segments and a last segment holding its settings
// file, the directories no segment makes, and the end-of-archive marker; then signs it.
func makeTarball(ctx context.Context, env format.Env, tp tarballParams, members []tarMember, segs []string, in engine.Inputs, settings []byte, autoloadID string, lim *tarball.Limiter) (engine.Outcome, error) {
	st := env.Store
	blobs := make([]string, len(segs))
	for i, id := range segs {
		s, err := format.Lookup[Segment](in, id)
		if err != nil {
			return engine.Outcome{}, err
		}
		blobs[i] = s.Blob
	}
	var autoloader fstree.Tree
	if tp.Autoload != "" {
		var err error
		if autoloader, err = format.GeneratedTree(st, in, autoloadID); err != nil {
			return engine.Outcome{}, err
		}
	}
	last, err := lastSegment(st, tp, members, settings, autoloader)
	if err != nil {
		return engine.Outcome{}, err
	}
	sha, n, err := format.AddStreamed(st, func(w io.Writer) error {
		for _, b := range blobs {
			if err := copyFile(ctx, w, st.Path(cache.BlobRel(b))); err != nil {
				return err
			}
		}
		return tarball.WriteLast(ctx, w, st, last, tp.Compression, tarball.Options{Limiter: lim})
	})
	if err != nil {
		return engine.Outcome{}, fmt.Errorf("%s: %w", tp.Name, err)
	}
	rec := Tarball{Blob: sha, File: tp.Name}
	if env.Signer != nil {
		if rec.Signature, err = format.SignBlob(st, env.Signer, sha, time.Unix(tp.MTime, 0)); err != nil {
			return engine.Outcome{}, fmt.Errorf("%s: %w", tp.Name, err)
		}
	}
	return format.Encode(rec, n)
}

// lastSegment holds what is the edition's own: the settings file, and the parents of
// install directories that core's tree lacks (core normally has extensions/ and skins/).
// Its time is the edition's.
func lastSegment(st *cache.Store, tp tarballParams, members []tarMember, settings []byte, autoloader fstree.Tree) (tarball.Segment, error) {
	sha, err := st.PutBytes(settings)
	if err != nil {
		return tarball.Segment{}, err
	}
	entries := []fstree.Entry{{Path: layout.SettingsFile, Type: fstree.File, Size: int64(len(settings)), Digest: sha, Src: cache.BlobRel(sha)}}
	core, err := st.Tree(members[0].c.Tree)
	if err != nil {
		return tarball.Segment{}, err
	}
	have := map[string]bool{}
	for _, m := range members[1:] {
		have[m.dir] = true
	}
	for _, m := range members[1:] {
		for d := path.Dir(m.dir); d != "."; d = path.Dir(d) {
			if e, ok := core.Lookup(d); have[d] || (ok && e.Type == fstree.Dir) {
				continue
			}
			have[d] = true
			entries = append(entries, fstree.Entry{Path: d, Type: fstree.Dir})
		}
	}
	t, err := fstree.New(entries)
	if err != nil {
		return tarball.Segment{}, err
	}
	if autoloader.Len() > 0 {
		placed, err := autoloader.Place(spec.LibraryDir)
		if err != nil {
			return tarball.Segment{}, err
		}
		if t, err = fstree.Merge(t, placed); err != nil {
			return tarball.Segment{}, err
		}
	}
	return tarball.Segment{Prefix: tp.Top, Tree: t, MTime: time.Unix(tp.MTime, 0)}, nil
}

// copyFile copies a stored segment, stopping when ctx is cancelled.
func copyFile(ctx context.Context, w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := f.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Edition lists e's tarballs.
func (f tarballFormat) Edition(env format.Env, e resolve.Edition, outs format.Outcomes) (format.Collected, error) {
	var col format.Collected
	out, ok := format.Output(e, f.Name())
	if !ok {
		return col, nil
	}
	for _, cs := range out.Compression {
		id := tarballActionID(tarball.Compression(cs), e.Name)
		col.Actions = append(col.Actions, id)
		if outs == nil {
			continue
		}
		t, err := format.Lookup[Tarball](outs, id)
		if err != nil {
			return col, err
		}
		col.Artifacts = append(col.Artifacts, sbom.Artifact{Kind: sbom.Tarball, Path: Dir + "/" + t.File, Name: t.File, Version: e.Version, SHA256: t.Blob})
	}
	return col, nil
}

// Publish lists what out/tarballs is to hold: every edition's tarballs and their
// signatures, SHA256SUMS and its signature. It makes and stores SHA256SUMS, so that
// publishing only moves files.
func (f tarballFormat) Publish(env format.Env, outs format.Outcomes, _ []v1.Descriptor) (format.Publication, error) {
	pub := format.Publication{Dir: Dir, Files: map[string]string{}}
	sums := map[string]string{}
	var newest int64
	for _, e := range env.Graph.Editions {
		col, err := f.Edition(env, e, nil)
		if err != nil {
			return pub, err
		}
		if len(col.Actions) > 0 {
			newest = max(newest, env.Clamp(e.Time))
		}
		for _, id := range col.Actions {
			t, err := format.Lookup[Tarball](outs, id)
			if err != nil {
				return pub, err
			}
			if (env.Signer != nil) != (t.Signature != "") {
				return pub, fmt.Errorf("%s: the tarball's signature does not match the build's signing key", id)
			}
			pub.Files[t.File], sums[t.File] = t.Blob, t.Blob
			if t.Signature != "" {
				pub.Files[t.File+".asc"] = t.Signature
			}
		}
	}
	if len(sums) == 0 {
		return pub, nil
	}
	sha, err := env.Store.PutBytes(format.Sums(sums))
	if err != nil {
		return pub, err
	}
	pub.Files[SumsFile] = sha
	// SHA256SUMS is signed here rather than in an action of its own: it is made of the
	// tarball actions' outputs, and signing a few hundred bytes costs nothing.
	if env.Signer != nil {
		if pub.Files[SumsFile+".asc"], err = format.SignBlob(env.Store, env.Signer, sha, time.Unix(newest, 0)); err != nil {
			return pub, fmt.Errorf("%s: %w", SumsFile, err)
		}
	}
	return pub, nil
}

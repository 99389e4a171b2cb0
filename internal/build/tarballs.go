package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/pack/tarball"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

// FormatTarball builds release tarballs into out/tarballs.
const FormatTarball = "tarball"

const (
	kindTarSeg  = "pack.tarseg"
	kindTarball = "pack.tarball"
	// TarballDir is where tarballs are published, below the output directory.
	TarballDir = outdir.Tarballs
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
// MediaWiki's own tarballs, so that every edition on that core shares its segments.
func tarTop(core resolve.Component) string { return "mediawiki-" + core.Version }

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

// tarballActions returns, for every edition whose output blocks ask for tarballs, one
// action per compression that makes the tarball, and one per component and compression
// (shared by every edition holding the component) that makes its compressed segment.
func (o Options) tarballActions(g resolve.Graph) ([]engine.Action, error) {
	// One limiter for every segment: chunks of core compress in parallel, yet no more
	// than jobs compressors run at once, whatever the engine runs beside them.
	lim := tarball.NewLimiter(o.jobs())
	seen := map[string]bool{}
	var acts []engine.Action
	for _, e := range g.Editions {
		i := slices.IndexFunc(e.Outputs, func(out spec.Output) bool { return out.Format == FormatTarball })
		if i < 0 {
			continue
		}
		members, err := tarMembers(g, e)
		if err != nil {
			return nil, err
		}
		settings, err := renderSettings(e, g)
		if err != nil {
			return nil, err
		}
		top := tarTop(members[0].c)
		for _, cs := range e.Outputs[i].Compression {
			c, err := tarball.ParseCompression(cs)
			if err != nil {
				return nil, fmt.Errorf("edition %s (%s): %w", e.Name, e.Outputs[i].Range, err)
			}
			tp := tarballParams{Layout: tarLayout, Format: tarball.Format, Name: TarballName(e.Name, e.Version, c), Compression: c,
				Top: top, Settings: sha256Hex(settings), MTime: o.clamp(e.Time)}
			if o.Signer != nil {
				tp.Signer = o.Signer.Fingerprint()
			}
			deps := []string{editionAction(e.Name)} // the edition's tree: members must not overlap
			for _, m := range members {
				a := o.segmentAction(c, top, m, lim)
				if !seen[a.ID] {
					seen[a.ID] = true
					acts = append(acts, a)
				}
				tp.Segments = append(tp.Segments, a.Key)
				deps = append(deps, a.ID)
			}
			acts = append(acts, engine.Action{
				ID: tarballActionID(c, e.Name), Kind: kindTarball, Key: key(kindTarball, tp), Deps: deps,
				Where: e.Outputs[i].Range.String(), Label: "tar." + string(c) + " " + strings.TrimSuffix(tp.Name, c.Ext()),
				Run: func(ctx context.Context) (engine.Outcome, error) {
					return o.makeTarball(ctx, tp, members, settings, lim)
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

func (o Options) segmentAction(c tarball.Compression, top string, m tarMember, lim *tarball.Limiter) engine.Action {
	sp := segParams{Layout: tarLayout, Format: tarball.Format, ChunkSize: tarball.DefaultChunkSize, Compression: c,
		Prefix: joinDir(top, m.dir), Tree: m.c.Tree, MTime: o.clamp(m.c.Time)}
	return engine.Action{
		ID: "tar." + string(c) + "/" + top + "/" + m.c.ID, Kind: kindTarSeg, Key: key(kindTarSeg, sp), Deps: []string{treeAction(m.c.ID)},
		Where: m.c.Decl.String(), Label: "tar." + string(c) + " " + PackageName(m.c.Kind, m.c.Name),
		Run: func(ctx context.Context) (engine.Outcome, error) {
			t, err := o.store().Tree(sp.Tree)
			if err != nil {
				return engine.Outcome{}, err
			}
			seg := tarball.Segment{Prefix: sp.Prefix, OwnsPrefix: true, Tree: t, MTime: time.Unix(sp.MTime, 0)}
			sha, n, err := o.addStreamed(func(w io.Writer) error {
				return tarball.WriteSegment(ctx, w, o.store(), seg, c, tarball.Options{ChunkSize: sp.ChunkSize, Limiter: lim})
			})
			if err != nil {
				return engine.Outcome{}, fmt.Errorf("%s segment of %s: %w", c, m.c.ID, err)
			}
			return engine.Outcome{Output: sha, Bytes: n}, nil
		},
	}
}

// addStreamed stores what write writes, hashed as it is written, never held in memory.
func (o Options) addStreamed(write func(io.Writer) error) (string, int64, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw)) }()
	sha, n, err := o.store().AddBlob(pr, "")
	pr.CloseWithError(err) // stops the writer if storing failed
	return sha, n, err
}

// makeTarball concatenates the edition's segments and a last segment holding its settings
// file, the directories no segment makes, and the end-of-archive marker; then signs it.
func (o Options) makeTarball(ctx context.Context, tp tarballParams, members []tarMember, settings []byte, lim *tarball.Limiter) (engine.Outcome, error) {
	st := o.store()
	dc, err := engine.NewDirCache(st.ActionsDir())
	if err != nil {
		return engine.Outcome{}, err
	}
	// The segments ran (or were cached) before this action: their records say which blob
	// each one is.
	blobs := make([]string, len(tp.Segments))
	for i, k := range tp.Segments {
		out, ok, err := dc.Lookup(k)
		if err != nil {
			return engine.Outcome{}, err
		}
		if !ok || !st.HasBlob(out.Output) {
			return engine.Outcome{}, fmt.Errorf("the %s segment of %s is not in the cache", tp.Compression, members[i].c.ID)
		}
		blobs[i] = out.Output
	}
	last, err := o.lastSegment(tp, members, settings)
	if err != nil {
		return engine.Outcome{}, err
	}
	sha, n, err := o.addStreamed(func(w io.Writer) error {
		for _, b := range blobs {
			if err := copyFile(w, st.Path(cache.BlobRel(b))); err != nil {
				return err
			}
		}
		return tarball.WriteLast(ctx, w, st, last, tp.Compression, tarball.Options{Limiter: lim})
	})
	if err != nil {
		return engine.Outcome{}, fmt.Errorf("%s: %w", tp.Name, err)
	}
	output := sha + " " + tp.Name
	if o.Signer != nil {
		sig, err := o.signBlob(sha, time.Unix(tp.MTime, 0))
		if err != nil {
			return engine.Outcome{}, fmt.Errorf("%s: %w", tp.Name, err)
		}
		output += " " + sig
	}
	return engine.Outcome{Output: output, Bytes: n}, nil
}

// lastSegment holds what is the edition's own: the settings file, and the parents of
// install directories that core's tree lacks (core normally has extensions/ and skins/).
// Its time is the edition's.
func (o Options) lastSegment(tp tarballParams, members []tarMember, settings []byte) (tarball.Segment, error) {
	st := o.store()
	sha, err := st.PutBytes(settings)
	if err != nil {
		return tarball.Segment{}, err
	}
	entries := []fstree.Entry{{Path: SettingsFile, Type: fstree.File, Size: int64(len(settings)), Digest: sha, Src: cache.BlobRel(sha)}}
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
	return tarball.Segment{Prefix: tp.Top, Tree: t, MTime: time.Unix(tp.MTime, 0)}, nil
}

// signBlob stores the armored detached signature of a stored blob and returns its SHA-256.
func (o Options) signBlob(sha string, t time.Time) (string, error) {
	f, err := os.Open(o.store().Path(cache.BlobRel(sha)))
	if err != nil {
		return "", err
	}
	defer f.Close()
	sig, err := o.Signer.DetachArmored(f, t)
	if err != nil {
		return "", err
	}
	return o.store().PutBytes(sig)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func copyFile(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// tarballsThere says whether a cached tarball action's blobs are all still in the store.
func (o Options) tarballsThere(kind, output string) bool {
	f := strings.Fields(output)
	if kind == kindTarball && len(f) >= 2 {
		f = slices.Delete(f, 1, 2) // the file name
	}
	for _, sha := range f {
		if !o.store().HasBlob(sha) {
			return false
		}
	}
	return len(f) > 0
}

// tarballFiles lists what out/tarballs is to hold (name -> blob): every edition's tarballs
// and their signatures, SHA256SUMS and its signature. It makes and stores SHA256SUMS, so
// that publishing, which comes after every format is ready, only moves files.
func (o Options) tarballFiles(g resolve.Graph, rep engine.Report) (map[string]string, error) {
	files := map[string]string{} // name -> blob
	var names []string
	var newest int64
	for _, e := range g.Editions {
		for _, out := range e.Outputs {
			if out.Format != FormatTarball {
				continue
			}
			newest = max(newest, o.clamp(e.Time))
			for _, cs := range out.Compression {
				id := tarballActionID(tarball.Compression(cs), e.Name)
				oc, ok := rep.Outcome(id)
				f := strings.Fields(oc.Output)
				if !ok || len(f) < 2 || (o.Signer != nil) != (len(f) == 3) {
					return nil, fmt.Errorf("%s: no tarball recorded (%q)", id, oc.Output)
				}
				files[f[1]] = f[0]
				names = append(names, f[1])
				if len(f) == 3 {
					files[f[1]+".asc"] = f[2]
				}
			}
		}
	}
	sort.Strings(names)
	var sums bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&sums, "%s  %s\n", files[n], n)
	}
	if len(names) > 0 {
		sha, err := o.store().PutBytes(sums.Bytes())
		if err != nil {
			return nil, err
		}
		files[SumsFile] = sha
		// SHA256SUMS is signed here rather than in an action: it is made of the tarball
		// actions' outputs, and signing a few hundred bytes costs nothing.
		if o.Signer != nil {
			if files[SumsFile+".asc"], err = o.signBlob(sha, time.Unix(newest, 0)); err != nil {
				return nil, fmt.Errorf("%s: %w", SumsFile, err)
			}
		}
	}
	return files, nil
}

// publishDir makes dir hold exactly files (name -> blob): each linked (or copied) under a
// temp name, then renamed into place; other files are removed.
func (o Options) publishDir(dir string, files map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		src := o.store().Path(cache.BlobRel(files[name]))
		tmp := filepath.Join(dir, "."+name+".tmp")
		os.Remove(tmp)
		if err := os.Link(src, tmp); err != nil {
			if err := fstree.CopyFile(src, tmp, 0o644); err != nil {
				return err
			}
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	old, _ := os.ReadDir(dir)
	for _, f := range old {
		if _, ok := files[f.Name()]; !ok {
			os.RemoveAll(filepath.Join(dir, f.Name()))
		}
	}
	return nil
}

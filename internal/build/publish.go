package build

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/resolve"
)

const publishActionID = "publish"

// publishLayout names how the publication is decided beyond its inputs (manifest.json's
// shape, SHA256SUMS's): change it whenever they change for the same inputs.
const publishLayout = "mwedition-publish-v1"

// Published is what the publication action decided: the content of each directory below
// out/, manifest.json (also by blob), SHA256SUMS's blob, and the images by tag.
type Published struct {
	Dirs     []format.Publication `json:"dirs"`
	Manifest Manifest             `json:"manifest"`
	Blob     string               `json:"blob"` // manifest.json
	Sums     string               `json:"sums"` // SHA256SUMS
	Images   []format.ImageRef    `json:"images,omitempty"`
}

// publishAction decides, from every format's and document's outcome, what out/ is to
// hold, and makes manifest.json and SHA256SUMS: so that plan shows it, its cache spares a
// no-op build the hashing, and publishing itself only moves files.
func (o Options) publishAction(g resolve.Graph, lk lock.File, formatActs, docs []engine.Action) (engine.Action, error) {
	graphJSON, err := json.Marshal(g)
	if err != nil {
		return engine.Action{}, err
	}
	var newest int64
	for _, c := range g.Components {
		newest = max(newest, c.Time)
	}
	params := struct {
		Layout, Graph string
		Build         BuildInfo
		Deps          []string
	}{Layout: publishLayout, Graph: format.SHA256Hex(graphJSON),
		Build: BuildInfo{Formats: nonNil(o.Formats), ImageBase: o.ImageBase, SourceDateEpoch: o.clamping(newest)}}
	var deps []string
	for _, e := range g.Editions {
		deps = append(deps, editionAction(e.Name))
	}
	for _, a := range append(slices.Clone(formatActs), docs...) {
		deps, params.Deps = append(deps, a.ID), append(params.Deps, a.Key)
	}
	env := o.env(g, lk)
	return engine.Action{
		ID: publishActionID, Kind: "publish.decide", Key: key("publish.decide", params), Deps: deps,
		Label: "manifest.json and SHA256SUMS",
		Valid: format.Valid(func(p Published) bool { return o.published(p) }),
		Run: func(_ context.Context, in engine.Inputs) (engine.Outcome, error) {
			return o.decide(env, in)
		},
	}, nil
}

// published says whether every blob a recorded publication names is still in the store.
func (o Options) published(p Published) bool {
	for _, d := range p.Dirs {
		if !o.blobsThere(d.Files) {
			return false
		}
	}
	return o.store().HasBlob(p.Blob) && o.store().HasBlob(p.Sums)
}

func (o Options) decide(env format.Env, in engine.Inputs) (engine.Outcome, error) {
	var p Published
	var attached []v1.Descriptor
	sbomDir := format.Publication{Dir: SBOMDir, Files: map[string]string{}}
	for _, e := range env.Graph.Editions {
		d, err := format.Lookup[Documents](in, documentsAction(e.Name))
		if err != nil {
			return engine.Outcome{}, err
		}
		for n, sha := range d.Files {
			sbomDir.Files[n] = sha
		}
		attached = append(append(attached, d.Referrers...), d.Tagged...)
		for _, f := range o.selected() {
			col, err := f.Edition(env, e, in)
			if err != nil {
				return engine.Outcome{}, err
			}
			p.Images = append(p.Images, col.Images...)
		}
	}
	for _, f := range o.selected() {
		pub, err := f.Publish(env, in, attached)
		if err != nil {
			return engine.Outcome{}, fmt.Errorf("publishing %s: %w", f.Name(), err)
		}
		p.Dirs = append(p.Dirs, pub)
	}
	p.Dirs = append(p.Dirs, sbomDir)
	m, err := o.manifest(env.Graph, in)
	if err != nil {
		return engine.Outcome{}, err
	}
	if m.Artifacts, err = o.artifacts(p.Dirs); err != nil {
		return engine.Outcome{}, err
	}
	p.Manifest = m
	if p.Blob, p.Sums, err = o.storeManifest(m); err != nil {
		return engine.Outcome{}, err
	}
	return format.Encode(p, 0)
}

// ManifestArtifact is one file a build published, in out/manifest.json.
type ManifestArtifact struct {
	Path   string `json:"path"` // relative to the output directory, slash-separated
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// artifacts lists every file the publications put below the output directory, sorted by
// path, with the sizes of their blobs.
func (o Options) artifacts(dirs []format.Publication) ([]ManifestArtifact, error) {
	arts := []ManifestArtifact{}
	for _, d := range dirs {
		for rel, sha := range d.Files {
			fi, err := os.Stat(o.store().Path(cache.BlobRel(sha)))
			if err != nil {
				return nil, fmt.Errorf("listing what the build publishes: %w", err)
			}
			arts = append(arts, ManifestArtifact{Path: d.Dir + "/" + rel, SHA256: sha, Size: fi.Size()})
		}
	}
	sort.Slice(arts, func(i, j int) bool { return arts[i].Path < arts[j].Path })
	return arts, nil
}

// storeManifest stores manifest.json and SHA256SUMS, as sha256sum -c reads it from the
// output directory: every published file and manifest.json, sorted by path.
func (o Options) storeManifest(m Manifest) (string, string, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", "", err
	}
	mb, err := o.store().PutBytes(append(b, '\n'))
	if err != nil {
		return "", "", err
	}
	sums := map[string]string{outdir.Manifest: mb}
	for _, a := range m.Artifacts {
		sums[a.Path] = a.SHA256
	}
	sb, err := o.store().PutBytes(format.Sums(sums))
	return mb, sb, err
}

// publish writes out/: each directory swapped in whole, then manifest.json and, last,
// SHA256SUMS, each written to a temp name and renamed.
func (o Options) publish(ctx context.Context, p Published) error {
	for _, d := range p.Dirs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := o.publishDir(d); err != nil {
			return fmt.Errorf("publishing %s: %w", filepath.Join(o.out(), d.Dir), err)
		}
	}
	for _, f := range [][2]string{{outdir.Manifest, p.Blob}, {SumsFile, p.Sums}} {
		b, err := os.ReadFile(o.store().Path(cache.BlobRel(f[1])))
		if err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(o.out(), f[0]), b); err != nil {
			return err
		}
	}
	return nil
}

// SumsFile lists every published file's SHA-256, as sha256sum -c reads it.
const SumsFile = outdir.Sums

// publishDir makes a directory hold exactly a publication's files: they are linked (or
// copied) into a new directory beside it, which then replaces it.
func (o Options) publishDir(d format.Publication) error {
	dir := filepath.Join(o.out(), d.Dir)
	if d.Remove {
		return os.RemoveAll(dir)
	}
	if _, err := os.Stat(dir); len(d.Files) == 0 && err != nil {
		return nil // nothing to publish, nothing to clear
	}
	if err := os.MkdirAll(o.out(), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(o.out(), "."+d.Dir+".tmp-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(d.Files))
	for n := range d.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, rel := range names {
		if err := o.place(tmp, rel, d.Files[rel], slices.Contains(d.Copy, rel)); err != nil {
			return err
		}
	}
	return fstree.ReplaceDir(tmp, dir)
}

// place links (or, when asked or across file systems, copies) a blob to dir/rel.
func (o Options) place(dir, rel, sha string, copied bool) error {
	if strings.HasPrefix(rel, "/") || slices.Contains(strings.Split(rel, "/"), "..") {
		return fmt.Errorf("%q is not a path below the directory", rel)
	}
	dst := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	src := o.store().Path(cache.BlobRel(sha))
	if !copied && os.Link(src, dst) == nil {
		return nil
	}
	return fstree.CopyFile(src, dst, 0o644)
}

// writeFileAtomic writes b to a temp file beside p and renames it into place.
func writeFileAtomic(p string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

package build

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/pack/oci"
	"github.com/mwedition/mwedition/internal/pack/tarball"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/sbom"
)

// SBOMDir is where build writes each edition's SPDX document (<edition>.spdx.json) and
// provenance (<edition>.provenance.json), below the output directory.
const SBOMDir = outdir.SBOM

// Suffixes of the files in SBOMDir.
const (
	SPDXSuffix       = ".spdx.json"
	ProvenanceSuffix = ".provenance.json"
)

// editionDocs is what documents made: the files of out/sbom (name -> blob) and the
// referrers that attach them to the images.
type editionDocs struct {
	files     map[string]string
	referrers []v1.Descriptor
}

// documents makes every edition's SBOM and, for an edition with artifacts, its provenance;
// and attaches both to the edition's image as OCI referrers. They describe what this build
// made: the artifacts are the outcomes of its actions (the digests were taken as they
// were written), the libraries come from the component trees in the cache.
func (o Options) documents(g resolve.Graph, lk lock.File, rep engine.Report, images []ImageRef) (editionDocs, error) {
	docs := editionDocs{files: map[string]string{}}
	lockBytes, err := lk.Encode()
	if err != nil {
		return docs, err
	}
	lockSum := sha256.Sum256(lockBytes)
	dc, err := engine.NewDirCache(o.store().ActionsDir())
	if err != nil {
		return docs, err
	}
	libs := map[string][]sbom.Library{}
	for _, c := range g.Components {
		l, err := o.libraries(dc, c)
		if err != nil {
			return docs, err
		}
		if len(l) > 0 {
			libs[c.ID] = l
		}
	}
	for _, e := range g.Editions {
		in := sbom.Input{Graph: g, Edition: e.Name, Time: o.clamp(e.Time), Libraries: libs, Builder: o.Builder,
			Lock: hex.EncodeToString(lockSum[:]), Parameters: o.provenanceParameters(e)}
		if in.Artifacts, err = o.editionArtifacts(g, e, rep, images); err != nil {
			return docs, err
		}
		var image *ImageRef
		for i := range images {
			if images[i].Edition == e.Name {
				image = &images[i]
				break
			}
		}
		if image != nil {
			if in.Base, err = o.baseDependency(e, rep); err != nil {
				return docs, err
			}
		}
		doc, err := sbom.SPDX(in)
		if err != nil {
			return docs, fmt.Errorf("the SBOM of edition %s: %w", e.Name, err)
		}
		if err := o.addDocument(&docs, e, image, doc, SPDXSuffix, sbom.MediaTypeSPDX); err != nil {
			return docs, err
		}
		if len(in.Artifacts) == 0 {
			continue // a build of trees only: nothing to state the provenance of
		}
		prov, err := sbom.ProvenanceStatement(in)
		if err != nil {
			return docs, err
		}
		if err := o.addDocument(&docs, e, image, prov, ProvenanceSuffix, sbom.MediaTypeInToto); err != nil {
			return docs, err
		}
	}
	return docs, nil
}

// addDocument stores an edition's document for out/sbom and, when the edition has an
// image, attaches it to the image.
func (o Options) addDocument(docs *editionDocs, e resolve.Edition, image *ImageRef, doc []byte, suffix, mediaType string) error {
	sha, err := o.store().PutBytes(doc)
	if err != nil {
		return err
	}
	docs.files[e.Name+suffix] = sha
	if image == nil {
		return nil
	}
	d, err := oci.WriteReferrer(o.store(), image.Descriptor, types.MediaType(mediaType), doc, e.Name+suffix,
		map[string]string{"org.opencontainers.image.created": utc(o.clamp(e.Time))})
	if err != nil {
		return fmt.Errorf("attaching %s to the image of %s: %w", e.Name+suffix, e.Name, err)
	}
	docs.referrers = append(docs.referrers, d)
	return nil
}

// librariesLayout names how a tree's libraries are read and recorded: change it whenever
// sbom.Library or its parser does, so that recorded lists are read again.
const librariesLayout = "mwedition-sbom-libraries-v1"

// libraries returns the composer libraries a component's tree ships. They are read once
// per tree and recorded in the action cache (a blob of their JSON, or "-" for none): a
// no-op build would otherwise spend most of its time decoding trees to look for them.
func (o Options) libraries(dc *engine.DirCache, c resolve.Component) ([]sbom.Library, error) {
	k := key("sbom.libraries", struct{ Layout, Tree string }{librariesLayout, c.Tree})
	if out, ok, err := dc.Lookup(k); err == nil && ok {
		if out.Output == "-" {
			return nil, nil
		}
		if b, err := os.ReadFile(o.store().Path(cache.BlobRel(out.Output))); err == nil {
			var libs []sbom.Library
			if json.Unmarshal(b, &libs) == nil {
				return libs, nil
			}
		}
	}
	libs, err := o.readLibraries(c)
	if err != nil {
		return nil, err
	}
	rec := "-"
	if len(libs) > 0 {
		b, err := json.Marshal(libs)
		if err != nil {
			return nil, err
		}
		if rec, err = o.store().PutBytes(b); err != nil {
			return nil, err
		}
	}
	if err := dc.Store(k, engine.Outcome{Output: rec}); err != nil {
		return nil, err
	}
	return libs, nil
}

// readLibraries reads the composer libraries a component's tree ships, from the tree's
// vendor/composer/installed.json in the cache, checked against the tree's digest of it.
func (o Options) readLibraries(c resolve.Component) ([]sbom.Library, error) {
	t, err := o.store().Tree(c.Tree)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.ID, err)
	}
	e, ok := t.Lookup(sbom.InstalledJSON)
	if !ok || e.Type != fstree.File {
		return nil, nil
	}
	f, err := o.openStored(e.Src)
	if err != nil {
		return nil, fmt.Errorf("%s: %s is not in the cache: %w", c.ID, sbom.InstalledJSON, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, e.Size+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading %s: %w", c.ID, sbom.InstalledJSON, err)
	}
	if sha256Hex(b) != e.Digest {
		return nil, fmt.Errorf("%s: %s in the cache no longer matches its tree (sha256 %s, the tree says %s): remove the cache's src directory and build again", c.ID, sbom.InstalledJSON, sha256Hex(b), e.Digest)
	}
	libs, err := sbom.ParseInstalled(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.ID, err)
	}
	return libs, nil
}

// editionArtifacts lists what this build made for an edition: the packages of its members
// and its meta-package, its tarballs, its image.
func (o Options) editionArtifacts(g resolve.Graph, e resolve.Edition, rep engine.Report, images []ImageRef) ([]sbom.Artifact, error) {
	var arts []sbom.Artifact
	for _, out := range e.Outputs {
		if !slices.Contains(o.Formats, out.Format) {
			continue
		}
		switch out.Format {
		case FormatDeb, FormatRPM:
			ids := []string{"edition/" + e.Name}
			for _, m := range e.Members {
				ids = append(ids, m.ID)
			}
			for _, id := range ids {
				a, err := packageArtifact(out.Format, rep, packActionID(out.Format, id))
				if err != nil {
					return nil, err
				}
				if id != "edition/"+e.Name {
					a.From = id
				}
				arts = append(arts, a)
			}
		case FormatTarball:
			for _, cs := range out.Compression {
				id := tarballActionID(tarball.Compression(cs), e.Name)
				oc, ok := rep.Outcome(id)
				f := strings.Fields(oc.Output)
				if !ok || len(f) < 2 {
					return nil, fmt.Errorf("%s: no tarball recorded (%q)", id, oc.Output)
				}
				arts = append(arts, sbom.Artifact{Kind: sbom.Tarball, Path: TarballDir + "/" + f[1], Name: f[1], Version: e.Version, SHA256: f[0]})
			}
		case FormatImage:
			tag := notInTag.ReplaceAllString(e.Version, "_")
			for _, im := range images {
				if im.Edition == e.Name && im.Tag == tag {
					arts = append(arts, sbom.Artifact{Kind: sbom.Image, Path: "oci/" + e.Name + "-" + tag, Name: e.Name, Version: e.Version,
						Tag: tag, SHA256: im.Descriptor.Digest.Hex})
				}
			}
		}
	}
	return arts, nil
}

// packageArtifact describes the package an action made, from its outcome "<sha> <file>"
// and the file's name: name_version_arch.deb, or name-version-release.arch.rpm.
func packageArtifact(format string, rep engine.Report, id string) (sbom.Artifact, error) {
	oc, ok := rep.Outcome(id)
	sha, file, found := strings.Cut(oc.Output, " ")
	if !ok || !found {
		return sbom.Artifact{}, fmt.Errorf("%s: no package recorded (%q)", id, oc.Output)
	}
	a := sbom.Artifact{Path: format + "/" + file, SHA256: sha}
	bad := fmt.Errorf("%s: cannot read name, version and architecture from %q", id, file)
	if format == FormatDeb {
		f := strings.Split(strings.TrimSuffix(file, ".deb"), "_")
		if len(f) != 3 {
			return a, bad
		}
		a.Kind, a.Name, a.Version, a.Arch = sbom.Deb, f[0], f[1], f[2]
		return a, nil
	}
	base, arch, ok1 := cutLast(strings.TrimSuffix(file, ".rpm"), ".")
	nv, rel, ok2 := cutLast(base, "-")
	n, v, ok3 := cutLast(nv, "-")
	if !ok1 || !ok2 || !ok3 {
		return a, bad
	}
	a.Kind, a.Name, a.Version, a.Arch = sbom.RPM, n, v+"-"+rel, arch
	return a, nil
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// provenanceParameters are the build's options that shape an edition's outputs. Paths
// (of the output directory, of a file base) are left out: they differ between machines.
func (o Options) provenanceParameters(e resolve.Edition) map[string]any {
	var formats []string
	for _, out := range e.Outputs {
		if slices.Contains(o.Formats, out.Format) {
			formats = append(formats, out.Format)
		}
	}
	sort.Strings(formats)
	p := map[string]any{"formats": nonNil(formats)}
	if sde := o.clamping(e.Time); sde != nil {
		p["sourceDateEpoch"] = *sde
	}
	if o.Signer != nil {
		p["signingKey"] = o.Signer.Fingerprint()
	}
	return p
}

// baseDependency is the base an edition's image was built on, by the digest of what was
// imported; a registry base also by its reference.
func (o Options) baseDependency(e resolve.Edition, rep engine.Report) (*sbom.Dependency, error) {
	out, ok := imageOutput(e)
	if !ok {
		return nil, nil
	}
	ref := out.Base
	if o.ImageBase != "" {
		ref = o.ImageBase
	}
	b, err := oci.ParseBase(ref)
	if err != nil || b.Kind == oci.ScratchBase {
		return nil, err
	}
	oc, ok := rep.Outcome(baseActionID(ref))
	if !ok {
		return nil, fmt.Errorf("edition %s: its image's base %s was not imported", e.Name, ref)
	}
	d, _, err := parseDescriptor(oc.Output)
	if err != nil {
		return nil, err
	}
	dep := &sbom.Dependency{Name: "image base", Digest: map[string]string{d.Digest.Algorithm: d.Digest.Hex},
		Annotations: map[string]any{"kind": b.Kind.String(), "mediaType": string(d.MediaType)}}
	if b.Kind == oci.RegistryBase {
		dep.URI = b.Ref
	}
	return dep, nil
}

// ManifestArtifact is one file a build published, in out/manifest.json.
type ManifestArtifact struct {
	Path   string `json:"path"` // relative to the output directory, slash-separated
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// publishedFiles lists every file this build published below the output directory, in
// the directories of the formats it built and out/sbom, sorted by path. known gives the
// digests the build already has (packages, tarballs, documents: blobs of the store); OCI
// blobs are named by theirs; anything else (index.json, oci-layout) is hashed.
func (o Options) publishedFiles(known map[string]string) ([]ManifestArtifact, error) {
	dirs := []string{SBOMDir}
	if len(packageFormats(o.Formats)) > 0 {
		dirs = append(dirs, FormatDeb, FormatRPM)
	}
	if slices.Contains(o.Formats, FormatTarball) {
		dirs = append(dirs, TarballDir)
	}
	if slices.Contains(o.Formats, FormatImage) {
		dirs = append(dirs, "oci")
	}
	arts := []ManifestArtifact{}
	for _, d := range dirs {
		root := filepath.Join(o.out(), d)
		err := filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) && p == root {
					return fs.SkipDir // nothing of this format to publish
				}
				return err
			}
			if de.IsDir() {
				return nil
			}
			rel, err := filepath.Rel(o.out(), p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			fi, err := de.Info()
			if err != nil {
				return err
			}
			sha := known[rel]
			if dir, name := path.Split(rel); sha == "" && dir == "oci/blobs/sha256/" {
				sha = name
			}
			if sha == "" {
				if sha, err = fstree.FileSHA256(p); err != nil {
					return err
				}
			}
			arts = append(arts, ManifestArtifact{Path: rel, SHA256: sha, Size: fi.Size()})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing what the build published: %w", err)
		}
	}
	sort.Slice(arts, func(i, j int) bool { return arts[i].Path < arts[j].Path })
	return arts, nil
}

// writeSums writes out/SHA256SUMS, as sha256sum -c reads it from the output directory:
// every published file and manifest.json, sorted by path. It is written last, to a temp
// name and renamed.
func (o Options) writeSums(arts []ManifestArtifact, manifest []byte) error {
	all := append(slices.Clone(arts), ManifestArtifact{Path: "manifest.json", SHA256: sha256Hex(manifest)})
	sort.Slice(all, func(i, j int) bool { return all[i].Path < all[j].Path })
	var b bytes.Buffer
	for _, a := range all {
		fmt.Fprintf(&b, "%s  %s\n", a.SHA256, a.Path)
	}
	return writeFileAtomic(filepath.Join(o.out(), SumsFile), b.Bytes())
}

// writeFileAtomic writes b to a temp file beside p and renames it into place.
func writeFileAtomic(p string, b []byte) error {
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

// addKnown records the digests of files published into dir (name -> blob, a SHA-256).
func addKnown(known map[string]string, dir string, files map[string]string) {
	for name, sha := range files {
		known[dir+"/"+name] = sha
	}
}

package build

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	rpmutils "github.com/sassoftware/go-rpmutils"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/policy"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/sbom"
	"github.com/mwedition/mwedition/internal/spec"
)

// Opener reads a file of an output directory by its slash-separated path below it.
type Opener func(rel string) (io.ReadCloser, error)

// DirOpener reads an output directory on disk.
func DirOpener(dir string) Opener {
	return func(rel string) (io.ReadCloser, error) { return os.Open(filepath.Join(dir, filepath.FromSlash(rel))) }
}

// publishedOpener reads what a build is about to write to out/, from the store.
func (o Options) publishedOpener(p Published) Opener {
	files := map[string]string{}
	for _, d := range p.Dirs {
		for rel, sha := range d.Files {
			files[d.Dir+"/"+rel] = sha
		}
	}
	return func(rel string) (io.ReadCloser, error) {
		sha, ok := files[rel]
		if !ok {
			return nil, fmt.Errorf("%s: %w", rel, os.ErrNotExist)
		}
		return os.Open(o.store().Path(cache.BlobRel(sha)))
	}
}

// GraphFacts are what a policy can check before anything is built: the editions, their
// components with the licences they declare, and their embargoed patches.
func GraphFacts(g resolve.Graph) policy.Facts {
	f := policy.Facts{Stage: policy.Build}
	for _, e := range g.Editions {
		pe := policy.Edition{Name: e.Name}
		seen := map[string]bool{}
		for _, m := range e.Members {
			c, ok := g.Component(m.ID)
			if !ok {
				continue
			}
			pe.Components = append(pe.Components, c.ID)
			f.Packages = append(f.Packages, policy.Package{Edition: e.Name, ID: c.ID, Name: c.Name, Version: c.Version,
				License: sbom.NormalizeLicense(c.Info.License).Expr, Library: c.Kind == spec.LibraryKind})
			for _, p := range c.Patches {
				if p.Embargoed && !seen[p.File] {
					seen[p.File] = true
					pe.EmbargoedPatches = append(pe.EmbargoedPatches, p.File)
				}
			}
		}
		sort.Strings(pe.EmbargoedPatches)
		f.Editions = append(f.Editions, pe)
	}
	return f
}

// OutputFacts are what a policy checks of a build's output: every edition and component
// of its manifest, the composer libraries its SBOMs list, and each signable artifact,
// whether it is signed and how large. .deb files are not signed one by one: apt checks
// them through the signed repository.
func OutputFacts(m Manifest, open Opener, stage policy.Stage) (policy.Facts, error) {
	f := policy.Facts{Stage: stage}
	comps := map[string]ManifestComponent{}
	for _, c := range m.Components {
		comps[c.ID] = c
	}
	for _, e := range m.Editions {
		pe := policy.Edition{Name: e.Name}
		for _, mem := range e.Members {
			c := comps[mem.ID]
			pe.Components = append(pe.Components, mem.ID)
			_, name, _ := strings.Cut(mem.ID, "/")
			f.Packages = append(f.Packages, policy.Package{Edition: e.Name, ID: mem.ID, Name: name, Version: c.Version,
				License: sbom.NormalizeLicense(c.License).Expr, Library: strings.HasPrefix(mem.ID, string(spec.LibraryKind)+"/")})
		}
		for _, p := range e.EmbargoedPatches {
			pe.EmbargoedPatches = append(pe.EmbargoedPatches, p.File)
		}
		f.Editions = append(f.Editions, pe)
		libs, err := spdxLibraries(open, e.Name)
		if err != nil {
			return f, err
		}
		f.Packages = append(f.Packages, libs...)
	}
	arts, err := fileArtifacts(m, open)
	if err != nil {
		return f, err
	}
	imgs, err := imageArtifacts(open)
	if err != nil {
		return f, err
	}
	f.Artifacts = append(arts, imgs...)
	return f, nil
}

// spdxLibraries lists the composer libraries an edition's SBOM names (its components'
// vendor/ directories), with their declared licences.
func spdxLibraries(open Opener, edition string) ([]policy.Package, error) {
	rel := SBOMDir + "/" + edition + SPDXSuffix
	r, err := open(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer r.Close()
	var doc struct {
		Packages []struct {
			Name, VersionInfo, LicenseDeclared, PrimaryPackagePurpose string
		} `json:"packages"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	var out []policy.Package
	for _, p := range doc.Packages {
		if p.PrimaryPackagePurpose != "LIBRARY" {
			continue
		}
		out = append(out, policy.Package{Edition: edition, ID: "composer:" + p.Name, Name: p.Name, Version: p.VersionInfo,
			License: p.LicenseDeclared, Library: true})
	}
	return out, nil
}

// fileArtifacts are the .rpm packages and the tarballs of the manifest.
func fileArtifacts(m Manifest, open Opener) ([]policy.Artifact, error) {
	paths := map[string]bool{}
	for _, a := range m.Artifacts {
		paths[a.Path] = true
	}
	var out []policy.Artifact
	for _, a := range m.Artifacts {
		switch {
		case strings.HasPrefix(a.Path, outdir.RPM+"/") && strings.HasSuffix(a.Path, ".rpm"):
			signed, err := rpmSigned(open, a.Path)
			if err != nil {
				return nil, err
			}
			out = append(out, policy.Artifact{Path: a.Path, Kind: "package", Signed: signed, Size: a.Size})
		case strings.HasPrefix(a.Path, outdir.Tarballs+"/") && (strings.HasSuffix(a.Path, ".tar.gz") || strings.HasSuffix(a.Path, ".tar.xz")):
			out = append(out, policy.Artifact{Path: a.Path, Kind: "tarball", Signed: paths[a.Path+".asc"], Size: a.Size})
		}
	}
	return out, nil
}

// rpmSigned says whether an .rpm carries an OpenPGP signature (which key made it is the
// repository publisher's check).
func rpmSigned(open Opener, rel string) (bool, error) {
	r, err := open(rel)
	if err != nil {
		return false, err
	}
	defer r.Close()
	h, err := rpmutils.ReadHeader(r)
	if err != nil {
		return false, fmt.Errorf("%s: %w", rel, err)
	}
	for _, t := range []int{rpmutils.SIG_PGP, rpmutils.SIG_GPG, rpmutils.SIG_RSA, rpmutils.SIG_DSA} {
		if h.HasTag(t) {
			return true, nil
		}
	}
	return false, nil
}

// imageArtifacts are the images of out/oci, one per edition and digest: signed when the
// layout holds cosign's signature tag for it, sized as their configurations and layers.
func imageArtifacts(open Opener) ([]policy.Artifact, error) {
	idx, err := readIndex(open, outdir.OCI+"/index.json")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	tags := map[[2]string]bool{}
	for _, d := range idx.Manifests {
		tags[[2]string{d.Annotations[outdir.AnnotationEdition], d.Annotations[outdir.AnnotationTag]}] = true
	}
	var out []policy.Artifact
	seen := map[string]bool{}
	for _, d := range idx.Manifests {
		ed, tag := d.Annotations[outdir.AnnotationEdition], d.Annotations[outdir.AnnotationTag]
		if ed == "" || strings.HasPrefix(tag, "sha256-") || seen[ed+d.Digest.String()] {
			continue
		}
		seen[ed+d.Digest.String()] = true
		size, err := imageSize(open, d, 0)
		if err != nil {
			return nil, err
		}
		sig := tags[[2]string{ed, "sha256-" + d.Digest.Hex + ".sig"}]
		out = append(out, policy.Artifact{Path: outdir.OCI + "/" + ed + ":" + tag, Kind: "image", Edition: ed, Signed: sig, Size: size})
	}
	return out, nil
}

func readIndex(open Opener, rel string) (*v1.IndexManifest, error) {
	r, err := open(rel)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	idx, err := v1.ParseIndexManifest(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	return idx, nil
}

// imageSize is what pulling an image downloads: its configuration and layers; for an
// index, its largest image.
func imageSize(open Opener, d v1.Descriptor, depth int) (int64, error) {
	rel := outdir.OCI + "/blobs/" + d.Digest.Algorithm + "/" + d.Digest.Hex
	r, err := open(rel)
	if err != nil {
		return 0, err
	}
	raw, err := io.ReadAll(io.LimitReader(r, 4<<20))
	r.Close()
	if err != nil {
		return 0, err
	}
	if d.MediaType.IsIndex() && depth < 4 {
		idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
		if err != nil {
			return 0, fmt.Errorf("%s: %w", rel, err)
		}
		var most int64
		for _, c := range idx.Manifests {
			n, err := imageSize(open, c, depth+1)
			if err != nil {
				return 0, err
			}
			most = max(most, n)
		}
		return most, nil
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", rel, err)
	}
	n := m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n, nil
}

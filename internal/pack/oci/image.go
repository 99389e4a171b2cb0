package oci

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Layer is a stored layer, as an image refers to it.
type Layer struct {
	Digest, DiffID v1.Hash
	Size           int64
	History        v1.History // how it was made, for the configuration's history
}

// Base is a stored base image: its manifest and configuration. The zero Base is scratch.
type Base struct {
	Descriptor v1.Descriptor // the manifest's; Platform set when it comes from an index
	Manifest   *v1.Manifest
	Config     *v1.ConfigFile
}

// Scratch reports whether b is no base at all.
func (b Base) Scratch() bool { return b.Manifest == nil }

// LoadBase reads a stored base image.
func LoadBase(st Store, d v1.Descriptor) (Base, error) {
	raw, err := readBlob(st, d.Digest)
	if err != nil {
		return Base{}, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err == nil && (m.Config.Digest == v1.Hash{}) {
		err = errors.New("not an image manifest")
	}
	if err != nil {
		return Base{}, fmt.Errorf("base manifest %s: %w", d.Digest, err)
	}
	craw, err := readBlob(st, m.Config.Digest)
	if err != nil {
		return Base{}, err
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(craw))
	if err != nil {
		return Base{}, fmt.Errorf("base configuration %s: %w", m.Config.Digest, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		return Base{}, fmt.Errorf("base %s has %d layers but its configuration lists %d", d.Digest, len(m.Layers), len(cfg.RootFS.DiffIDs))
	}
	return Base{Descriptor: d, Manifest: m, Config: cfg}, nil
}

// ociLayerType maps a base layer's media type to its OCI name: Docker's gzip and plain tar
// layers hold the same bytes as OCI's.
func ociLayerType(mt types.MediaType) (types.MediaType, error) {
	switch mt {
	case types.DockerLayer, types.OCILayer:
		return types.OCILayer, nil
	case types.DockerUncompressedLayer, types.OCIUncompressedLayer:
		return types.OCIUncompressedLayer, nil
	case types.OCILayerZStd:
		return mt, nil
	}
	return "", fmt.Errorf("layer media type %q is not supported (foreign and non-distributable layers cannot be copied)", mt)
}

// WriteImage stores an image made of base's layers and then layers, with cfg as its
// configuration and annotations on its manifest, and returns the manifest's descriptor.
// cfg's RootFS and History are replaced: base's, then one entry per added layer. The
// result uses OCI media types whatever the base's, so that every image of a layout is
// described alike.
func WriteImage(st Store, base Base, layers []Layer, cfg v1.ConfigFile, annotations map[string]string) (v1.Descriptor, error) {
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1}
	cfg.RootFS = v1.RootFS{Type: "layers"}
	cfg.History = nil
	if !base.Scratch() {
		for i, l := range base.Manifest.Layers {
			mt, err := ociLayerType(l.MediaType)
			if err != nil {
				return v1.Descriptor{}, fmt.Errorf("base layer %d: %w", i+1, err)
			}
			// Only what identifies the blob: a base's layer annotations and URLs describe the
			// base's own distribution.
			m.Layers = append(m.Layers, v1.Descriptor{MediaType: mt, Digest: l.Digest, Size: l.Size})
		}
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, base.Config.RootFS.DiffIDs...)
		cfg.History = append(cfg.History, base.Config.History...)
	}
	for _, l := range layers {
		if !hasBlob(st, l.Digest) {
			return v1.Descriptor{}, fmt.Errorf("layer %s is not in the cache", l.Digest)
		}
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: types.OCILayer, Digest: l.Digest, Size: l.Size})
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, l.DiffID)
		cfg.History = append(cfg.History, l.History)
	}
	cd, err := putJSON(st, types.OCIConfigJSON, cfg)
	if err != nil {
		return v1.Descriptor{}, err
	}
	m.Config = cd
	if len(annotations) > 0 {
		m.Annotations = annotations
	}
	d, err := putJSON(st, types.OCIManifestSchema1, m)
	if err != nil {
		return v1.Descriptor{}, err
	}
	if !base.Scratch() && base.Descriptor.Platform != nil {
		d.Platform = base.Descriptor.Platform
	} else if p := cfg.Platform(); p != nil {
		d.Platform = p
	}
	return d, nil
}

// WriteIndex stores an OCI image index of images (descriptors with their platforms, in the
// order given) and returns its descriptor.
func WriteIndex(st Store, images []v1.Descriptor, annotations map[string]string) (v1.Descriptor, error) {
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: images}
	if len(annotations) > 0 {
		idx.Annotations = annotations
	}
	return putJSON(st, types.OCIImageIndex, idx)
}

// Time is t as an image configuration carries it: whole seconds, UTC.
func Time(t time.Time) v1.Time { return v1.Time{Time: time.Unix(t.Unix(), 0).UTC()} }

// emptyJSON is the OCI empty descriptor's content: the configuration of an artifact
// manifest, which has none of its own (image-spec 1.1, "Guidance for an empty descriptor").
var emptyJSON = []byte("{}")

// WriteReferrer stores an artifact manifest that attaches doc, of media type artifactType,
// to subject (an image manifest or index): OCI 1.1's referrers, which registries list under
// the subject's digest. The manifest has the empty configuration, doc as its one layer
// (titled title), and annotations. The returned descriptor carries artifactType, as an
// index listing it should.
func WriteReferrer(st Store, subject v1.Descriptor, artifactType types.MediaType, doc []byte, title string, annotations map[string]string) (v1.Descriptor, error) {
	cfg, err := putBytes(st, types.OCIEmptyJSON, emptyJSON)
	if err != nil {
		return v1.Descriptor{}, err
	}
	cfg.Data = emptyJSON
	layer, err := putBytes(st, artifactType, doc)
	if err != nil {
		return v1.Descriptor{}, err
	}
	layer.Annotations = map[string]string{"org.opencontainers.image.title": title}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: string(artifactType),
		Config: cfg, Layers: []v1.Descriptor{layer},
		// Only what identifies the subject: its platform and annotations are its own business.
		Subject: &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}}
	if len(annotations) > 0 {
		m.Annotations = annotations
	}
	d, err := putJSON(st, types.OCIManifestSchema1, m)
	if err != nil {
		return v1.Descriptor{}, err
	}
	d.ArtifactType = string(artifactType)
	return d, nil
}

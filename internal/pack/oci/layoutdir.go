package oci

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// LayoutDir is an OCI image layout directory on disk, read: its index.json, and its blobs
// by digest at blobs/sha256/<hex>. Publishing a built layout (internal/push), comparing two
// builds' layouts (internal/repro) and importing a base given as a layout (Import) all read
// layouts through it. The content store keeps blobs at the same paths, so its root reads as
// a layout without an index.
type LayoutDir string

// Index reads index.json. A directory without one gives an error that wraps
// fs.ErrNotExist: it is no layout.
func (l LayoutDir) Index() (*v1.IndexManifest, error) {
	p := filepath.Join(string(l), "index.json")
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseIndexManifest(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return m, nil
}

// BlobPath is the file holding the blob h. Only sha256 digests of 64 lowercase hex digits
// name a blob: anything else could be a path outside the layout.
func (l LayoutDir) BlobPath(h v1.Hash) (string, error) {
	if h.Algorithm != "sha256" || len(h.Hex) != 64 || strings.Trim(h.Hex, "0123456789abcdef") != "" {
		return "", fmt.Errorf("%q is not a sha256 digest", h)
	}
	return filepath.Join(string(l), filepath.FromSlash(blobRel(h))), nil
}

// Blob reads the blob h (a manifest, an index, a configuration) whole.
func (l LayoutDir) Blob(h v1.Hash) ([]byte, error) {
	p, err := l.BlobPath(h)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(p)
}

// Images is the layout's index as go-containerregistry's ImageIndex, for reading its
// images and indexes as v1 values.
func (l LayoutDir) Images() (v1.ImageIndex, error) {
	return layout.ImageIndexFromPath(string(l))
}

// Closure lists, sorted, the blobs the manifest or index h reaches: itself, the manifests
// an index lists, recursively, and every image's configuration and layers. Only manifests
// and indexes are read, leniently (the fields that point at blobs), so that a layout being
// checked for damage can still be walked.
func (l LayoutDir) Closure(h v1.Hash) ([]v1.Hash, error) {
	seen := map[v1.Hash]bool{}
	var walk func(h v1.Hash) error
	walk = func(h v1.Hash) error {
		if seen[h] {
			return nil
		}
		seen[h] = true
		b, err := l.Blob(h)
		if err != nil {
			return err
		}
		var m struct {
			Manifests []v1.Descriptor `json:"manifests"`
			Config    *v1.Descriptor  `json:"config"`
			Layers    []v1.Descriptor `json:"layers"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("blob %s: %w", h, err)
		}
		for _, c := range m.Manifests {
			if err := walk(c.Digest); err != nil {
				return err
			}
		}
		if m.Config != nil {
			seen[m.Config.Digest] = true
		}
		for _, ly := range m.Layers {
			seen[ly.Digest] = true
		}
		return nil
	}
	if err := walk(h); err != nil {
		return nil, err
	}
	out := make([]v1.Hash, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b v1.Hash) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}

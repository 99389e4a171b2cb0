package oci

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mwedition/mwedition/internal/tarfile"
)

// Store is the content-addressed store that blobs (layers, configurations, manifests) live
// in, named by the hex SHA-256 of their bytes. internal/cache.Store satisfies it.
// Its Path turns a store-relative slash path into a host path: a tree entry's Src, or a
// blob at blobs/sha256/<hex>, as in an OCI image layout.
type Store interface {
	tarfile.Store
	HasBlob(sha string) bool
	// AddBlob streams r into the store; when want is not empty the bytes must hash to it.
	AddBlob(r io.Reader, want string) (sha string, n int64, err error)
}

func blobRel(h v1.Hash) string { return "blobs/sha256/" + h.Hex }

func sha256Hash(hex string) v1.Hash { return v1.Hash{Algorithm: "sha256", Hex: hex} }

func hasBlob(st Store, h v1.Hash) bool { return h.Algorithm == "sha256" && st.HasBlob(h.Hex) }

func openBlob(st Store, h v1.Hash) (*os.File, error) {
	if h.Algorithm != "sha256" {
		return nil, fmt.Errorf("blob %s: only sha256 digests are supported", h)
	}
	f, err := os.Open(st.Path(blobRel(h)))
	if err != nil {
		return nil, fmt.Errorf("blob %s is not in the cache: %w", h, err)
	}
	return f, nil
}

// maxMetadata bounds the manifests, indexes and configurations read into memory.
const maxMetadata = 8 << 20

func readBlob(st Store, h v1.Hash) ([]byte, error) {
	f, err := openBlob(st, h)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxMetadata+1))
	if err != nil {
		return nil, fmt.Errorf("reading blob %s: %w", h, err)
	}
	if len(b) > maxMetadata {
		return nil, fmt.Errorf("blob %s is larger than %d bytes: not a manifest or configuration", h, maxMetadata)
	}
	return b, nil
}

// putBytes stores b and describes it.
func putBytes(st Store, mt types.MediaType, b []byte) (v1.Descriptor, error) {
	sha, n, err := st.AddBlob(bytes.NewReader(b), "")
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: mt, Digest: sha256Hash(sha), Size: n}, nil
}

// putJSON stores v as compact JSON; encoding/json writes struct fields in declaration order
// and map keys sorted, so equal values give equal bytes.
func putJSON(st Store, mt types.MediaType, v any) (v1.Descriptor, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return v1.Descriptor{}, err
	}
	return putBytes(st, mt, b)
}

// StoredImage is an image whose manifest, configuration and layers are in the store.
func StoredImage(st Store, manifest v1.Descriptor) (v1.Image, error) {
	raw, err := readBlob(st, manifest.Digest)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", manifest.Digest, err)
	}
	mt := manifest.MediaType
	if mt == "" {
		mt = m.MediaType
	}
	return partial.CompressedToImage(&storedImage{st: st, raw: raw, m: m, mt: mt})
}

// StoredIndex reads a stored image index.
func StoredIndex(st Store, h v1.Hash) (*v1.IndexManifest, error) {
	raw, err := readBlob(st, h)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", h, err)
	}
	return m, nil
}

// storedImage is the small core partial.CompressedToImage completes into a v1.Image.
type storedImage struct {
	st  Store
	raw []byte
	m   *v1.Manifest
	mt  types.MediaType
}

var _ partial.CompressedImageCore = (*storedImage)(nil)

func (i *storedImage) MediaType() (types.MediaType, error) { return i.mt, nil }
func (i *storedImage) RawManifest() ([]byte, error)        { return i.raw, nil }
func (i *storedImage) RawConfigFile() ([]byte, error)      { return readBlob(i.st, i.m.Config.Digest) }

func (i *storedImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == i.m.Config.Digest {
		return &storedLayer{st: i.st, d: i.m.Config}, nil
	}
	for _, l := range i.m.Layers {
		if l.Digest == h {
			return &storedLayer{st: i.st, d: l}, nil
		}
	}
	return nil, fmt.Errorf("image has no blob %s", h)
}

type storedLayer struct {
	st Store
	d  v1.Descriptor
}

func (l *storedLayer) Digest() (v1.Hash, error)            { return l.d.Digest, nil }
func (l *storedLayer) Size() (int64, error)                { return l.d.Size, nil }
func (l *storedLayer) MediaType() (types.MediaType, error) { return l.d.MediaType, nil }
func (l *storedLayer) Compressed() (io.ReadCloser, error)  { return openBlob(l.st, l.d.Digest) }

// PutManifest stores a manifest made elsewhere, byte for byte, and the blobs it names,
// checking that its descriptor describes those bytes.
func PutManifest(st Store, d v1.Descriptor, raw []byte, blobs [][]byte) (v1.Descriptor, error) {
	for _, b := range blobs {
		if _, err := putBytes(st, "", b); err != nil {
			return v1.Descriptor{}, err
		}
	}
	got, err := putBytes(st, d.MediaType, raw)
	if err != nil {
		return v1.Descriptor{}, err
	}
	if got.Digest != d.Digest || got.Size != d.Size {
		return v1.Descriptor{}, fmt.Errorf("manifest %s: its bytes are %s (%d bytes)", d.Digest, got.Digest, got.Size)
	}
	return got, nil
}

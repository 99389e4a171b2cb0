package oci

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mwedition/mwedition/internal/fstree"
)

// WriteLayout publishes stored images as one OCI image layout at dir: index.json lists refs
// in the order given (each a stored manifest or index, with its annotations), and
// blobs/sha256 holds every blob they reach, once, linked from the store where the file
// system allows. The layout is built in a temporary directory beside dir and renamed into
// place, replacing what was there: a failure leaves dir as it was, and nothing else behind.
func WriteLayout(dir string, st Store, refs []v1.Descriptor) error {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	blobs := filepath.Join(tmp, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return err
	}
	seen := map[v1.Hash]bool{}
	for _, r := range refs {
		if err := copyClosure(st, r, blobs, seen); err != nil {
			return fmt.Errorf("writing %s: %w", dir, err)
		}
	}
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: refs}
	if idx.Manifests == nil {
		idx.Manifests = []v1.Descriptor{}
	}
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "index.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`+"\n"), 0o644); err != nil {
		return err
	}
	return replaceDir(tmp, dir)
}

// copyClosure links d's blob and every blob it reaches into blobs.
func copyClosure(st Store, d v1.Descriptor, blobs string, seen map[v1.Hash]bool) error {
	if seen[d.Digest] {
		return nil
	}
	switch {
	case d.MediaType.IsIndex():
		idx, err := StoredIndex(st, d.Digest)
		if err != nil {
			return err
		}
		for _, c := range idx.Manifests {
			if err := copyClosure(st, c, blobs, seen); err != nil {
				return err
			}
		}
	case d.MediaType.IsImage():
		img, err := StoredImage(st, d)
		if err != nil {
			return err
		}
		m, err := img.Manifest()
		if err != nil {
			return err
		}
		for _, l := range append([]v1.Descriptor{m.Config}, m.Layers...) {
			if err := linkBlob(st, l.Digest, blobs, seen); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%s is a %q, neither an image nor an index", d.Digest, d.MediaType)
	}
	return linkBlob(st, d.Digest, blobs, seen)
}

func linkBlob(st Store, h v1.Hash, blobs string, seen map[v1.Hash]bool) error {
	if seen[h] {
		return nil
	}
	if !hasBlob(st, h) {
		return fmt.Errorf("blob %s is not in the cache", h)
	}
	src, dst := st.Path(blobRel(h)), filepath.Join(blobs, h.Hex)
	if err := os.Link(src, dst); err != nil {
		// Another file system: copy.
		if err := fstree.CopyFile(src, dst, 0o444); err != nil {
			return err
		}
	}
	seen[h] = true
	return nil
}

// replaceDir moves the complete directory tmp to dir. An existing dir is moved aside first
// and removed once the new one is in place, or put back if that fails.
func replaceDir(tmp, dir string) error {
	old := ""
	if _, err := os.Lstat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

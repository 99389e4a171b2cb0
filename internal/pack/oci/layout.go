package oci

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mwedition/mwedition/internal/fstree"
)

// LayoutFiles lists the files of one OCI image layout holding stored images: index.json
// lists refs in the order given (each a stored manifest or index, with its annotations),
// and blobs/sha256 holds every blob they reach, once. Each file is a blob of st, by
// slash-separated path in the layout: index.json and oci-layout are stored by this call.
func LayoutFiles(st Store, refs []v1.Descriptor) (map[string]string, error) {
	files := map[string]string{}
	for _, r := range refs {
		if err := closure(st, r, files); err != nil {
			return nil, err
		}
	}
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: refs}
	if idx.Manifests == nil {
		idx.Manifests = []v1.Descriptor{}
	}
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return nil, err
	}
	for name, content := range map[string][]byte{"index.json": append(b, '\n'), "oci-layout": []byte(`{"imageLayoutVersion":"1.0.0"}` + "\n")} {
		sha, _, err := st.AddBlob(bytes.NewReader(content), "")
		if err != nil {
			return nil, err
		}
		files[name] = sha
	}
	return files, nil
}

// WriteLayout publishes stored images as one OCI image layout at dir (see LayoutFiles),
// each blob linked from the store where the file system allows. The layout is built in a
// temporary directory beside dir and renamed into place, replacing what was there: a
// failure leaves dir as it was, and nothing else behind.
func WriteLayout(dir string, st Store, refs []v1.Descriptor) error {
	files, err := LayoutFiles(st, refs)
	if err != nil {
		return fmt.Errorf("writing %s: %w", dir, err)
	}
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
	if err := os.MkdirAll(filepath.Join(tmp, "blobs", "sha256"), 0o755); err != nil {
		return err
	}
	for name, sha := range files {
		src, dst := st.Path(blobRel(sha256Hash(sha))), filepath.Join(tmp, filepath.FromSlash(name))
		if name == "index.json" || name == "oci-layout" {
			// The layout's own files are copies, which an editor may change without
			// touching the store.
			err = fstree.CopyFile(src, dst, 0o644)
		} else {
			err = linkOrCopy(src, dst, 0o444)
		}
		if err != nil {
			return err
		}
	}
	return fstree.ReplaceDir(tmp, dir)
}

// closure adds d's blob and every blob it reaches to files.
func closure(st Store, d v1.Descriptor, files map[string]string) error {
	if _, ok := files[blobRel(d.Digest)]; ok {
		return nil
	}
	switch {
	case d.MediaType.IsIndex():
		idx, err := StoredIndex(st, d.Digest)
		if err != nil {
			return err
		}
		for _, c := range idx.Manifests {
			if err := closure(st, c, files); err != nil {
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
			if err := addBlob(st, l.Digest, files); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%s is a %q, neither an image nor an index", d.Digest, d.MediaType)
	}
	return addBlob(st, d.Digest, files)
}

func addBlob(st Store, h v1.Hash, files map[string]string) error {
	if !hasBlob(st, h) {
		return fmt.Errorf("blob %s is not in the cache", h)
	}
	files[blobRel(h)] = h.Hex
	return nil
}

// linkOrCopy links a stored file to dst, or copies it (with perm) across file systems.
func linkOrCopy(src, dst string, perm os.FileMode) error {
	if err := os.Link(src, dst); err != nil {
		return fstree.CopyFile(src, dst, perm)
	}
	return nil
}

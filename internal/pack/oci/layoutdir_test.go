package oci_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mwedition/mwedition/internal/pack/oci"
)

// TestLayoutDir reads back a layout WriteLayout made: its index, and the closure of its
// image, which is every blob the layout holds.
func TestLayoutDir(t *testing.T) {
	st := newStore(t)
	d, layers := scratchImage(t, st)
	dir := oci.LayoutDir(filepath.Join(t.TempDir(), "oci"))
	if err := oci.WriteLayout(string(dir), st, []v1.Descriptor{d}); err != nil {
		t.Fatal(err)
	}
	idx, err := dir.Index()
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Manifests) != 1 || idx.Manifests[0].Digest != d.Digest {
		t.Fatalf("index lists %v, want %s", idx.Manifests, d.Digest)
	}
	got, err := dir.Closure(d.Digest)
	if err != nil {
		t.Fatal(err)
	}
	img, err := oci.StoredImage(st, d)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{d.Digest.String(): true, m.Config.Digest.String(): true}
	for _, l := range layers {
		want[l.Digest.String()] = true
	}
	gotSet := map[string]bool{}
	for _, h := range got {
		gotSet[h.String()] = true
	}
	if diff := cmp.Diff(want, gotSet); diff != "" {
		t.Errorf("closure (-want +got):\n%s", diff)
	}
	if _, err := oci.LayoutDir(t.TempDir()).Index(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a directory without index.json: %v, want fs.ErrNotExist", err)
	}
}

func TestLayoutDirBlobPath(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	for _, c := range []struct {
		h    v1.Hash
		want string // "" for an error
	}{
		{v1.Hash{Algorithm: "sha256", Hex: hex}, filepath.Join("L", "blobs", "sha256", hex)},
		{v1.Hash{Algorithm: "sha512", Hex: hex}, ""},
		{v1.Hash{Algorithm: "sha256", Hex: "../../etc/passwd"}, ""},
		{v1.Hash{Algorithm: "sha256", Hex: strings.ToUpper(hex)}, ""},
	} {
		got, err := oci.LayoutDir("L").BlobPath(c.h)
		if (err == nil) != (c.want != "") || got != c.want {
			t.Errorf("BlobPath(%s) = %q, %v; want %q", c.h, got, err, c.want)
		}
	}
}

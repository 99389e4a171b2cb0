package oci

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/klauspost/compress/gzip"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mwedition/mwedition/internal/fstree"
)

// Attr gives one layer entry an owner, or permissions, other than the tree's (root, 0644 or
// 0755): the directories a web server writes to.
type Attr struct {
	UID, GID int
	Perm     fs.FileMode // permission bits; 0 keeps the tree's
}

// LayerOptions say how a tree becomes a layer.
type LayerOptions struct {
	// MTime is every entry's modification time, whole seconds: a component's source time,
	// or an edition's time for the edition's own files.
	MTime time.Time
	// Attrs, by path in the tree, are the entries not owned by root.
	Attrs map[string]Attr
}

// WhiteoutPrefix marks a layer entry that deletes the same name without the prefix from the
// layers below it (the OCI image specification's whiteout).
const WhiteoutPrefix = ".wh."

const gzipLevel = gzip.DefaultCompression

// WriteLayer writes t, whose paths are relative to the image's root, as a gzip-compressed
// tar layer to w, and returns the layer's DiffID: the SHA-256 of the uncompressed tar.
// File contents are read from st at each entry's Src and streamed; a file whose size
// changed since the tree was made is an error.
func WriteLayer(w io.Writer, t fstree.Tree, st Store, o LayerOptions) (v1.Hash, error) {
	if o.MTime.Unix() < 0 {
		return v1.Hash{}, fmt.Errorf("layer time %s is before 1970", o.MTime)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	gz, err := newGzip(bw)
	if err != nil {
		return v1.Hash{}, err
	}
	diff := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(gz, diff))
	mtime := time.Unix(o.MTime.Unix(), 0).UTC()
	buf := make([]byte, 1<<16)
	// Tree entries are sorted bytewise, parents first: the tar is too.
	for i := 0; i < t.Len(); i++ {
		e := t.At(i)
		hdr := &tar.Header{Name: e.Path, ModTime: mtime, Mode: int64(e.Mode().Perm())}
		switch e.Type {
		case fstree.Dir:
			hdr.Typeflag, hdr.Name = tar.TypeDir, e.Path+"/"
		case fstree.Symlink:
			hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, e.Target
		case fstree.File:
			hdr.Typeflag, hdr.Size = tar.TypeReg, e.Size
		default:
			return v1.Hash{}, fmt.Errorf("%s: cannot put a %s in a layer", e.Path, e.Type)
		}
		if a, ok := o.Attrs[e.Path]; ok {
			hdr.Uid, hdr.Gid = a.UID, a.GID
			if a.Perm != 0 {
				hdr.Mode = int64(a.Perm.Perm())
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return v1.Hash{}, fmt.Errorf("%s: %w", e.Path, err)
		}
		if e.Type == fstree.File && e.Size > 0 {
			if err := copyFile(tw, st, e, buf); err != nil {
				return v1.Hash{}, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return v1.Hash{}, err
	}
	if err := gz.Close(); err != nil {
		return v1.Hash{}, err
	}
	if err := bw.Flush(); err != nil {
		return v1.Hash{}, err
	}
	return sha256Hash(hex.EncodeToString(diff.Sum(nil))), nil
}

// newGzip is the layers' compressor: a fixed level (another gives other bytes), and a
// header with no name and the time 0 (klauspost/compress writes the zero time.Time as
// uint32(Unix()), not as 0).
func newGzip(w io.Writer) (*gzip.Writer, error) {
	gz, err := gzip.NewWriterLevel(w, gzipLevel)
	if err != nil {
		return nil, err
	}
	gz.ModTime = time.Unix(0, 0)
	return gz, nil
}

func copyFile(w io.Writer, st Store, e fstree.Entry, buf []byte) error {
	f, err := os.Open(st.Path(e.Src))
	if err != nil {
		return fmt.Errorf("%s: %w", e.Path, err)
	}
	defer f.Close()
	n, err := io.CopyBuffer(w, io.LimitReader(f, e.Size), buf)
	if err != nil {
		return fmt.Errorf("%s: %w", e.Path, err)
	}
	if n != e.Size {
		return fmt.Errorf("%s: %d bytes, but the tree says %d: the cache changed under it", e.Path, n, e.Size)
	}
	return nil
}

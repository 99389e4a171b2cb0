package oci

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/tarfile"
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

// layerGzip is the layers' compressor setting: a fixed level, since another gives other
// bytes, and so other layer digests.
var layerGzip = tarfile.GzipDefault

// WriteLayer writes t, whose paths are relative to the image's root, as a gzip-compressed
// tar layer to w, and returns the layer's DiffID: the SHA-256 of the uncompressed tar.
// File contents are read from st at each entry's Src and streamed; a file whose size or
// digest changed since the tree was made is an error. Cancelling ctx stops the writing
// between entries and inside the copy of a large file.
func WriteLayer(ctx context.Context, w io.Writer, t fstree.Tree, st Store, o LayerOptions) (v1.Hash, error) {
	if o.MTime.Unix() < 0 {
		return v1.Hash{}, fmt.Errorf("layer time %s is before 1970", o.MTime)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	gz, err := layerGzip.NewWriter(bw)
	if err != nil {
		return v1.Hash{}, err
	}
	diff := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(gz, diff))
	mtime := time.Unix(o.MTime.Unix(), 0).UTC()
	buf := make([]byte, 1<<16)
	// Tree entries are sorted bytewise, parents first: the tar is too.
	for i := 0; i < t.Len(); i++ {
		if err := ctx.Err(); err != nil {
			return v1.Hash{}, err
		}
		e := t.At(i)
		if err := writeLayerEntry(ctx, tw, st, e, o.Attrs, mtime, buf); err != nil {
			return v1.Hash{}, err
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

// writeLayerEntry writes e's header, without owner names (a layer's owners are numbers
// the image's /etc/passwd resolves), then its bytes.
func writeLayerEntry(ctx context.Context, tw *tar.Writer, st Store, e fstree.Entry, attrs map[string]Attr, mtime time.Time, buf []byte) error {
	hdr, err := tarfile.Header(e.Path, e, mtime)
	if err != nil {
		return err
	}
	if a, ok := attrs[e.Path]; ok {
		hdr.Uid, hdr.Gid = a.UID, a.GID
		if a.Perm != 0 {
			hdr.Mode = int64(a.Perm.Perm())
		}
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("%s: %w", e.Path, err)
	}
	if e.Type != fstree.File {
		return nil
	}
	_, err = tarfile.CopyEntry(ctx, tw, st, e, buf)
	return err
}

package tarfile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/mwedition/mwedition/internal/fstree"
)

// CopyEntry copies the bytes of the tree file e from st to w, as CopyFile does.
func CopyEntry(ctx context.Context, w io.Writer, st Store, e fstree.Entry, buf []byte) (string, error) {
	if e.Src == "" {
		return "", fmt.Errorf("%s has no Src: its tree was not read from a store", e.Path)
	}
	return CopyFile(ctx, w, Source{Name: e.Path, Path: st.Path(e.Src), Size: e.Size, Digest: e.Digest}, buf)
}

// Source is a file whose bytes go into an archive, and what its tree says they are.
type Source struct {
	Name   string // the entry, for error messages
	Path   string // the file on this host
	Size   int64  // the bytes the archive's header announced
	Digest string // lowercase hex SHA-256; "" when the tree does not say
}

// CopyFile copies s's bytes to w and returns their lowercase hex SHA-256. The header before
// them already states the size, so a store file that changed since its tree was made must
// fail here rather than corrupt the archive: the copy stops at Size, and it is an error if
// the file is shorter, longer, or hashes to another digest than the tree lists. ctx is
// checked at each read, so a cancelled build stops inside a large file.
func CopyFile(ctx context.Context, w io.Writer, s Source, buf []byte) (string, error) {
	f, err := os.Open(s.Path)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", s.Name, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(w, h), Reader(ctx, io.LimitReader(f, s.Size)), buf)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", s.Name, err)
	}
	if extra, _ := f.Read(buf[:1]); n != s.Size || extra != 0 {
		return "", fmt.Errorf("%s: the store's %s is not the %d-byte file the tree lists: the store changed under it", s.Name, s.Path, s.Size)
	}
	d := hex.EncodeToString(h.Sum(nil))
	if s.Digest != "" && d != s.Digest {
		return "", fmt.Errorf("%s: the store's %s has sha256 %s, not the tree's %s", s.Name, s.Path, d, s.Digest)
	}
	return d, nil
}

// Reader is r, failing with ctx's error once ctx is done. Each read is a copy buffer's
// worth (128 KiB to 1 MiB here), so cancelling stops a long copy within milliseconds.
func Reader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

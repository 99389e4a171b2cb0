package tarfile

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/fstree"
)

func TestHeader(t *testing.T) {
	when := time.Unix(1700000000, 0)
	for _, c := range []struct {
		name string
		e    fstree.Entry
		want tar.Header
	}{
		{"a", fstree.Entry{Type: fstree.File, Size: 3}, tar.Header{Name: "a", Typeflag: tar.TypeReg, Size: 3, Mode: 0o644, ModTime: when}},
		{"x", fstree.Entry{Type: fstree.File, Exec: true}, tar.Header{Name: "x", Typeflag: tar.TypeReg, Mode: 0o755, ModTime: when}},
		{"d", fstree.Entry{Type: fstree.Dir}, tar.Header{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: when}},
		{"l", fstree.Entry{Type: fstree.Symlink, Target: "../t"}, tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "../t", Mode: 0o777, ModTime: when}},
	} {
		h, err := Header(c.name, c.e, when)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if diff := cmp.Diff(c.want, *h); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
	if _, err := Header("p", fstree.Entry{Type: fstree.Type(99)}, when); err == nil {
		t.Error("an unknown type gave a header")
	}
}

type dirStore string

func (d dirStore) Path(src string) string { return filepath.Join(string(d), src) }

func TestCopyEntry(t *testing.T) {
	st := dirStore(t.TempDir())
	if err := os.WriteFile(st.Path("f"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("hello"))
	good := hex.EncodeToString(sum[:])
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		what    string
		ctx     context.Context
		e       fstree.Entry
		wantErr string // "" for success
	}{
		{"the tree's file", context.Background(), fstree.Entry{Path: "p", Size: 5, Digest: good, Src: "f"}, ""},
		{"no digest listed", context.Background(), fstree.Entry{Path: "p", Size: 5, Src: "f"}, ""},
		{"shorter than listed", context.Background(), fstree.Entry{Path: "p", Size: 6, Src: "f"}, "not the 6-byte file"},
		{"longer than listed", context.Background(), fstree.Entry{Path: "p", Size: 4, Src: "f"}, "not the 4-byte file"},
		{"another digest", context.Background(), fstree.Entry{Path: "p", Size: 5, Digest: strings.Repeat("0", 64), Src: "f"}, "has sha256"},
		{"no Src", context.Background(), fstree.Entry{Path: "p", Size: 5}, "no Src"},
		{"missing", context.Background(), fstree.Entry{Path: "p", Size: 5, Src: "g"}, "reading p"},
		{"cancelled", cancelled, fstree.Entry{Path: "p", Size: 5, Src: "f"}, context.Canceled.Error()},
	} {
		var out bytes.Buffer
		d, err := CopyEntry(c.ctx, &out, st, c.e, make([]byte, 4))
		if c.wantErr == "" {
			if err != nil || d != good || out.String() != "hello" {
				t.Errorf("%s: got %q, %s, %v; want hello and its digest", c.what, out.String(), d, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %v, want one saying %q", c.what, err, c.wantErr)
		}
	}
}

func TestReaderStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := Reader(ctx, strings.NewReader(strings.Repeat("x", 10)))
	if _, err := r.Read(make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(r); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v, want context.Canceled", err)
	}
}

// TestGzipHeaders pins each setting's header: no name, MTIME 0 whichever library, the
// level's XFL byte and the OS byte.
func TestGzipHeaders(t *testing.T) {
	for _, c := range []struct {
		name string
		g    Gzip
		want []byte // bytes 3 to 9: FLG, MTIME, XFL, OS
	}{
		{"Gzip6", Gzip6, []byte{0, 0, 0, 0, 0, 0, 255}},
		{"GzipDefault", GzipDefault, []byte{0, 0, 0, 0, 0, 0, 255}},
		{"GzipBestUnix", GzipBestUnix, []byte{0, 0, 0, 0, 0, 2, 3}},
		{"StdGzipBest", StdGzipBest, []byte{0, 0, 0, 0, 0, 2, 255}},
		{"StdGzipBestUnix", StdGzipBestUnix, []byte{0, 0, 0, 0, 0, 2, 3}},
	} {
		var b bytes.Buffer
		zw, err := c.g.NewWriter(&b)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(zw, "mediawiki")
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.want, b.Bytes()[3:10]); diff != "" {
			t.Errorf("%s header (-want +got):\n%s", c.name, diff)
		}
	}
}

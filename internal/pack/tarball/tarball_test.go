package tarball

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	stdgzip "compress/gzip"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/tarfile"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.sha256")

var compressions = []Compression{Gzip, XZ, Zstd}

// dirStore is a Store over a directory: Src is a path below it.
type dirStore string

func (d dirStore) Path(src string) string { return filepath.Join(string(d), filepath.FromSlash(src)) }

// fixture writes files into a store and returns their tree. Contents are fixed, so the
// bytes of every segment are too.
type fixture struct {
	t     *testing.T
	store dirStore
	n     int
}

func newFixture(t *testing.T) *fixture { return &fixture{t: t, store: dirStore(t.TempDir())} }

// file stores content and returns a file entry for it.
func (f *fixture) file(p, content string, exec bool) fstree.Entry {
	f.n++
	src := fmt.Sprintf("f%d", f.n)
	if err := os.WriteFile(f.store.Path(src), []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(content))
	return fstree.Entry{Path: p, Type: fstree.File, Exec: exec, Size: int64(len(content)), Digest: hex.EncodeToString(sum[:]), Src: src}
}

func (f *fixture) tree(entries ...fstree.Entry) fstree.Tree {
	t, err := fstree.New(entries)
	if err != nil {
		f.t.Fatal(err)
	}
	return t
}

// A path longer than USTAR's 255 bytes (name and prefix), and a link target longer than
// its 100: both need PAX records.
var (
	longDir    = strings.Repeat("long-directory-name/", 12)
	longPath   = longDir + "file.php"
	longTarget = "../" + strings.Repeat("t", 120)
)

var (
	coreTime = time.Unix(1765907450, 0)
	extTime  = time.Unix(1700000000, 0)
	edTime   = time.Unix(1765907451, 0)
)

// segments is a small edition: core, one extension, and the last segment with the
// edition's settings file.
func segments(f *fixture) (core, ext, last Segment) {
	core = Segment{Prefix: "mediawiki-1.0", OwnsPrefix: true, MTime: coreTime, Tree: f.tree(
		f.file("index.php", "<?php\n// index\n", false),
		f.file("maintenance/run", "#!/bin/sh\necho run\n", true),
		f.file("empty", "", false),
		fstree.Entry{Path: "extensions", Type: fstree.Dir},
		f.file("extensions/README", "extensions go here\n", false),
		fstree.Entry{Path: "skins", Type: fstree.Dir},
		fstree.Entry{Path: "link", Type: fstree.Symlink, Target: "index.php"},
		fstree.Entry{Path: "longlink", Type: fstree.Symlink, Target: longTarget},
		f.file(longPath, "deep\n", false),
		f.file("big.bin", strings.Repeat("0123456789abcdef", 4096), false),
	)}
	ext = Segment{Prefix: "mediawiki-1.0/extensions/Foo", OwnsPrefix: true, MTime: extTime, Tree: f.tree(
		f.file("extension.json", `{"name":"Foo"}`+"\n", false),
		f.file("gitinfo.json", `{"headSHA1":"abc"}`+"\n", false),
	)}
	last = Segment{Prefix: "mediawiki-1.0", MTime: edTime, Tree: f.tree(
		f.file("EditionSettings.php", "<?php\nwfLoadExtensions( [ 'Foo' ] );\n", false),
	)}
	return core, ext, last
}

// entry is what a reader sees of one tar entry.
type entry struct {
	Name, Link, Uname, Gname string
	Type                     byte
	Mode                     int64
	Uid, Gid                 int
	MTime                    int64
	Content                  string
	Format                   tar.Format
	PAX                      []string // PAX record keys
}

func wantEntries(f *fixture, segs ...Segment) []entry {
	var out []entry
	for _, s := range segs {
		items, err := s.items()
		if err != nil {
			f.t.Fatal(err)
		}
		for _, it := range items {
			e := entry{Name: it.name, Uname: "root", Gname: "root", Mode: int64(it.e.Mode().Perm()), MTime: s.MTime.Unix(), Format: tar.FormatUSTAR}
			switch it.e.Type {
			case fstree.Dir:
				e.Type, e.Name = tar.TypeDir, e.Name+"/"
			case fstree.Symlink:
				e.Type, e.Link = tar.TypeSymlink, it.e.Target
			case fstree.File:
				e.Type = tar.TypeReg
				b, err := os.ReadFile(f.store.Path(it.e.Src))
				if err != nil {
					f.t.Fatal(err)
				}
				e.Content = string(b)
			}
			if len(e.Name) > 255 {
				e.Format, e.PAX = tar.FormatPAX, []string{"path"}
			}
			if len(e.Link) > 100 {
				e.Format, e.PAX = tar.FormatPAX, []string{"linkpath"}
			}
			out = append(out, e)
		}
	}
	return out
}

func decompress(t *testing.T, c Compression, b []byte) []byte {
	t.Helper()
	var r io.Reader
	var err error
	switch c {
	case Gzip:
		r, err = stdgzip.NewReader(bytes.NewReader(b)) // reads every member
	case XZ:
		r, err = xz.NewReader(bytes.NewReader(b)) // reads every stream
	case Zstd:
		var d *zstd.Decoder
		d, err = zstd.NewReader(bytes.NewReader(b))
		if err == nil {
			defer d.Close()
			r = d
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decompressing %s: %v", c, err)
	}
	return out
}

// readTar lists a tar stream and checks that only zero blocks follow its end.
func readTar(t *testing.T, data []byte) []entry {
	t.Helper()
	r := bytes.NewReader(data)
	tr := tar.NewReader(r)
	var out []entry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading tar: %v", err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		e := entry{Name: h.Name, Link: h.Linkname, Uname: h.Uname, Gname: h.Gname, Type: h.Typeflag, Mode: h.Mode,
			Uid: h.Uid, Gid: h.Gid, MTime: h.ModTime.Unix(), Content: string(b), Format: h.Format}
		for k := range h.PAXRecords {
			e.PAX = append(e.PAX, k)
		}
		if !h.AccessTime.IsZero() || !h.ChangeTime.IsZero() {
			t.Errorf("%s: access or change time set", h.Name)
		}
		out = append(out, e)
	}
	// The reader stops after the marker, which must end the data.
	if rest, _ := io.ReadAll(r); len(rest) != 0 {
		t.Errorf("%d bytes after the end-of-archive marker", len(rest))
	}
	if len(data) < 1024 || strings.Trim(string(data[len(data)-1024:]), "\x00") != "" {
		t.Error("the data does not end with the end-of-archive marker")
	}
	return out
}

func write1(t *testing.T, st tarfile.Store, s Segment, c Compression, o Options, last bool) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	if last {
		err = WriteLast(context.Background(), &b, st, s, c, o)
	} else {
		err = WriteSegment(context.Background(), &b, st, s, c, o)
	}
	if err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	return b.Bytes()
}

// TestConcatenation: segments written apart and copied end to end read back as one
// tarball holding every entry in order, with the marker only at the end.
func TestConcatenation(t *testing.T) {
	f := newFixture(t)
	core, ext, last := segments(f)
	want := wantEntries(f, core, ext, last)
	for _, c := range compressions {
		for _, chunk := range []int64{0, 1} { // one chunk per segment; one chunk per entry
			t.Run(fmt.Sprintf("%s/chunk=%d", c, chunk), func(t *testing.T) {
				o := Options{ChunkSize: chunk, Limiter: NewLimiter(3)}
				var all []byte
				all = append(all, write1(t, f.store, core, c, o, false)...)
				all = append(all, write1(t, f.store, ext, c, o, false)...)
				all = append(all, write1(t, f.store, last, c, o, true)...)
				got := readTar(t, decompress(t, c, all))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("entries (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// members counts the gzip members of b.
func members(t *testing.T, b []byte) int {
	t.Helper()
	br := bytes.NewReader(b)
	zr, err := stdgzip.NewReader(br)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		zr.Multistream(false)
		if _, err := io.Copy(io.Discard, zr); err != nil {
			t.Fatal(err)
		}
		if zr.Header.Name != "" || !zr.Header.ModTime.IsZero() {
			t.Errorf("gzip member %d has name %q, time %v", n, zr.Header.Name, zr.Header.ModTime)
		}
		n++
		if err := zr.Reset(br); err == io.EOF {
			return n
		} else if err != nil {
			t.Fatal(err)
		}
	}
}

// TestChunks: a segment cut into chunks is as many gzip members; the tar data inside does
// not depend on the cuts, and the bytes do not depend on how many chunks run at once.
func TestChunks(t *testing.T) {
	f := newFixture(t)
	core, _, _ := segments(f)
	one := write1(t, f.store, core, Gzip, Options{}, false)
	if n := members(t, one); n != 1 {
		t.Errorf("default chunk size: %d members, want 1", n)
	}
	cut := write1(t, f.store, core, Gzip, Options{ChunkSize: 1}, false)
	if n, want := members(t, cut), core.Tree.Len()+1; n != want {
		t.Errorf("chunk size 1: %d members, want one per entry (%d)", n, want)
	}
	if !bytes.Equal(decompress(t, Gzip, one), decompress(t, Gzip, cut)) {
		t.Error("the tar data differs with the chunk size")
	}
	for _, c := range compressions {
		serial := write1(t, f.store, core, c, Options{ChunkSize: 600}, false)
		for _, jobs := range []int{2, 8} {
			if par := write1(t, f.store, core, c, Options{ChunkSize: 600, Limiter: NewLimiter(jobs)}, false); !bytes.Equal(serial, par) {
				t.Errorf("%s: %d chunks at once give other bytes than one at a time", c, jobs)
			}
		}
	}
}

// TestShared: writers sharing one Limiter from many goroutines neither deadlock nor mix
// their bytes.
func TestShared(t *testing.T) {
	f := newFixture(t)
	core, _, _ := segments(f)
	want := write1(t, f.store, core, XZ, Options{ChunkSize: 600}, false)
	lim := NewLimiter(2)
	errs := make(chan error, 6)
	outs := make([]bytes.Buffer, 6)
	for i := range outs {
		go func() {
			errs <- WriteSegment(context.Background(), &outs[i], f.store, core, XZ, Options{ChunkSize: 600, Limiter: lim})
		}()
	}
	for range outs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i := range outs {
		if !bytes.Equal(outs[i].Bytes(), want) {
			t.Errorf("writer %d: other bytes", i)
		}
	}
}

// TestEmpty: an empty segment is nothing; an empty last segment is the marker alone.
func TestEmpty(t *testing.T) {
	f := newFixture(t)
	for _, c := range compressions {
		if b := write1(t, f.store, Segment{Prefix: "top"}, c, Options{}, false); len(b) != 0 {
			t.Errorf("%s: an empty segment wrote %d bytes", c, len(b))
		}
		b := decompress(t, c, write1(t, f.store, Segment{Prefix: "top"}, c, Options{}, true))
		if len(b) != 1024 || strings.Trim(string(b), "\x00") != "" {
			t.Errorf("%s: an empty last segment holds %d bytes, want the 1024-byte marker", c, len(b))
		}
	}
}

// TestGolden pins the bytes of each compression for a fixed input, so that a change (a
// dependency or toolchain upgrade, a header tweak) is noticed; bump Format when it is
// intended, then run go test -run TestGolden -update.
func TestGolden(t *testing.T) {
	f := newFixture(t)
	core, ext, last := segments(f)
	var got strings.Builder
	for _, c := range compressions {
		var all []byte
		all = append(all, write1(t, f.store, core, c, Options{ChunkSize: 4096}, false)...)
		all = append(all, write1(t, f.store, ext, c, Options{}, false)...)
		all = append(all, write1(t, f.store, last, c, Options{}, true)...)
		sum := sha256.Sum256(all)
		fmt.Fprintf(&got, "%s %s\n", c, hex.EncodeToString(sum[:]))
	}
	golden := filepath.Join("testdata", "golden.sha256")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("tarball bytes changed (-golden +now):\n%s\nIf intended, bump Format and run go test -run TestGolden -update.", diff)
	}
}

func TestErrors(t *testing.T) {
	f := newFixture(t)
	grown := f.file("grown", "abc", false)
	if err := os.WriteFile(f.store.Path(grown.Src), []byte("abcdef"), 0o644); err != nil {
		t.Fatal(err)
	}
	shrunk := f.file("shrunk", "abcdef", false)
	if err := os.WriteFile(f.store.Path(shrunk.Src), []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := f.file("missing", "x", false)
	os.Remove(f.store.Path(missing.Src))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		seg  Segment
		c    Compression
		want string
	}{
		{"grown file", context.Background(), Segment{Prefix: "top", Tree: f.tree(grown)}, Gzip, "not the 3-byte file the tree lists"},
		{"shrunk file", context.Background(), Segment{Prefix: "top", Tree: f.tree(shrunk)}, XZ, "not the 6-byte file the tree lists"},
		{"missing file", context.Background(), Segment{Prefix: "top", Tree: f.tree(missing)}, Gzip, "top/missing: open "},
		{"unclean prefix", context.Background(), Segment{Prefix: "a/../b", Tree: f.tree(missing)}, Gzip, `segment prefix "a/../b": not a clean relative path`},
		{"absolute prefix", context.Background(), Segment{Prefix: "/top"}, Gzip, "not a clean relative path"},
		{"owning no prefix", context.Background(), Segment{OwnsPrefix: true}, Gzip, "no directory to own"},
		{"unknown compression", context.Background(), Segment{Prefix: "top"}, "bz2", `"bz2" is not a tarball compression`},
		{"cancelled", cancelled, Segment{Prefix: "top", OwnsPrefix: true}, Gzip, "context canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteLast(tc.ctx, io.Discard, f.store, tc.seg, tc.c, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	// A failing chunk among several stops the others and returns every slot.
	lim := NewLimiter(2)
	seg := Segment{Prefix: "top", Tree: f.tree(f.file("a", "a", false), missing, f.file("c", "c", false))}
	if err := WriteSegment(context.Background(), io.Discard, f.store, seg, XZ, Options{ChunkSize: 1, Limiter: lim}); err == nil {
		t.Error("a missing file among chunks: no error")
	}
	if len(lim.slots) != 0 {
		t.Errorf("%d slots still taken after a failed write", len(lim.slots))
	}
	seg = Segment{Prefix: "top", Tree: f.tree(f.file("a", "a", false), f.file("b", "b", false), f.file("c", "c", false))}
	if err := WriteSegment(context.Background(), failWriter{}, f.store, seg, Gzip, Options{ChunkSize: 1, Limiter: lim}); !errors.Is(err, errFull) {
		t.Errorf("a failing writer: %v", err)
	}
	if len(lim.slots) != 0 {
		t.Errorf("%d slots still taken after a failed write", len(lim.slots))
	}
}

var errFull = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errFull }

func TestParseCompression(t *testing.T) {
	for _, s := range []string{"gz", "xz", "zst"} {
		c, err := ParseCompression(s)
		if err != nil || string(c) != s || c.Ext() != ".tar."+s {
			t.Errorf("ParseCompression(%q) = %q, %v", s, c, err)
		}
	}
	if _, err := ParseCompression("gzip"); err == nil {
		t.Error(`ParseCompression("gzip"): no error`)
	}
}

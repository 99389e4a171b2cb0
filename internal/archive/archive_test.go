package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

var (
	t0 = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	t1 = time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC)
	t2 = time.Date(2022, 7, 2, 13, 30, 0, 0, time.UTC)
	t3 = time.Date(2023, 8, 3, 14, 45, 0, 0, time.UTC)
	t4 = time.Date(2020, 9, 4, 15, 15, 0, 0, time.UTC)
)

// ent describes one tar entry. "$PARENT" in name or link is replaced by the
// sandbox's parent directory, to build absolute paths that would land
// somewhere the test can observe.
type ent struct {
	name  string
	typ   byte
	body  string
	link  string
	mode  int64
	mtime time.Time
}

func tarBytes(t testing.TB, parent string, ents []ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		hdr := &tar.Header{
			Name:     strings.ReplaceAll(e.name, "$PARENT", parent),
			Linkname: strings.ReplaceAll(e.link, "$PARENT", parent),
			Typeflag: e.typ,
			Mode:     e.mode,
			ModTime:  e.mtime,
			Format:   tar.FormatPAX,
		}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
		}
		if hdr.ModTime.IsZero() {
			hdr.ModTime = t0
		}
		if hdr.Typeflag == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			hdr = &tar.Header{Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": "0123abcd"}}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatalf("writing header %q: %v", e.name, err)
		}
		if hdr.Size > 0 {
			if _, err := io.WriteString(tw, e.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xzBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstdBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	zw, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer zw.Close()
	return zw.EncodeAll(b, nil)
}

// node is what the tests observe of a file system entry.
type node struct {
	Mode    fs.FileMode
	ModTime time.Time // zero for symlinks
	Content string
	Link    string
}

// snapshot records everything below root except the subtree named skip.
func snapshot(t testing.TB, root, skip string) map[string]node {
	t.Helper()
	out := map[string]node{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == skip {
			return filepath.SkipDir
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		n := node{Mode: fi.Mode(), ModTime: fi.ModTime()}
		if rel == "." {
			// Creating or removing the extraction directory changes it;
			// additions show up in the listing anyway.
			n.ModTime = time.Time{}
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			n = node{Mode: fs.ModeSymlink}
			if n.Link, err = os.Readlink(p); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			n.Content = string(b)
		}
		out[rel] = n
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot of %s: %v", root, err)
	}
	return out
}

// sandbox is an extraction directory "x" inside a private parent that also
// holds files an escaping archive might try to reach.
type sandbox struct {
	parent, dir string
	before      map[string]node
}

const sentinel = "sentinel: must never change\n"

func newSandbox(t testing.TB) *sandbox {
	t.Helper()
	parent := t.TempDir()
	s := &sandbox{parent: parent, dir: filepath.Join(parent, "x")}
	for _, d := range []string{s.dir, filepath.Join(parent, "outside")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"sentinel.txt", "outside/secret.txt"} {
		if err := os.WriteFile(filepath.Join(parent, f), []byte(sentinel), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Make the parent's mtimes stable so that any write shows up.
	for _, p := range []string{parent, filepath.Join(parent, "outside"), filepath.Join(parent, "sentinel.txt"), filepath.Join(parent, "outside/secret.txt")} {
		if err := os.Chtimes(p, t0, t0); err != nil {
			t.Fatal(err)
		}
	}
	s.before = snapshot(t, parent, "x")
	// Runs even when the test stops early, and before the TempDir cleanup.
	t.Cleanup(func() { s.checkOutside(t) })
	return s
}

// checkOutside asserts that nothing outside the extraction directory changed.
func (s *sandbox) checkOutside(t testing.TB) {
	t.Helper()
	after := snapshot(t, s.parent, "x")
	if diff := cmp.Diff(s.before, after); diff != "" {
		t.Errorf("files outside the extraction directory changed (-before +after):\n%s", diff)
	}
	b, err := os.ReadFile(filepath.Join(s.parent, "sentinel.txt"))
	if err != nil || string(b) != sentinel {
		t.Errorf("sentinel file changed: %q, %v", b, err)
	}
}

// escapesRoot reports whether rel, resolved inside root the way the kernel
// would (following symlinks), ever climbs above root.
func escapesRoot(t testing.TB, root, rel string) bool {
	t.Helper()
	var stack []string
	queue := strings.Split(rel, "/")
	for hops := 0; len(queue) > 0; {
		c := queue[0]
		queue = queue[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return true
			}
			stack = stack[:len(stack)-1]
			continue
		}
		p := path.Join(append(stack, c)...)
		fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			stack = append(stack, c)
			continue
		}
		if hops++; hops > 40 {
			return false // a loop; the kernel refuses it
		}
		target, err := os.Readlink(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		if path.IsAbs(target) {
			return true
		}
		queue = append(strings.Split(target, "/"), queue...)
	}
	return false
}

// checkSymlinksConfined asserts that every symlink below dir resolves inside it.
func checkSymlinksConfined(t testing.TB, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink == 0 {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if escapesRoot(t, dir, filepath.ToSlash(rel)) {
			target, _ := os.Readlink(p)
			t.Errorf("symlink %q -> %q resolves outside the extraction directory", rel, target)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDefaultLimits(t *testing.T) {
	want := Limits{MaxBytes: 4 << 30, MaxRatio: 200, MaxEntries: 1_000_000}
	if diff := cmp.Diff(want, DefaultLimits()); diff != "" {
		t.Errorf("DefaultLimits() mismatch (-want +got):\n%s", diff)
	}
}

func TestEntryErrorMessage(t *testing.T) {
	err := &EntryError{Entry: "x/../../etc/passwd", Reason: "path escapes the archive root"}
	want := `archive entry "x/../../etc/passwd": path escapes the archive root`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("Error() mismatch (-want +got):\n%s", diff)
	}
}

func TestExtractValid(t *testing.T) {
	ents := []ent{
		{typ: tar.TypeXGlobalHeader}, // as written by git archive
		{name: "./", typ: tar.TypeDir, mode: 0o755},
		{name: "top/", typ: tar.TypeDir, mode: 0o775, mtime: t1},
		{name: "top/a.txt", body: "hello\n", mode: 0o600, mtime: t2},
		{name: "top/bin/run.sh", body: "#!/bin/sh\necho hi\n", mode: 0o4755, mtime: t2},
		{name: "top/sub/", typ: tar.TypeDir, mode: 0o2777, mtime: t3},
		{name: "top/sub/deep.txt", body: "deep", mode: 0o664, mtime: t4},
		{name: "top/sub/up", typ: tar.TypeSymlink, link: "../a.txt"},
		{name: "top/link", typ: tar.TypeSymlink, link: "./a.txt"},
		{name: "top/hard", typ: tar.TypeLink, link: "top/a.txt"},
		{name: "top/sub/", typ: tar.TypeDir, mode: 0o755, mtime: t3}, // duplicate directories are fine
		{name: "top/group-exec", body: "x", mode: 0o610, mtime: t4},
	}
	wantTree := map[string]node{
		".":                {Mode: fs.ModeDir | 0o755},
		"top":              {Mode: fs.ModeDir | 0o755, ModTime: t1},
		"top/a.txt":        {Mode: 0o644, ModTime: t2, Content: "hello\n"},
		"top/bin":          {Mode: fs.ModeDir | 0o755}, // implicit: no mtime in the archive
		"top/bin/run.sh":   {Mode: 0o755, ModTime: t2, Content: "#!/bin/sh\necho hi\n"},
		"top/sub":          {Mode: fs.ModeDir | 0o755, ModTime: t3},
		"top/sub/deep.txt": {Mode: 0o644, ModTime: t4, Content: "deep"},
		"top/sub/up":       {Mode: fs.ModeSymlink, Link: "../a.txt"},
		"top/link":         {Mode: fs.ModeSymlink, Link: "./a.txt"},
		"top/hard":         {Mode: 0o644, ModTime: t2, Content: "hello\n"},
		"top/group-exec":   {Mode: 0o755, ModTime: t4, Content: "x"},
	}
	wantBytes := int64(len("hello\n") + len("#!/bin/sh\necho hi\n") + len("deep") + len("x"))

	plain := tarBytes(t, "", ents)
	half := len(plain) / 2
	tests := []struct {
		name        string
		data        []byte
		compression string
	}{
		{"plain", plain, "none"},
		{"gzip", gzipBytes(t, plain), "gzip"},
		{"gzip multistream", append(gzipBytes(t, plain[:half]), gzipBytes(t, plain[half:])...), "gzip"},
		{"xz", xzBytes(t, plain), "xz"},
		{"xz concatenated streams", append(xzBytes(t, plain[:half]), xzBytes(t, plain[half:])...), "xz"},
		{"zstd", zstdBytes(t, plain), "zstd"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			sum, err := Extract(bytes.NewReader(tc.data), s.dir, Limits{})
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			wantSum := Summary{Entries: len(ents), Bytes: wantBytes, Compression: tc.compression}
			if diff := cmp.Diff(wantSum, sum); diff != "" {
				t.Errorf("Summary mismatch (-want +got):\n%s", diff)
			}
			got := snapshot(t, s.dir, "")
			n := got["top/bin"]
			n.ModTime = time.Time{}
			got["top/bin"] = n
			if diff := cmp.Diff(wantTree, got); diff != "" {
				t.Errorf("extracted tree mismatch (-want +got):\n%s", diff)
			}
			a, _ := os.Stat(filepath.Join(s.dir, "top/a.txt"))
			h, _ := os.Stat(filepath.Join(s.dir, "top/hard"))
			if !os.SameFile(a, h) {
				t.Errorf("top/hard is not a hard link to top/a.txt")
			}
			checkSymlinksConfined(t, s.dir)
		})
	}
}

func TestExtractRefusesEntries(t *testing.T) {
	tests := []struct {
		name     string
		ents     []ent
		lim      Limits
		want     *EntryError
		wantTree []string // what must exist in the extraction directory afterwards
	}{
		{
			name:     "dot-dot traversal",
			ents:     []ent{{name: "ok.txt", body: "ok"}, {name: "../escaped.txt", body: "pwned"}},
			want:     &EntryError{Entry: "../escaped.txt", Reason: "path escapes the archive root"},
			wantTree: []string{"ok.txt"},
		},
		{
			name: "dot-dot traversal after a directory",
			ents: []ent{{name: "a/../../escaped.txt", body: "pwned"}},
			want: &EntryError{Entry: "a/../../escaped.txt", Reason: "path escapes the archive root"},
		},
		{
			name: "absolute path",
			ents: []ent{{name: "$PARENT/outside/abs.txt", body: "pwned"}},
			want: &EntryError{Entry: "$PARENT/outside/abs.txt", Reason: "absolute path"},
		},
		{
			name: "absolute directory",
			ents: []ent{{name: "/etc/", typ: tar.TypeDir}},
			want: &EntryError{Entry: "/etc/", Reason: "absolute path"},
		},
		{
			name: "file named dot",
			ents: []ent{{name: ".", body: "x"}},
			want: &EntryError{Entry: ".", Reason: "empty path"},
		},
		{
			name:     "symlink escaping",
			ents:     []ent{{name: "sub/", typ: tar.TypeDir}, {name: "sub/link", typ: tar.TypeSymlink, link: "../../outside"}},
			want:     &EntryError{Entry: "sub/link", Reason: "symlink target escapes the archive root"},
			wantTree: []string{"sub/"},
		},
		{
			name: "absolute symlink target then write-through",
			ents: []ent{{name: "d", typ: tar.TypeSymlink, link: "$PARENT/outside"}, {name: "d/file", body: "pwned"}},
			want: &EntryError{Entry: "d", Reason: "absolute symlink target"},
		},
		{
			name: "symlink to parent then write-through",
			ents: []ent{{name: "d", typ: tar.TypeSymlink, link: ".."}, {name: "d/file", body: "pwned"}},
			want: &EntryError{Entry: "d", Reason: "symlink target escapes the archive root"},
		},
		{
			name:     "in-root symlink to root then write-through",
			ents:     []ent{{name: "a/d", typ: tar.TypeSymlink, link: ".."}, {name: "a/d/file", body: "pwned"}},
			want:     &EntryError{Entry: "a/d/file", Reason: `parent "a/d" is a symlink`},
			wantTree: []string{"a/", "a/d@"},
		},
		{
			name: "in-root symlink then write-through to an existing file",
			ents: []ent{
				{name: "sub/victim.txt", body: "original"},
				{name: "d", typ: tar.TypeSymlink, link: "sub"},
				{name: "d/victim.txt", body: "overwritten"},
			},
			want:     &EntryError{Entry: "d/victim.txt", Reason: `parent "d" is a symlink`},
			wantTree: []string{"d@", "sub/", "sub/victim.txt"},
		},
		{
			name: "symlink chained through another symlink",
			ents: []ent{
				{name: "a/up", typ: tar.TypeSymlink, link: ".."},
				{name: "e", typ: tar.TypeSymlink, link: "a/up/.."},
			},
			want:     &EntryError{Entry: "e", Reason: `symlink target has ".." after a path component`},
			wantTree: []string{"a/", "a/up@"},
		},
		{
			name: "empty symlink target",
			ents: []ent{{name: "l", typ: tar.TypeSymlink}},
			want: &EntryError{Entry: "l", Reason: "empty symlink target"},
		},
		{
			name: "hardlink to outside",
			ents: []ent{{name: "h", typ: tar.TypeLink, link: "../outside/secret.txt"}},
			want: &EntryError{Entry: "h", Reason: "hardlink target escapes the archive root"},
		},
		{
			name: "hardlink to absolute path",
			ents: []ent{{name: "h", typ: tar.TypeLink, link: "$PARENT/sentinel.txt"}},
			want: &EntryError{Entry: "h", Reason: "absolute hardlink target"},
		},
		{
			name: "hardlink to nonexistent file",
			ents: []ent{{name: "h", typ: tar.TypeLink, link: "missing.txt"}},
			want: &EntryError{Entry: "h", Reason: "hardlink target is not a previously extracted regular file"},
		},
		{
			name:     "hardlink to a symlink",
			ents:     []ent{{name: "l", typ: tar.TypeSymlink, link: "elsewhere"}, {name: "h", typ: tar.TypeLink, link: "l"}},
			want:     &EntryError{Entry: "h", Reason: "hardlink target is not a previously extracted regular file"},
			wantTree: []string{"l@"},
		},
		{
			name: "hardlink to a later file",
			ents: []ent{{name: "h", typ: tar.TypeLink, link: "f"}, {name: "f", body: "x"}},
			want: &EntryError{Entry: "h", Reason: "hardlink target is not a previously extracted regular file"},
		},
		{
			name: "character device",
			ents: []ent{{name: "null", typ: tar.TypeChar}},
			want: &EntryError{Entry: "null", Reason: "device nodes are not allowed"},
		},
		{
			name: "block device",
			ents: []ent{{name: "sda", typ: tar.TypeBlock}},
			want: &EntryError{Entry: "sda", Reason: "device nodes are not allowed"},
		},
		{
			name: "FIFO",
			ents: []ent{{name: "pipe", typ: tar.TypeFifo}},
			want: &EntryError{Entry: "pipe", Reason: "FIFOs are not allowed"},
		},
		{
			name: "unknown type",
			ents: []ent{{name: "weird", typ: 'Z'}},
			want: &EntryError{Entry: "weird", Reason: `unsupported entry type 'Z'`},
		},
		{
			name:     "duplicate file",
			ents:     []ent{{name: "f.txt", body: "first"}, {name: "f.txt", body: "second"}},
			want:     &EntryError{Entry: "f.txt", Reason: "duplicate entry (already extracted as a regular file)"},
			wantTree: []string{"f.txt"},
		},
		{
			name:     "duplicate symlink",
			ents:     []ent{{name: "l", typ: tar.TypeSymlink, link: "a"}, {name: "l", typ: tar.TypeSymlink, link: "b"}},
			want:     &EntryError{Entry: "l", Reason: "duplicate entry (already extracted as a symlink)"},
			wantTree: []string{"l@"},
		},
		{
			name:     "file replacing a directory",
			ents:     []ent{{name: "d/", typ: tar.TypeDir}, {name: "d", body: "x"}},
			want:     &EntryError{Entry: "d", Reason: "duplicate entry (already extracted as a directory)"},
			wantTree: []string{"d/"},
		},
		{
			name:     "file below a file",
			ents:     []ent{{name: "f", body: "x"}, {name: "f/g", body: "y"}},
			want:     &EntryError{Entry: "f/g", Reason: `parent "f" is not a directory`},
			wantTree: []string{"f"},
		},
		{
			name:     "too many entries",
			ents:     []ent{{name: "1", body: "1"}, {name: "2", body: "2"}, {name: "3", body: "3"}, {name: "4", body: "4"}},
			lim:      Limits{MaxEntries: 3},
			want:     &EntryError{Entry: "4", Reason: "too many entries (limit 3)"},
			wantTree: []string{"1", "2", "3"},
		},
		{
			name:     "file larger than MaxBytes",
			ents:     []ent{{name: "small", body: "1234"}, {name: "big", body: "12345678"}},
			lim:      Limits{MaxBytes: 10},
			want:     &EntryError{Entry: "big", Reason: "uncompressed size exceeds the limit of 10 bytes"},
			wantTree: []string{"small"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			data := tarBytes(t, s.parent, tc.ents)
			_, err := Extract(bytes.NewReader(data), s.dir, tc.lim)
			var got *EntryError
			if !errors.As(err, &got) {
				t.Fatalf("Extract error = %v, want an *EntryError", err)
			}
			want := *tc.want
			want.Entry = strings.ReplaceAll(want.Entry, "$PARENT", s.parent)
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("EntryError mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantTree, listTree(t, s.dir)); diff != "" {
				t.Errorf("extraction directory mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// listTree lists dir's contents sorted, directories with a trailing "/" and
// symlinks with a trailing "@".
func listTree(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	for rel, n := range snapshot(t, dir, "") {
		switch {
		case rel == ".":
			continue
		case n.Mode.IsDir():
			rel += "/"
		case n.Mode&fs.ModeSymlink != 0:
			rel += "@"
		}
		out = append(out, rel)
	}
	if out == nil {
		return nil
	}
	slices.Sort(out)
	return out
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// zeroBomb streams a gzip-compressed tar of files full of zeros through a
// pipe, so the test never holds the expanded data in memory. stop must be
// called once Extract has returned.
func zeroBomb(files int, size int64) (r io.Reader, stop func()) {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := func() error {
			zw := gzip.NewWriter(pw)
			tw := tar.NewWriter(zw)
			for i := range files {
				hdr := &tar.Header{Name: fmt.Sprintf("zeros-%02d.bin", i), Mode: 0o644, Size: size, ModTime: t0}
				if err := tw.WriteHeader(hdr); err != nil {
					return err
				}
				if _, err := io.CopyN(tw, zeros{}, size); err != nil {
					return err
				}
			}
			if err := tw.Close(); err != nil {
				return err
			}
			return zw.Close()
		}()
		pw.CloseWithError(err)
	}()
	return pr, func() {
		pr.CloseWithError(errors.New("extraction finished"))
		<-done
	}
}

func TestExtractDecompressionBomb(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name      string
		files     int
		size      int64
		lim       Limits
		want      *EntryError
		wantBytes int64 // exact bytes written, or -1 to check maxBytes instead
		maxBytes  int64
	}{
		{
			name:      "300 MiB file over MaxBytes",
			files:     1,
			size:      300 * mib,
			lim:       Limits{MaxBytes: 100 * mib},
			want:      &EntryError{Entry: "zeros-00.bin", Reason: "uncompressed size exceeds the limit of 104857600 bytes"},
			wantBytes: 0,
		},
		{
			name:      "many 10 MiB files over MaxBytes",
			files:     30,
			size:      10 * mib,
			lim:       Limits{MaxBytes: 100 * mib, MaxRatio: 1 << 40},
			want:      &EntryError{Entry: "zeros-10.bin", Reason: "uncompressed size exceeds the limit of 104857600 bytes"},
			wantBytes: 100 * mib,
		},
		{
			name:      "300 MiB file over small MaxRatio",
			files:     1,
			size:      300 * mib,
			lim:       Limits{MaxRatio: 10},
			want:      &EntryError{Entry: "zeros-00.bin", Reason: "compression ratio exceeds the limit of 10:1 (decompression bomb?)"},
			wantBytes: -1,
			maxBytes:  ratioThreshold + 1*mib,
		},
		{
			name:      "300 MiB file over default MaxRatio",
			files:     1,
			size:      300 * mib,
			lim:       Limits{},
			want:      &EntryError{Entry: "zeros-00.bin", Reason: "compression ratio exceeds the limit of 200:1 (decompression bomb?)"},
			wantBytes: -1,
			maxBytes:  ratioThreshold + 1*mib,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			r, stop := zeroBomb(tc.files, tc.size)
			sum, err := Extract(r, s.dir, tc.lim)
			stop()
			var got *EntryError
			if !errors.As(err, &got) {
				t.Fatalf("Extract error = %v, want an *EntryError", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("EntryError mismatch (-want +got):\n%s", diff)
			}
			var onDisk int64
			for _, n := range snapshot(t, s.dir, "") {
				if n.Mode.IsRegular() {
					onDisk += int64(len(n.Content))
				}
			}
			if tc.wantBytes >= 0 && onDisk != tc.wantBytes {
				t.Errorf("%d bytes written, want %d", onDisk, tc.wantBytes)
			}
			if tc.wantBytes < 0 && onDisk > tc.maxBytes {
				t.Errorf("%d bytes written before stopping, want at most %d", onDisk, tc.maxBytes)
			}
			if sum.Compression != "gzip" {
				t.Errorf("Compression = %q, want gzip", sum.Compression)
			}
		})
	}
}

// noisyTar returns a tar whose compressed form is not trivially small, so
// corrupting the middle of it hits real compressed data.
func noisyTar(t testing.TB) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var ents []ent
	for i := range 8 {
		var b strings.Builder
		for range 4000 {
			b.WriteByte("abcdefghij\n"[rng.IntN(11)])
		}
		ents = append(ents, ent{name: fmt.Sprintf("dir/file-%d.txt", i), body: b.String()})
	}
	return tarBytes(t, "", ents)
}

func flipMiddle(b []byte) []byte {
	b = bytes.Clone(b)
	for i := len(b) / 2; i < len(b)/2+16; i++ {
		b[i] ^= 0x5a
	}
	return b
}

// flipTrailer corrupts the CRC-32 in a gzip member's trailer, which is only
// read after the tar end-of-archive marker.
func flipTrailer(b []byte) []byte {
	b = bytes.Clone(b)
	b[len(b)-8] ^= 0xff
	return b
}

func TestExtractCorruptOrTruncated(t *testing.T) {
	noisy := noisyTar(t)
	one := tarBytes(t, "", []ent{{name: "f", body: strings.Repeat("y", 10240)}})
	tests := []struct {
		name    string
		data    []byte
		wantErr string // substring of the error after "reading archive: "
	}{
		{"corrupt gzip", flipMiddle(gzipBytes(t, noisy)), "flate: corrupt input"},
		{"corrupt xz", flipMiddle(xzBytes(t, noisy)), ""},
		{"corrupt zstd", flipMiddle(zstdBytes(t, noisy)), ""},
		{"corrupt gzip trailer", flipTrailer(gzipBytes(t, noisy)), "gzip: invalid checksum"},
		{"truncated gzip", gzipBytes(t, noisy)[:len(gzipBytes(t, noisy))/2], "unexpected EOF"},
		{"truncated xz", xzBytes(t, noisy)[:len(xzBytes(t, noisy))/2], ""},
		{"truncated tar in file data", one[:512+5000], "unexpected EOF"},
		{"truncated tar in header", one[:100], "unexpected EOF"},
		{"truncated tar between entries", one[:512+10240], "missing end-of-archive marker"},
		{"truncated tar after one zero block", one[:512+10240+512], "missing end-of-archive marker"},
		{"empty input", nil, "missing end-of-archive marker"},
		{"not a tar", []byte(strings.Repeat("this is not a tar archive\n", 40)), "invalid tar header"},
		{"corrupt gzip header", []byte{0x1f, 0x8b, 0xff, 0xff, 0, 0}, "gzip"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			_, err := Extract(bytes.NewReader(tc.data), s.dir, Limits{})
			if err == nil {
				t.Fatal("Extract succeeded, want an error")
			}
			var ee *EntryError
			if errors.As(err, &ee) {
				t.Errorf("Extract error = %v, want a read error, not an *EntryError", err)
			}
			if !strings.HasPrefix(err.Error(), "reading archive: ") || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Extract error = %q, want \"reading archive: ...%s...\"", err, tc.wantErr)
			}
		})
	}
}

func TestExtractDirectoryMustBeEmptyAndExist(t *testing.T) {
	data := tarBytes(t, "", []ent{{name: "f", body: "x"}})
	tests := []struct {
		name    string
		setup   func(s *sandbox) string
		wantErr string
	}{
		{"not empty", func(s *sandbox) string {
			if err := os.WriteFile(filepath.Join(s.dir, "existing"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return s.dir
		}, "directory is not empty"},
		{"missing", func(s *sandbox) string { return filepath.Join(s.dir, "nope") }, "no such file or directory"},
		{"a file", func(s *sandbox) string { return filepath.Join(s.parent, "sentinel.txt") }, "not a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			dir := tc.setup(s)
			_, err := Extract(bytes.NewReader(data), dir, Limits{})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Extract error = %v, want one containing %q", err, tc.wantErr)
			}
			if _, err := os.Stat(filepath.Join(s.dir, "f")); err == nil {
				t.Errorf("Extract wrote f despite failing")
			}
		})
	}
}

func FuzzExtract(f *testing.F) {
	// One sandbox per process, with a fresh extraction directory per input:
	// building a whole sandbox each time makes every run several times
	// slower, and the fuzzer spends most of its time minimising inputs.
	s := newSandbox(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.RemoveAll(s.dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(s.dir, 0o755); err != nil {
			t.Fatal(err)
		}
		// Any error is acceptable; what matters is no panic and no escape.
		Extract(bytes.NewReader(data), s.dir, Limits{MaxBytes: 8 << 20, MaxEntries: 1000})
		checkSymlinksConfined(t, s.dir)
		s.checkOutside(t)
	})
}

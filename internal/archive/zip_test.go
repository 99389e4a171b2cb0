package archive

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// zent describes one zip entry. "$PARENT" in name or body is replaced by the sandbox's
// parent directory. A zero mode leaves the entry without Unix attributes, as a zip made
// on Windows; raw entries are written as given, with the declared sizes and CRC-32 below.
type zent struct {
	name   string
	body   string
	mode   fs.FileMode
	mtime  time.Time
	method uint16
	flags  uint16

	raw          bool
	size, crc    uint32 // declared uncompressed size and CRC-32 of a raw entry
	sizeFromBody bool   // raw entry: declare len(body) and its real CRC-32
}

func zipBytes(t testing.TB, parent string, ents []zent) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range ents {
		fh := &zip.FileHeader{
			Name:     strings.ReplaceAll(e.name, "$PARENT", parent),
			Method:   e.method,
			Flags:    e.flags,
			Modified: e.mtime,
		}
		if fh.Modified.IsZero() {
			fh.Modified = t0
		}
		if e.mode != 0 {
			fh.SetMode(e.mode)
		}
		body := strings.ReplaceAll(e.body, "$PARENT", parent)
		var w io.Writer
		var err error
		if e.raw {
			fh.CompressedSize64 = uint64(len(body))
			fh.UncompressedSize64, fh.CRC32 = uint64(e.size), e.crc
			if e.sizeFromBody {
				fh.UncompressedSize64, fh.CRC32 = uint64(len(body)), crc32.ChecksumIEEE([]byte(body))
			}
			w, err = zw.CreateRaw(fh)
		} else {
			w, err = zw.CreateHeader(fh)
		}
		if err != nil {
			t.Fatalf("zip entry %q: %v", e.name, err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func extractZipBytes(data []byte, dir string, lim Limits) (Summary, error) {
	return ExtractZip(bytes.NewReader(data), int64(len(data)), dir, lim)
}

// goodZip is shaped like a GitHub zipball: one top-level directory, nested directories,
// a file without explicit parent, symlinks, stored and deflated entries.
var goodZip = []zent{
	{name: "lib-1.2.3/", mode: fs.ModeDir | 0o775, mtime: t1},
	{name: "lib-1.2.3/composer.json", body: `{"name": "v/lib"}`, mode: 0o600, mtime: t2, method: zip.Deflate},
	{name: "lib-1.2.3/src/", mode: fs.ModeDir | 0o755, mtime: t3},
	{name: "lib-1.2.3/src/Deep/", mode: fs.ModeDir | 0o700, mtime: t4},
	{name: "lib-1.2.3/src/Deep/A.php", body: "<?php\nclass A {}\n", mode: 0o644, mtime: t4, method: zip.Deflate},
	{name: "lib-1.2.3/bin/tool", body: "#!/bin/sh\n", mode: 0o750, mtime: t3, method: zip.Store},
	{name: "lib-1.2.3/src/Deep/B.php", body: "<?php\n", mtime: t1}, // no Unix attributes
	{name: "lib-1.2.3/src/alias", body: "Deep/A.php", mode: fs.ModeSymlink | 0o777},
	{name: "lib-1.2.3/top", body: "../lib-1.2.3/src", mode: fs.ModeSymlink | 0o777, method: zip.Deflate},
	{name: "lib-1.2.3/src/", mode: fs.ModeDir | 0o755, mtime: t3}, // a repeated directory is fine
}

func TestExtractZipValid(t *testing.T) {
	data := zipBytes(t, "", goodZip)
	wantTree := map[string]node{
		".":                        {Mode: fs.ModeDir | 0o755},
		"lib-1.2.3":                {Mode: fs.ModeDir | 0o755, ModTime: t1},
		"lib-1.2.3/composer.json":  {Mode: 0o644, ModTime: t2, Content: `{"name": "v/lib"}`},
		"lib-1.2.3/src":            {Mode: fs.ModeDir | 0o755, ModTime: t3},
		"lib-1.2.3/src/Deep":       {Mode: fs.ModeDir | 0o755, ModTime: t4},
		"lib-1.2.3/src/Deep/A.php": {Mode: 0o644, ModTime: t4, Content: "<?php\nclass A {}\n"},
		"lib-1.2.3/src/Deep/B.php": {Mode: 0o644, ModTime: t1, Content: "<?php\n"},
		"lib-1.2.3/bin":            {Mode: fs.ModeDir | 0o755}, // implicit: no mtime in the archive
		"lib-1.2.3/bin/tool":       {Mode: 0o755, ModTime: t3, Content: "#!/bin/sh\n"},
		"lib-1.2.3/src/alias":      {Mode: fs.ModeSymlink, Link: "Deep/A.php"},
		"lib-1.2.3/top":            {Mode: fs.ModeSymlink, Link: "../lib-1.2.3/src"},
	}
	wantSum := Summary{
		Entries:     len(goodZip),
		Bytes:       int64(len(`{"name": "v/lib"}`) + len("<?php\nclass A {}\n") + len("#!/bin/sh\n") + len("<?php\n")),
		Compression: "zip",
	}
	var first map[string]node
	for i := range 2 {
		s := newSandbox(t)
		sum, err := extractZipBytes(data, s.dir, Limits{})
		if err != nil {
			t.Fatalf("ExtractZip: %v", err)
		}
		if diff := cmp.Diff(wantSum, sum); diff != "" {
			t.Errorf("Summary mismatch (-want +got):\n%s", diff)
		}
		got := snapshot(t, s.dir, "")
		checkSymlinksConfined(t, s.dir)
		if i == 1 {
			// The same bytes give the same tree, implicit directories' mtimes aside.
			delete(first, "lib-1.2.3/bin")
			delete(got, "lib-1.2.3/bin")
			if diff := cmp.Diff(first, got); diff != "" {
				t.Errorf("second extraction differs (-first +second):\n%s", diff)
			}
			break
		}
		first = got
		bin := got["lib-1.2.3/bin"]
		bin.ModTime = time.Time{}
		got["lib-1.2.3/bin"] = bin
		if diff := cmp.Diff(wantTree, got); diff != "" {
			t.Errorf("extracted tree mismatch (-want +got):\n%s", diff)
		}
	}
}

func TestExtractZipEmpty(t *testing.T) {
	s := newSandbox(t)
	sum, err := extractZipBytes(zipBytes(t, "", nil), s.dir, Limits{})
	if err != nil {
		t.Fatalf("ExtractZip: %v", err)
	}
	if diff := cmp.Diff(Summary{Compression: "zip"}, sum); diff != "" {
		t.Errorf("Summary mismatch (-want +got):\n%s", diff)
	}
	if got := listTree(t, s.dir); got != nil {
		t.Errorf("extraction directory holds %q, want nothing", got)
	}
}

func TestExtractZipRefusesEntries(t *testing.T) {
	tests := []struct {
		name     string
		ents     []zent
		edit     func([]byte) []byte // applied to the archive's bytes, if set
		lim      Limits
		want     *EntryError
		wantTree []string
	}{
		{
			name:     "zip slip",
			ents:     []zent{{name: "ok.txt", body: "ok"}, {name: "../x", body: "pwned"}},
			want:     &EntryError{Entry: "../x", Reason: "path escapes the archive root"},
			wantTree: []string{"ok.txt"},
		},
		{
			name: "zip slip after a directory",
			ents: []zent{{name: "a/../../outside/secret.txt", body: "pwned"}},
			want: &EntryError{Entry: "a/../../outside/secret.txt", Reason: "path escapes the archive root"},
		},
		{
			name: "absolute path",
			ents: []zent{{name: "$PARENT/outside/abs.txt", body: "pwned"}},
			want: &EntryError{Entry: "$PARENT/outside/abs.txt", Reason: "absolute path"},
		},
		{
			name:     "symlink escaping",
			ents:     []zent{{name: "sub/", mode: fs.ModeDir | 0o755}, {name: "sub/link", body: "../../outside", mode: fs.ModeSymlink | 0o777}},
			want:     &EntryError{Entry: "sub/link", Reason: "symlink target escapes the archive root"},
			wantTree: []string{"sub/"},
		},
		{
			name: "absolute symlink",
			ents: []zent{{name: "link", body: "$PARENT/outside", mode: fs.ModeSymlink | 0o777}},
			want: &EntryError{Entry: "link", Reason: "absolute symlink target"},
		},
		{
			name: "symlink target too long",
			ents: []zent{{name: "link", body: strings.Repeat("a/", 2100), mode: fs.ModeSymlink | 0o777, method: zip.Deflate}},
			want: &EntryError{Entry: "link", Reason: "symlink target longer than 4096 bytes"},
		},
		{
			name:     "write through a symlink",
			ents:     []zent{{name: "d/", mode: fs.ModeDir | 0o755}, {name: "l", body: "d", mode: fs.ModeSymlink | 0o777}, {name: "l/x", body: "x"}},
			want:     &EntryError{Entry: "l/x", Reason: `parent "l" is a symlink`},
			wantTree: []string{"d/", "l@"},
		},
		{
			name:     "duplicate file",
			ents:     []zent{{name: "a.txt", body: "first"}, {name: "a.txt", body: "second"}},
			want:     &EntryError{Entry: "a.txt", Reason: "duplicate entry (already extracted as a regular file)"},
			wantTree: []string{"a.txt"},
		},
		{
			name:     "file over a directory",
			ents:     []zent{{name: "d/", mode: fs.ModeDir | 0o755}, {name: "d", body: "x"}},
			want:     &EntryError{Entry: "d", Reason: "duplicate entry (already extracted as a directory)"},
			wantTree: []string{"d/"},
		},
		{
			name:     "too many entries",
			ents:     []zent{{name: "1", body: "1"}, {name: "2", body: "2"}, {name: "3", body: "3"}, {name: "4", body: "4"}},
			lim:      Limits{MaxEntries: 3},
			want:     &EntryError{Entry: "4", Reason: "too many entries (limit 3)"},
			wantTree: []string{"1", "2", "3"},
		},
		{
			name:     "file larger than MaxBytes",
			ents:     []zent{{name: "small", body: "1234"}, {name: "big", body: "12345678", method: zip.Deflate}},
			lim:      Limits{MaxBytes: 10},
			want:     &EntryError{Entry: "big", Reason: "uncompressed size exceeds the limit of 10 bytes"},
			wantTree: []string{"small"},
		},
		{
			name: "encrypted",
			ents: []zent{{name: "secret.txt", body: "ciphertext", flags: 0x1}},
			want: &EntryError{Entry: "secret.txt", Reason: "encrypted entries are not supported"},
		},
		{
			name: "unsupported compression method",
			ents: []zent{{name: "b.bz2", body: "BZh9", method: 12, raw: true, sizeFromBody: true}},
			want: &EntryError{Entry: "b.bz2", Reason: "unsupported compression method 12"},
		},
		{
			name: "FIFO",
			ents: []zent{{name: "pipe", mode: fs.ModeNamedPipe | 0o644}},
			want: &EntryError{Entry: "pipe", Reason: "FIFOs are not allowed"},
		},
		{
			name: "device",
			ents: []zent{{name: "null", mode: fs.ModeDevice | fs.ModeCharDevice | 0o666}},
			want: &EntryError{Entry: "null", Reason: "device nodes are not allowed"},
		},
		{
			// zip.Writer refuses to write one: rename a file.
			name: "directory with data",
			ents: []zent{{name: "dir#", body: "data"}},
			edit: func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("dir#"), []byte("dir/")) },
			want: &EntryError{Entry: "dir/", Reason: "directory entry has data"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			data := zipBytes(t, s.parent, tc.ents)
			if tc.edit != nil {
				data = tc.edit(data)
			}
			_, err := extractZipBytes(data, s.dir, tc.lim)
			var got *EntryError
			if !errors.As(err, &got) {
				t.Fatalf("ExtractZip error = %v, want an *EntryError", err)
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

// overlappingZip writes one stored entry of size zero bytes and then copies its central
// directory record n-1 times under other names, so that n entries share one copy of the
// data: each entry's ratio is 1:1, but the archive expands n times.
func overlappingZip(t testing.TB, n int, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "o-00", Method: zip.Store, Modified: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, size)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	eocd := b[len(b)-22:]
	cdSize := binary.LittleEndian.Uint32(eocd[12:])
	cdOff := binary.LittleEndian.Uint32(eocd[16:])
	record := b[cdOff : cdOff+cdSize]
	out := bytes.Clone(b[:cdOff+cdSize])
	for i := 1; i < n; i++ {
		r := bytes.Clone(record)
		copy(r[46:], fmt.Sprintf("o-%02d", i)) // the name follows the 46-byte fixed part
		out = append(out, r...)
	}
	eocd = bytes.Clone(eocd)
	binary.LittleEndian.PutUint16(eocd[8:], uint16(n))
	binary.LittleEndian.PutUint16(eocd[10:], uint16(n))
	binary.LittleEndian.PutUint32(eocd[12:], cdSize*uint32(n))
	return append(out, eocd...)
}

// deflatedZeros is one deflated entry of size zero bytes.
func deflatedZeros(t testing.TB, size int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "zeros.bin", Method: zip.Deflate, Modified: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(w, zeros{}, size); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestExtractZipDecompressionBomb(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want *EntryError
	}{
		{
			name: "80 MiB of deflated zeros over small MaxRatio",
			data: deflatedZeros(t, 80*mib),
			lim:  Limits{MaxRatio: 10},
			want: &EntryError{Entry: "zeros.bin", Reason: "compression ratio exceeds the limit of 10:1 (decompression bomb?)"},
		},
		{
			// 16 entries make exactly ratioThreshold bytes; the 17th crosses it with
			// 17 times the archive's size.
			name: "entries sharing their data",
			data: overlappingZip(t, 20, 4*mib),
			lim:  Limits{MaxRatio: 10},
			want: &EntryError{Entry: "o-16", Reason: "compression ratio exceeds the limit of 10:1 (decompression bomb?)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			_, err := extractZipBytes(tc.data, s.dir, tc.lim)
			var got *EntryError
			if !errors.As(err, &got) {
				t.Fatalf("ExtractZip error = %v, want an *EntryError", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("EntryError mismatch (-want +got):\n%s", diff)
			}
			var onDisk int64
			for _, n := range snapshot(t, s.dir, "") {
				onDisk += int64(len(n.Content))
			}
			if onDisk > ratioThreshold+1*mib {
				t.Errorf("%d bytes written before stopping, want at most %d", onDisk, ratioThreshold+1*mib)
			}
		})
	}
}

// flipStored corrupts the data of the first entry, stored as "AAAA...".
func flipStored(b []byte) []byte {
	b = bytes.Clone(b)
	i := bytes.Index(b, []byte("AAAA"))
	b[i] ^= 0xff
	return b
}

func TestExtractZipCorruptOrTruncated(t *testing.T) {
	noisy := zipBytes(t, "", []zent{
		{name: "a", body: strings.Repeat("A", 5000), method: zip.Store},
		{name: "b", body: strings.Repeat("hello world\n", 1000), method: zip.Deflate},
	})
	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"truncated", noisy[:len(noisy)/2], "zip: not a valid zip file"},
		{"last byte missing", noisy[:len(noisy)-1], "zip: not a valid zip file"},
		{"empty input", nil, "zip: not a valid zip file"},
		{"not a zip", []byte(strings.Repeat("this is not a zip archive\n", 40)), "zip: not a valid zip file"},
		{"corrupt data", flipStored(noisy), `entry "a": data does not match its header (5000 of 5000 declared bytes read): zip: checksum error`},
		{"data shorter than declared",
			zipBytes(t, "", []zent{{name: "short", body: "12345", raw: true, size: 10, crc: crc32.ChecksumIEEE([]byte("12345"))}}),
			`entry "short": data does not match its header (5 of 10 declared bytes read): unexpected EOF`},
		{"data longer than declared",
			zipBytes(t, "", []zent{{name: "long", body: "12345", raw: true, size: 3, crc: crc32.ChecksumIEEE([]byte("123"))}}),
			`entry "long": data does not match its header (0 of 3 declared bytes read): zip: not a valid zip file`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			_, err := extractZipBytes(tc.data, s.dir, Limits{})
			if err == nil {
				t.Fatal("ExtractZip succeeded, want an error")
			}
			var ee *EntryError
			if errors.As(err, &ee) {
				t.Errorf("ExtractZip error = %v, want a read error, not an *EntryError", err)
			}
			if want := "reading archive: " + tc.wantErr; err.Error() != want {
				t.Errorf("ExtractZip error:\n got %q\nwant %q", err, want)
			}
		})
	}
}

func TestExtractZipDirectoryMustBeEmpty(t *testing.T) {
	s := newSandbox(t)
	if err := os.WriteFile(filepath.Join(s.dir, "existing"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := extractZipBytes(zipBytes(t, "", []zent{{name: "f", body: "x"}}), s.dir, Limits{})
	if err == nil || !strings.Contains(err.Error(), "directory is not empty") {
		t.Errorf("ExtractZip error = %v, want one containing %q", err, "directory is not empty")
	}
	if _, err := os.Stat(filepath.Join(s.dir, "f")); err == nil {
		t.Errorf("ExtractZip wrote f despite failing")
	}
}

func TestExtractSaysZip(t *testing.T) {
	for name, data := range map[string][]byte{
		"zip":       zipBytes(t, "", []zent{{name: "f", body: "x"}}),
		"empty zip": zipBytes(t, "", nil),
	} {
		t.Run(name, func(t *testing.T) {
			s := newSandbox(t)
			_, err := Extract(bytes.NewReader(data), s.dir, Limits{})
			if !errors.Is(err, ErrZip) {
				t.Fatalf("Extract error = %v, want ErrZip", err)
			}
			want := "reading archive: this is a zip archive, not a tar stream: zip needs random access, read it with ExtractZip"
			if err.Error() != want {
				t.Errorf("Extract error:\n got %q\nwant %q", err, want)
			}
			if !IsZip(data) {
				t.Errorf("IsZip = false")
			}
		})
	}
	if IsZip(gzipBytes(t, []byte("x"))) {
		t.Errorf("IsZip(gzip) = true")
	}
}

func FuzzExtractZip(f *testing.F) {
	f.Add(zipBytes(f, "", goodZip))
	f.Add(zipBytes(f, "", nil))
	f.Add(zipBytes(f, "", []zent{{name: "d/", mode: fs.ModeDir | 0o755}, {name: "d/l", body: "../f", mode: fs.ModeSymlink | 0o777}, {name: "f", body: "x"}}))
	f.Add(zipBytes(f, "", []zent{{name: "a", body: strings.Repeat("ab", 300), method: zip.Deflate}}))
	s := newSandbox(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.RemoveAll(s.dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(s.dir, 0o755); err != nil {
			t.Fatal(err)
		}
		// Any error is acceptable; what matters is no panic and no escape.
		extractZipBytes(data, s.dir, Limits{MaxBytes: 8 << 20, MaxEntries: 1000})
		checkSymlinksConfined(t, s.dir)
		s.checkOutside(t)
	})
}

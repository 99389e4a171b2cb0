package fstree

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	d1 = "1111111111111111111111111111111111111111111111111111111111111111"
	d2 = "2222222222222222222222222222222222222222222222222222222222222222"
)

func paths(t Tree) []string {
	var out []string
	for _, e := range t.Entries() {
		out = append(out, e.Path)
	}
	return out
}

func TestNewSortsAndAddsParents(t *testing.T) {
	tr, err := New([]Entry{
		{Path: "b/c/file", Type: File, Size: 3, Digest: d1},
		{Path: "a-b", Type: File, Digest: d2},
		{Path: "a/x", Type: Symlink, Target: "../b"},
		{Path: "b", Type: Dir},
		{Path: "b", Type: Dir}, // directories may repeat
	})
	if err != nil {
		t.Fatal(err)
	}
	// Bytewise order: "a-b" < "a/x" because '-' sorts before '/'.
	want := []string{"a", "a-b", "a/x", "b", "b/c", "b/c/file"}
	if diff := cmp.Diff(want, paths(tr)); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	if tr.Size() != 3 {
		t.Errorf("size %d", tr.Size())
	}
}

func TestNewRejects(t *testing.T) {
	for name, entries := range map[string][]Entry{
		"duplicate file":       {{Path: "f", Type: File, Digest: d1}, {Path: "f", Type: File, Digest: d2}},
		"file and dir":         {{Path: "f", Type: File, Digest: d1}, {Path: "f", Type: Dir}},
		"parent is a file":     {{Path: "f", Type: File, Digest: d1}, {Path: "f/g", Type: File, Digest: d1}},
		"absolute":             {{Path: "/etc/passwd", Type: File, Digest: d1}},
		"dot-dot":              {{Path: "../x", Type: File, Digest: d1}},
		"unclean":              {{Path: "a//b", Type: File, Digest: d1}},
		"file without digest":  {{Path: "f", Type: File}},
		"symlink no target":    {{Path: "l", Type: Symlink}},
		"dir with size":        {{Path: "d", Type: Dir, Size: 1}},
		"unknown type":         {{Path: "x", Type: 9}},
		"empty path":           {{Path: "", Type: Dir}},
		"exec bit on a folder": {{Path: "d", Type: Dir, Exec: true}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(entries); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestDigestCoversWhatOutputsSee(t *testing.T) {
	base := []Entry{{Path: "f", Type: File, Size: 1, Digest: d1, Src: "src/x/f"}, {Path: "l", Type: Symlink, Target: "f"}}
	digest := func(mod func([]Entry)) string {
		es := append([]Entry(nil), base...)
		mod(es)
		tr, err := New(es)
		if err != nil {
			t.Fatal(err)
		}
		return tr.Digest()
	}
	same := digest(func([]Entry) {})
	if got := digest(func(es []Entry) { es[0].Src = "elsewhere/f" }); got != same {
		t.Error("where the bytes are stored must not change the identity")
	}
	for name, mod := range map[string]func([]Entry){
		"content": func(es []Entry) { es[0].Digest = d2 },
		"exec":    func(es []Entry) { es[0].Exec = true },
		"size":    func(es []Entry) { es[0].Size = 2 },
		"target":  func(es []Entry) { es[1].Target = "g" },
		"name":    func(es []Entry) { es[1].Path = "m" },
	} {
		if digest(mod) == same {
			t.Errorf("changing the %s did not change the digest", name)
		}
	}
}

func TestPlaceMergeCollisions(t *testing.T) {
	core, _ := New([]Entry{{Path: "index.php", Type: File, Digest: d1}, {Path: "extensions/README", Type: File, Digest: d2}})
	ext, _ := New([]Entry{{Path: "extension.json", Type: File, Digest: d1}})
	placed, err := ext.Place("extensions/Cite")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Merge(core, placed)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"extensions", "extensions/Cite", "extensions/Cite/extension.json", "extensions/README", "index.php"}
	if diff := cmp.Diff(want, paths(m)); diff != "" {
		t.Errorf("merged (-want +got):\n%s", diff)
	}
	clash, _ := New([]Entry{{Path: "index.php", Type: File, Digest: d2}})
	if _, err := Merge(core, clash); err == nil || !strings.Contains(err.Error(), "index.php") {
		t.Errorf("a path in two trees must be an error naming it, got %v", err)
	}
}

func TestFilter(t *testing.T) {
	tr, err := New([]Entry{
		{Path: "a/x", Type: File, Digest: d1}, {Path: "a-b", Type: File, Digest: d1},
		{Path: "a/c/y", Type: File, Digest: d2}, {Path: "images/README", Type: File, Digest: d2},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		drop string
		want []string
	}{
		{"", []string{"a", "a-b", "a/c", "a/c/y", "a/x", "images", "images/README"}},
		{"a", []string{"a-b", "images", "images/README"}},
		{"a/c", []string{"a", "a-b", "a/x", "images", "images/README"}},
		{"images/README", []string{"a", "a-b", "a/c", "a/c/y", "a/x", "images"}},
	} {
		got := tr.Filter(func(e Entry) bool { return e.Path != tc.drop })
		if diff := cmp.Diff(tc.want, paths(got)); diff != "" {
			t.Errorf("dropping %q (-want +got):\n%s", tc.drop, diff)
		}
		if _, err := New(got.Entries()); err != nil {
			t.Errorf("dropping %q gives an invalid tree: %v", tc.drop, err)
		}
	}
}

func TestEncodeDecode(t *testing.T) {
	tr, _ := New([]Entry{{Path: "a/b", Type: File, Size: 5, Digest: d1, Src: "src/a/b", Exec: true}, {Path: "l", Type: Symlink, Target: "a"}})
	var buf bytes.Buffer
	if err := tr.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tr.Entries(), got.Entries()); diff != "" || got.Digest() != tr.Digest() {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	h, err := ReadHeader(bytes.NewReader(buf.Bytes()))
	if err != nil || h.Entries != 3 || h.Size != 5 || h.Digest != tr.Digest() {
		t.Errorf("header %+v %v", h, err)
	}
	tampered := bytes.Replace(buf.Bytes(), []byte(d1), []byte(d2), 1)
	if _, err := Decode(bytes.NewReader(tampered)); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("a tampered listing must be refused, got %v", err)
	}
	if _, err := Decode(strings.NewReader(`{"format":"other"}`)); err == nil {
		t.Error("a foreign file must be refused")
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{".git", ".git", true},
		{".git", "a/b/.git", true},
		{".git", "a/.gitignore", false},
		{"includes/engines/LuaStandalone/binaries", "includes/engines/LuaStandalone/binaries", true},
		{"includes/engines/LuaStandalone/binaries", "x/includes/engines/LuaStandalone/binaries", false},
		{"**/tests", "a/b/tests", true},
		{"**/tests", "tests", true},
		{"tests/**", "tests/a/b", true},
		{"*.exe", "bin/lua.exe", true},
		{"bin/*.exe", "bin/lua.exe", true},
		{"bin/*.exe", "x/bin/lua.exe", false},
		{"a/**/z", "a/z", true},
		{"a/**/z", "a/b/c/z", true},
		{"a/**/z", "a/b/c/y", false},
	} {
		if got := Match(c.pattern, c.path); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
	for _, bad := range []string{"", "/abs", "a/../b", "a//b", "[", "./a"} {
		if CheckPattern(bad) == nil {
			t.Errorf("CheckPattern(%q) accepted", bad)
		}
	}
}

// TestScanGolden pins the digest of a small tree made on disk with awkward modes, a symlink,
// an excluded directory and a skipped sub-tree: if normalisation or the digest encoding
// drifts, every lock in the world goes stale, so it must be a deliberate change (-update).
func TestScanGolden(t *testing.T) {
	root := t.TempDir()
	mk := func(p, content string, mode os.FileMode) {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(full, mode); err != nil {
			t.Fatal(err)
		}
	}
	mk("index.php", "<?php\n", 0o600)
	mk("bin/tool", "#!/bin/sh\n", 0o750)
	mk("extensions/Cite/extension.json", "{}", 0o644)
	mk(".git/HEAD", "ref", 0o644)
	mk("docs/ünïcode-名前.txt", "x", 0o664)
	mk(strings.Repeat("long/", 30)+"file", "deep", 0o644)
	if err := os.Symlink("index.php", filepath.Join(root, "link.php")); err != nil {
		t.Fatal(err)
	}
	when := time.Unix(1700000000, 0)
	os.Chtimes(filepath.Join(root, "index.php"), when, when)
	tr, info, err := Scan(context.Background(), root, ScanOptions{Exclude: []string{".git"}, Skip: []string{"extensions/Cite"}, Src: "src/x", Jobs: 3})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range tr.Entries() {
		b.WriteString(e.Path + " " + e.Mode().String() + " " + e.Target + "\n")
	}
	b.WriteString(tr.Digest() + "\n")
	golden := filepath.Join("testdata", "scan.golden")
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(golden, []byte(b.String()), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update once to create it)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("scan (-golden +got):\n%s", diff)
	}
	if info.Files != 4 || info.Bytes != 21 || info.MaxMTime < when.Unix() {
		t.Errorf("info %+v", info)
	}
	e, _ := tr.Lookup("index.php")
	if e.Src != "src/x/index.php" {
		t.Errorf("Src %q", e.Src)
	}
}

func TestFileSHA256AndCopyFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := FileSHA256(src)
	if want := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; err != nil || got != want {
		t.Errorf("FileSHA256 = %q, %v; want %q", got, err, want)
	}
	if _, err := FileSHA256(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("FileSHA256 of a directory: %v, want an error saying it is one", err)
	}
	dst := filepath.Join(dir, "dst")
	if err := CopyFile(src, dst, 0o444); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(dst)
	fi, _ := os.Stat(dst)
	if string(b) != "abc" || fi.Mode().Perm() != 0o444 {
		t.Errorf("copy holds %q with mode %v, want \"abc\" with 0444", b, fi.Mode().Perm())
	}
	if err := CopyFile(src, dst, 0o644); err == nil {
		t.Error("CopyFile over an existing file succeeded; it must refuse")
	}
}

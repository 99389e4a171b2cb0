package fstree

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestScanKnown checks that Scan reads only files whose stamp changed, and that an edit
// is found whatever was done to hide it: same size, modification time set back.
func TestScanKnown(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.php", "<?php // a")
	write("b/extension.json", `{"name":"B"}`)
	write("b/c.php", "<?php // c")
	old := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, rel := range []string{"a.php", "b/extension.json", "b/c.php"} {
		if err := os.Chtimes(filepath.Join(dir, rel), old, old); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	first, info, err := Scan(ctx, dir, ScanOptions{Stamps: true})
	if err != nil {
		t.Fatal(err)
	}
	if info.Read != 3 || len(info.Hashed) != 3 {
		t.Fatalf("first scan read %d files and stamped %d, want 3 and 3", info.Read, len(info.Hashed))
	}
	known := info.Hashed

	steps := []struct {
		name     string
		change   func()
		wantRead int
	}{
		{"nothing changed", func() {}, 0},
		{"one file rewritten, same size, mtime set back", func() {
			write("b/c.php", "<?php // C")
			os.Chtimes(filepath.Join(dir, "b/c.php"), old, old)
		}, 1},
		{"a file added", func() { write("d.php", "<?php // d") }, 1},
	}
	for _, st := range steps {
		nextTick(t, known)
		st.change()
		// What a full read gives is the truth the known digests must reproduce.
		want, _, err := Scan(ctx, dir, ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, info, err := Scan(ctx, dir, ScanOptions{Known: known, Stamps: true})
		if err != nil {
			t.Fatal(err)
		}
		if got.Digest() != want.Digest() {
			t.Errorf("%s: digest %s with known stamps, %s read in full", st.name, got.Digest(), want.Digest())
		}
		if info.Read != st.wantRead {
			t.Errorf("%s: read %d files, want %d", st.name, info.Read, st.wantRead)
		}
		known = info.Hashed
	}
	if first.Digest() == known["b/c.php"].Digest {
		t.Error("tree digest and file digest confused")
	}
	if diff := cmp.Diff([]string{"a.php", "b/c.php", "b/extension.json", "d.php"}, keys(known)); diff != "" {
		t.Errorf("stamped files (-want +got):\n%s", diff)
	}
}

// TestScanTrustsStamps shows that a known digest is used as is when the stamp matches: the
// stamp, not the bytes, decides, so callers keep only stamps they can trust.
func TestScanTrustsStamps(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, info, err := Scan(context.Background(), dir, ScanOptions{Stamps: true})
	if err != nil {
		t.Fatal(err)
	}
	h := info.Hashed["f"]
	h.Digest = d1
	tr, info, err := Scan(context.Background(), dir, ScanOptions{Known: map[string]Hashed{"f": h}})
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := tr.Lookup("f"); e.Digest != d1 || info.Read != 0 {
		t.Errorf("digest %s after reading %d files; want the known %s and no read", e.Digest, info.Read, d1)
	}
	// A zero stamp (one that could not be trusted) never matches.
	tr, info, _ = Scan(context.Background(), dir, ScanOptions{Known: map[string]Hashed{"f": {Digest: d1}}})
	if e, _ := tr.Lookup("f"); e.Digest == d1 || info.Read != 1 {
		t.Errorf("a zero stamp was trusted: digest %s, %d files read", e.Digest, info.Read)
	}
}

// nextTick waits until the file system's clock has moved past every change time in known,
// so that a change made now gives a stamp of its own: a stamp taken in the same tick as
// a later write is what callers must not keep, and this test is not about that.
func nextTick(t *testing.T, known map[string]Hashed) {
	t.Helper()
	var newest int64
	for _, h := range known {
		newest = max(newest, h.CTime)
	}
	probe := filepath.Join(t.TempDir(), "probe")
	for i := 0; ; i++ {
		if err := os.WriteFile(probe, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(probe)
		if err != nil {
			t.Fatal(err)
		}
		if st, ok := stampOf(fi); !ok || st.CTime > newest {
			return
		}
		if i > 1000 {
			t.Fatal("the file system's clock does not move")
		}
		time.Sleep(time.Millisecond)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

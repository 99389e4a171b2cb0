//go:build e2e

package tests

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// maxBuildRSS is the most resident memory a cold build of the three editions in every
// format may take (issue 7), whatever the tree's size.
const maxBuildRSS = 256 << 20

// TestBuildMemory builds the three real editions in all four formats from a cold action
// cache, then again with an extension holding a second copy of the whole release (Twin, a
// dir source, in every edition), so that the tree and every output are twice as large.
// Both peak under 256 MiB of resident memory, and the larger build peaks at most a quarter
// higher: packages, tarballs and images stream through fixed-size compressors, and only
// per-file metadata grows with the tree.
func TestBuildMemory(t *testing.T) {
	dir := project(t)
	rss, size := buildPeak(t, dir)
	t.Logf("real tree: peak RSS %.0f MiB, %.0f MB of output", float64(rss)/(1<<20), float64(size)/1e6)

	twin := twinProject(t)
	rss2, size2 := buildPeak(t, twin)
	t.Logf("with Twin: peak RSS %.0f MiB, %.0f MB of output", float64(rss2)/(1<<20), float64(size2)/1e6)

	if size2 < size*17/10 {
		t.Errorf("the project with Twin made %d bytes of output, not about twice the %d of the real one: the measurement measures something else", size2, size)
	}
	for _, r := range []int64{rss, rss2} {
		if r > maxBuildRSS {
			t.Errorf("peak RSS %.0f MiB, more than %d MiB", float64(r)/(1<<20), maxBuildRSS>>20)
		}
	}
	if rss2 > rss*5/4 {
		t.Errorf("peak RSS grew from %.0f to %.0f MiB for a tree twice as large", float64(rss)/(1<<20), float64(rss2)/(1<<20))
	}
}

// twinProject is the shipped project plus Twin: the whole release unpacked into a dir
// source, with an extension.json, added to the core edition (and so to the two editions
// that inherit it), and locked.
func twinProject(t *testing.T) string {
	t.Helper()
	dir := project(t)
	src := filepath.Join(dir, "local", "Twin")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	release := filepath.Join(corpusCache(t), "blobs/sha256", mediawikiSHA)
	if out, err := exec.Command("tar", "-xzf", release, "-C", src, "--strip-components=1").CombinedOutput(); err != nil {
		t.Fatalf("unpacking the release: %v\n%s", err, out)
	}
	manifest := "{\n\t\"name\": \"Twin\",\n\t\"version\": \"1.0.0\",\n\t\"license-name\": \"GPL-2.0-or-later\",\n\t\"manifest_version\": 2\n}\n"
	if err := os.WriteFile(filepath.Join(src, "extension.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	recipe := "\nextension \"Twin\" {\n  source \"dir\" { path = \"../local/Twin\" }\n}\n"
	f, err := os.OpenFile(filepath.Join(dir, "recipes", "extensions.hcl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(recipe); err != nil {
		t.Fatal(err)
	}
	f.Close()
	core := filepath.Join(dir, "editions", "core.hcl")
	b, err := os.ReadFile(core)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), `extensions = concat([`, `extensions = concat(["Twin",`, 1)
	if edited == string(b) {
		t.Fatal("editions/core.hcl has no extensions list to add Twin to")
	}
	if err := os.WriteFile(core, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	// Other members, other versions: the lock records the shipped version without Twin.
	bumpEditions(t, dir, nextEditionVersion)
	// Locking makes trees: in a cache of its own, so that the build stays cold.
	if r := run(t, dir, seededCache(t), "--offline", "-q", "lock"); r.code != 0 {
		t.Fatalf("lock with Twin exited %d:\n%s", r.code, r.stderr)
	}
	return dir
}

// buildPeak runs a cold build of every format (a cache holding only the sources) and
// returns the process's peak resident memory and the bytes it wrote under out/. The
// runtime's own GOMEMLIMIT and GOGC are cleared, so the build's defaults are measured.
//
// GNU time starts the build and reads its peak: a process this test binary started itself
// would report at least this binary's own peak, since Linux carries the high-water mark of
// the parent's memory, which a Go child shares until exec, into the child's ru_maxrss.
func buildPeak(t *testing.T, dir string) (rss, size int64) {
	t.Helper()
	gnuTime, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		t.Fatalf("GNU time measures the build's peak memory: %v (make deps installs it)", err)
	}
	out := filepath.Join(t.TempDir(), "out")
	peak := filepath.Join(t.TempDir(), "peak")
	cmd := exec.Command(gnuTime, "-f", "%M", "-o", peak, bin(t), "-C", dir, "--cache", seededCache(t), "--offline", "-q", "build", "--out", out, "--image-base", "scratch")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOMEMLIMIT=") && !strings.HasPrefix(kv, "GOGC=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("cold build: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(peak)
	if err != nil {
		t.Fatal(err)
	}
	kib, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || kib <= 0 {
		t.Fatalf("GNU time wrote %q, not a peak in KiB: %v", b, err)
	}
	for _, d := range []string{"deb", "rpm", "tarballs", "oci"} {
		n := 0
		filepath.WalkDir(filepath.Join(out, d), func(_ string, e fs.DirEntry, err error) error {
			if err == nil && e.Type().IsRegular() {
				if fi, err := e.Info(); err == nil {
					size += fi.Size()
					n++
				}
			}
			return nil
		})
		if n == 0 {
			t.Fatalf("the build wrote nothing into out/%s", d)
		}
	}
	return kib << 10, size
}

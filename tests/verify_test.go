//go:build e2e

package tests

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// verifyEvent is a line of verify --json.
type verifyEvent struct {
	Event       string
	Artifact    string
	Status      string
	Differences []struct{ Entry, Field, Original, Rebuilt string }
	Artifacts   int
	Identical   int
	Differing   int
	Missing     int
	Extra       int
	OK          bool
}

func verifyEvents(t *testing.T, out string) []verifyEvent {
	t.Helper()
	var evs []verifyEvent
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e verifyEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("verify --json printed a line that is not JSON: %q", sc.Text())
		}
		evs = append(evs, e)
	}
	if len(evs) == 0 || evs[len(evs)-1].Event != "verified" {
		t.Fatalf("verify --json did not end with a verified event:\n%s", out)
	}
	return evs
}

// TestVerifyRealTree builds the three shipped editions from the real release, then runs
// verify, which rebuilds them in another directory under other conditions and finds every
// artifact identical; then it rewrites one .deb so that one data entry has another time (a
// well-formed package dpkg-deb reads), and verify exits 2 naming that package and entry.
func TestVerifyRealTree(t *testing.T) {
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Fatal("dpkg-deb is not installed: run `make deps`")
	}
	dir := project(t)
	cacheDir := seededCache(t)
	out := filepath.Join(t.TempDir(), "out")
	planned := plannedActions(t, dir, cacheDir, "--image-base", "scratch")
	start := time.Now()
	// Signed with a cosign key: verify has no private key, and must still find the images'
	// signatures and attestations, and the DSSE files, identical.
	key, _ := ecKey(t)
	r := run(t, dir, cacheDir, "--offline", "--json", "build", "--out", out, "--image-base", "scratch", "--cosign-key", key)
	if r.code != 0 {
		t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
	}
	t.Logf("%s: built the three editions, every format", time.Since(start).Round(time.Second))
	// Plan shows every action the build runs: packages, tarballs, images, documents and
	// the publication included.
	evs0 := events(t, r.stdout)
	if last := evs0[len(evs0)-1]; last.Executed+last.Cached != len(planned) {
		t.Errorf("plan lists %d actions, build ran %d and found %d cached", len(planned), last.Executed, last.Cached)
	}

	r = run(t, dir, cacheDir, "--offline", "--json", "verify", "--against", out)
	t.Logf("%s: verified", time.Since(start).Round(time.Second))
	if r.code != 0 {
		t.Fatalf("verify exited %d, want 0:\n%s\n%s", r.code, r.stdout, lastLines(r.stderr, 40))
	}
	evs := verifyEvents(t, r.stdout)
	sum := evs[len(evs)-1]
	// 37 .deb and 37 .rpm, 6 tarballs and their SHA256SUMS, the layout's index.json and
	// oci-layout, the three editions' images (with their cosign signatures and
	// attestations) and the referrers attached to them, an SPDX document and a provenance
	// statement per edition and their two signed attestations, cosign.pub, manifest.json
	// and SHA256SUMS.
	if sum.Artifacts != 102 || sum.Identical != 102 || sum.Differing+sum.Missing+sum.Extra != 0 || !sum.OK {
		t.Errorf("verify: %+v, want 102 identical artifacts", sum)
	}
	signed := 0
	for _, e := range evs {
		if strings.HasSuffix(e.Artifact, ".dsse.json") && e.Status == "identical" {
			signed++
		}
	}
	if signed != 6 {
		t.Errorf("verify found %d signed attestations identical, want 6 (SPDX and provenance of three editions)", signed)
	}
	// The newest source time is core's: the date of its newest security patch (0006,
	// 2026-03-06T10:41:52Z).
	for _, want := range []string{"TZ=GMT", "umask 00", "LC_ALL=LANG=", "-j 1", "SOURCE_DATE_EPOCH=1772793713, one second after the newest source time", "a copy of the project"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("verify does not say the rebuild ran with %q:\n%s", want, firstLines(r.stderr, 15))
		}
	}
	if !strings.Contains(r.stderr, "rebuild: [") {
		t.Errorf("no progress of the rebuild on stderr:\n%s", firstLines(r.stderr, 15))
	}
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "mwedition-verify-*")); len(left) > 0 {
		for _, l := range left {
			if fi, err := os.Stat(l); err == nil && fi.ModTime().After(start) {
				t.Errorf("verify left its rebuild directory %s behind without --keep", l)
			}
		}
	}

	// One data entry of Cite's package gets another time: the package stays well formed.
	tampered := filepath.Join(t.TempDir(), "out")
	os.MkdirAll(filepath.Join(tampered, "deb"), 0o755)
	copyTree(t, filepath.Join(out, "deb"), filepath.Join(tampered, "deb"))
	copyTree(t, filepath.Join(out, "manifest.json"), filepath.Join(tampered, "manifest.json"))
	debs, _ := filepath.Glob(filepath.Join(tampered, "deb", "mediawiki-extension-cite_*.deb"))
	if len(debs) != 1 {
		t.Fatalf("Cite's package: %v", debs)
	}
	const entry = "./usr/share/mediawiki/extensions/Cite/extension.json"
	was := rewriteDebEntry(t, debs[0], entry, func(h *tar.Header) { h.ModTime = h.ModTime.Add(time.Hour) })
	if listing := command(t, "dpkg-deb", "--contents", debs[0]); !strings.Contains(listing, entry) {
		t.Fatalf("dpkg-deb does not list %s in the rewritten package:\n%s", entry, listing)
	}

	r = run(t, dir, cacheDir, "--offline", "verify", "--against", tampered, "--format", "deb", "--edition", "core")
	t.Logf("%s: verified the rewritten package", time.Since(start).Round(time.Second))
	if r.code != 2 {
		t.Fatalf("verify of a rewritten package exited %d, want 2:\n%s\n%s", r.code, r.stdout, lastLines(r.stderr, 40))
	}
	name := filepath.Base(debs[0])
	wantLine := fmt.Sprintf("data.tar.gz: tar %s: mtime %s (original) != %s (rebuilt)", entry,
		was.Add(time.Hour).UTC().Format(time.RFC3339), was.UTC().Format(time.RFC3339))
	if !strings.Contains(r.stdout, "DIFFERS    deb/"+name) || !strings.Contains(r.stdout, wantLine) {
		t.Errorf("the report does not name %s and its entry (%q):\n%s", name, wantLine, r.stdout)
	}
	if n := strings.Count(r.stdout, "DIFFERS"); n != 1 {
		t.Errorf("%d artifacts reported as differing, want 1:\n%s", n, r.stdout)
	}
	var m struct {
		Editions []struct {
			Name    string
			Members []struct{ ID string }
		}
	}
	mb, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err := json.Unmarshal(mb, &m); err != nil {
		t.Fatal(err)
	}
	for _, e := range m.Editions {
		// One package per member, and the edition's meta-package.
		if want := fmt.Sprintf("verify: %d artifacts of core: %d identical, 1 differ", len(e.Members)+1, len(e.Members)); e.Name == "core" && !strings.Contains(r.stdout, want) {
			t.Errorf("summary: want %q:\n%s", want, r.stdout)
		}
	}
}

// rewriteDebEntry rewrites one entry's header in a .deb's data.tar.gz, keeping everything
// else (other members, entries and contents), and returns the entry's former time.
func rewriteDebEntry(t *testing.T, deb, name string, change func(*tar.Header)) time.Time {
	t.Helper()
	b, err := os.ReadFile(deb)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("!<arch>\n")) {
		t.Fatalf("%s is not an ar archive", deb)
	}
	var out bytes.Buffer
	out.WriteString("!<arch>\n")
	var was time.Time
	for rest := b[8:]; len(rest) > 0; {
		hdr := rest[:60]
		size, err := strconv.Atoi(strings.TrimSpace(string(hdr[48:58])))
		if err != nil {
			t.Fatal(err)
		}
		body := rest[60 : 60+size]
		rest = rest[60+size+size%2:]
		if member := strings.TrimSpace(string(hdr[:16])); member == "data.tar.gz" {
			body, was = rewriteTarGz(t, body, name, change)
			hdr = append([]byte(nil), hdr...)
			copy(hdr[48:58], fmt.Sprintf("%-10d", len(body)))
		}
		out.Write(hdr)
		out.Write(body)
		if len(body)%2 == 1 {
			out.WriteByte('\n')
		}
	}
	if was.IsZero() {
		t.Fatalf("%s has no data entry %s", deb, name)
	}
	if err := os.WriteFile(deb, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return was
}

func rewriteTarGz(t *testing.T, b []byte, name string, change func(*tar.Header)) ([]byte, time.Time) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	var was time.Time
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == name {
			was = h.ModTime
			change(h)
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), was
}

func firstLines(s string, n int) string {
	l := strings.SplitN(s, "\n", n+1)
	if len(l) > n {
		l = l[:n]
	}
	return strings.Join(l, "\n")
}

func lastLines(s string, n int) string {
	l := strings.Split(s, "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

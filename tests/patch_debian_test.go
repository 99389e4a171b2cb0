//go:build e2e

package tests

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mwedition/mwedition/internal/patch"
)

// Debian's mediawiki 1:1.39.17-1+deb12u2 carries two integration patches and five upstream
// SECURITY commits on the 1.39.17 release; its orig tarball is the release (mediawikiSHA).
const (
	debianPool      = "http://deb.debian.org/debian/pool/main/m/mediawiki/"
	debianDSC       = "mediawiki_1.39.17-1+deb12u2.dsc"
	debianDSCSHA    = "ff56e8b8dc6d331653d9c92d654e97e8d5b75049c53f8c47d4a8686a67cd3f12"
	debianTar       = "mediawiki_1.39.17-1+deb12u2.debian.tar.xz"
	debianTarSHA    = "1833baaded898af626b7947aa754e91a5768a4b05f67d0f2e502a6b4fa7388eb"
	mediawikiAscSHA = "2d6f7e25f7e3cd7eb0e8d7cf7fd7b89706ef7c117fe0df9b7f341b1c29cdb62a"
)

// TestPatchDebianSeries applies Debian's patch series to the release's files with
// internal/patch and compares every file it changes with the tree `dpkg-source -x` makes
// of the same source package (dpkg-source applies 3.0 (quilt) series itself, with zero
// fuzz: quilt need not be installed).
func TestPatchDebianSeries(t *testing.T) {
	dir := debianSourcePackage(t)
	oracle := filepath.Join(dir, "oracle")
	cmd := exec.Command("dpkg-source", "-x", debianDSC, oracle)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dpkg-source -x: %v\n%s", err, out)
	}
	series := debianSeries(t, oracle)
	var patches []patch.Patch
	for _, name := range series {
		data, err := os.ReadFile(filepath.Join(oracle, "debian/patches", name))
		if err != nil {
			t.Fatal(err)
		}
		patches = append(patches, patch.Patch{Name: name, Data: data, Strip: patch.DefaultStrip})
	}
	// The files quilt saved before patching them are the ones the series touches.
	touched := map[string]bool{}
	for _, name := range series {
		root := filepath.Join(oracle, ".pc", name)
		if err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, p)
				touched[filepath.ToSlash(rel)] = true
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}

	res, err := patch.Apply(releaseFiles(t, touched), patches)
	if err != nil {
		t.Fatalf("applying Debian's series: %v", err)
	}
	for _, r := range res.Reports {
		t.Logf("%s: %s; %s %v", r.Name, r.Status, r.Header.Subject, r.Header.CVEs)
		for _, c := range r.Files {
			for _, h := range c.Hunks {
				t.Logf("  %s: %s at line %d (%s)", c.Path, h, h.Line, h.Header)
			}
		}
	}
	checkDebianReports(t, res.Reports)
	compareWithOracle(t, res.Files, touched, oracle)
	checkAlreadyApplied(t, res.Files, patches)
}

// checkAlreadyApplied applies the series again to the patched files: as on a release that
// contains the fixes, each patch is found already applied and nothing changes.
func checkAlreadyApplied(t *testing.T, files []patch.File, patches []patch.Patch) {
	t.Helper()
	patched := fstest.MapFS{}
	for _, f := range files {
		patched[f.Path] = &fstest.MapFile{Data: f.Data, Mode: f.Mode}
	}
	again, err := patch.Apply(patched, patches)
	if err != nil {
		t.Fatalf("applying Debian's series to the patched files: %v", err)
	}
	for _, r := range again.Reports {
		if r.Status != patch.AlreadyApplied {
			t.Errorf("%s on the patched files: %s, want already applied", r.Name, r.Status)
		}
	}
	if len(again.Files) != 0 {
		t.Errorf("already applied patches changed %d files", len(again.Files))
	}
}

func checkDebianReports(t *testing.T, reports []patch.Report) {
	t.Helper()
	var got []string
	for _, r := range reports {
		got = append(got, fmt.Sprintf("%s %s %v", r.Name, r.Status, r.Header.CVEs))
	}
	want := []string{
		"0001-Have-Scribunto-use-packaged-lua5.1-rather-than-bundl.patch applied []",
		"0002-Have-SyntaxHighlight-use-packaged-pygmentize-rather-.patch applied []",
		"0003-CVE-2026-34092.patch applied [CVE-2026-34092]",
		"0004-CVE-2026-34088.patch applied [CVE-2026-34088]",
		"0005-CVE-2026-34093.patch applied [CVE-2026-34093]",
		"0006-CVE-2026-34095.patch applied [CVE-2026-34095]",
		"0007-CVE-2026-34087.patch applied [CVE-2026-34087]",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reports (-want +got):\n%s", d)
	}
	if s := reports[2].Header.Subject; s != "SECURITY: Ignore autoblocks when setting Skin's toolbox links" {
		t.Errorf("0003's subject is %q", s)
	}
}

// compareWithOracle holds every patched file byte for byte against Debian's patched tree.
func compareWithOracle(t *testing.T, files []patch.File, touched map[string]bool, oracle string) {
	t.Helper()
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.Path] = true
		want, err := os.ReadFile(filepath.Join(oracle, filepath.FromSlash(f.Path)))
		switch {
		case f.Deleted && !os.IsNotExist(err):
			t.Errorf("%s: deleted here, present in Debian's tree (%v)", f.Path, err)
		case f.Deleted:
		case err != nil:
			t.Errorf("%s: %v", f.Path, err)
		case !bytes.Equal(want, f.Data):
			t.Errorf("%s differs from Debian's patched file (%d bytes here, %d there)", f.Path, len(f.Data), len(want))
		}
	}
	for p := range touched {
		if !seen[p] {
			t.Errorf("%s: Debian's series changes it, the result does not list it", p)
		}
	}
	if len(files) != len(touched) {
		t.Errorf("%d files changed, Debian's series touches %d", len(files), len(touched))
	}
}

// debianSourcePackage puts the source package in a directory of its own: the .dsc and the
// Debian tarball from Debian's archive, pinned by sha256, beside links to the release and
// its signature in the corpus cache, which dpkg-source only reads.
func debianSourcePackage(t *testing.T) string {
	t.Helper()
	cache := corpusCache(t)
	dir := t.TempDir()
	for name, sum := range map[string]string{debianDSC: debianDSCSHA, debianTar: debianTarSHA} {
		data := download(t, debianPool+strings.ReplaceAll(name, "+", "%2b"))
		if got := fmt.Sprintf("%x", sha256.Sum256(data)); got != sum {
			t.Fatalf("%s from Debian's archive has sha256 %s, want %s", name, got, sum)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, sum := range map[string]string{"mediawiki_1.39.17.orig.tar.gz": mediawikiSHA, "mediawiki_1.39.17.orig.tar.gz.asc": mediawikiAscSHA} {
		if err := os.Symlink(filepath.Join(cache, "blobs/sha256", sum), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func download(t *testing.T, url string) []byte {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Minute}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("Debian's source package is needed from its archive: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return data
}

func debianSeries(t *testing.T, tree string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(tree, "debian/patches/series"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if f := strings.Fields(line); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names
}

// releaseFiles reads the given paths of the release tarball into a tree: they are all
// that patching reads, and the release holds too many files to keep in memory.
func releaseFiles(t *testing.T, paths map[string]bool) fstest.MapFS {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusCache(t), "blobs/sha256", mediawikiSHA))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tree := fstest.MapFS{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		_, p, _ := strings.Cut(h.Name, "/") // mediawiki-1.39.17/
		if !paths[p] || h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		tree[p] = &fstest.MapFile{Data: data, Mode: fs.FileMode(h.Mode).Perm()}
	}
	if len(tree) != len(paths) {
		t.Fatalf("the release holds %d of the %d files Debian's series touches", len(tree), len(paths))
	}
	return tree
}

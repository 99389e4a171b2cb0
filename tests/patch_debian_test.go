//go:build e2e

package tests

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/lock"
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

	// The same oracle for what ships: the shipped project's trees, and Debian's two
	// integration patches added to it.
	t.Run("shipped trees", func(t *testing.T) { checkShippedTrees(t, oracle, series) })
	t.Run("integration patches", func(t *testing.T) { checkIntegrationPatches(t, oracle) })
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

// unpatchedProject makes the shipped project in dir what it was before the security
// patches: the patch blocks of recipes/core.hcl removed, the editions at the given version,
// and no lock but its Debian bases (the shipped one records the patched versions under the
// shipped editions').
func unpatchedProject(t *testing.T, dir, version string) {
	t.Helper()
	removeLockKeepingDebianBases(t, dir)
	p := filepath.Join(dir, "recipes/core.hcl")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	stripped := patchBlock.ReplaceAll(b, nil)
	if bytes.Contains(stripped, []byte(`patch "`)) || bytes.Equal(stripped, b) {
		t.Fatalf("%s: the patch blocks could not be removed:\n%s", p, stripped)
	}
	writeFile(t, p, string(stripped))
	bumpEditions(t, dir, version)
}

var patchBlock = regexp.MustCompile(`(?m)^    patch "[^"]*" \{\n(?:      .*\n)*    \}\n`)

// Debian's two integration patches: the shipped project leaves them out (the packages
// depend on the system's lua5.1 and pygmentize only from the next release on).
var debianIntegration = map[string]string{
	"0001-Have-Scribunto-use-packaged-lua5.1-rather-than-bundl.patch": "extension/Scribunto",
	"0002-Have-SyntaxHighlight-use-packaged-pygmentize-rather-.patch": "extension/SyntaxHighlight_GeSHi",
}

// checkShippedTrees holds the shipped project's component trees against Debian's patched
// tree: every file the shipped security patches touch, and every 97th other file by path,
// byte for byte. The files only Debian's integration patches change are left out.
func checkShippedTrees(t *testing.T, oracle string, series []string) {
	dir := project(t)
	cache := corpusCache(t)
	if r := run(t, dir, cache, "--offline", "--quiet", "build", "--format", "tree", "--out", t.TempDir()); r.code != 0 {
		t.Fatalf("build --format tree exited %d:\n%s", r.code, r.stderr)
	}
	lk, err := lock.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]fstree.Entry{} // by path below the MediaWiki root
	for _, c := range lk.Components {
		for _, e := range treeEntries(t, cache, c.Tree) {
			if e.Type == fstree.File {
				files[path.Join(componentDir(t, c.ID), e.Path)] = e
			}
		}
	}
	security, integration := map[string]bool{}, map[string]bool{}
	for _, name := range series {
		into := security
		if debianIntegration[name] != "" {
			into = integration
		}
		for p := range pcFiles(t, oracle, name) {
			into[p] = true
		}
	}
	var paths []string
	for p := range files {
		if !security[p] && !integration[p] {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	var sample []string
	for i := 0; i < len(paths); i += 97 {
		sample = append(sample, paths[i])
	}
	for p := range security {
		if _, ok := files[p]; !ok {
			t.Errorf("%s: Debian's security patches change it, no shipped tree holds it", p)
			continue
		}
		sample = append(sample, p)
	}
	for _, p := range sample {
		e := files[p]
		got, err := os.ReadFile(filepath.Join(cache, e.Src))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		want, err := os.ReadFile(filepath.Join(oracle, filepath.FromSlash(p)))
		switch {
		case err != nil:
			t.Errorf("%s: in the shipped trees, not in Debian's (%v)", p, err)
		case !bytes.Equal(got, want):
			t.Errorf("%s differs from Debian's patched tree (%d bytes here, %d there)", p, len(got), len(want))
		case fmt.Sprintf("%x", sha256.Sum256(got)) != e.Digest:
			t.Errorf("%s: the tree records sha256 %s for other bytes", p, e.Digest)
		}
	}
	t.Logf("%d files of %d compared with Debian's patched tree: the %d the security patches touch and every 97th other", len(sample), len(files), len(security))
	if len(security) != 7 {
		t.Errorf("Debian's security patches touch %d files, want 7", len(security))
	}
}

// checkIntegrationPatches adds Debian's 0001 and 0002 to a copy of the shipped project,
// applied from core's source as the security patches are: Scribunto and SyntaxHighlight
// take one patch each, and their extension.json is Debian's.
func checkIntegrationPatches(t *testing.T, oracle string) {
	dir := project(t)
	cache := corpusCache(t)
	recipe := filepath.Join(dir, "recipes/core.hcl")
	b, err := os.ReadFile(recipe)
	if err != nil {
		t.Fatal(err)
	}
	var blocks string
	for _, name := range []string{"0001-Have-Scribunto-use-packaged-lua5.1-rather-than-bundl.patch", "0002-Have-SyntaxHighlight-use-packaged-pygmentize-rather-.patch"} {
		data, err := os.ReadFile(filepath.Join(oracle, "debian/patches", name))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "patches", name), string(data))
		blocks += fmt.Sprintf("    patch \"../patches/%s\" {\n      sha256 = \"%x\"\n    }\n", name, sha256.Sum256(data))
	}
	last := patchBlock.FindAllIndex(b, -1)
	if len(last) == 0 {
		t.Fatalf("%s has no patch block to add after", recipe)
	}
	end := last[len(last)-1][1]
	writeFile(t, recipe, string(b[:end])+blocks+string(b[end:]))
	bumpEditions(t, dir, nextEditionVersion)
	if r := run(t, dir, cache, "--offline", "--quiet", "lock"); r.code != 0 {
		t.Fatalf("lock with Debian's integration patches exited %d:\n%s", r.code, r.stderr)
	}
	shipped, err := lock.Read("..")
	if err != nil {
		t.Fatal(err)
	}
	lk, err := lock.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(lk.Components) != len(shipped.Components) {
		t.Fatalf("the lock holds %d components, the shipped one %d", len(lk.Components), len(shipped.Components))
	}
	for i, c := range lk.Components {
		was := shipped.Components[i]
		want := was.Version
		for name, id := range debianIntegration {
			if c.ID != id {
				continue
			}
			want = lock.PatchedVersion(was.Version, 1)
			if len(c.Patches) != 1 || c.Patches[0].File != "patches/"+name || c.Patches[0].Status != "applied" {
				t.Errorf("%s: patches %+v, want %s applied", c.ID, c.Patches, name)
			}
			manifest := path.Join(componentDir(t, c.ID), "extension.json")
			checkTreeFile(t, cache, c.Tree, "extension.json", filepath.Join(oracle, manifest))
		}
		if c.ID != was.ID || c.Version != want {
			t.Errorf("%s is at %s, want %s (%s at %s in the shipped lock)", c.ID, c.Version, want, was.ID, was.Version)
		}
	}
}

// checkTreeFile wants the file at rel of a tree in the cache to hold oracle's bytes.
func checkTreeFile(t *testing.T, cache, tree, rel, oracle string) {
	t.Helper()
	want, err := os.ReadFile(oracle)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range treeEntries(t, cache, tree) {
		if e.Path != rel {
			continue
		}
		got, err := os.ReadFile(filepath.Join(cache, e.Src))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s of tree %s is not Debian's %s (%v)", rel, tree, oracle, err)
		}
		return
	}
	t.Errorf("tree %s has no %s", tree, rel)
}

// pcFiles lists the files quilt saved before applying one patch of the series.
func pcFiles(t *testing.T, oracle, name string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	root := filepath.Join(oracle, ".pc", name)
	if err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out[filepath.ToSlash(rel)] = true
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// componentDir is where a component's tree lies below the MediaWiki root.
func componentDir(t *testing.T, id string) string {
	t.Helper()
	kind, name, _ := strings.Cut(id, "/")
	switch kind {
	case "core":
		return "."
	case "extension":
		return "extensions/" + name
	case "skin":
		return "skins/" + name
	}
	t.Fatalf("component %s: no directory below the MediaWiki root", id)
	return ""
}

// treeEntries reads a tree listing of the cache.
func treeEntries(t *testing.T, cache, digest string) []fstree.Entry {
	t.Helper()
	f, err := os.Open(filepath.Join(cache, "trees", strings.TrimPrefix(digest, "sha256:")+".tree"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	var header map[string]any
	if err := dec.Decode(&header); err != nil {
		t.Fatal(err)
	}
	var out []fstree.Entry
	for {
		var e fstree.Entry
		if err := dec.Decode(&e); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("tree %s: %v", digest, err)
		}
		out = append(out, e)
	}
	return out
}

//go:build e2e

package tests

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBumpCoreToASignedRelease moves a copy of the shipped project to "1.39.18": the real
// 1.39.17 tarball repacked under the new version (its directory and MW_VERSION), signed
// with a throwaway key and served over HTTP, the recipe's keyring pointing at that key.
// A wrong sha256, a signature that does not match and a tarball of another release leave
// every file as it was; the bump itself rewrites the recipe, relocks and prints the diff.
func TestBumpCoreToASignedRelease(t *testing.T) {
	cache := linkCacheTo(t, corpusCache(t), filepath.Join(t.TempDir(), "cache"))
	priv, pub, _ := releaseKey(t)
	serve := t.TempDir()
	tarball := filepath.Join(serve, "mediawiki/1.39/mediawiki-1.39.18.tar.gz")
	repackRelease(t, filepath.Join(cache, "blobs/sha256", mediawikiSHA), tarball, "1.39.17", "1.39.18")
	detachSign(t, priv, tarball, tarball+".sig")
	// The real 1.39.17 under another name, with a good signature: the relock finds the
	// wrong release.
	copyFile(t, filepath.Join(cache, "blobs/sha256", mediawikiSHA), filepath.Join(serve, "renamed.tar.gz"))
	detachSign(t, priv, filepath.Join(serve, "renamed.tar.gz"), filepath.Join(serve, "renamed.tar.gz.sig"))
	srv := httptest.NewServer(http.FileServer(http.Dir(serve)))
	defer srv.Close()

	dir := project(t)
	editFile(t, dir, "recipes/core.hcl", "https://releases.wikimedia.org", srv.URL)
	editFile(t, dir, "recipes/core.hcl", `"keys/mediawiki-release.asc"`, `"keys/test-release.asc"`)
	copyFile(t, pub, filepath.Join(dir, "recipes/keys/test-release.asc"))
	before := projectFiles(t, dir)

	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"wrong sha256", []string{"--sha256", strings.Repeat("0", 64)},
			[]string{"downloaded file has sha256 " + sha256File(t, tarball) + ", but the recipe pins " + strings.Repeat("0", 64), "nothing was written"}},
		{"bad signature", []string{"--signature", srv.URL + "/renamed.tar.gz.sig"},
			[]string{"signature " + srv.URL + "/renamed.tar.gz.sig does not verify with keyring recipes/keys/test-release.asc", "nothing was written"}},
		{"another release", []string{"--url", srv.URL + "/renamed.tar.gz", "--signature", srv.URL + "/renamed.tar.gz.sig"},
			[]string{"mwedition: bump: core/mediawiki: source " + srv.URL + "/renamed.tar.gz: the recipe says version 1.39.18, but the source's includes/Defines.php says 1.39.17; nothing was written"}},
	} {
		r := run(t, dir, cache, append([]string{"-q", "bump", "core", "1.39.18"}, tc.args...)...)
		t.Logf("%s: %s", tc.name, r.stderr)
		if r.code != 1 {
			t.Errorf("%s: bump exited %d, want 1:\n%s%s", tc.name, r.code, r.stdout, r.stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", tc.name, w, r.stderr)
			}
		}
		if d := diffFiles(before, projectFiles(t, dir)); d != "" {
			t.Errorf("%s: bump changed files: %s", tc.name, d)
		}
	}

	r := run(t, dir, cache, "-q", "bump", "core", "1.39.18")
	if r.code != 0 {
		t.Fatalf("bump exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	sha := sha256File(t, tarball)
	for _, w := range []string{
		"bump: core/mediawiki 1.39.17 → 1.39.18",
		"sha256 " + sha + ": taken from the download",
		"edition knowledge-base " + shippedEditionVersion + " → 1.39.18.1",
		// The shipped project is a release line: the editions' version and the core release
		// are line.hcl's, and the shared editions stay as they were.
		"wrote line.hcl, recipes/core.hcl, editions.lock",
		"## Changes from " + shippedEditionVersion + " to 1.39.18.1",
		"| `core/mediawiki` | " + shippedCoreVersion + " → 1.39.18+p4 | tarball sha256 " + mediawikiSHA[:12] + " → " + sha[:12] + " |",
		"| `extension/Cite` | 1.39.17 → 1.39.18 | in core/mediawiki",
	} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("bump's output lacks %q:\n%s", w, r.stdout)
		}
	}
	checkBumpedRecipe(t, dir, srv.URL, sha)
	checkBumpedLock(t, dir)
	line := readProjectFile(t, dir, "line.hcl")
	for _, w := range []string{`  release         = "1.39.18"`, `  edition_version = "1.39.18.1"`, `  branch          = "REL1_39"`} {
		if !strings.Contains(line, w) {
			t.Errorf("line.hcl lacks %q:\n%s", w, line)
		}
	}
	if r := run(t, dir, cache, "--offline", "validate"); r.code != 0 {
		t.Errorf("validate after bump exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// checkBumpedRecipe checks the core recipe's new values, and that its comments stayed.
func checkBumpedRecipe(t *testing.T, dir, base, sha string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "recipes/core.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		`  version = "1.39.18"`,
		`    url       = "` + base + `/mediawiki/1.39/mediawiki-1.39.18.tar.gz"`,
		`    sha256    = "` + sha + `"`,
		`    signature = "` + base + `/mediawiki/1.39/mediawiki-1.39.18.tar.gz.sig"`,
		"# The five SECURITY commits released after 1.39.17",
	} {
		if !strings.Contains(string(b), w) {
			t.Errorf("recipes/core.hcl lacks %q:\n%s", w, b)
		}
	}
}

// checkBumpedLock checks the new lock: core at the new release with another tree, its
// bundled components following it, the editions at their new version.
func checkBumpedLock(t *testing.T, dir string) {
	t.Helper()
	was, now := readLock(t, ".."), readLock(t, dir)
	core := func(id string) (string, string, string) {
		for _, c := range now.Components {
			if c.ID == id {
				for _, w := range was.Components {
					if w.ID == id {
						return c.Version, c.Tree, w.Tree
					}
				}
			}
		}
		t.Fatalf("%s is not in both locks", id)
		return "", "", ""
	}
	if v, tree, old := core("core/mediawiki"); v != "1.39.18+p4" || tree == old {
		t.Errorf("core/mediawiki locked at %s with tree %s (was %s), want 1.39.18+p4 with another tree", v, tree, old)
	}
	for _, c := range now.Components {
		if c.Source.Kind == "bundled" && c.Source.Of != "core/mediawiki" {
			t.Errorf("%s is bundled in %q, not in core/mediawiki", c.ID, c.Source.Of)
		}
	}
	for _, e := range now.Editions {
		if e.Version != "1.39.18.1" {
			t.Errorf("edition %s locked at %s, want 1.39.18.1", e.Name, e.Version)
		}
	}
}

// repackRelease writes the release tarball from as release next: every path's top
// directory and includes/Defines.php's MW_VERSION name next, so it is another release.
func repackRelease(t *testing.T, from, to, prev, next string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(out, gzip.BestSpeed)
	tr, tw := tar.NewReader(zr), tar.NewWriter(zw)
	defined := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		h.Name = strings.Replace(h.Name, "mediawiki-"+prev, "mediawiki-"+next, 1)
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(h.Name, "/includes/Defines.php") {
			old := "define( 'MW_VERSION', '" + prev + "' );"
			defined = strings.Contains(string(body), old)
			body = []byte(strings.Replace(string(body), old, "define( 'MW_VERSION', '"+next+"' );", 1))
			h.Size = int64(len(body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if !defined {
		t.Fatalf("%s: includes/Defines.php does not define MW_VERSION %s", from, prev)
	}
	for _, c := range []io.Closer{tw, zw, out} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// detachSign signs file with the armored private key priv, as a release manager's
// `gpg --detach-sign` does.
func detachSign(t *testing.T, priv, file, sig string) {
	t.Helper()
	home := t.TempDir()
	for _, args := range [][]string{{"--import", priv}, {"--output", sig, "--detach-sign", file}} {
		cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gpg %v: %v\n%s", args, err, out)
		}
	}
}

// projectFiles maps every file of a project (out/ aside) to its bytes.
func projectFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files[strings.TrimPrefix(p, dir+"/")] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// diffFiles names the files added, removed or changed between two projectFiles.
func diffFiles(was, now map[string]string) string {
	var d []string
	for n, b := range was {
		if nb, ok := now[n]; !ok {
			d = append(d, n+" removed")
		} else if nb != b {
			d = append(d, n+" changed")
		}
	}
	for n := range now {
		if _, ok := was[n]; !ok {
			d = append(d, n+" added")
		}
	}
	return strings.Join(d, ", ")
}

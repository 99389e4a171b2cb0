//go:build e2e

package tests

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTarballsRealTree builds the three shipped editions' release tarballs from the real
// release twice, each time from a cold cache, signed with a release manager's key, and
// reads them back with GNU tar, bsdtar and Python's tarfile, gpg and sha256sum.
func TestTarballsRealTree(t *testing.T) {
	// Own caches and output directories; mostly single-threaded tools (lintian, rpmlint,
	// xz, mmdebstrap): they overlap with the other tests on CI's two cores.
	t.Parallel()
	for _, tool := range []string{"gpg", "tar", "xz", "bsdtar", "python3", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	priv, pub, fpr := releaseKey(t)
	dir := project(t)
	outs := []string{t.TempDir(), t.TempDir()}
	var evs []event
	for i, out := range outs {
		r := run(t, dir, seededCache(t), "--offline", "--json", "build", "--out", out, "--format", "tarball",
			"--sign-key", priv, "--sign-fingerprint", fpr)
		if r.code != 0 {
			t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
		}
		if i == 0 {
			evs = events(t, r.stdout)
		}
	}
	dir0 := filepath.Join(outs[0], "tarballs")
	files := packages(t, dir0)
	var tarballs []string
	for name := range files {
		if strings.HasPrefix(name, "mediawiki-") && !strings.HasSuffix(name, ".asc") {
			tarballs = append(tarballs, name)
		}
	}
	sort.Strings(tarballs)
	var want []string
	for _, e := range []string{"core", "enterprise", "knowledge-base"} {
		for _, ext := range []string{".tar.gz", ".tar.xz"} {
			want = append(want, "mediawiki-"+e+"-"+shippedEditionVersion+ext)
		}
	}
	if diff := cmp.Diff(want, tarballs); diff != "" {
		t.Fatalf("tarballs (-want +got):\n%s", diff)
	}
	// Each tarball, its signature, SHA256SUMS and its signature.
	if len(files) != 2*len(want)+2 {
		t.Errorf("out/tarballs holds %d files, want %d", len(files), 2*len(want)+2)
	}

	t.Run("reproducible", func(t *testing.T) {
		if diff := cmp.Diff(files, packages(t, filepath.Join(outs[1], "tarballs"))); diff != "" {
			t.Errorf("out/tarballs differs between two cold builds (-first +second):\n%s", diff)
		}
	})

	t.Run("segments shared", func(t *testing.T) {
		// One segment action per component and compression, whichever editions hold it: 34
		// components (each in some edition), 2 compressions; one tarball action per file.
		runs := map[string]int{}
		kinds := map[string]int{}
		for _, e := range evs {
			if e.Event == "finished" {
				runs[e.Action]++
				kinds[e.Kind]++
			}
		}
		if kinds["pack.tarseg"] != 34*2 || kinds["pack.tarball"] != len(want) {
			t.Errorf("ran %d segment and %d tarball actions, want %d and %d", kinds["pack.tarseg"], kinds["pack.tarball"], 34*2, len(want))
		}
		for _, id := range []string{"tar.gz/mediawiki-1.39.17/core/mediawiki", "tar.xz/mediawiki-1.39.17/core/mediawiki"} {
			if runs[id] != 1 {
				t.Errorf("%s ran %d times, want once for the three editions", id, runs[id])
			}
		}
	})

	var m struct {
		Editions []struct {
			Name              string
			Entries           int
			Extensions, Skins []string
		}
	}
	b, err := os.ReadFile(filepath.Join(outs[0], "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}

	t.Run("listings", func(t *testing.T) {
		lines := func(s string) []string {
			var out []string
			for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
				out = append(out, strings.TrimSuffix(l, "/")) // tar marks directories; tarfile does not
			}
			return out
		}
		const py = "import sys, tarfile\nfor m in tarfile.open(sys.argv[1]).getmembers(): print(m.name)\n"
		for _, e := range m.Editions {
			var gz []string
			for _, ext := range []string{".tar.gz", ".tar.xz"} {
				name := "mediawiki-" + e.Name + "-" + shippedEditionVersion + ext
				p := filepath.Join(dir0, name)
				flag := "-tzf"
				if ext == ".tar.xz" {
					flag = "-tJf"
				}
				gnu := lines(command(t, "tar", flag, p))
				if diff := cmp.Diff(gnu, lines(command(t, "bsdtar", "-tf", p))); diff != "" {
					t.Errorf("%s: GNU tar and bsdtar differ (-tar +bsdtar):\n%s", name, diff)
				}
				if diff := cmp.Diff(gnu, lines(command(t, "python3", "-c", py, p))); diff != "" {
					t.Errorf("%s: GNU tar and Python's tarfile differ (-tar +tarfile):\n%s", name, diff)
				}
				if gz == nil {
					gz = gnu
				} else if diff := cmp.Diff(gz, gnu); diff != "" {
					t.Errorf("%s: other entries than the .tar.gz (-gz +xz):\n%s", name, diff)
				}
				// The edition's tree below one top directory, which the listing adds.
				if len(gnu) != e.Entries+1 {
					t.Errorf("%s: %d entries, want the edition tree's %d and the top directory", name, len(gnu), e.Entries)
				}
				has := map[string]bool{}
				for _, l := range gnu {
					if l != "mediawiki-1.39.17" && !strings.HasPrefix(l, "mediawiki-1.39.17/") {
						t.Fatalf("%s: %s is outside the top directory mediawiki-1.39.17", name, l)
					}
					has[l] = true
				}
				wantPaths := []string{"mediawiki-1.39.17/EditionSettings.php", "mediawiki-1.39.17/includes/Defines.php", "mediawiki-1.39.17/index.php"}
				for _, x := range e.Extensions {
					wantPaths = append(wantPaths, "mediawiki-1.39.17/extensions/"+x+"/extension.json")
				}
				for _, s := range e.Skins {
					wantPaths = append(wantPaths, "mediawiki-1.39.17/skins/"+s+"/skin.json")
				}
				for _, p := range wantPaths {
					if !has[p] {
						t.Errorf("%s lacks %s", name, p)
					}
				}
				if e.Name == "enterprise" && has["mediawiki-1.39.17/extensions/Math"] {
					t.Errorf("%s holds Math, which enterprise removes", name)
				}
			}
		}
	})

	t.Run("contents", func(t *testing.T) {
		x := t.TempDir()
		command(t, "tar", "-xJf", filepath.Join(dir0, "mediawiki-knowledge-base-"+shippedEditionVersion+".tar.xz"), "-C", x)
		top := filepath.Join(x, "mediawiki-1.39.17")
		settings, err := os.ReadFile(filepath.Join(top, "EditionSettings.php"))
		if err != nil || !strings.Contains(string(settings), "'Scribunto',") {
			t.Errorf("EditionSettings.php does not load Scribunto (%v):\n%s", err, settings)
		}
		// The executable bit survives, as in the release; nothing else does.
		for p, mode := range map[string]os.FileMode{"maintenance/update.php": 0o755, "index.php": 0o644, "extensions": 0o755} {
			if fi, err := os.Stat(filepath.Join(top, p)); err != nil || fi.Mode().Perm() != mode {
				t.Errorf("%s: %v, want mode %o (%v)", p, fi.Mode(), mode, err)
			}
		}
		// A file of a bundled extension has the bytes of the release's.
		rel := "extensions/Cite/extension.json"
		src := filepath.Join(corpusCache(t), "src", "tarball-"+mediawikiSHA, "mediawiki-1.39.17", rel)
		if a, b := sha256File(t, src), sha256File(t, filepath.Join(top, rel)); a != b {
			t.Errorf("%s: %s in the tarball, %s in the release", rel, b, a)
		}
	})

	t.Run("gpg", func(t *testing.T) {
		home := t.TempDir()
		command(t, "gpg", "--homedir", home, "--batch", "--import", pub)
		for name := range files {
			if !strings.HasSuffix(name, ".asc") {
				continue
			}
			p := filepath.Join(dir0, name)
			cmd := exec.Command("gpg", "--homedir", home, "--batch", "--status-fd", "1", "--verify", p, strings.TrimSuffix(p, ".asc"))
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "[GNUPG:] VALIDSIG "+fpr) {
				t.Errorf("gpg --verify %s: %v\n%s", name, err, out)
			}
		}
		// A signature does not cover another tarball.
		cmd := exec.Command("gpg", "--homedir", home, "--batch", "--verify",
			filepath.Join(dir0, want[0]+".asc"), filepath.Join(dir0, want[1]))
		if out, err := cmd.CombinedOutput(); err == nil {
			t.Errorf("gpg --verify passed %s's signature on %s:\n%s", want[0], want[1], out)
		}
	})

	t.Run("sha256sum", func(t *testing.T) {
		cmd := exec.Command("sha256sum", "-c", "SHA256SUMS")
		cmd.Dir = dir0
		if out, err := cmd.CombinedOutput(); err != nil || strings.Count(string(out), ": OK\n") != len(want) {
			t.Errorf("sha256sum -c SHA256SUMS: %v\n%s", err, out)
		}
		// One flipped byte in a copy of a tarball.
		bad := t.TempDir()
		for name := range files {
			b, err := os.ReadFile(filepath.Join(dir0, name))
			if err != nil {
				t.Fatal(err)
			}
			if name == want[3] {
				b[len(b)/2] ^= 0x01
			}
			if err := os.WriteFile(filepath.Join(bad, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cmd = exec.Command("sha256sum", "-c", "SHA256SUMS")
		cmd.Dir = bad
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), want[3]+": FAILED") || strings.Count(string(out), ": OK\n") != len(want)-1 {
			t.Errorf("sha256sum -c with one byte of %s flipped: %v\n%s", want[3], err, out)
		}
	})
}

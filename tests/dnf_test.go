//go:build e2e

package tests

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/pack"
	"github.com/mwedition/mwedition/internal/repo/dnf"
	"github.com/mwedition/mwedition/internal/signature"
)

// The dnf repository acceptance test: a small edition's .rpm packages, built and signed by
// the binary, are published with `mwedition publish --dnf`; createrepo_c describes the same
// packages the same way; dnf, with gpgcheck=1 and repo_gpgcheck=1, installs the edition into
// an empty root from it (PHP and a shell come from a test-only repository of stand-ins);
// a tampered, unsigned or corrupted repository is refused; publishing again changes nothing;
// a publisher killed at any moment leaves a repository dnf accepts.
//
// It needs root (rpm runs scriptlets chrooted into dnf's install root) and createrepo_c,
// dnf, rpm, gpg and busybox-static (`make deps`).

const dnfEdition = "mediawiki-edition-dnftest"

func TestDNFRepository(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the dnf test needs root (rpm chroots into the install root for scriptlets): run `make e2e` as root")
	}
	for _, tool := range []string{"createrepo_c", "dnf", "rpm", "gpg", "busybox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	start := time.Now()
	cacheDir := corpusCache(t)
	priv, _, fpr := releaseKey(t)
	proj := dnfProject(t)
	out := filepath.Join(t.TempDir(), "out")
	if r := run(t, proj, cacheDir, "--offline", "--quiet", "build", "--format", "rpm", "--out", out,
		"--sign-key", priv, "--sign-fingerprint", fpr); r.code != 0 {
		t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
	}
	rpms, _ := filepath.Glob(filepath.Join(out, "rpm", "*.rpm"))
	if len(rpms) != 4 {
		t.Fatalf("the build made %d .rpm files, want 4 (core, Poem, Vector, the edition): %v", len(rpms), rpms)
	}
	t.Logf("%s: packages built", time.Since(start).Round(time.Second))

	repoDir := filepath.Join(t.TempDir(), "dnf")
	first := dnfPublish(t, proj, cacheDir, out, repoDir, priv, fpr)
	if first["unchanged"] != false || first["packages"] != float64(4) || first["generation"] != float64(1) {
		t.Errorf("first publish: %v", first)
	}
	t.Logf("%s: published", time.Since(start).Round(time.Second))

	t.Run("createrepo_c", func(t *testing.T) {
		// createrepo_c over copies of the same files, in a directory of its own.
		dir := t.TempDir()
		for _, f := range rpms {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644)
		}
		command(t, "createrepo_c", "--quiet", "--no-database", dir)
		ours, theirs := readRPMMD(t, repoDir), readRPMMD(t, dir)
		if len(ours) != 4 {
			t.Errorf("our metadata lists %d packages, want 4", len(ours))
		}
		if diff := cmp.Diff(theirs, ours); diff != "" {
			t.Errorf("our metadata and createrepo_c's describe the packages differently (-createrepo_c +ours):\n%s", diff)
		}
	})

	t.Run("reproducible", func(t *testing.T) {
		// The same builds again, into the same repository: nothing changes.
		before := repodata(t, repoDir)
		again := dnfPublish(t, proj, cacheDir, out, repoDir, priv, fpr)
		if again["unchanged"] != true || again["generation"] != float64(1) {
			t.Errorf("publishing the same builds again: %v", again)
		}
		if diff := cmp.Diff(before, repodata(t, repoDir)); diff != "" {
			t.Errorf("repodata changed (-before +after):\n%s", diff)
		}
		// And into a new repository elsewhere: the same metadata, byte for byte.
		other := filepath.Join(t.TempDir(), "dnf")
		dnfPublish(t, proj, cacheDir, out, other, priv, fpr)
		if diff := cmp.Diff(before, repodata(t, other)); diff != "" {
			t.Errorf("two repositories published from the same builds differ (-first +second):\n%s", diff)
		}
	})

	standins := standinRepo(t, priv)
	t.Run("install", func(t *testing.T) {
		root := t.TempDir()
		reposd := t.TempDir()
		copyFile(t, filepath.Join(repoDir, "mwedition.repo"), filepath.Join(reposd, "mwedition.repo"))
		copyFile(t, filepath.Join(standins, "standins.repo"), filepath.Join(reposd, "standins.repo"))
		for _, f := range []string{"mwedition.repo", "standins.repo"} {
			b, _ := os.ReadFile(filepath.Join(reposd, f))
			if !strings.Contains(string(b), "\ngpgcheck=1\n") || !strings.Contains(string(b), "\nrepo_gpgcheck=1\n") {
				t.Fatalf("%s does not check signatures:\n%s", f, b)
			}
		}
		outp, err := dnfCommand(root, reposd, "install", dnfEdition).CombinedOutput()
		t.Logf("dnf install:\n%s", outp)
		if err != nil {
			t.Fatalf("dnf install %s: %v", dnfEdition, err)
		}
		for _, bad := range []string{"scriptlet failed", "error:", "warning:"} {
			if strings.Contains(string(outp), bad) {
				t.Errorf("dnf install printed %q", bad)
			}
		}
		installed := strings.Fields(command(t, "rpm", "--root", root, "-qa", "--qf", "%{NAME}\n"))
		sort.Strings(installed)
		for _, want := range []string{dnfEdition, "mediawiki-core", "mediawiki-extension-poem", "mediawiki-skin-vector"} {
			if !slices.Contains(installed, want) {
				t.Errorf("%s is not installed; rpm -qa: %v", want, installed)
			}
		}
		// dnf checked the packages against the key the .repo file names: it is in the root's
		// rpm database now, and is the release manager's.
		keys := command(t, "rpm", "--root", root, "-q", "gpg-pubkey", "--qf", "%{VERSION}\n")
		if want := strings.ToLower(fpr[len(fpr)-8:]); !strings.Contains(keys, want) {
			t.Errorf("the root's rpm database holds keys %q, not the release key %s", keys, want)
		}
		for _, p := range []string{"usr/share/mediawiki/extensions/Poem/extension.json", "usr/share/mediawiki/skins/Vector/skin.json",
			"etc/mediawiki/EditionSettings.php", "usr/share/mediawiki/includes/Defines.php"} {
			if _, err := os.Lstat(filepath.Join(root, p)); err != nil {
				t.Errorf("after dnf install: %v", err)
			}
		}
		if v, err := exec.Command("rpm", "--root", root, "-V", dnfEdition, "mediawiki-extension-poem", "mediawiki-skin-vector").CombinedOutput(); err != nil {
			t.Errorf("rpm -V: %v\n%s", err, v)
		}

		// A newer build of the edition joins the repository; the older one stays listed, and
		// dnf upgrades to the newer.
		setDNFEditionVersion(t, proj, "1.39.17.2")
		out2 := filepath.Join(t.TempDir(), "out")
		if r := run(t, proj, cacheDir, "--offline", "--quiet", "build", "--format", "rpm", "--out", out2,
			"--sign-key", priv, "--sign-fingerprint", fpr); r.code != 0 {
			t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
		}
		ev := dnfPublish(t, proj, cacheDir, out2, repoDir, priv, fpr)
		wantNew := []any{"pool/" + dnfEdition + "-1.39.17.2-1.noarch.rpm"}
		if diff := cmp.Diff(wantNew, ev["new"]); diff != "" || ev["packages"] != float64(5) || ev["generation"] != float64(2) {
			t.Errorf("publishing the newer build: %v (new: -want +got):\n%s", ev, diff)
		}
		outp, err = dnfCommand(root, reposd, "--refresh", "upgrade").CombinedOutput()
		if err != nil {
			t.Fatalf("dnf upgrade: %v\n%s", err, outp)
		}
		if v := command(t, "rpm", "--root", root, "-q", "--qf", "%{VERSION}", dnfEdition); v != "1.39.17.2" {
			t.Errorf("after dnf upgrade, %s is at %s, want 1.39.17.2", dnfEdition, v)
		}
		if got := command(t, "dnf", append(dnfArgs(root, reposd), "--showduplicates", "--quiet", "list", "--available", dnfEdition)...); !strings.Contains(got, "1.39.17.1-1") {
			t.Errorf("the older edition is no longer available:\n%s", got)
		}
	})

	t.Run("refused", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			change func(t *testing.T, dir string)
			want   string // in dnf's output; empty: dnf accepts the repository
		}{
			{"untouched copy", func(*testing.T, string) {}, ""},
			{"repomd.xml changed", func(t *testing.T, dir string) {
				p := filepath.Join(dir, dnf.RepomdPath)
				b, _ := os.ReadFile(p)
				writeThrough(t, p, bytes.Replace(b, []byte("<revision>"), []byte("<revision>1"), 1))
			}, "repomd.xml GPG signature verification error: Bad GPG signature"},
			{"repomd.xml unsigned", func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, dnf.SigPath)); err != nil {
					t.Fatal(err)
				}
			}, "GPG verification is enabled, but GPG signature is not available"},
			{"primary.xml.gz changed", func(t *testing.T, dir string) {
				// The primary repomd.xml names; the previous publish's stays beside it.
				md, _ := os.ReadFile(filepath.Join(dir, dnf.RepomdPath))
				m := regexp.MustCompile(`repodata/[0-9a-f]{64}-primary\.xml\.gz`).Find(md)
				if m == nil {
					t.Fatalf("repomd.xml names no primary:\n%s", md)
				}
				p := filepath.Join(dir, string(m))
				b, _ := os.ReadFile(p)
				b[len(b)/2] ^= 1
				writeThrough(t, p, b)
			}, "checksum doesn't match"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "dnf")
				if out, err := exec.Command("cp", "-a", repoDir, dir).CombinedOutput(); err != nil {
					t.Fatalf("cp: %v\n%s", err, out)
				}
				tc.change(t, dir)
				reposd := t.TempDir()
				b, _ := os.ReadFile(filepath.Join(dir, "mwedition.repo"))
				os.WriteFile(filepath.Join(reposd, "copy.repo"), bytes.ReplaceAll(b, []byte("file://"+repoDir), []byte("file://"+dir)), 0o644)
				out, err := dnfCommand(t.TempDir(), reposd, "makecache").CombinedOutput()
				switch {
				case tc.want == "" && err != nil:
					t.Errorf("dnf makecache refused the repository: %v\n%s", err, out)
				case tc.want != "" && err == nil:
					t.Errorf("dnf makecache accepted the repository:\n%s", out)
				case tc.want != "" && !strings.Contains(string(out), tc.want):
					t.Errorf("dnf makecache failed, but without mentioning %q:\n%s", tc.want, out)
				}
			})
		}
	})
	t.Logf("%s: tampered repositories refused", time.Since(start).Round(time.Second))

	dnfKillPublisher(t, proj, cacheDir, out, repoDir, priv, fpr)
	t.Logf("%s: done", time.Since(start).Round(time.Second))
}

// dnfKillPublisher SIGKILLs publishes at random moments, at least 20 times; after each kill,
// the served repomd.xml must be the one from before the publish or the one it was writing,
// and dnf makecache must accept the repository. Each publish is dated one second later
// (SOURCE_DATE_EPOCH), so each makes a new generation.
func dnfKillPublisher(t *testing.T, proj, cacheDir, out, repoDir, priv, fpr string) {
	reposd := t.TempDir()
	copyFile(t, filepath.Join(repoDir, "mwedition.repo"), filepath.Join(reposd, "mwedition.repo"))
	revisionRE := regexp.MustCompile(`<revision>(\d+)</revision>`)
	revision := func() int64 {
		b, err := os.ReadFile(filepath.Join(repoDir, dnf.RepomdPath))
		if err != nil {
			t.Fatal(err)
		}
		m := revisionRE.FindSubmatch(b)
		if m == nil {
			t.Fatalf("the served repomd.xml has no revision:\n%s", b)
		}
		n, _ := strconv.ParseInt(string(m[1]), 10, 64)
		return n
	}
	base := revision() + 1
	// start starts a publish; the channels are closed when it holds the lock (its first
	// report on a pool file) and when it is about to switch to the new generation.
	start := func(i int64) (cmd *exec.Cmd, locked, switching <-chan struct{}) {
		cmd = exec.Command(bin(t), "-C", proj, "--cache", cacheDir, "--json", "publish", "--dnf", repoDir, "--out", out,
			"--sign-key", priv, "--sign-fingerprint", fpr)
		cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+strconv.FormatInt(base+i, 10))
		l, sw := startWatched(t, cmd)
		return cmd, l, sw
	}
	// A third of the kills come at a random moment of a whole publish, a third of its part
	// under the lock, a third from the switch on.
	begin := time.Now()
	cmd, locked, switching := start(0)
	<-locked
	lockedAt := time.Since(begin)
	<-switching
	switchAt := time.Since(begin)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("publish: %v", err)
	}
	full := time.Since(begin)
	underLock, fromSwitch := full-lockedAt, max(full-switchAt, time.Millisecond)
	kills, old, new := 0, 0, 0
	for i := int64(1); kills < 21 || old == 0 || new == 0; i++ {
		if i > 80 {
			t.Fatalf("after %d publishes, %d were killed (%d leaving the old repomd.xml, %d the new): the publish is too quick to kill", i, kills, old, new)
		}
		prev := revision()
		cmd, locked, switching := start(i)
		switch i % 3 {
		case 0:
			time.Sleep(time.Duration(rand.Int64N(int64(full))))
		case 1:
			<-locked
			time.Sleep(time.Duration(rand.Int64N(int64(underLock))))
		case 2:
			<-switching
			time.Sleep(time.Duration(rand.Int64N(int64(fromSwitch))))
		}
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			if err != nil {
				t.Fatalf("publish %d failed before it was killed: %v", i, err)
			}
			continue // it finished first
		}
		kills++
		switch now := revision(); now {
		case prev:
			old++
		case base + i:
			new++
		default:
			t.Fatalf("after publish %d (revision %d) was killed, the served revision is %d; before, %d", i, base+i, now, prev)
		}
		if out, err := dnfCommand(t.TempDir(), reposd, "makecache").CombinedOutput(); err != nil {
			t.Fatalf("after publish %d was killed, dnf makecache: %v\n%s", i, err, out)
		}
	}
	t.Logf("killed %d publishes (a whole one takes %s, %s of it under the lock, %s from the switch on): %d left the old repomd.xml, %d the new; dnf makecache accepted the repository after each",
		kills, full.Round(time.Millisecond), underLock.Round(time.Millisecond), fromSwitch.Round(time.Microsecond), old, new)
	// The next publish tidies up what the killed ones left.
	cmd, _, _ = start(1000)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("publish after the kills: %v", err)
	}
	filepath.WalkDir(repoDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-publish") {
			t.Errorf("left behind after a complete publish: %s", p)
		}
		return nil
	})
	if out, err := dnfCommand(t.TempDir(), reposd, "makecache").CombinedOutput(); err != nil {
		t.Fatalf("after the kills and a complete publish, dnf makecache: %v\n%s", err, out)
	}
}

// dnfProject is the shipped project with one small edition in place of the shipped ones:
// core, Poem and Vector, as .rpm packages.
func dnfProject(t *testing.T) string {
	t.Helper()
	return smallEditionProject(t, "dnftest", "dnf Test", `output "rpm" {}`)
}

func setDNFEditionVersion(t *testing.T, proj, version string) {
	t.Helper()
	p := filepath.Join(proj, "editions/dnftest.hcl")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, strings.Replace(string(b), `version    = "1.39.17.1"`, `version    = "`+version+`"`, 1))
}

// dnfPublish runs mwedition publish --dnf with --json and returns its "published" event.
func dnfPublish(t *testing.T, proj, cacheDir, out, repoDir, priv, fpr string) map[string]any {
	t.Helper()
	r := run(t, proj, cacheDir, "--json", "publish", "--out", out, "--dnf", repoDir, "--sign-key", priv, "--sign-fingerprint", fpr)
	if r.code != 0 {
		t.Fatalf("publish exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("--json printed a line that is not JSON: %q", l)
		}
		if ev["event"] == "published" && ev["format"] == "dnf" {
			t.Logf("publish: %v", ev)
			return ev
		}
	}
	t.Fatalf("publish printed no published event:\n%s", r.stdout)
	return nil
}

// dnfArgs make dnf work on the install root root with only the repositories in reposd. A
// repository whose metadata does not verify fails the command rather than being skipped
// (Debian's dnf skips it by default), so that a refusal shows in the exit status.
func dnfArgs(root, reposd string) []string {
	return []string{"-y", "--installroot", root, "--releasever", "12", "--noplugins",
		"--setopt=reposdir=" + reposd, "--setopt=install_weak_deps=False", "--setopt=skip_if_unavailable=False"}
}

func dnfCommand(root, reposd string, args ...string) *exec.Cmd {
	cmd := exec.Command("dnf", append(dnfArgs(root, reposd), args...)...)
	cmd.Env = append(os.Environ(), "LANG=C.UTF-8")
	return cmd
}

// repodata maps each file of a repository's repodata/ to its bytes.
func repodata(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	ents, err := os.ReadDir(filepath.Join(dir, "repodata"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, "repodata", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeThrough replaces a file's bytes in place, through the repository's symlinks.
func writeThrough(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// standinRepo is the test-only repository of stand-ins for what the packages need from the
// distribution: PHP's packages (empty, with their names and provides) and a shell (busybox,
// statically linked, as /bin/sh, so that scriptlets run in the empty root). It is built by
// the same code as ours, signed with the same key, and kept apart from ours.
func standinRepo(t *testing.T, priv string) string {
	t.Helper()
	key, err := os.ReadFile(priv)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.NewSigner(key, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	sh, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	standin := func(name string, provides ...string) pack.Package {
		return pack.Package{Name: name, Version: "8.2.7", Summary: "Test stand-in for " + name, License: "MIT",
			Maintainer: "mwedition tests <tests@mwedition.example.org>", Provides: provides, MTime: mtime}
	}
	shell := standin("busybox-sh")
	shell.Version = "1.35.0"
	shell.Extra = []pack.File{{Path: "/bin/sh", Type: fstree.File, Mode: 0o755, Content: sh}}
	pkgs := []pack.Package{
		shell,
		standin("php", "php(httpd)"),
		standin("php-cli", "/usr/bin/php"),
		standin("php-common", "php(language) = 8.2.7"),
		standin("php-intl"), standin("php-mbstring"), standin("php-pdo"), standin("php-xml"),
	}
	builds := t.TempDir()
	var files []string
	for _, p := range pkgs {
		f := filepath.Join(builds, pack.RPMFileName(p))
		var b bytes.Buffer
		if err := pack.RPM(context.Background(), p, nil, &b, signer); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	dir := filepath.Join(t.TempDir(), "standins")
	opt := dnf.PublishOptions{Options: dnf.Options{Signer: signer, ID: "standins", Name: "Test stand-ins", BaseURL: "file://" + dir}}
	if _, err := dnf.Publish(t.Context(), dir, files, opt); err != nil {
		t.Fatal(err)
	}
	return dir
}

// rpmmd is what a repository's metadata says about one package, read from primary,
// filelists and other independently of the code that wrote ours.
type rpmmd struct {
	Name, Arch, Epoch, Ver, Rel string
	Checksum                    string
	Summary, Description        string
	Packager, URL               string
	BuildTime                   string
	Sizes                       [3]string // package, installed, archive
	File                        string    // the location's base name
	License, Vendor, Group      string
	BuildHost, SourceRPM        string
	HeaderRange                 [2]string
	Relations                   map[string][]string // provides, requires, ...: "name flags epoch:ver-rel pre"
	PrimaryFiles, Files         []string            // "type path"
	Changelog                   []string
}

type xmlEntry struct {
	Name  string `xml:"name,attr"`
	Flags string `xml:"flags,attr"`
	Epoch string `xml:"epoch,attr"`
	Ver   string `xml:"ver,attr"`
	Rel   string `xml:"rel,attr"`
	Pre   string `xml:"pre,attr"`
}

type xmlFile struct {
	Type string `xml:"type,attr"`
	Path string `xml:",chardata"`
}

type xmlVersion struct {
	Epoch string `xml:"epoch,attr"`
	Ver   string `xml:"ver,attr"`
	Rel   string `xml:"rel,attr"`
}

// readRPMMD reads the metadata repomd.xml in dir names, by package checksum.
func readRPMMD(t *testing.T, dir string) map[string]*rpmmd {
	t.Helper()
	var md struct {
		Data []struct {
			Type     string `xml:"type,attr"`
			Location struct {
				Href string `xml:"href,attr"`
			} `xml:"location"`
		} `xml:"data"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "repodata", "repomd.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, &md); err != nil {
		t.Fatal(err)
	}
	href := map[string]string{}
	for _, d := range md.Data {
		href[d.Type] = d.Location.Href
	}
	load := func(typ string, v any) {
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(href[typ])))
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if err := xml.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
	}
	var primary struct {
		Packages []struct {
			Name        string     `xml:"name"`
			Arch        string     `xml:"arch"`
			Version     xmlVersion `xml:"version"`
			Checksum    string     `xml:"checksum"`
			Summary     string     `xml:"summary"`
			Description string     `xml:"description"`
			Packager    string     `xml:"packager"`
			URL         string     `xml:"url"`
			Time        struct {
				Build string `xml:"build,attr"`
			} `xml:"time"`
			Size struct {
				Package   string `xml:"package,attr"`
				Installed string `xml:"installed,attr"`
				Archive   string `xml:"archive,attr"`
			} `xml:"size"`
			Location struct {
				Href string `xml:"href,attr"`
			} `xml:"location"`
			Format struct {
				License     string `xml:"license"`
				Vendor      string `xml:"vendor"`
				Group       string `xml:"group"`
				BuildHost   string `xml:"buildhost"`
				SourceRPM   string `xml:"sourcerpm"`
				HeaderRange struct {
					Start string `xml:"start,attr"`
					End   string `xml:"end,attr"`
				} `xml:"header-range"`
				Provides    []xmlEntry `xml:"provides>entry"`
				Requires    []xmlEntry `xml:"requires>entry"`
				Conflicts   []xmlEntry `xml:"conflicts>entry"`
				Obsoletes   []xmlEntry `xml:"obsoletes>entry"`
				Recommends  []xmlEntry `xml:"recommends>entry"`
				Suggests    []xmlEntry `xml:"suggests>entry"`
				Supplements []xmlEntry `xml:"supplements>entry"`
				Enhances    []xmlEntry `xml:"enhances>entry"`
				Files       []xmlFile  `xml:"file"`
			} `xml:"format"`
		} `xml:"package"`
	}
	var filelists struct {
		Packages []struct {
			PkgID string    `xml:"pkgid,attr"`
			Files []xmlFile `xml:"file"`
		} `xml:"package"`
	}
	var other struct {
		Packages []struct {
			PkgID     string `xml:"pkgid,attr"`
			Changelog []struct {
				Author string `xml:"author,attr"`
				Date   string `xml:"date,attr"`
				Text   string `xml:",chardata"`
			} `xml:"changelog"`
		} `xml:"package"`
	}
	load("primary", &primary)
	load("filelists", &filelists)
	load("other", &other)

	rels := func(es []xmlEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, fmt.Sprintf("%s %s %s:%s-%s pre=%s", e.Name, e.Flags, e.Epoch, e.Ver, e.Rel, e.Pre))
		}
		return out
	}
	files := func(fs []xmlFile) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Type+" "+f.Path)
		}
		return out
	}
	out := map[string]*rpmmd{}
	for _, p := range primary.Packages {
		f := p.Format
		m := &rpmmd{Name: p.Name, Arch: p.Arch, Epoch: p.Version.Epoch, Ver: p.Version.Ver, Rel: p.Version.Rel,
			Checksum: p.Checksum, Summary: p.Summary, Description: p.Description, Packager: p.Packager, URL: p.URL,
			BuildTime: p.Time.Build, Sizes: [3]string{p.Size.Package, p.Size.Installed, p.Size.Archive},
			File: path.Base(p.Location.Href), License: f.License, Vendor: f.Vendor, Group: f.Group,
			BuildHost: f.BuildHost, SourceRPM: f.SourceRPM, HeaderRange: [2]string{f.HeaderRange.Start, f.HeaderRange.End},
			Relations: map[string][]string{
				"provides": rels(f.Provides), "requires": rels(f.Requires), "conflicts": rels(f.Conflicts),
				"obsoletes": rels(f.Obsoletes), "recommends": rels(f.Recommends), "suggests": rels(f.Suggests),
				"supplements": rels(f.Supplements), "enhances": rels(f.Enhances),
			},
			PrimaryFiles: files(f.Files),
		}
		out[p.Checksum] = m
	}
	for _, p := range filelists.Packages {
		if m, ok := out[p.PkgID]; ok {
			m.Files = files(p.Files)
		} else {
			t.Errorf("%s: filelists lists %s, which primary does not", dir, p.PkgID)
		}
	}
	for _, p := range other.Packages {
		if m, ok := out[p.PkgID]; ok {
			for _, c := range p.Changelog {
				m.Changelog = append(m.Changelog, c.Author+" @"+c.Date+": "+c.Text)
			}
		} else {
			t.Errorf("%s: other lists %s, which primary does not", dir, p.PkgID)
		}
	}
	return out
}

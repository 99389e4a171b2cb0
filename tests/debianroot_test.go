//go:build e2e

package tests

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/mwedition/mwedition/internal/lock"
)

// debianBasePackages are what the test base asks for: Apache with mod_php, so that the
// images on it run Apache as www-data.
var debianBasePackages = []string{"apache2", "libapache2-mod-php", "php-cli"}

// debianBaseTime is the test base's time: what the lock would take from the suites'
// Release files.
const debianBaseTime = 1764000000

// bookwormDebs resolves debianBasePackages as apt does in a root of the apt variant and
// downloads every .deb of the result from deb.debian.org, once (they are kept next to
// the corpus cache, as bookwormRoot's roots are). It returns the directory holding the
// .debs and the root's dpkg status, which says what apt installed.
func bookwormDebs(t *testing.T, cacheDir string) string {
	t.Helper()
	args := []string{"--variant=apt", "--format=null", "--include=" + strings.Join(debianBasePackages, ","),
		// Keep what apt downloaded, and the essential packages' .debs it unpacked itself.
		"--skip=download/empty", "--skip=essential/unlink"}
	h := sha256.Sum256([]byte(strings.Join(append(args, rootSources...), "\n")))
	dir := filepath.Join(filepath.Dir(cacheDir), "debs", "bookworm-"+hex.EncodeToString(h[:8]))
	if _, err := os.Stat(filepath.Join(dir, "status")); err == nil {
		return dir
	}
	tmp := fmt.Sprintf("%s.%d.tmp", dir, os.Getpid())
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	hook := `cp "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/dpkg/status ` + tmp + "/"
	start := time.Now()
	cmd := exec.Command("mmdebstrap", append(append(args, "--customize-hook="+hook, "bookworm", "/dev/null"), rootSources...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mmdebstrap: %v\n%s", err, tail(string(out)))
	}
	if err := os.Rename(tmp, dir); err != nil {
		t.Fatal(err)
	}
	t.Logf("downloaded the base's .debs in %s", time.Since(start).Round(time.Second))
	return dir
}

// debianBaseLock pins every package dpkg installed from the .debs in dir, as the lock
// would, and the installed package set comes from the root's status.
func debianBaseLock(t *testing.T, dir string) lock.DebianBase {
	t.Helper()
	debs, err := filepath.Glob(filepath.Join(dir, "*.deb"))
	if err != nil || len(debs) == 0 {
		t.Fatalf("no .debs in %s: %v", dir, err)
	}
	byName := map[string]string{}
	for _, d := range debs {
		byName[strings.SplitN(filepath.Base(d), "_", 2)[0]] = d
	}
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		t.Fatal(err)
	}
	b := lock.DebianBase{Name: "web", Recipe: "test", Time: debianBaseTime}
	for _, s := range []string{"bookworm", "bookworm-updates"} {
		b.Suites = append(b.Suites, lock.DebianSuite{Archive: "http://deb.debian.org/debian", Suite: s, Date: debianBaseTime})
	}
	b.Suites = append(b.Suites, lock.DebianSuite{Archive: "http://deb.debian.org/debian-security", Suite: "bookworm-security", Date: debianBaseTime})
	for _, stanza := range strings.Split(string(status), "\n\n") {
		f := map[string]string{}
		for _, line := range strings.Split(stanza, "\n") {
			if k, v, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(line, " ") {
				f[k] = v
			}
		}
		if f["Package"] == "" {
			continue
		}
		deb, ok := byName[f["Package"]]
		if !ok {
			t.Fatalf("%s is installed, but its .deb was not kept", f["Package"])
		}
		sum, n := fileSum(t, deb)
		b.Packages = append(b.Packages, lock.DebPackage{Name: f["Package"], Version: f["Version"], Architecture: f["Architecture"],
			Archive: "http://deb.debian.org/debian", Filename: "pool/main/" + filepath.Base(deb), Size: n, SHA256: sum})
	}
	sort.Slice(b.Packages, func(i, j int) bool { return b.Packages[i].Name < b.Packages[j].Name })
	return b
}

func fileSum(t *testing.T, name string) (string, int64) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

// debianCache is a cache of the test's own: the corpus's, linked, plus the base's .debs as
// blobs, copied so that the test may change them.
func debianCache(t *testing.T, corpus, debs string, b lock.DebianBase) string {
	t.Helper()
	c := filepath.Join(t.TempDir(), "cache")
	if out, err := exec.Command("cp", "-al", corpus, c).CombinedOutput(); err != nil {
		t.Fatalf("cp -al: %v\n%s", err, out)
	}
	for _, p := range b.Packages {
		src := filepath.Join(debs, filepath.Base(p.Filename))
		// A blob the corpus already holds is a hard link into the shared cache: copying
		// over it would write through the link.
		dst := filepath.Join(c, "blobs/sha256", p.SHA256)
		os.Remove(dst)
		if out, err := exec.Command("cp", src, dst).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v\n%s", err, out)
		}
	}
	return c
}

// baseLayers are the digests of the first n layers of the one image in out/oci.
func baseLayers(t *testing.T, out string, n int) []string {
	t.Helper()
	idx, images := readOCILayout(t, filepath.Join(out, "oci"))
	img, err := idx.Image(images[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) < n {
		t.Fatalf("the image has %d layers, fewer than the base's %d", len(m.Layers), n)
	}
	var ds []string
	for _, l := range m.Layers[:n] {
		ds = append(ds, fmt.Sprintf("%s (%.1f MiB)", l.Digest, mib(l.Size)))
	}
	return ds
}

// TestDebianBase builds images on a Debian base made from pinned .debs, offline: twice
// from cold caches, which must give the same base layers and the same image; a no-op
// build, which must not make the root again; and from a cache whose .deb was changed,
// which must be refused.
func TestDebianBase(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("mmdebstrap --mode=root needs root: run `make e2e` as root")
	}
	corpus := corpusCache(t)
	debs := bookwormDebs(t, corpus)
	base := debianBaseLock(t, debs)
	proj := smallEditionProject(t, "debtest", "Debian base test", `output "image" {
    base = "debian:web"
    tags = ["test"]
  }`)
	lf, err := lock.Read(proj)
	if err != nil {
		t.Fatal(err)
	}
	// TODO(lead): once `mwedition lock` pins debian_base blocks, lock the base through it.
	if err := lock.Write(proj, lf.WithDebianBases([]lock.DebianBase{base})); err != nil {
		t.Fatal(err)
	}
	build := func(cache, out string) (result, time.Duration) {
		start := time.Now()
		r := run(t, proj, cache, "--offline", "-q", "build", "--out", out, "--format", "image")
		return r, time.Since(start)
	}
	var layers [2][]string
	var digests [2]string
	for i := range layers {
		cache, out := debianCache(t, corpus, debs, base), filepath.Join(t.TempDir(), "out")
		r, took := build(cache, out)
		if r.code != 0 {
			t.Fatalf("cold build %d exited %d:\n%s", i+1, r.code, r.stderr)
		}
		t.Logf("cold build %d with the Debian base (%d packages): %s", i+1, len(base.Packages), took.Round(time.Second))
		layers[i] = baseLayers(t, out, 3)
		_, images := readOCILayout(t, filepath.Join(out, "oci"))
		digests[i] = images[0].Digest.String()
		if i == 0 {
			checkDebianImage(t, out)
			r, took := build(cache, out)
			if r.code != 0 {
				t.Fatalf("no-op build exited %d:\n%s", r.code, r.stderr)
			}
			t.Logf("no-op build: %s", took.Round(time.Millisecond))
			if took > 60*time.Second {
				t.Errorf("the no-op build took %s: it made the root again", took)
			}
		}
	}
	t.Logf("base layers: %v", layers[0])
	if d := cmp.Diff(layers[0], layers[1]); d != "" {
		t.Errorf("two cold builds gave other base layers (-first +second):\n%s", d)
	}
	if digests[0] != digests[1] {
		t.Errorf("two cold builds gave the images %s and %s", digests[0], digests[1])
	}

	cache := debianCache(t, corpus, debs, base)
	victim := base.Packages[len(base.Packages)/2]
	blob := filepath.Join(cache, "blobs/sha256", victim.SHA256)
	// A new file in the blob's place, never a write into it: the blob may share its
	// inode with another cache's.
	b, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(blob); err != nil {
		t.Fatal(err)
	}
	writeFile(t, blob, string(b)+"tampered")
	got, _ := fileSum(t, blob)
	r, _ := build(cache, filepath.Join(t.TempDir(), "out"))
	want := fmt.Sprintf("package %s %s (%s): the cached .deb's sha256 is %s, but the lock pins %s", victim.Name, victim.Version, victim.Architecture, got, victim.SHA256)
	if testing.Verbose() {
		t.Logf("the build from a tampered .deb: %s", r.stderr)
	}
	if r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("a build from a tampered .deb exited %d, want an error saying %q:\n%s", r.code, want, r.stderr)
	}
}

// checkDebianImage checks the image on the Debian base runs Apache as www-data, as an
// image on a root file system with Apache and mod_php does.
func checkDebianImage(t *testing.T, out string) {
	t.Helper()
	idx, images := readOCILayout(t, filepath.Join(out, "oci"))
	img, err := idx.Image(images[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.Config; c.User != "33:33" || len(c.Cmd) == 0 || c.Cmd[0] != "/usr/sbin/apache2" {
		t.Errorf("on a Debian base with Apache and mod_php the image should run Apache as www-data: User %q, Cmd %q", c.User, c.Cmd)
	}
	if len(cfg.History) < 3 || !strings.Contains(cfg.History[0].CreatedBy, "debian base web, system layer") {
		t.Errorf("the image's history does not start with the base's layers: %+v", cfg.History)
	}
	// Nothing of the build host or of the private repository is left; apt inside a
	// container reaches the archives the base was locked from.
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	found := map[string]string{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch name := strings.TrimPrefix(h.Name, "./"); name {
		case "etc/resolv.conf", "etc/hostname", "etc/apt/apt.conf.d/99mmdebstrap", "etc/apt/sources.list", "usr/sbin/apache2":
			b, _ := io.ReadAll(tr)
			found[name] = string(b)
		}
	}
	want := map[string]string{"usr/sbin/apache2": found["usr/sbin/apache2"], "etc/apt/sources.list": "deb http://deb.debian.org/debian bookworm main\n" +
		"deb http://deb.debian.org/debian bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n"}
	if d := cmp.Diff(want, found); d != "" || found["usr/sbin/apache2"] == "" {
		t.Errorf("the image's files (-want +got):\n%s", d)
	}
}

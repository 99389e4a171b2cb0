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
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

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

// linkedCache is a cache of the test's own, made of hard links to another's files: a
// test that changes a blob replaces it, never writes into it. The store's lock file is not
// linked: a shared inode would make every copy's gc wait for every other copy's builds.
func linkedCache(t *testing.T, from string) string {
	t.Helper()
	return linkCacheTo(t, from, filepath.Join(t.TempDir(), "cache"))
}

func linkCacheTo(t *testing.T, from, c string) string {
	t.Helper()
	if out, err := exec.Command("cp", "-al", from, c).CombinedOutput(); err != nil {
		t.Fatalf("cp -al: %v\n%s", err, out)
	}
	if err := os.Remove(filepath.Join(c, "lock")); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
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
	proj := smallEditionProject(t, "debtest", "Debian base test", `output "image" {
    base = "debian:web"
    tags = ["test"]
  }`)
	// The base of this test alone: the shipped one, with the shipped editions' requirements,
	// would be locked again for an edition without them.
	if err := os.Remove(filepath.Join(proj, "recipes", "debian.hcl")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(proj, "recipes", "web.hcl"), `debian_base "web" {
  source "http://deb.debian.org/debian" { suites = ["bookworm", "bookworm-updates"] }
  source "http://deb.debian.org/debian-security" { suites = ["bookworm-security"] }
  packages = ["apache2", "libapache2-mod-php", "php-cli"]
}
`)
	// Locked online into a cache of the test's own, which then holds the pinned .debs.
	locked := linkedCache(t, corpus)
	start := time.Now()
	if r := run(t, proj, locked, "-q", "lock"); r.code != 0 {
		t.Fatalf("lock exited %d:\n%s", r.code, r.stderr)
	}
	base, ok := readLock(t, proj).DebianBase("web")
	if !ok || len(base.Packages) == 0 {
		t.Fatalf("editions.lock pins no package of the base web")
	}
	t.Logf("locked the base (%d packages) in %s", len(base.Packages), time.Since(start).Round(time.Second))
	build := func(cache, out string) (result, time.Duration) {
		start := time.Now()
		r := run(t, proj, cache, "--offline", "-q", "build", "--out", out, "--format", "image")
		return r, time.Since(start)
	}
	var layers [2][]string
	var digests [2]string
	for i := range layers {
		cache, out := linkedCache(t, locked), filepath.Join(t.TempDir(), "out")
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

	cache := linkedCache(t, locked)
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

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
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
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

// linkCacheTo makes c a cache of the test's own, of hard links to from's files: a test
// that changes a blob replaces it, never writes into it. The store's lock file is not
// linked: a shared inode would make every copy's gc wait for every other copy's builds.
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

// shippedDebsCache is a seeded cache (the release alone) plus the .debs the shipped lock
// pins for its Debian base: a cold build of the base, offline. The corpus cache gets the
// .debs first, through mwedition fetch, online when it lacks them.
func shippedDebsCache(t *testing.T) string {
	t.Helper()
	corpus := corpusCache(t)
	shippedDebsOnce.Do(func() {
		shippedDebsFetch = run(t, project(t), corpus, "-q", "fetch")
	})
	if r := shippedDebsFetch; r.code != 0 {
		t.Fatalf("fetch of the shipped lock's sources and .debs exited %d:\n%s", r.code, r.stderr)
	}
	c := seededCache(t)
	for _, b := range readLock(t, "..").DebianBases {
		for _, p := range b.Packages {
			rel := filepath.Join("blobs/sha256", p.SHA256)
			if err := os.Link(filepath.Join(corpus, rel), filepath.Join(c, rel)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return c
}

var (
	shippedDebsOnce  sync.Once
	shippedDebsFetch result
)

// checkDebianBaseBuild checks, after a cold build of the shipped images into out with the
// cache built: the image on the Debian base runs Apache as www-data and holds nothing
// of the build host; a second build runs nothing; and a cold build from a cache with one
// .deb changed is refused, naming the package and both digests.
func checkDebianBaseBuild(t *testing.T, dir, built, out, image string) {
	t.Helper()
	checkDebianImage(t, out, image, "bookworm")
	start := time.Now()
	r := run(t, dir, built, "--offline", "build", "--out", out, "--format", "image")
	if r.code != 0 || !strings.Contains(r.stdout, "built: 0 actions run") {
		t.Errorf("the second build exited %d or ran actions:\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("no-op image build: %s", time.Since(start).Round(time.Millisecond))

	lf := readLock(t, dir)
	victim := lf.DebianBases[0].Packages[len(lf.DebianBases[0].Packages)/2]
	// A cache that has not made the root yet: one that has would not read the .debs again.
	cache := shippedDebsCache(t)
	blob := filepath.Join(cache, "blobs/sha256", victim.SHA256)
	// A new file in the blob's place, never a write into it: the blob is a hard link into
	// other caches.
	b, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(blob); err != nil {
		t.Fatal(err)
	}
	writeFile(t, blob, string(b)+"tampered")
	got, _ := fileSum(t, blob)
	r = run(t, dir, cache, "--offline", "-q", "build", "--out", filepath.Join(t.TempDir(), "out"), "--format", "image")
	want := fmt.Sprintf("package %s %s (%s): the cached .deb's sha256 is %s, but the lock pins %s", victim.Name, victim.Version, victim.Architecture, got, victim.SHA256)
	if r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("a build from a tampered .deb exited %d, want an error saying %q:\n%s", r.code, want, r.stderr)
	}
}

// checkDebianImage checks the image on the Debian base runs Apache as www-data, as an
// image on a root file system with Apache and mod_php does.
func checkDebianImage(t *testing.T, out, name, base string) {
	t.Helper()
	idx, images := readOCILayout(t, filepath.Join(out, "oci"))
	var img v1.Image
	for _, im := range images {
		if im.Name == name {
			var err error
			if img, err = idx.Image(im.Digest); err != nil {
				t.Fatal(err)
			}
		}
	}
	if img == nil {
		t.Fatalf("no image %s in %v", name, images)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.Config; c.User != "33:33" || len(c.Cmd) == 0 || c.Cmd[0] != "/usr/sbin/apache2" {
		t.Errorf("on a Debian base with Apache and mod_php the image should run Apache as www-data: User %q, Cmd %q", c.User, c.Cmd)
	}
	if len(cfg.History) < 3 || !strings.Contains(cfg.History[0].CreatedBy, "debian base "+base+", system layer") {
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

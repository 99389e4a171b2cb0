//go:build e2e

package tests

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// layoutImage is one index.json entry of out/oci.
type layoutImage struct {
	Name, Edition, Tag string
	Digest             v1.Hash
}

// readOCILayout reads out/oci with go-containerregistry, checks its index and the
// manifests and configurations of every image (validate.Fast: the layers' bytes are
// checked by validate.Image, once per image rather than once per tag), and lists its entries.
func readOCILayout(t *testing.T, dir string) (v1.ImageIndex, []layoutImage) {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatalf("%s is not an OCI image layout: %v", dir, err)
	}
	if err := validate.Index(idx, validate.Fast); err != nil {
		t.Fatalf("validate.Index(%s): %v", dir, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var out []layoutImage
	for _, d := range m.Manifests {
		if d.ArtifactType != "" {
			continue // an SBOM or provenance attached to an image: sbom_test.go reads those
		}
		out = append(out, layoutImage{d.Annotations["org.opencontainers.image.ref.name"], d.Annotations["io.mwedition.edition"], d.Annotations["io.mwedition.tag"], d.Digest})
	}
	return idx, out
}

// TestImagesRealTree builds the three shipped editions' images from the real release twice,
// each time from a cold cache, and checks the layout: the same digests, valid images, and
// each component layer stored once however many images hold it.
func TestImagesRealTree(t *testing.T) {
	// Own caches and output directories; mostly single-threaded tools (lintian, rpmlint,
	// xz, mmdebstrap): they overlap with the other tests on CI's two cores.
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Fatal("the shipped images' Debian base is made by mmdebstrap --mode=root: run `make e2e` as root")
	}
	dir := project(t)
	outs := []string{t.TempDir(), t.TempDir()}
	var caches []string
	for i, out := range outs {
		caches = append(caches, shippedDebsCache(t))
		start := time.Now()
		r := run(t, dir, caches[i], "--offline", "-q", "build", "--out", out, "--format", "image")
		if r.code != 0 {
			t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
		}
		t.Logf("cold image build %d, Debian base included: %s", i+1, time.Since(start).Round(100*time.Millisecond))
	}
	checkDebianBaseBuild(t, dir, caches[0], outs[0], "core-"+shippedEditionVersion)
	idx, images := readOCILayout(t, filepath.Join(outs[0], "oci"))
	_, again := readOCILayout(t, filepath.Join(outs[1], "oci"))
	if diff := cmp.Diff(images, again); diff != "" {
		t.Fatalf("two cold builds give different images (-first +second):\n%s", diff)
	}
	var names []string
	for _, im := range images {
		names = append(names, im.Name)
	}
	v := shippedEditionVersion
	want := []string{"core-1.39", "core-1.39.17", "core-" + v, "enterprise-1.39", "enterprise-1.39.17", "enterprise-" + v,
		"knowledge-base-1.39", "knowledge-base-1.39.17", "knowledge-base-" + v}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("index.json entries (-want +got):\n%s", diff)
	}

	// Every image, and what each blob of the layout is for.
	layerUsers := map[v1.Hash][]string{}
	imageSize := map[string]int64{}
	for _, im := range images {
		if imageSize[im.Edition] > 0 {
			continue
		}
		img, err := idx.Image(im.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Image(img); err != nil {
			t.Fatalf("validate.Image(%s): %v", im.Name, err)
		}
		m, _ := img.Manifest()
		size := m.Config.Size
		if raw, err := img.RawManifest(); err == nil {
			size += int64(len(raw))
		}
		var base int64
		for i, l := range m.Layers {
			layerUsers[l.Digest] = append(layerUsers[l.Digest], im.Edition)
			size += l.Size
			if i < 3 {
				base += l.Size
			}
		}
		imageSize[im.Edition] = size
		t.Logf("%s: %.1f MiB compressed: the Debian base %.1f MiB (3 layers), MediaWiki %.1f MiB (%d layers)",
			im.Edition, mib(size), mib(base), mib(size-base), len(m.Layers)-3)
		cfg, _ := img.ConfigFile()
		if cfg.Config.Labels["io.mwedition.edition"] != im.Edition || m.Annotations["org.opencontainers.image.version"] != shippedEditionVersion {
			t.Errorf("%s: labels %v, annotations %v", im.Name, cfg.Config.Labels, m.Annotations)
		}
	}
	// The Debian base's three layers, 34 components and one edition layer per edition; the
	// base, core and the extensions all three editions hold are in all three images, stored
	// once.
	if len(layerUsers) != 3+34+3 {
		t.Errorf("the three images have %d distinct layers, want 40", len(layerUsers))
	}
	shared := 0
	for _, users := range layerUsers {
		if len(users) == 3 {
			shared++
		}
	}
	if shared < 20 {
		t.Errorf("only %d layers are shared by all three images", shared)
	}
	var total int64
	blobs, _ := os.ReadDir(filepath.Join(outs[0], "oci/blobs/sha256"))
	for _, b := range blobs {
		fi, _ := b.Info()
		total += fi.Size()
	}
	// Each edition's SBOM and provenance are referrers: a manifest and a layer each, and the
	// one empty configuration they all share.
	if want := len(layerUsers) + 3 + 3 + 3*2*2 + 1; len(blobs) != want {
		t.Errorf("the layout holds %d blobs, want %d: each layer, configuration and manifest once", len(blobs), want)
	}
	largest, sum := "", int64(0)
	for e, s := range imageSize {
		sum += s
		if s > imageSize[largest] {
			largest = e
		}
	}
	t.Logf("out/oci holds 3 editions in %.1f MiB; the largest image alone (%s) is %.1f MiB, the three apart %.1f MiB",
		mib(total), largest, mib(imageSize[largest]), mib(sum))
	if total > imageSize[largest]*12/10 {
		t.Errorf("the layout (%d bytes) is more than 1.2 times the largest image (%d bytes): layers are not shared", total, imageSize[largest])
	}

	// skopeo, an independent reader, sees the same thing.
	if _, err := exec.LookPath("skopeo"); err != nil {
		t.Fatal("skopeo is not installed: run `make deps`")
	}
	var inspect struct {
		Digest string
		Labels map[string]string
	}
	out := command(t, "skopeo", "inspect", "oci:"+filepath.Join(outs[0], "oci")+":enterprise-1.39")
	if err := json.Unmarshal([]byte(out), &inspect); err != nil {
		t.Fatal(err)
	}
	if inspect.Labels["io.mwedition.edition"] != "enterprise" || !strings.Contains(inspect.Labels["io.mwedition.components"], "extension/Scribunto@") {
		t.Errorf("skopeo inspect: %s", out)
	}
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// The "run for real" acceptance: an edition's image on a Debian bookworm root made by
// mmdebstrap (the lifecycle test's, with PHP, its SQLite driver and Apache), unpacked by
// umoci from out/oci, runs MediaWiki: install.php on SQLite, then the Main Page and
// Special:Version over HTTP from php -S, and from the Apache the image's configuration starts.
func TestImageRunsForReal(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the image test needs root (umoci unpack keeps owners; chroot, unshare): run `make e2e` as root")
	}
	for _, tool := range []string{"umoci", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	start := time.Now()
	cacheDir := corpusCache(t)
	base := bookwormRoot(t, cacheDir)
	dir := project(t)
	writeFile(t, filepath.Join(dir, "editions/small.hcl"), `edition "small" {
  title      = "Small"
  version    = "1.39.17.1"
  skins      = ["Vector"]
  extensions = ["Cite", "ParserFunctions", "Poem"]
  output "image" { tags = ["test"] }
}
`)
	out := filepath.Join(t.TempDir(), "out")
	r := run(t, dir, cacheDir, "--offline", "-q", "build", "--out", out, "--format", "image", "--image-base", "rootfs:"+base)
	if r.code != 0 {
		t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
	}
	t.Logf("%s: images built on the bookworm root", time.Since(start).Round(time.Second))
	// Each image of this layout carries the 300 MB root: validate.Image checks the one that runs.
	idx, images := readOCILayout(t, filepath.Join(out, "oci"))
	var small layoutImage
	for _, im := range images {
		if im.Name == "small-test" {
			small = im
		}
	}
	img, err := idx.Image(small.Digest)
	if err != nil {
		t.Fatalf("no image small-test in %v: %v", images, err)
	}
	if err := validate.Image(img); err != nil {
		t.Fatalf("validate.Image: %v", err)
	}
	t.Logf("%s: validated", time.Since(start).Round(time.Second))
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Config
	if c.User != "33:33" || len(c.Cmd) == 0 || c.Cmd[0] != "/usr/sbin/apache2" {
		t.Fatalf("on a root with Apache and mod_php the image should run Apache as www-data: User %q, Cmd %q", c.User, c.Cmd)
	}

	// umoci's raw unpack: the same unpacking (layers in order, whiteouts, owners) as umoci
	// unpack, without the mtree manifest a later repack would need, which takes minutes
	// for a 500 MB root. The configuration is read from the layout above.
	rt := root{filepath.Join(t.TempDir(), "rootfs")}
	if o, err := exec.Command("umoci", "raw", "unpack", "--image", filepath.Join(out, "oci")+":small-test", rt.dir).CombinedOutput(); err != nil {
		t.Fatalf("umoci raw unpack: %v\n%s", err, o)
	}
	t.Logf("%s: unpacked with umoci", time.Since(start).Round(time.Second))
	for p, want := range map[string]string{
		"/usr/share/mediawiki/extensions/Cite/extension.json": "",
		"/usr/share/mediawiki/skins/Vector/skin.json":         "",
		"/etc/mediawiki/EditionSettings.php":                  "/usr/share/mediawiki/EditionSettings.php",
		"/usr/share/mediawiki/images":                         "/var/lib/mediawiki/images",
	} {
		fi, err := os.Lstat(rt.path(p))
		if err != nil {
			t.Fatalf("%s is not in the unpacked image: %v", p, err)
		}
		if want != "" {
			if got, _ := os.Readlink(rt.path(p)); got != want || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("%s -> %q, want -> %s", p, got, want)
			}
		}
	}
	if fi, err := os.Stat(rt.path("/var/lib/mediawiki/data")); err != nil || fi.Sys() == nil || ownerOf(fi) != 33 {
		t.Errorf("/var/lib/mediawiki/data is not the web user's: %v", err)
	}

	// Install as the admin would in the container (docker run --user 0 ... install.php):
	// /etc/mediawiki is root's; the database is the web user's.
	port := freePort(t)
	rt.run(t, "sh", "-ec", `cd /usr/share/mediawiki
php maintenance/install.php --dbtype sqlite --dbpath /var/lib/mediawiki/data \
	--confpath /etc/mediawiki --server http://127.0.0.1:`+port+` --scriptpath "" \
	--pass image-test-password "Image Wiki" Admin
echo 'require_once "$IP/EditionSettings.php";' >> /etc/mediawiki/LocalSettings.php
php maintenance/update.php --quick
chown -R 33:33 /var/lib/mediawiki/data`)
	t.Logf("%s: MediaWiki installed", time.Since(start).Round(time.Second))
	srv := rt.serve(t, port)
	srv.wantPage(t, "Main_Page", "MediaWiki has been installed")
	srv.wantVersions(t, map[string]string{"Cite": "", "ParserFunctions": "", "Poem": "", "Vector": ""})
	srv.stop()
	t.Logf("%s: served by php -S", time.Since(start).Round(time.Second))

	// The image's own command, environment and user, as a runtime would start them.
	if l, err := net.Listen("tcp", "127.0.0.1:8080"); err != nil {
		t.Fatalf("port 8080, which the image's Apache listens on, is taken: %v", err)
	} else {
		l.Close()
	}
	// A root shell stays the namespace's first process: setpriv's change of user clears the
	// parent-death signal that ends the namespace when the test stops it.
	uid, gid, _ := strings.Cut(c.User, ":")
	argv := append([]string{"sh", "-c", `u=$0 g=$1; shift; setpriv --reuid "$u" --regid "$g" --clear-groups -- /usr/bin/env -i "$@" & wait`, uid, gid}, c.Env...)
	apache := &server{base: "http://127.0.0.1:8080", log: &bytes.Buffer{}}
	apache.cmd = rt.command(append(argv, c.Cmd...)...)
	apache.cmd.Stdout, apache.cmd.Stderr = apache.log, apache.log
	apache.cmd.WaitDelay = 10 * time.Second
	if err := apache.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(apache.stop)
	waitListening(t, "8080", apache)
	apache.wantPage(t, "Main_Page", "MediaWiki has been installed")
	apache.wantVersions(t, map[string]string{"Cite": "", "ParserFunctions": "", "Poem": "", "Vector": ""})
	if uids := processUIDs(t, "apache2", rt.dir); len(uids) == 0 || slices.ContainsFunc(uids, func(u int) bool { return u == 0 }) {
		t.Errorf("Apache's processes run as %v, want the web user's uid", uids)
	}
	apache.stop()
	t.Logf("%s: served by the image's Apache", time.Since(start).Round(time.Second))

	// The image started with the job queue's command instead of its Cmd.
	checkImageJobs(t, rt, c.User, c.Env)
	t.Logf("%s: job queue drained by mediawiki-run-jobs --loop", time.Since(start).Round(time.Second))
}

func waitListening(t *testing.T, port string, s *server) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
			return
		}
		if s.cmd.ProcessState != nil || time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s: %v\n%s", port, err, s.log)
		}
	}
}

func ownerOf(fi os.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

// processUIDs lists the real uids of the processes named comm whose root is dir.
func processUIDs(t *testing.T, comm, dir string) []int {
	t.Helper()
	var uids []int
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		b, err := os.ReadFile(p + "/comm")
		if err != nil || strings.TrimSpace(string(b)) != comm {
			continue
		}
		if r, err := os.Readlink(p + "/root"); err != nil || r != dir {
			continue
		}
		status, _ := os.ReadFile(p + "/status")
		for _, l := range strings.Split(string(status), "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[0] == "Uid:" {
				u, _ := strconv.Atoi(f[1])
				uids = append(uids, u)
			}
		}
	}
	return uids
}

//go:build e2e

package tests

import (
	"archive/tar"
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/crypto/bcrypt"
)

// The registry acceptance tests: `mwedition publish` pushes every edition of an image
// layout to Debian's docker-registry (the CNCF distribution registry) on 127.0.0.1, and
// skopeo and umoci read the images back. A reverse proxy the test runs in front of the
// registry counts blob uploads and mounts, and injects faults.

// realLayout builds the shipped editions' images from the real release (the corpus cache
// holds the trees, so this is quick) and returns the build output directory holding oci/.
func realLayout(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	if r := run(t, project(t), corpusCache(t), "--offline", "-q", "build", "--format", "image", "--image-base", "scratch", "--out", out); r.code != 0 {
		t.Fatalf("build --format image exited %d:\n%s", r.code, r.stderr)
	}
	return out
}

// syntheticLayout returns a build output directory whose oci/ is a small image layout
// following the image sink's conventions: one descriptor per (edition, tag) in index.json,
// annotated io.mwedition.edition and io.mwedition.tag; editions core, knowledge-base and
// enterprise share their component layers (core, Vector, Cite, ...), each has a small
// edition layer with /etc/mediawiki/EditionSettings.php, and enterprise is a two-platform
// index, which the shipped editions (no base) are not. The fault and credential tests use it:
// they push many times, and what they check is the transport, not the images.
func syntheticLayout(t *testing.T) string {
	t.Helper()
	epoch := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	// layer makes a reproducible gzip layer holding these files (and their directories).
	layer := func(files map[string]string) v1.Layer {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		var names []string
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		dirs := map[string]bool{}
		for _, n := range names {
			for d := filepath.Dir(n); d != "."; d = filepath.Dir(d) {
				dirs[d+"/"] = true
			}
		}
		var all []string
		for d := range dirs {
			all = append(all, d)
		}
		all = append(all, names...)
		sort.Strings(all)
		for _, n := range all {
			h := &tar.Header{Name: n, Mode: 0o644, ModTime: epoch, Typeflag: tar.TypeReg, Size: int64(len(files[n]))}
			if strings.HasSuffix(n, "/") {
				h.Mode, h.Typeflag, h.Size = 0o755, tar.TypeDir, 0
			}
			if err := tw.WriteHeader(h); err != nil {
				t.Fatal(err)
			}
			tw.Write([]byte(files[n]))
		}
		tw.Close()
		b := buf.Bytes()
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
			tarball.WithMediaType(types.OCILayer))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	const mw = "usr/share/mediawiki/"
	component := func(dir, manifest, name string) v1.Layer {
		return layer(map[string]string{
			mw + dir + "/" + manifest: fmt.Sprintf(`{"name": %q, "manifest_version": 2}`+"\n", name),
			mw + dir + "/README":      name + " for MediaWiki 1.39\n",
		})
	}
	core := layer(map[string]string{
		mw + "index.php":             "<?php\nrequire __DIR__ . '/includes/WebStart.php';\n",
		mw + "includes/Defines.php":  "<?php\ndefine( 'MW_VERSION', '1.39.17' );\n",
		mw + "includes/WebStart.php": "<?php\n// MediaWiki 1.39.17\n",
	})
	vector := component("skins/Vector", "skin.json", "Vector")
	ext := map[string]v1.Layer{}
	for _, e := range []string{"Cite", "ParserFunctions", "Scribunto", "OATHAuth"} {
		ext[e] = component("extensions/"+e, "extension.json", e)
	}
	edition := func(name, arch string, exts ...string) v1.Image {
		settings := fmt.Sprintf("<?php\n// MediaWiki edition %s 1.39.17.1\nwfLoadExtensions( [ '%s' ] );\nwfLoadSkins( [ 'Vector' ] );\n", name, strings.Join(exts, "', '"))
		ls := []v1.Layer{core, vector}
		for _, e := range exts {
			ls = append(ls, ext[e])
		}
		ls = append(ls, layer(map[string]string{"etc/mediawiki/EditionSettings.php": settings}))
		base, err := mutate.ConfigFile(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON),
			&v1.ConfigFile{OS: "linux", Architecture: arch, RootFS: v1.RootFS{Type: "layers"},
				Config: v1.Config{WorkingDir: "/usr/share/mediawiki", Labels: map[string]string{"org.opencontainers.image.version": "1.39.17.1"}}})
		if err != nil {
			t.Fatal(err)
		}
		img, err := mutate.AppendLayers(base, ls...)
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.CreatedAt(img, v1.Time{Time: epoch}); err != nil {
			t.Fatal(err)
		}
		return img
	}
	out := t.TempDir()
	p, err := layout.Write(filepath.Join(out, "oci"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	ann := func(ed, tag string) layout.Option {
		return layout.WithAnnotations(map[string]string{
			"org.opencontainers.image.ref.name": ed + "-" + tag,
			"io.mwedition.edition":              ed,
			"io.mwedition.tag":                  tag,
		})
	}
	kbExts := []string{"Cite", "ParserFunctions", "Scribunto"}
	for _, e := range []struct {
		name string
		img  v1.Image
	}{{"core", edition("core", "amd64", "Cite")}, {"knowledge-base", edition("knowledge-base", "amd64", kbExts...)}} {
		if err := p.AppendImage(e.img, ann(e.name, "1.39.17.1")); err != nil {
			t.Fatal(err)
		}
	}
	entExts := append(kbExts, "OATHAuth")
	ent := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: edition("enterprise", "amd64", entExts...), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: edition("enterprise", "arm64", entExts...), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
	for _, tag := range []string{"1.39", "1.39.17.1"} {
		if err := p.AppendIndex(ent, ann("enterprise", tag)); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// layoutRefs reads what out/oci asks to publish: "edition:tag" -> manifest digest, and the
// number of distinct blobs (configs and layers) its editions and their referrers hold.
func layoutRefs(t *testing.T, out string) (map[string]string, int) {
	t.Helper()
	dir := filepath.Join(out, "oci")
	var idx v1.IndexManifest
	readJSON(t, filepath.Join(dir, "index.json"), &idx)
	refs := map[string]string{}
	blobs := map[v1.Hash]bool{}
	var walk func(d v1.Descriptor)
	walk = func(d v1.Descriptor) {
		if d.MediaType.IsIndex() {
			var im v1.IndexManifest
			readJSON(t, filepath.Join(dir, "blobs", d.Digest.Algorithm, d.Digest.Hex), &im)
			for _, c := range im.Manifests {
				walk(c)
			}
			return
		}
		var m v1.Manifest
		readJSON(t, filepath.Join(dir, "blobs", d.Digest.Algorithm, d.Digest.Hex), &m)
		blobs[m.Config.Digest] = true
		for _, l := range m.Layers {
			blobs[l.Digest] = true
		}
	}
	for _, d := range idx.Manifests {
		ed, tag := d.Annotations["io.mwedition.edition"], d.Annotations["io.mwedition.tag"]
		if ed == "" {
			if d.ArtifactType != "" {
				walk(d) // an SBOM or provenance: its blobs are pushed with its image
			}
			continue
		}
		refs[ed+":"+tag] = d.Digest.String()
		walk(d)
	}
	if len(refs) == 0 {
		t.Fatalf("%s/index.json names no edition", dir)
	}
	return refs, len(blobs)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// testRegistry is a docker-registry process and the proxy in front of it.
type testRegistry struct {
	host string // the proxy's 127.0.0.1:port: what publish and skopeo talk to
	log  string // the registry's log file

	mu       sync.Mutex
	uploads  int // blob uploads committed (PUT, or POST with a digest)
	sessions int // upload sessions opened (POST answered 202)
	mounts   int // cross-repository mounts (POST ?mount= answered 201)
	fault    func(r *http.Request) string
	faults   int
}

// counts returns and resets the upload, session and mount counters.
func (r *testRegistry) counts() (uploads, sessions, mounts int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	uploads, sessions, mounts = r.uploads, r.sessions, r.mounts
	r.uploads, r.sessions, r.mounts = 0, 0, 0
	return
}

// setFault makes the proxy fail the requests f names: "500", "drop" (close the
// connection unanswered) or "lose" (let the registry serve it, then drop the answer). It
// returns how many faults the previous f injected.
func (r *testRegistry) setFault(f func(*http.Request) string) (injected int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	injected = r.faults
	r.fault, r.faults = f, 0
	return injected
}

// startRegistry runs /usr/bin/docker-registry on a free 127.0.0.1 port with a fresh config
// and storage, with htpasswd authentication when htpasswd is not empty.
func startRegistry(t *testing.T, htpasswd string) *testRegistry {
	t.Helper()
	for _, tool := range []string{"docker-registry", "skopeo", "umoci"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	dir := t.TempDir()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
  relativeurls: true
`, filepath.Join(dir, "storage"), addr)
	if htpasswd != "" {
		os.WriteFile(filepath.Join(dir, "htpasswd"), []byte(htpasswd), 0o600)
		cfg += fmt.Sprintf("auth:\n  htpasswd:\n    realm: mwedition-test\n    path: %s\n", filepath.Join(dir, "htpasswd"))
	}
	os.WriteFile(filepath.Join(dir, "config.yml"), []byte(cfg), 0o644)
	logFile, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("docker-registry", "serve", filepath.Join(dir, "config.yml"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logFile.Close()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				break
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logFile.Name())
			t.Fatalf("docker-registry did not answer on %s within 20s:\n%s", addr, b)
		}
		time.Sleep(50 * time.Millisecond)
	}

	r := &testRegistry{log: logFile.Name()}
	backend, _ := url.Parse("http://" + addr)
	rp := &httputil.ReverseProxy{
		ErrorLog: log.New(io.Discard, "", 0), // requests a failing publish cancels
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(backend)
			pr.Out.Host = pr.In.Host // so that the registry's URLs name the proxy
		},
		ModifyResponse: func(resp *http.Response) error {
			q, m, code := resp.Request.URL.Query(), resp.Request.Method, resp.StatusCode
			if !strings.Contains(resp.Request.URL.Path, "/blobs/uploads/") {
				return nil
			}
			r.mu.Lock()
			defer r.mu.Unlock()
			switch {
			case code == http.StatusCreated && (m == http.MethodPut || (m == http.MethodPost && q.Get("digest") != "")):
				r.uploads++
			case code == http.StatusCreated && m == http.MethodPost && q.Get("mount") != "":
				r.mounts++
			case code == http.StatusAccepted && m == http.MethodPost:
				r.sessions++
			}
			return nil
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		fault := ""
		if r.fault != nil {
			if fault = r.fault(req); fault != "" {
				r.faults++
			}
		}
		r.mu.Unlock()
		switch fault {
		case "":
			rp.ServeHTTP(w, req)
		case "500":
			io.Copy(io.Discard, req.Body)
			http.Error(w, `{"errors":[{"code":"UNKNOWN","message":"injected by the test proxy"}]}`, http.StatusInternalServerError)
		case "lose", "drop":
			if fault == "lose" {
				rp.ServeHTTP(httptest.NewRecorder(), req)
			}
			io.Copy(io.Discard, req.Body)
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		}
	}))
	t.Cleanup(srv.Close)
	r.host = strings.TrimPrefix(srv.URL, "http://")
	return r
}

// publish runs `mwedition publish` on a layout.
func publish(t *testing.T, out string, args ...string) result {
	t.Helper()
	return run(t, t.TempDir(), t.TempDir(), append([]string{"publish", "--out", out}, args...)...)
}

// tagged reads the "tagged" JSON lines of publish --json: "edition:tag" -> digest.
func tagged(t *testing.T, stdout string) map[string]string {
	t.Helper()
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var e struct{ Event, Edition, Tag, Digest, Reference string }
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("publish --json printed a line that is not JSON: %q", sc.Text())
		}
		if e.Event == "tagged" {
			got[e.Edition+":"+e.Tag] = e.Digest
		}
	}
	return got
}

// skopeoArgs are the flags every skopeo call here takes: plain HTTP, and the Docker config
// DOCKER_CONFIG points at (skopeo does not read DOCKER_CONFIG itself).
func skopeoArgs() []string {
	args := []string{"--tls-verify=false"}
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		args = append(args, "--authfile", filepath.Join(d, "config.json"))
	}
	return args
}

// remoteDigest is the digest skopeo reads for a reference, or "" if the tag does not exist.
func remoteDigest(t *testing.T, ref string) string {
	t.Helper()
	cmd := exec.Command("skopeo", append(append([]string{"inspect", "--raw"}, skopeoArgs()...), "docker://"+ref)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		if strings.Contains(stderr.String(), "manifest unknown") || strings.Contains(stderr.String(), "name unknown") {
			return ""
		}
		t.Fatalf("skopeo inspect %s: %v\n%s", ref, err, stderr.Bytes())
	}
	h, _, _ := v1.SHA256(bytes.NewReader(raw))
	// The same through skopeo's own digest.
	d := strings.TrimSpace(command(t, "skopeo", append(append([]string{"inspect", "--format", "{{.Digest}}"}, skopeoArgs()...), "docker://"+ref)...))
	if d != h.String() {
		t.Errorf("skopeo inspect %s: digest %s, but its raw manifest hashes to %s", ref, d, h)
	}
	return d
}

// unpackEdition copies an image out of the registry with skopeo into an OCI directory,
// unpacks it with umoci, and returns the root filesystem.
func unpackEdition(t *testing.T, ref string) string {
	t.Helper()
	dir := t.TempDir()
	command(t, "skopeo", append(append([]string{"copy", "--quiet"}, skopeoArgs()...), "docker://"+ref, "oci:"+filepath.Join(dir, "oci")+":edition")...)
	args := []string{"unpack", "--image", filepath.Join(dir, "oci") + ":edition", filepath.Join(dir, "bundle")}
	if os.Geteuid() != 0 {
		args = append([]string{"--rootless"}, args...)
	}
	command(t, "umoci", args...)
	return filepath.Join(dir, "bundle", "rootfs")
}

// checkEdition finds the edition's files in an unpacked root: its settings file loading
// extensions, and MediaWiki itself.
func checkEdition(t *testing.T, rootfs, edition string) {
	t.Helper()
	var settings []byte
	for _, p := range []string{"etc/mediawiki/EditionSettings.php", "usr/share/mediawiki/EditionSettings.php"} {
		if b, err := os.ReadFile(filepath.Join(rootfs, p)); err == nil {
			settings = b
			break
		}
	}
	if !bytes.Contains(settings, []byte("wfLoadExtensions")) {
		t.Errorf("%s: no EditionSettings.php loading extensions under /etc/mediawiki or /usr/share/mediawiki (got %q)", edition, settings)
	}
	if _, err := os.Stat(filepath.Join(rootfs, "usr/share/mediawiki/includes/Defines.php")); err != nil {
		t.Errorf("%s: MediaWiki is not in /usr/share/mediawiki: %v", edition, err)
	}
}

// fallbackTag is the referrers tag schema's tag: sha256-<hex of the subject's digest>,
// naming the index of the manifests that refer to it, where a registry (Debian's
// docker-registry) has no referrers API.
var fallbackTag = regexp.MustCompile(`^sha256-[0-9a-f]{64}$`)

// tagsIn lists every tag each edition's repository holds, straight from the registry,
// but the referrers' fallback tags.
func tagsIn(t *testing.T, reg *testRegistry, editions []string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, ed := range editions {
		cmd := exec.Command("skopeo", append(append([]string{"list-tags"}, skopeoArgs()...), "docker://"+reg.host+"/mediawiki/"+ed)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		b, err := cmd.Output()
		if err != nil {
			// An edition whose push never got as far as a manifest has no repository yet.
			if strings.Contains(stderr.String(), "404 (Not Found)") || strings.Contains(stderr.String(), "name unknown") {
				continue
			}
			t.Fatalf("skopeo list-tags %s: %v\n%s", ed, err, stderr.Bytes())
		}
		var l struct{ Tags []string }
		json.Unmarshal(b, &l)
		for _, tag := range l.Tags {
			if fallbackTag.MatchString(tag) {
				continue // the referrers of an image: checkPushedReferrers reads them
			}
			got[ed+":"+tag] = remoteDigest(t, reg.host+"/mediawiki/"+ed+":"+tag)
		}
	}
	return got
}

func editionsOf(refs map[string]string) []string {
	seen := map[string]bool{}
	var eds []string
	for r := range refs {
		ed, _, _ := strings.Cut(r, ":")
		if !seen[ed] {
			seen[ed] = true
			eds = append(eds, ed)
		}
	}
	sort.Strings(eds)
	return eds
}

func TestPublishToRegistry(t *testing.T) {
	out := realLayout(t)
	want, blobs := layoutRefs(t, out)
	reg := startRegistry(t, "")
	start := time.Now()
	r := publish(t, out, "--json", "--registry", reg.host+"/mediawiki")
	took := time.Since(start)
	if r.code != 0 {
		t.Fatalf("publish exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if diff := cmp.Diff(want, tagged(t, r.stdout)); diff != "" {
		t.Errorf("publish --json tags (-layout +printed):\n%s", diff)
	}
	uploads, sessions, mounts := reg.counts()
	t.Logf("first publish: %d tags in %v; %d blobs uploaded (%d distinct in the layout), %d mounted", len(want), took.Round(time.Millisecond), uploads, blobs, mounts)
	if uploads != blobs || sessions != blobs {
		t.Errorf("first publish uploaded %d blobs in %d sessions; the layout holds %d distinct blobs: each must be uploaded exactly once", uploads, sessions, blobs)
	}
	if mounts == 0 {
		t.Error("no layer was mounted from another edition's repository")
	}

	// Read back: every tag resolves to the digest publish printed; each edition unpacks.
	if diff := cmp.Diff(want, tagsIn(t, reg, editionsOf(want))); diff != "" {
		t.Errorf("tags in the registry (-layout +registry):\n%s", diff)
	}
	for _, ed := range editionsOf(want) {
		checkEdition(t, unpackEdition(t, reg.host+"/mediawiki/"+ed+":"+shippedEditionVersion), ed)
		checkPushedReferrers(t, reg, out, ed, want[ed+":"+shippedEditionVersion])
	}

	// A second publish sends no blob, and prints REFERENCE DIGEST per tag.
	r = publish(t, out, "--registry", reg.host+"/mediawiki")
	if r.code != 0 {
		t.Fatalf("second publish exited %d:\n%s", r.code, r.stderr)
	}
	uploads, sessions, mounts = reg.counts()
	if uploads+sessions+mounts != 0 {
		t.Errorf("second publish: %d uploads, %d upload sessions, %d mounts: want none", uploads, sessions, mounts)
	}
	var lines []string
	for ref, d := range want {
		ed, tag, _ := strings.Cut(ref, ":")
		lines = append(lines, reg.host+"/mediawiki/"+ed+":"+tag+" "+d)
	}
	sort.Strings(lines)
	if diff := cmp.Diff(strings.Join(lines, "\n")+"\n", r.stdout); diff != "" {
		t.Errorf("second publish output (-want +got):\n%s", diff)
	}
	if !strings.Contains(r.stderr, "0 blobs uploaded (0 B)") {
		t.Errorf("second publish summary: %s", r.stderr)
	}

	// One edition only.
	reg2 := startRegistry(t, "")
	r = publish(t, out, "-q", "--registry", reg2.host+"/mw", "--edition", "knowledge-base")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 3 || !strings.Contains(r.stdout, reg2.host+"/mw/knowledge-base:"+shippedEditionVersion+" sha256:") || r.stderr != "" {
		t.Errorf("--edition knowledge-base -q: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// checkPushedReferrers reads an edition's SBOM and provenance back from the registry: the
// fallback tag sha256-<hex> of its image names an index of both (skopeo reads it), and
// go-containerregistry's remote.Referrers finds them there; the SBOM's bytes are
// out/sbom's.
func checkPushedReferrers(t *testing.T, reg *testRegistry, out, edition, image string) {
	t.Helper()
	h, err := v1.NewHash(image)
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.host + "/mediawiki/" + edition
	raw := command(t, "skopeo", append(append([]string{"inspect", "--raw"}, skopeoArgs()...), "docker://"+ref+":sha256-"+h.Hex)...)
	var fallback v1.IndexManifest
	if err := json.Unmarshal([]byte(raw), &fallback); err != nil || len(fallback.Manifests) != 2 {
		t.Fatalf("%s:sha256-%s is not an index of two referrers: %v\n%s", ref, h.Hex, err, raw)
	}
	repo, err := name.NewRepository(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Referrers(repo.Digest(image))
	if err != nil {
		t.Fatalf("remote.Referrers(%s@%s): %v", ref, image, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, d := range im.Manifests {
		kinds[d.ArtifactType] = true
		if d.ArtifactType != "application/spdx+json" {
			continue
		}
		img, err := remote.Image(repo.Digest(d.Digest.String()))
		if err != nil {
			t.Fatal(err)
		}
		ls, err := img.Layers()
		if err != nil || len(ls) != 1 {
			t.Fatalf("the SBOM manifest %s: %v, %d layers", d.Digest, err, len(ls))
		}
		rc, err := ls[0].Compressed()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		wantDoc, _ := os.ReadFile(filepath.Join(out, "sbom", edition+".spdx.json"))
		if err != nil || len(wantDoc) == 0 || !bytes.Equal(got, wantDoc) {
			t.Errorf("%s: the pushed SBOM is not out/sbom/%s.spdx.json (%v)", edition, edition, err)
		}
	}
	if diff := cmp.Diff(map[string]bool{"application/spdx+json": true, "application/vnd.in-toto+json": true}, kinds); diff != "" {
		t.Errorf("%s: referrers in the registry (-want +got):\n%s", edition, diff)
	}
}

// htpasswdLine is an htpasswd entry with a bcrypt hash, the only kind the registry takes.
func htpasswdLine(t *testing.T, user, pass string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return user + ":" + string(h) + "\n"
}

// dockerLogin writes the Docker config `docker login` would, into a fresh DOCKER_CONFIG.
func dockerLogin(t *testing.T, host, user, pass string) {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{"auths": {%q: {"auth": %q}}}`, host, base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
}

func TestPublishWithHtpasswd(t *testing.T) {
	const user, pass = "release-ci", "Corr3ct-Horse-Battery"
	out := syntheticLayout(t)
	want, _ := layoutRefs(t, out)
	reg := startRegistry(t, htpasswdLine(t, user, pass))
	noSecret := func(r result) {
		t.Helper()
		for _, s := range []string{pass, "Wrong-" + pass, base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))} {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Errorf("a credential appears in the output:\n%s%s", r.stdout, r.stderr)
			}
		}
	}

	t.Run("no credentials", func(t *testing.T) {
		t.Setenv("DOCKER_CONFIG", t.TempDir())
		r := publish(t, out, "--registry", reg.host+"/mediawiki")
		if r.code != 1 || !strings.Contains(r.stderr, "none were found for it: log in with `docker login "+reg.host+"`") {
			t.Errorf("exit %d, want the clear error:\n%s", r.code, r.stderr)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		dockerLogin(t, reg.host, user, "Wrong-"+pass)
		for _, args := range [][]string{{}, {"--json"}} {
			r := publish(t, out, append(args, "--registry", reg.host+"/mediawiki")...)
			if r.code != 1 || !strings.Contains(r.stderr, "registry "+reg.host+" rejected the credentials for pushing to mediawiki/") ||
				!strings.Contains(r.stderr, "docker login "+reg.host) || !strings.Contains(r.stderr, "no tag was written") {
				t.Errorf("publish %v: exit %d, want the clear error:\n%s%s", args, r.code, r.stdout, r.stderr)
			}
			noSecret(r)
		}
		dockerLogin(t, reg.host, user, pass) // to read the registry
		if got := tagsIn(t, reg, editionsOf(want)); len(got) != 0 {
			t.Errorf("a refused publish left tags: %v", got)
		}
	})
	t.Run("right password", func(t *testing.T) {
		dockerLogin(t, reg.host, user, pass)
		r := publish(t, out, "--json", "--registry", reg.host+"/mediawiki")
		if r.code != 0 {
			t.Fatalf("exit %d:\n%s", r.code, r.stderr)
		}
		noSecret(r)
		if diff := cmp.Diff(want, tagged(t, r.stdout)); diff != "" {
			t.Errorf("tags printed (-layout +printed):\n%s", diff)
		}
		if diff := cmp.Diff(want, tagsIn(t, reg, editionsOf(want))); diff != "" {
			t.Errorf("tags in the registry (-layout +registry):\n%s", diff)
		}
		checkEdition(t, unpackEdition(t, reg.host+"/mediawiki/enterprise:1.39"), "enterprise")
	})
	if b, err := os.ReadFile(reg.log); err == nil && bytes.Contains(b, []byte(pass)) {
		t.Error("the password reached the registry's log")
	}
}

// TestPublishFlakyRegistry puts faults between publish and the registry. Whatever
// happens, every tag in the registry names a complete image (skopeo copies it whole).
func TestPublishFlakyRegistry(t *testing.T) {
	out := syntheticLayout(t)
	want, _ := layoutRefs(t, out)
	// Requests of one kind to one repository: upload sessions and blob digests aside.
	kind := regexp.MustCompile(`/blobs/(uploads/.*|sha256:.*)`)

	t.Run("transient", func(t *testing.T) {
		reg := startRegistry(t, "")
		// The first try of each kind of request to each repository fails: blob checks and
		// manifests with 500, upload bodies with a dropped connection, blob commits served
		// but unanswered.
		seen := map[string]bool{}
		reg.setFault(func(r *http.Request) string {
			key := r.Method + " " + kind.ReplaceAllString(r.URL.Path, "/blobs/")
			if seen[key] || r.URL.Path == "/v2/" {
				return ""
			}
			seen[key] = true
			switch {
			case r.Method == http.MethodPatch:
				return "drop"
			case r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/"):
				return "lose"
			case r.Method == http.MethodHead || r.Method == http.MethodPut:
				return "500"
			}
			return ""
		})
		start := time.Now()
		r := publish(t, out, "--json", "--registry", reg.host+"/mediawiki")
		faults := reg.setFault(nil)
		if faults == 0 {
			t.Fatal("no fault was injected")
		}
		t.Logf("publish through %d injected faults: exit %d in %v", faults, r.code, time.Since(start).Round(time.Millisecond))
		if r.code != 0 {
			t.Fatalf("publish did not ride out transient faults: exit %d\n%s", r.code, r.stderr)
		}
		if diff := cmp.Diff(want, tagged(t, r.stdout)); diff != "" {
			t.Errorf("tags printed (-layout +printed):\n%s", diff)
		}
		if diff := cmp.Diff(want, tagsIn(t, reg, editionsOf(want))); diff != "" {
			t.Errorf("tags in the registry (-layout +registry):\n%s", diff)
		}
		for _, ed := range editionsOf(want) {
			checkEdition(t, unpackEdition(t, reg.host+"/mediawiki/"+ed+":1.39.17.1"), ed)
		}
	})
	t.Run("persistent", func(t *testing.T) {
		reg := startRegistry(t, "")
		// Enterprise's manifests never get through: publish gives up, and writes no tag,
		// not even the other editions'.
		reg.setFault(func(r *http.Request) string {
			if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/mediawiki/enterprise/manifests/") {
				return "500"
			}
			return ""
		})
		r := publish(t, out, "--registry", reg.host+"/mediawiki")
		reg.setFault(nil)
		if r.code != 1 || !strings.Contains(r.stderr, "pushing manifest sha256:") || !strings.Contains(r.stderr, "no tag was written") || r.stdout != "" {
			t.Errorf("exit %d, want a clean failure:\n%s%s", r.code, r.stdout, r.stderr)
		}
		if got := tagsIn(t, reg, editionsOf(want)); len(got) != 0 {
			t.Errorf("a failed publish left tags: %v", got)
		}
		// The next publish, with the registry healthy, completes and uploads nothing twice.
		reg.counts()
		r = publish(t, out, "--registry", reg.host+"/mediawiki")
		uploads, _, _ := reg.counts()
		if r.code != 0 || uploads != 0 {
			t.Errorf("publish after the failure: exit %d, %d blobs uploaded again\n%s", r.code, uploads, r.stderr)
		}
		if diff := cmp.Diff(want, tagsIn(t, reg, editionsOf(want))); diff != "" {
			t.Errorf("tags in the registry (-layout +registry):\n%s", diff)
		}
	})
}

func TestPublishBadInput(t *testing.T) {
	out := syntheticLayout(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	for _, tc := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"unreachable registry", []string{"--out", out, "--registry", closed + "/mediawiki"}, 1, "cannot reach the registry " + closed},
		{"scheme", []string{"--out", out, "--registry", "http://" + closed + "/mediawiki"}, 64, "without a scheme"},
		{"no host", []string{"--out", out, "--registry", "mediawiki"}, 64, "is not a registry host"},
		{"bad prefix", []string{"--out", out, "--registry", "127.0.0.1:5000/Media Wiki"}, 64, "not a valid repository prefix"},
		{"credentials in the address", []string{"--out", out, "--registry", "ci:hunter2@127.0.0.1:5000/mw"}, 64, "must not carry credentials"},
		{"no registry", []string{"--out", out}, 64, "publish needs a destination: --registry"},
		{"unknown edition", []string{"--out", out, "--registry", closed + "/mw", "--edition", "nope"}, 1, `edition "nope" is not in the layout`},
		{"no layout", []string{"--out", t.TempDir(), "--registry", closed + "/mw"}, 1, "build the images first with `mwedition build --format image`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r := run(t, t.TempDir(), t.TempDir(), append([]string{"publish"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.says) {
				t.Errorf("exit %d, want %d and an error saying %q:\n%s", r.code, tc.code, tc.says, r.stderr)
			}
			if strings.Contains(r.stderr, "hunter2") {
				t.Errorf("the error repeats the password: %s", r.stderr)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

package build_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/cache"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// imageFixture is the build fixture with image outputs: "base" tagged 1 and latest, "full"
// with a version that is not a valid tag as it stands.
func imageFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	write(t, filepath.Join(f.root, "editions/editions.hcl"), `
edition "base" {
  title   = "Base"
  version = "1.0"
  skins   = ["Vector"]
  extensions = ["Beta"]
  default_skin = "vector"
  output "image" { tags = ["latest", "1"] }
}
edition "full" {
  title    = "Full"
  version  = "1.0+local"
  inherits = "base"
  extensions = ["Gamma", "Delta"]
  settings = { wgEnableUploads = true }
  output "image" {}
}
`)
	f.lock()
	return f
}

// buildImages builds the images into out, with o adjusted by set.
func (f *fixture) buildImages(out string, set func(*build.Options)) (build.Result, error) {
	f.t.Helper()
	lk, err := build.ReadLock(f.root)
	must(f.t, err)
	o := f.options()
	o.Formats, o.Out = []string{build.FormatImage}, out
	if set != nil {
		set(&o)
	}
	res, diags, err := build.Build(context.Background(), o, f.load().Set, lk)
	if err == nil && diags.HasErrors() {
		err = diags
	}
	return res, err
}

type layoutRef struct {
	Name, Edition, Tag string
	Digest             string
}

func readLayout(t *testing.T, dir string) (v1.ImageIndex, []layoutRef) {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(idx); err != nil {
		t.Fatalf("validate.Index(%s): %v", dir, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var refs []layoutRef
	for _, d := range m.Manifests {
		if d.ArtifactType != "" {
			continue // a referrer (SBOM, provenance): sbom_test.go checks them
		}
		refs = append(refs, layoutRef{d.Annotations["org.opencontainers.image.ref.name"], d.Annotations["io.mwedition.edition"], d.Annotations["io.mwedition.tag"], d.Digest.String()})
	}
	return idx, refs
}

func image(t *testing.T, idx v1.ImageIndex, refs []layoutRef, name string) v1.Image {
	t.Helper()
	for _, r := range refs {
		if r.Name == name {
			h, _ := v1.NewHash(r.Digest)
			img, err := idx.Image(h)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Image(img); err != nil {
				t.Fatalf("validate.Image(%s): %v", name, err)
			}
			return img
		}
	}
	t.Fatalf("the layout has no image %s: %+v", name, refs)
	return nil
}

func layerDigests(t *testing.T, img v1.Image) []string {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range m.Layers {
		out = append(out, l.Digest.String())
	}
	return out
}

func TestImagesFromTheGraph(t *testing.T) {
	f := imageFixture(t)
	out := filepath.Join(t.TempDir(), "out")
	res, err := f.buildImages(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	idx, refs := readLayout(t, filepath.Join(out, "oci"))
	var names []string
	for _, r := range refs {
		names = append(names, r.Name)
		if r.Name != r.Edition+"-"+r.Tag {
			t.Errorf("ref %+v: the name is not <edition>-<tag>", r)
		}
	}
	if diff := cmp.Diff([]string{"base-1", "base-1.0", "base-latest", "full-1.0_local"}, names); diff != "" {
		t.Errorf("index.json entries (-want +got):\n%s", diff)
	}
	if len(res.Images) != len(refs) {
		t.Errorf("Result.Images has %d entries, the layout %d", len(res.Images), len(refs))
	}
	base, full := image(t, idx, refs, "base-1"), image(t, idx, refs, "full-1.0_local")
	bl, fl := layerDigests(t, base), layerDigests(t, full)
	// base: core, Alpha (required by Beta), Beta, Vector, its edition layer. full adds Delta
	// and Gamma; the four component layers are the same blobs.
	if len(bl) != 5 || len(fl) != 7 {
		t.Fatalf("%d and %d layers, want 5 and 7", len(bl), len(fl))
	}
	shared := 0
	for _, l := range bl {
		for _, m := range fl {
			if l == m {
				shared++
			}
		}
	}
	if shared != 4 {
		t.Errorf("base and full share %d layers, want the 4 component layers", shared)
	}
	blobs, _ := os.ReadDir(filepath.Join(out, "oci/blobs/sha256"))
	// 6 component layers, 2 edition layers, 2 configurations, 2 manifests: each once; and
	// per edition an SBOM and a provenance, each a manifest and a layer, with the one empty
	// configuration they share.
	if len(blobs) != 12+2*2*2+1 {
		t.Errorf("the layout holds %d blobs, want 21", len(blobs))
	}
	golden(t, "testdata/image-layers.golden", strings.Join(bl, "\n")+"\n")

	cfg, err := base.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Created.Unix() != epoch.Add(-time.Hour).Unix() || cfg.History[0].Created.Unix() != cfg.Created.Unix() {
		t.Errorf("created %s, want the edition's time %s", cfg.Created, epoch.Add(-time.Hour))
	}
	// Scratch: no user, no command; the volumes and labels all the same.
	c := cfg.Config
	if c.User != "" || c.Cmd != nil || c.WorkingDir != "/usr/share/mediawiki" {
		t.Errorf("scratch image configuration: %+v", c)
	}
	for _, v := range []string{"/var/lib/mediawiki/images", "/var/lib/mediawiki/data", "/etc/mediawiki"} {
		if _, ok := c.Volumes[v]; !ok {
			t.Errorf("no volume %s: %v", v, c.Volumes)
		}
	}
	m, _ := base.Manifest()
	for k, want := range map[string]string{
		"org.opencontainers.image.version":  "1.0",
		"org.opencontainers.image.title":    "Base",
		"org.opencontainers.image.licenses": "GPL-2.0-or-later",
		"io.mwedition.edition":              "base",
		"io.mwedition.components":           "core/mediawiki@1.39.17,extension/Alpha@1.2.0,extension/Beta@1.39.17,skin/Vector@1.0.0",
	} {
		if m.Annotations[k] != want || c.Labels[k] != want {
			t.Errorf("%s: annotation %q, label %q, want %q", k, m.Annotations[k], c.Labels[k], want)
		}
	}
	if !strings.HasPrefix(m.Annotations["org.opencontainers.image.source"], "file://") {
		t.Errorf("source: %q", m.Annotations["org.opencontainers.image.source"])
	}
	files := extract(t, base)
	for p, want := range map[string]string{
		"usr/share/mediawiki/index.php":                "f",
		"usr/share/mediawiki/EditionSettings.php":      "f",
		"etc/mediawiki/EditionSettings.php":            "l:/usr/share/mediawiki/EditionSettings.php",
		"usr/share/mediawiki/LocalSettings.php":        "l:/etc/mediawiki/LocalSettings.php",
		"usr/share/mediawiki/images":                   "l:/var/lib/mediawiki/images",
		"usr/share/mediawiki/extensions/Beta/bin/tool": "x",
		"var/lib/mediawiki/data":                       "d",
	} {
		if got := files[p]; got != want {
			t.Errorf("%s is %q, want %q", p, got, want)
		}
	}

	// Again: nothing runs, the same layout. Then with a cold cache: the same digests.
	idxBytes, _ := os.ReadFile(filepath.Join(out, "oci/index.json"))
	res2, err := f.buildImages(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ran := executed(res2.Report); len(ran) != 0 {
		t.Errorf("a second build ran %v", ran)
	}
	// A pruned cache: the lost layer is made again (the same bytes), and the images that
	// hold it are complete again.
	must(t, os.Remove(filepath.Join(f.cacheDir, "blobs/sha256", strings.TrimPrefix(bl[1], "sha256:"))))
	res3, err := f.buildImages(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"layer/extension/Alpha"}, executed(res3.Report)); diff != "" {
		t.Errorf("after a layer was pruned, the build ran (-want +got):\n%s", diff)
	}
	out2 := filepath.Join(t.TempDir(), "out")
	if _, err := f.buildImages(out2, func(o *build.Options) {
		st, err := cache.Open(filepath.Join(t.TempDir(), "cold"))
		must(t, err)
		o.Fetcher.Store = st
	}); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{out, out2} {
		if b, _ := os.ReadFile(filepath.Join(dir, "oci/index.json")); !bytes.Equal(b, idxBytes) {
			t.Errorf("%s/oci/index.json differs from the first build's:\n%s", dir, b)
		}
	}
}

// extract lists an image's flattened files: "d", "f", "x" (executable), "l:<target>".
func extract(t *testing.T, img v1.Image) map[string]string {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := strings.TrimSuffix(h.Name, "/")
		switch {
		case h.Typeflag == tar.TypeDir:
			out[p] = "d"
		case h.Typeflag == tar.TypeSymlink:
			out[p] = "l:" + h.Linkname
		case h.Mode&0o100 != 0:
			out[p] = "x"
		default:
			out[p] = "f"
		}
	}
	return out
}

// golden compares got with a file under testdata, which -update rewrites.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		must(t, os.MkdirAll(filepath.Dir(file), 0o755))
		must(t, os.WriteFile(file, []byte(got), 0o644))
		return
	}
	want, _ := os.ReadFile(file)
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s\nIf the change is intended, bump imageLayout and run go test -update.", file, diff)
	}
}

// rootTar writes a root file system tarball with the given entries (a trailing "/" makes a
// directory, "->" in the content a symlink) and returns "rootfs:<path>".
func rootTar(t *testing.T, entries map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	var names []string
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := entries[n]
		h := &tar.Header{Name: n, Mode: 0o644, ModTime: epoch, Typeflag: tar.TypeReg, Size: int64(len(c))}
		switch {
		case strings.HasSuffix(n, "/"):
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		case strings.HasPrefix(c, "->"):
			h.Typeflag, h.Linkname, h.Size, c = tar.TypeSymlink, c[2:], 0, ""
		}
		must(t, tw.WriteHeader(h))
		io.WriteString(tw, c)
	}
	must(t, tw.Close())
	p := filepath.Join(t.TempDir(), "root.tar")
	must(t, os.WriteFile(p, buf.Bytes(), 0o644))
	return "rootfs:" + p
}

const passwd = "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"

func TestImageServerForTheBase(t *testing.T) {
	phpRoot := map[string]string{
		"etc/passwd": passwd, "usr/bin/php": "->php8.2", "usr/bin/php8.2": "",
		"etc/php/8.2/cli/conf.d/": "",
	}
	apacheRoot := map[string]string{
		"etc/apache2/mods-enabled/php8.2.load":                  "->../mods-available/php8.2.load",
		"etc/apache2/sites-enabled/000-default.conf":            "->../sites-available/000-default.conf",
		"etc/apache2/conf-enabled/other-vhosts-access-log.conf": "->../conf-available/other-vhosts-access-log.conf",
		"etc/apache2/ports.conf":                                "Listen 80\n",
		"etc/php/8.2/apache2/conf.d/":                           "",
		"usr/sbin/apache2":                                      "",
	}
	for k, v := range phpRoot {
		apacheRoot[k] = v
	}
	tests := []struct {
		name      string
		root      map[string]string
		cmd       []string
		user      string
		env       []string
		files     map[string]string // path -> kind, "" for absent
		owner     map[string]int    // edition layer entries owned by www-data
		stop      string
		noCommand bool
	}{
		{
			name: "php", root: phpRoot, user: "33:33",
			cmd: []string{"/usr/bin/php", "-S", "0.0.0.0:8080", "-t", "/usr/share/mediawiki"},
			env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			files: map[string]string{
				"etc/php/8.2/cli/conf.d/90-mediawiki.ini": "f",
				"etc/apache2/ports.conf":                  "",
			},
			owner: map[string]int{"var/lib/mediawiki/images/": 33, "var/lib/mediawiki/data/": 33, "var/lib/mediawiki/cache/": 33, "var/cache/mediawiki/": 33},
		},
		{
			name: "apache", root: apacheRoot, user: "33:33", stop: "SIGWINCH",
			cmd: []string{"/usr/sbin/apache2", "-D", "FOREGROUND"},
			env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"APACHE_RUN_USER=www-data", "APACHE_RUN_GROUP=www-data", "APACHE_RUN_DIR=/run/apache2",
				"APACHE_PID_FILE=/run/apache2/apache2.pid", "APACHE_LOCK_DIR=/run/apache2", "APACHE_LOG_DIR=/run/apache2"},
			files: map[string]string{
				"etc/apache2/conf-enabled/mediawiki-core.conf":          "l:../conf-available/mediawiki-core.conf",
				"etc/apache2/conf-enabled/mediawiki-image.conf":         "l:../conf-available/mediawiki-image.conf",
				"etc/apache2/conf-available/mediawiki-core.conf":        "f",
				"etc/apache2/sites-enabled/000-default.conf":            "",
				"etc/apache2/conf-enabled/other-vhosts-access-log.conf": "",
				"etc/apache2/ports.conf":                                "f",
				"etc/php/8.2/apache2/conf.d/90-mediawiki.ini":           "f",
				"etc/php/8.2/cli/conf.d/90-mediawiki.ini":               "f",
			},
			owner: map[string]int{"run/apache2/": 33, "var/lib/mediawiki/images/": 33},
		},
		{
			name: "no php", root: map[string]string{"etc/passwd": passwd}, user: "33:33", noCommand: true,
			files: map[string]string{"etc/passwd": "f", "usr/share/mediawiki/index.php": "f"},
		},
	}
	f := imageFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			base := rootTar(t, tt.root)
			if _, err := f.buildImages(out, func(o *build.Options) { o.ImageBase = base }); err != nil {
				t.Fatal(err)
			}
			idx, refs := readLayout(t, filepath.Join(out, "oci"))
			img := image(t, idx, refs, "base-latest")
			cfg, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			c := cfg.Config
			if tt.noCommand {
				tt.cmd, tt.env = nil, nil
			}
			if diff := cmp.Diff(tt.cmd, c.Cmd); diff != "" {
				t.Errorf("Cmd (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.env, c.Env); diff != "" {
				t.Errorf("Env (-want +got):\n%s", diff)
			}
			if c.User != tt.user || c.StopSignal != tt.stop || c.Entrypoint != nil {
				t.Errorf("User %q, StopSignal %q, Entrypoint %q", c.User, c.StopSignal, c.Entrypoint)
			}
			if _, ok := c.ExposedPorts["8080/tcp"]; ok == tt.noCommand {
				t.Errorf("ExposedPorts %v", c.ExposedPorts)
			}
			files := extract(t, img)
			for p, want := range tt.files {
				if got := files[p]; got != want {
					t.Errorf("%s is %q, want %q", p, got, want)
				}
			}
			layers, _ := img.Layers()
			owners := layerOwners(t, layers[len(layers)-1])
			for p, uid := range tt.owner {
				if owners[p] != uid {
					t.Errorf("%s is owned by %d, want %d", p, owners[p], uid)
				}
			}
			if owners["usr/share/mediawiki/EditionSettings.php"] != 0 {
				t.Error("the settings file is not root's")
			}
		})
	}
}

func layerOwners(t *testing.T, l v1.Layer) map[string]int {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	out := map[string]int{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		must(t, err)
		out[h.Name] = h.Uid
	}
	return out
}

func TestImageOnAMultiPlatformBase(t *testing.T) {
	var adds []mutate.IndexAddendum
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := random.Image(128, 1)
		must(t, err)
		cfg, _ := img.ConfigFile()
		cfg.Architecture, cfg.OS = arch, "linux"
		img, err = mutate.ConfigFile(img, cfg)
		must(t, err)
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	dir := filepath.Join(t.TempDir(), "base")
	p, err := layout.Write(dir, empty.Index)
	must(t, err)
	must(t, p.AppendIndex(mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...),
		layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "multi"})))

	f := imageFixture(t)
	out := filepath.Join(t.TempDir(), "out")
	if _, err := f.buildImages(out, func(o *build.Options) { o.ImageBase = "oci:" + dir + ":multi" }); err != nil {
		t.Fatal(err)
	}
	lidx, refs := readLayout(t, filepath.Join(out, "oci"))
	h, _ := v1.NewHash(refs[0].Digest)
	idx, err := lidx.ImageIndex(h)
	if err != nil {
		t.Fatalf("%s is not an index: %v", refs[0].Name, err)
	}
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 2 || im.Annotations["io.mwedition.edition"] != "base" || im.Annotations["org.opencontainers.image.base.digest"] == "" {
		t.Fatalf("index: %+v", im)
	}
	var perPlatform [][]string
	for _, d := range im.Manifests {
		img, err := idx.Image(d.Digest)
		must(t, err)
		cfg, _ := img.ConfigFile()
		if cfg.Architecture != d.Platform.Architecture {
			t.Errorf("the %s image's configuration says %s", d.Platform, cfg.Architecture)
		}
		perPlatform = append(perPlatform, layerDigests(t, img))
	}
	// The base layer differs; the component and edition layers are the same blobs.
	a, b := perPlatform[0], perPlatform[1]
	if len(a) != 6 || a[0] == b[0] {
		t.Fatalf("layers: %v / %v", a, b)
	}
	if diff := cmp.Diff(a[1:], b[1:]); diff != "" {
		t.Errorf("the platforms' own layers differ (-amd64 +arm64):\n%s", diff)
	}
}

func TestImageBadBases(t *testing.T) {
	const pin = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	closed := l.Addr().String()
	l.Close()
	junk := filepath.Join(t.TempDir(), "junk.tar")
	must(t, os.WriteFile(junk, bytes.Repeat([]byte("junk"), 500), 0o644))

	f := imageFixture(t)
	out := filepath.Join(t.TempDir(), "out")
	if _, err := f.buildImages(out, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(out, "oci/index.json"))
	tests := []struct{ base, want string }{
		{base: "debian:bookworm", want: `--image-base: edition base: base debian:bookworm: editions.lock locks no Debian base "bookworm": declare it in a debian_base block and run mwedition lock (Docker Hub's debian image is named by digest, as debian:TAG@sha256:...)`},
		{base: "php:8.2", want: `--image-base: edition base: base "php:8.2" is not pinned`},
		{base: "Not A Reference@@", want: "is not a valid reference"},
		{base: "/srv/bookworm.tar", want: "looks like a file or directory: say what it holds"},
		{base: closed + "/mediawiki/base@" + pin, want: "base/" + closed + "/mediawiki/base@" + pin},
		{base: "docker-archive:" + junk, want: "is not a docker-archive tarball"},
		{base: "rootfs:" + junk, want: "is not a tar archive"},
		{base: "oci:" + t.TempDir(), want: "is not an OCI image layout"},
		{base: "rootfs:" + filepath.Join(t.TempDir(), "missing.tar"), want: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			start := time.Now()
			_, err := f.buildImages(out, func(o *build.Options) { o.ImageBase = tt.base })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("build with base %s: %v, want an error saying %q", tt.base, err, tt.want)
			}
			if testing.Verbose() {
				t.Log(err)
			}
			if d := time.Since(start); d > 15*time.Second {
				t.Errorf("the error took %s", d)
			}
			// The previous build's layout is untouched, and nothing else is under out/.
			after, _ := os.ReadFile(filepath.Join(out, "oci/index.json"))
			if !bytes.Equal(before, after) {
				t.Error("a failed build changed out/oci")
			}
			ents, _ := os.ReadDir(out)
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			if diff := cmp.Diff([]string{"SHA256SUMS", "manifest.json", "oci", "sbom"}, names); diff != "" {
				t.Errorf("out/ after a failed build (-want +got):\n%s", diff)
			}
		})
	}
	// An unpinned tag in the edition itself is reported at its output block. (Another
	// version: the lock recorded 1.0 with other members.)
	write(t, filepath.Join(f.root, "editions/editions.hcl"), `
edition "base" {
  title   = "Base"
  version = "1.1"
  extensions = ["Beta"]
  output "image" { base = "php:8.2-apache" }
}
`)
	_, err = f.buildImages(filepath.Join(t.TempDir(), "out"), nil)
	if err == nil || !strings.Contains(err.Error(), "editions/editions.hcl:6,3-17: edition base: base \"php:8.2-apache\" is not pinned") {
		t.Errorf("unpinned base in an edition: %v", err)
	}
}

// TestImageActionsInThePlan: each component's layer is one action however many images hold it.
func TestImageActionsInThePlan(t *testing.T) {
	f := imageFixture(t)
	lk, err := build.ReadLock(f.root)
	must(t, err)
	o := f.options()
	o.Formats = []string{build.FormatImage}
	items, _, diags, err := build.Plan(context.Background(), o, f.load().Set, lk)
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags)
	}
	kinds := map[string][]string{}
	for _, it := range items {
		kinds[it.Kind] = append(kinds[it.Kind], it.ID)
	}
	want := map[string][]string{
		"image.layer": {"layer/core/mediawiki", "layer/extension/Alpha", "layer/extension/Beta", "layer/extension/Delta", "layer/extension/Gamma", "layer/skin/Vector"},
		"pack.image":  {"image/base", "image/full"},
	}
	for k, ids := range want {
		sort.Strings(kinds[k])
		if diff := cmp.Diff(ids, kinds[k]); diff != "" {
			t.Errorf("%s actions (-want +got):\n%s", k, diff)
		}
	}
	if len(kinds["pack.deb"]) != 0 {
		t.Errorf("--format image planned packages: %v", kinds["pack.deb"])
	}
}

package oci_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/pack/oci"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json")

var when = time.Date(2025, 12, 16, 10, 0, 0, 0, time.UTC)

func newStore(t *testing.T) *cache.Store {
	t.Helper()
	st, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// tree stores files (path -> content; a content starting with "->" is a symlink target,
// "#!" makes an executable) and returns their tree placed at prefix.
func tree(t *testing.T, st *cache.Store, prefix string, files map[string]string) fstree.Tree {
	t.Helper()
	var entries []fstree.Entry
	for p, c := range files {
		if target, ok := strings.CutPrefix(c, "->"); ok {
			entries = append(entries, fstree.Entry{Path: p, Type: fstree.Symlink, Target: target})
			continue
		}
		sha, err := st.PutBytes([]byte(c))
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, fstree.Entry{Path: p, Type: fstree.File, Size: int64(len(c)), Digest: sha, Src: cache.BlobRel(sha), Exec: strings.HasPrefix(c, "#!")})
	}
	tr, err := fstree.New(entries)
	if err != nil {
		t.Fatal(err)
	}
	if tr, err = tr.Place(prefix); err != nil {
		t.Fatal(err)
	}
	return tr
}

// layer writes a tree as a stored layer.
func layer(t *testing.T, st *cache.Store, tr fstree.Tree, o oci.LayerOptions) oci.Layer {
	t.Helper()
	var buf bytes.Buffer
	diff, err := oci.WriteLayer(context.Background(), &buf, tr, st, o)
	if err != nil {
		t.Fatal(err)
	}
	sha, n, err := st.AddBlob(bytes.NewReader(buf.Bytes()), "")
	if err != nil {
		t.Fatal(err)
	}
	return oci.Layer{Digest: v1.Hash{Algorithm: "sha256", Hex: sha}, DiffID: diff, Size: n, History: v1.History{Created: oci.Time(when), CreatedBy: "test"}}
}

func componentTrees(t *testing.T, st *cache.Store) (core, ext fstree.Tree) {
	core = tree(t, st, "usr/share/mediawiki", map[string]string{
		"index.php":              "<?php // entry point\n",
		"maintenance/run.php":    "#!/usr/bin/env php\n<?php\n",
		"LocalSettings.php":      "->/etc/mediawiki/LocalSettings.php",
		"includes/Defines.php":   "<?php define( 'MW_VERSION', '1.39.17' );\n",
		"resources/lib/a-b/x.js": "x",
		"resources/lib/a/y.js":   "y",
		"resources/lib/a.js":     "z",
		"languages/i18n/en.json": "{}\n",
		"docs/" + strings.Repeat("long-name/", 12) + "f.txt": "a path longer than 100 bytes\n",
	})
	ext = tree(t, st, "usr/share/mediawiki/extensions/Cite", map[string]string{
		"extension.json": `{"name": "Cite"}`,
		"Cite.php":       "<?php\n",
	})
	return core, ext
}

type header struct {
	Name, Link       string
	Type             byte
	Mode             int64
	UID, GID         int
	Uname, Gname     string
	Time             int64
	Size             int64
	PAXRecords, Xatt int
}

func readLayer(t *testing.T, st *cache.Store, l oci.Layer) []header {
	t.Helper()
	f, err := os.Open(st.Path(cache.BlobRel(l.Digest.Hex)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, _ := io.ReadAll(f)
	if raw[0] != 0x1f || raw[1] != 0x8b || !bytes.Equal(raw[4:8], []byte{0, 0, 0, 0}) || raw[3]&0x08 != 0 {
		t.Errorf("gzip header carries a time or a name: % x", raw[:10])
	}
	gz, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	tr := tar.NewReader(io.TeeReader(gz, h))
	var out []header
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, header{Name: hdr.Name, Link: hdr.Linkname, Type: hdr.Typeflag, Mode: hdr.Mode, UID: hdr.Uid, GID: hdr.Gid,
			Uname: hdr.Uname, Gname: hdr.Gname, Time: hdr.ModTime.Unix(), Size: hdr.Size, Xatt: len(hdr.Xattrs)})
	}
	io.Copy(io.Discard, gz)
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != l.DiffID.String() {
		t.Errorf("diff ID is %s, the tar hashes to %s", l.DiffID, got)
	}
	return out
}

func TestWriteLayer(t *testing.T) {
	st := newStore(t)
	core, _ := componentTrees(t, st)
	extra := tree(t, st, "var/lib/mediawiki", map[string]string{"images/.keep": ""})
	tr, err := fstree.Merge(core, extra)
	if err != nil {
		t.Fatal(err)
	}
	o := oci.LayerOptions{MTime: when.Add(500 * time.Millisecond), Attrs: map[string]oci.Attr{"var/lib/mediawiki/images": {UID: 33, GID: 33, Perm: 0o700}}}
	l1, l2 := layer(t, st, tr, o), layer(t, st, tr, o)
	if diff := cmp.Diff(l1, l2); diff != "" {
		t.Fatalf("the same tree gave two layers:\n%s", diff)
	}
	hdrs := readLayer(t, st, l1)
	var names []string
	for _, h := range hdrs {
		names = append(names, h.Name)
		want := header{Name: h.Name, Link: h.Link, Type: h.Type, Mode: 0o644, Time: when.Unix(), Size: h.Size}
		switch {
		case h.Name == "var/lib/mediawiki/images/":
			want.UID, want.GID, want.Mode = 33, 33, 0o700
		case h.Type == tar.TypeDir:
			want.Mode = 0o755
		case h.Type == tar.TypeSymlink:
			want.Mode = 0o777
		case h.Name == "usr/share/mediawiki/maintenance/run.php":
			want.Mode = 0o755
		}
		if diff := cmp.Diff(want, h); diff != "" {
			t.Errorf("%s (-want +got):\n%s", h.Name, diff)
		}
	}
	// Sorted by path, as trees are: a directory's name without its slash.
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = strings.TrimSuffix(n, "/")
	}
	if !sort.StringsAreSorted(paths) {
		t.Errorf("entries are not sorted: %q", names)
	}
	for _, n := range []string{"usr/", "usr/share/mediawiki/", "usr/share/mediawiki/LocalSettings.php", "var/lib/mediawiki/images/.keep"} {
		if !contains(names, n) {
			t.Errorf("layer lacks %s: %q", n, names)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestWriteLayerRefusesChangedFiles(t *testing.T) {
	st := newStore(t)
	tr := tree(t, st, "x", map[string]string{"a": "abc"})
	e := tr.Entries()
	for i := range e {
		if e[i].Type == fstree.File {
			e[i].Size = 10
		}
	}
	bad, err := fstree.New(e)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oci.WriteLayer(context.Background(), io.Discard, bad, st, oci.LayerOptions{MTime: when}); err == nil || !strings.Contains(err.Error(), "x/a") {
		t.Fatalf("WriteLayer of a file shorter than its entry: %v", err)
	}
	// The digest is checked too: same size, other bytes.
	for i := range e {
		if e[i].Type == fstree.File {
			e[i].Size, e[i].Digest = 3, strings.Repeat("0", 64)
		}
	}
	if bad, err = fstree.New(e); err != nil {
		t.Fatal(err)
	}
	if _, err := oci.WriteLayer(context.Background(), io.Discard, bad, st, oci.LayerOptions{MTime: when}); err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("WriteLayer of a file with other bytes than its entry's: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := oci.WriteLayer(ctx, io.Discard, tr, st, oci.LayerOptions{MTime: when}); !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteLayer, cancelled: %v", err)
	}
}

// scratchImage is a two-layer image on no base, as an edition without a base gets.
func scratchImage(t *testing.T, st *cache.Store) (v1.Descriptor, []oci.Layer) {
	t.Helper()
	core, ext := componentTrees(t, st)
	layers := []oci.Layer{layer(t, st, core, oci.LayerOptions{MTime: when}), layer(t, st, ext, oci.LayerOptions{MTime: when.Add(-time.Hour)})}
	cfg := v1.ConfigFile{Architecture: "amd64", OS: "linux", Created: oci.Time(when), Config: v1.Config{WorkingDir: "/usr/share/mediawiki"}}
	d, err := oci.WriteImage(st, oci.Base{}, layers, cfg, map[string]string{"io.mwedition.edition": "test"})
	if err != nil {
		t.Fatal(err)
	}
	return d, layers
}

func TestScratchImageValidatesAndIsStable(t *testing.T) {
	st := newStore(t)
	d, layers := scratchImage(t, st)
	img, err := oci.StoredImage(st, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img); err != nil {
		t.Fatalf("validate.Image: %v", err)
	}
	cfg, _ := img.ConfigFile()
	if len(cfg.History) != 2 || cfg.RootFS.DiffIDs[0] != layers[0].DiffID || cfg.Created.Unix() != when.Unix() {
		t.Errorf("configuration: %+v", cfg)
	}
	m, _ := img.Manifest()
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON || m.Layers[0].MediaType != types.OCILayer {
		t.Errorf("media types: %+v", m)
	}
	// Another store, the same bytes.
	d2, _ := scratchImage(t, newStore(t))
	if d2.Digest != d.Digest {
		t.Errorf("the same inputs gave %s and %s", d.Digest, d2.Digest)
	}
	golden(t, "scratch image", d.Digest.String())
}

// golden compares a digest with testdata/golden.json, which -update rewrites.
func golden(t *testing.T, name, got string) {
	t.Helper()
	const file = "testdata/golden.json"
	b, _ := os.ReadFile(file)
	want := map[string]string{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
	}
	if *update {
		want[name] = got
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(file, mustJSON(t, want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want[name] != got {
		t.Errorf("%s is %s, testdata/golden.json says %s: if the change is intended, bump the image layout version in internal/build and run go test -update", name, got, want[name])
	}
}

func TestWriteLayout(t *testing.T) {
	st := newStore(t)
	d, layers := scratchImage(t, st)
	out := filepath.Join(t.TempDir(), "out")
	dir := filepath.Join(out, "oci")
	var refs []v1.Descriptor
	for _, tag := range []string{"1.39", "1.39.17"} {
		r := d
		r.Annotations = map[string]string{"org.opencontainers.image.ref.name": "test-" + tag, "io.mwedition.edition": "test", "io.mwedition.tag": tag}
		refs = append(refs, r)
	}
	if err := oci.WriteLayout(dir, st, refs); err != nil {
		t.Fatal(err)
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(idx); err != nil {
		t.Fatalf("validate.Index: %v", err)
	}
	blobs, _ := os.ReadDir(filepath.Join(dir, "blobs/sha256"))
	if len(blobs) != len(layers)+2 {
		t.Errorf("the layout holds %d blobs, want %d (layers, configuration, manifest, each once)", len(blobs), len(layers)+2)
	}
	// A failed write (a blob missing from the store) leaves the layout as it was and
	// nothing beside it.
	before, _ := os.ReadFile(filepath.Join(dir, "index.json"))
	bad := refs[0]
	bad.Digest.Hex = strings.Repeat("0", 64)
	if err := oci.WriteLayout(dir, st, []v1.Descriptor{bad}); err == nil {
		t.Fatal("WriteLayout of a missing manifest succeeded")
	}
	after, _ := os.ReadFile(filepath.Join(dir, "index.json"))
	if !bytes.Equal(before, after) {
		t.Error("a failed WriteLayout changed index.json")
	}
	if ents, _ := os.ReadDir(out); len(ents) != 1 {
		t.Errorf("a failed WriteLayout left %v", ents)
	}
}

// platformIndex is a multi-platform base: two random images, each with its platform in its
// configuration and in the index, plus an attestation manifest as BuildKit adds.
func platformIndex(t *testing.T) v1.ImageIndex {
	t.Helper()
	var adds []mutate.IndexAddendum
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := random.Image(256, 2)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := img.ConfigFile()
		cfg.Architecture, cfg.OS = arch, "linux"
		cfg.Config.Env = []string{"PATH=/usr/bin:/bin"}
		if img, err = mutate.ConfigFile(img, cfg); err != nil {
			t.Fatal(err)
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	att, _ := random.Image(64, 1)
	adds = append(adds, mutate.IndexAddendum{Add: att, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "unknown", Architecture: "unknown"}}})
	return mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), adds...)
}

// writeLayoutDir writes an OCI layout holding one image or index, named refName.
func writeLayoutDir(t *testing.T, what any, refName string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	ann := layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": refName})
	switch w := what.(type) {
	case v1.ImageIndex:
		err = p.AppendIndex(w, ann)
	case v1.Image:
		err = p.AppendImage(w, ann)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestMultiPlatformBaseSharesLayers(t *testing.T) {
	st := newStore(t)
	dir := writeLayoutDir(t, platformIndex(t), "base")
	b, err := oci.ParseBase("oci:" + dir + ":base")
	if err != nil {
		t.Fatal(err)
	}
	top, err := oci.Importer{Store: st}.Import(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := oci.Images(st, top)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 2 {
		t.Fatalf("Images: %d, want the 2 platform images (not the attestation)", len(imgs))
	}
	core, ext := componentTrees(t, st)
	layers := []oci.Layer{layer(t, st, core, oci.LayerOptions{MTime: when}), layer(t, st, ext, oci.LayerOptions{MTime: when})}
	var children []v1.Descriptor
	for _, id := range imgs {
		base, err := oci.LoadBase(st, id)
		if err != nil {
			t.Fatal(err)
		}
		cfg := *base.Config.DeepCopy()
		d, err := oci.WriteImage(st, base, layers, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		children = append(children, d)
	}
	top2, err := oci.WriteIndex(st, children, map[string]string{"io.mwedition.edition": "test"})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "oci")
	if err := oci.WriteLayout(out, st, []v1.Descriptor{top2}); err != nil {
		t.Fatal(err)
	}
	lidx, err := layout.ImageIndexFromPath(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(lidx); err != nil {
		t.Fatalf("validate.Index on the layout: %v", err)
	}
	idx, err := lidx.ImageIndex(top2.Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	var platforms []string
	count := map[v1.Hash]int{}
	for _, c := range im.Manifests {
		platforms = append(platforms, c.Platform.String())
		img, _ := idx.Image(c.Digest)
		m, _ := img.Manifest()
		for _, l := range m.Layers {
			count[l.Digest]++
		}
	}
	if diff := cmp.Diff([]string{"linux/amd64", "linux/arm64"}, platforms); diff != "" {
		t.Errorf("platforms (-want +got):\n%s", diff)
	}
	for _, l := range layers {
		if count[l.Digest] != 2 {
			t.Errorf("component layer %s is in %d platform images, want both", l.Digest, count[l.Digest])
		}
	}
	blobs, _ := os.ReadDir(filepath.Join(out, "blobs/sha256"))
	// 2×2 base layers, 2 component layers, 2 configurations, 2 manifests, 1 index.
	if len(blobs) != 11 {
		t.Errorf("the layout holds %d blobs, want 11", len(blobs))
	}
}

func TestBaseKinds(t *testing.T) {
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	// A registry, pushed to with ggcr.
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	tag, _ := name.NewTag(host + "/base/random:1")
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
	digest, _ := img.Digest()
	archive := filepath.Join(t.TempDir(), "image.tar")
	if err := tarball.WriteToFile(archive, tag, img); err != nil {
		t.Fatal(err)
	}
	layoutDir := writeLayoutDir(t, img, "random")
	rootfs := rootfsTar(t, false)
	rootfsGz := rootfsTar(t, true)

	tests := []struct {
		ref      string
		kind     oci.BaseKind
		layers   int
		platform string
	}{
		{ref: host + "/base/random@" + digest.String(), kind: oci.RegistryBase, layers: 2},
		{ref: "oci:" + layoutDir + ":random", kind: oci.LayoutBase, layers: 2},
		{ref: "oci:" + layoutDir, kind: oci.LayoutBase, layers: 2},
		{ref: "docker-archive:" + archive, kind: oci.ArchiveBase, layers: 2},
		{ref: "rootfs:" + rootfs, kind: oci.RootFSBase, layers: 1, platform: "linux/arm64"},
		{ref: "rootfs:" + rootfsGz, kind: oci.RootFSBase, layers: 1, platform: "linux/arm64"},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			st := newStore(t)
			b, err := oci.ParseBase(tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			if b.Kind != tt.kind {
				t.Fatalf("ParseBase(%q).Kind = %s, want %s", tt.ref, b.Kind, tt.kind)
			}
			d, err := oci.Importer{Store: st}.Import(context.Background(), b)
			if err != nil {
				t.Fatal(err)
			}
			base, err := oci.LoadBase(st, d)
			if err != nil {
				t.Fatal(err)
			}
			if len(base.Manifest.Layers) != tt.layers {
				t.Errorf("%d base layers, want %d", len(base.Manifest.Layers), tt.layers)
			}
			if tt.platform != "" {
				if got := base.Config.Platform().String(); got != tt.platform {
					t.Errorf("platform %s, want %s", got, tt.platform)
				}
			}
			core, _ := componentTrees(t, st)
			gone := tree(t, st, "etc", map[string]string{oci.WhiteoutPrefix + "gone": ""})
			cfg := *base.Config.DeepCopy()
			id, err := oci.WriteImage(st, base, []oci.Layer{layer(t, st, core, oci.LayerOptions{MTime: when}), layer(t, st, gone, oci.LayerOptions{MTime: when})}, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			out, err := oci.StoredImage(st, id)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Image(out); err != nil {
				t.Fatalf("validate.Image: %v", err)
			}
			c, err := oci.Inspect(st, id)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Has("usr/share/mediawiki/index.php") {
				t.Error("Inspect does not see the added layer's files")
			}
			if tt.kind == oci.RootFSBase {
				if uid, gid, ok := c.User("www-data"); !ok || uid != 33 || gid != 33 {
					t.Errorf("User(www-data) = %d, %d, %v", uid, gid, ok)
				}
				if c.Has("etc/gone") || !c.Has("etc/passwd") || !c.Has("usr/bin/php") {
					t.Errorf("Inspect: whiteouts or links wrong: %v", c.Glob("*/*"))
				}
			}
			// A second import needs nothing but the store: the registry is gone.
			if tt.kind == oci.RegistryBase {
				srv.Close()
				d2, err := oci.Importer{Store: st, Offline: true}.Import(context.Background(), b)
				if err != nil || d2.Digest != d.Digest {
					t.Errorf("offline import from the store: %v, %v", d2.Digest, err)
				}
			}
		})
	}
}

// rootfsTar is a small root file system as mmdebstrap writes one ("./" names): an arm64 ELF
// in usr/bin, /etc/passwd with www-data, a link, and an etc/gone an upper layer would hide.
func rootfsTar(t *testing.T, compress bool) string {
	t.Helper()
	var buf bytes.Buffer
	var w io.Writer = &buf
	var gz *gzip.Writer
	if compress {
		gz = gzip.NewWriter(&buf)
		w = gz
	}
	tw := tar.NewWriter(w)
	elf := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 13)...)
	elf[18] = 0xb7
	for _, f := range []struct {
		name, body, link string
		typ              byte
	}{
		{name: "./", typ: tar.TypeDir},
		{name: "./etc/", typ: tar.TypeDir},
		{name: "./etc/gone", body: "deleted by an upper layer"},
		{name: "./etc/passwd", body: "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"},
		{name: "./usr/", typ: tar.TypeDir},
		{name: "./usr/bin/", typ: tar.TypeDir},
		{name: "./usr/bin/env", body: string(elf)},
		{name: "./usr/bin/php", link: "php8.2", typ: tar.TypeSymlink},
		{name: "./usr/bin/php8.2", body: string(elf)},
	} {
		hdr := &tar.Header{Name: f.name, Typeflag: f.typ, Mode: 0o755, Size: int64(len(f.body)), Linkname: f.link, ModTime: when}
		if f.typ == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, f.body)
	}
	tw.Close()
	if gz != nil {
		gz.Close()
	}
	p := filepath.Join(t.TempDir(), "root.tar")
	if compress {
		p += ".gz"
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseBase(t *testing.T) {
	const pin = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		in      string
		want    oci.BaseRef
		wantErr string
	}{
		{in: "", want: oci.BaseRef{Kind: oci.ScratchBase}},
		{in: "scratch", want: oci.BaseRef{Kind: oci.ScratchBase}},
		{in: "debian@" + pin, want: oci.BaseRef{Kind: oci.RegistryBase, Ref: "index.docker.io/library/debian@" + pin}},
		{in: "docker://127.0.0.1:5000/php:8.2@" + pin, want: oci.BaseRef{Kind: oci.RegistryBase, Ref: "127.0.0.1:5000/php@" + pin}},
		{in: "oci:base/php", want: oci.BaseRef{Kind: oci.LayoutBase, Path: "base/php"}},
		{in: "oci-layout:base/php:8.2", want: oci.BaseRef{Kind: oci.LayoutBase, Path: "base/php", Ref: "8.2"}},
		{in: "docker-archive:php.tar", want: oci.BaseRef{Kind: oci.ArchiveBase, Path: "php.tar"}},
		{in: "rootfs:/srv/bookworm.tar.gz", want: oci.BaseRef{Kind: oci.RootFSBase, Path: "/srv/bookworm.tar.gz"}},
		{in: "debian:web", want: oci.BaseRef{Kind: oci.DebianBase, Ref: "web"}},
		{in: "debian:bookworm@" + pin, want: oci.BaseRef{Kind: oci.RegistryBase, Ref: "index.docker.io/library/debian@" + pin}},
		{in: "php:8.2", wantErr: `base "php:8.2" is not pinned`},
		{in: "debian", wantErr: `name it by digest, as index.docker.io/library/debian@sha256:<digest>`},
		{in: "Debian@@sha256", wantErr: `base "Debian@@sha256" is not a valid reference`},
		{in: "./image.tar", wantErr: "looks like a file or directory: say what it holds, as docker-archive:./image.tar"},
		{in: "bookworm.tar.gz", wantErr: "rootfs:bookworm.tar.gz"},
		{in: "debian@sha256:abc", wantErr: "is not a valid reference"},
	}
	for _, tt := range tests {
		got, err := oci.ParseBase(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseBase(%q) error = %v, want one saying %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseBase(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseBase(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestImportBadInput(t *testing.T) {
	const pin = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.tar")
	os.WriteFile(junk, bytes.Repeat([]byte("not an image "), 100), 0o644)
	empty := filepath.Join(dir, "empty.tar")
	os.WriteFile(empty, make([]byte, 1024), 0o644)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	tests := []struct {
		ref, want string
		offline   bool
	}{
		{ref: closed + "/mediawiki/base@" + pin, want: closed + "/mediawiki/base@" + pin},
		{ref: closed + "/mediawiki/base@" + pin, want: "--offline", offline: true},
		{ref: "oci:" + dir, want: "is not an OCI image layout"},
		{ref: "docker-archive:" + junk, want: "is not a docker-archive tarball"},
		{ref: "rootfs:" + junk, want: "is not a tar archive"},
		{ref: "rootfs:" + empty, want: "is an empty tar archive"},
		{ref: "rootfs:" + dir, want: "is a directory"},
		{ref: "rootfs:" + filepath.Join(dir, "missing.tar"), want: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			st := newStore(t)
			b, err := oci.ParseBase(tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = oci.Importer{Store: st, Offline: tt.offline}.Import(context.Background(), b)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Import(%s) = %v, want an error saying %q", tt.ref, err, tt.want)
			}
			if testing.Verbose() {
				t.Log(err)
			}
			if time.Since(start) > 10*time.Second {
				t.Errorf("the error took %s", time.Since(start))
			}
			blobs, _ := os.ReadDir(st.Path("blobs/sha256"))
			tmp, _ := os.ReadDir(st.Path("tmp"))
			if len(blobs) != 0 || len(tmp) != 0 {
				t.Errorf("a failed import left %d blobs and %d temporary files", len(blobs), len(tmp))
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

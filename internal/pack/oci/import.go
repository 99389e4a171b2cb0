package oci

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Importer copies base images into a store.
type Importer struct {
	Store Store
	// Transport carries registry requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// Keychain supplies registry credentials; nil means anonymous access.
	Keychain authn.Keychain
	// Offline refuses to contact a registry: a registry base must already be in the store.
	Offline bool
}

// registryBackoff retries transient registry failures a few times, briefly: an unreachable
// registry is reported within seconds.
var registryBackoff = remote.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 3}

// Import copies base into the store and returns the descriptor of its manifest, or of its
// index for a multi-platform base. Every blob the images name is then in the store; an
// index's entries that are not images (attestations, nested indexes) are left out, and
// Images lists what remains. A registry base already in the store is not fetched again.
func (im Importer) Import(ctx context.Context, b BaseRef) (v1.Descriptor, error) {
	var (
		d   v1.Descriptor
		err error
	)
	switch b.Kind {
	case RegistryBase:
		d, err = im.registry(ctx, b)
	case LayoutBase:
		d, err = im.layout(b)
	case ArchiveBase:
		d, err = im.archive(b)
	case RootFSBase:
		d, err = im.rootfs(b)
	default:
		return v1.Descriptor{}, fmt.Errorf("base %s: nothing to import", b)
	}
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("base %s: %w", b, err)
	}
	return d, nil
}

// Images lists the images of a stored base: itself for a manifest, or an index's image
// manifests (with their platforms) in the index's order.
func Images(st Store, d v1.Descriptor) ([]v1.Descriptor, error) {
	if !d.MediaType.IsIndex() {
		return []v1.Descriptor{d}, nil
	}
	idx, err := StoredIndex(st, d.Digest)
	if err != nil {
		return nil, err
	}
	var out []v1.Descriptor
	for _, m := range idx.Manifests {
		if isPlatformImage(m) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("index %s holds no image for a platform", d.Digest)
	}
	return out, nil
}

// isPlatformImage says whether an index entry is an image to build on: attestation
// manifests have the platform unknown/unknown.
func isPlatformImage(d v1.Descriptor) bool {
	if !d.MediaType.IsImage() {
		return false
	}
	return d.Platform == nil || (d.Platform.OS != "unknown" && d.Platform.Architecture != "unknown")
}

// Complete reports whether d, a stored manifest or index, and every blob it reaches are in
// the store: a cache that was pruned may have lost some.
func Complete(st Store, d v1.Descriptor) bool {
	if !hasBlob(st, d.Digest) {
		return false
	}
	imgs, err := Images(st, d)
	if err != nil {
		return false
	}
	for _, id := range imgs {
		raw, err := readBlob(st, id.Digest)
		if err != nil {
			return false
		}
		m, err := v1.ParseManifest(bytes.NewReader(raw))
		if err != nil || !hasBlob(st, m.Config.Digest) {
			return false
		}
		for _, l := range m.Layers {
			if !hasBlob(st, l.Digest) {
				return false
			}
		}
	}
	return true
}

func (im Importer) registry(ctx context.Context, b BaseRef) (v1.Descriptor, error) {
	ref, err := name.NewDigest(b.Ref)
	if err != nil {
		return v1.Descriptor{}, err
	}
	h, err := v1.NewHash(ref.DigestStr())
	if err != nil {
		return v1.Descriptor{}, err
	}
	// What the digest names was stored by an earlier build: no network needed.
	if hasBlob(im.Store, h) {
		raw, err := readBlob(im.Store, h)
		if err != nil {
			return v1.Descriptor{}, err
		}
		d := v1.Descriptor{MediaType: mediaTypeOf(raw), Digest: h, Size: int64(len(raw))}
		if Complete(im.Store, d) {
			return d, nil
		}
	}
	if im.Offline {
		return v1.Descriptor{}, errors.New("not in the cache, and --offline forbids fetching it: build once without --offline")
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithRetryBackoff(registryBackoff), remote.WithUserAgent("mwedition")}
	if im.Transport != nil {
		opts = append(opts, remote.WithTransport(im.Transport))
	}
	if im.Keychain != nil {
		opts = append(opts, remote.WithAuthFromKeychain(im.Keychain))
	}
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("fetching from %s (a base is fetched once, then read from the cache): %w", ref.RegistryStr(), err)
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return v1.Descriptor{}, err
		}
		return im.putIndex(idx)
	}
	img, err := desc.Image()
	if err != nil {
		return v1.Descriptor{}, err
	}
	return im.putImage(img)
}

func (im Importer) layout(b BaseRef) (v1.Descriptor, error) {
	idx, err := LayoutDir(b.Path).Images()
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("%s is not an OCI image layout: %w", b.Path, err)
	}
	im2, err := idx.IndexManifest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	var found []v1.Descriptor
	var names []string
	for _, m := range im2.Manifests {
		n := m.Annotations["org.opencontainers.image.ref.name"]
		if n != "" {
			names = append(names, n)
		}
		if b.Ref == "" || n == b.Ref || m.Digest.String() == b.Ref {
			found = append(found, m)
		}
	}
	switch {
	case len(found) == 0 && b.Ref != "":
		return v1.Descriptor{}, fmt.Errorf("the layout %s has no image named %q (it has %s)", b.Path, b.Ref, listOrNone(names))
	case len(found) == 0:
		return v1.Descriptor{}, fmt.Errorf("the layout %s holds no image", b.Path)
	case len(found) > 1:
		return v1.Descriptor{}, fmt.Errorf("the layout %s holds %d images: name one, as oci:%s:NAME (names: %s)", b.Path, len(found), b.Path, listOrNone(names))
	}
	d := found[0]
	switch {
	case d.MediaType.IsIndex():
		child, err := idx.ImageIndex(d.Digest)
		if err != nil {
			return v1.Descriptor{}, err
		}
		return im.putIndex(child)
	case d.MediaType.IsImage():
		img, err := idx.Image(d.Digest)
		if err != nil {
			return v1.Descriptor{}, err
		}
		return im.putImage(img)
	}
	return v1.Descriptor{}, fmt.Errorf("%s in the layout %s is a %q, not an image", d.Digest, b.Path, d.MediaType)
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none named"
	}
	return strings.Join(s, ", ")
}

// putIndex stores an index and its platform images. The index is stored as it is, so that
// its digest stays the one a reference pins; Images skips what was not copied.
func (im Importer) putIndex(idx v1.ImageIndex) (v1.Descriptor, error) {
	m, err := idx.IndexManifest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	n := 0
	for _, c := range m.Manifests {
		if !isPlatformImage(c) {
			continue
		}
		img, err := idx.Image(c.Digest)
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("image %s: %w", c.Digest, err)
		}
		if _, err := im.putImage(img); err != nil {
			return v1.Descriptor{}, fmt.Errorf("image %s: %w", c.Digest, err)
		}
		n++
	}
	if n == 0 {
		return v1.Descriptor{}, errors.New("the index holds no image for a platform")
	}
	raw, err := idx.RawManifest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	mt, err := idx.MediaType()
	if err != nil {
		return v1.Descriptor{}, err
	}
	return im.putRaw(mt, raw)
}

// putImage stores an image's layers, configuration and manifest, each checked against its
// digest as it is written.
func (im Importer) putImage(img v1.Image) (v1.Descriptor, error) {
	mt, err := img.MediaType()
	if err != nil {
		return v1.Descriptor{}, err
	}
	if mt.IsSchema1() {
		return v1.Descriptor{}, fmt.Errorf("%s manifests are not supported: use an image pushed with a current tool", mt)
	}
	m, err := img.Manifest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	for i, ld := range m.Layers {
		if _, err := ociLayerType(ld.MediaType); err != nil {
			return v1.Descriptor{}, fmt.Errorf("layer %d: %w", i+1, err)
		}
		if hasBlob(im.Store, ld.Digest) {
			continue
		}
		l, err := img.LayerByDigest(ld.Digest)
		if err != nil {
			return v1.Descriptor{}, err
		}
		rc, err := l.Compressed()
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("layer %d: %w", i+1, err)
		}
		_, _, err = im.Store.AddBlob(rc, ld.Digest.Hex)
		rc.Close()
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("layer %d (%s): %w", i+1, ld.Digest, err)
		}
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return v1.Descriptor{}, err
	}
	if _, err := v1.ParseConfigFile(bytes.NewReader(cfg)); err != nil {
		return v1.Descriptor{}, fmt.Errorf("configuration: %w", err)
	}
	if _, _, err := im.Store.AddBlob(bytes.NewReader(cfg), m.Config.Digest.Hex); err != nil {
		return v1.Descriptor{}, fmt.Errorf("configuration: %w", err)
	}
	raw, err := img.RawManifest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	return im.putRaw(mt, raw)
}

func (im Importer) putRaw(mt types.MediaType, raw []byte) (v1.Descriptor, error) {
	d, err := putBytes(im.Store, mt, raw)
	if err != nil {
		return v1.Descriptor{}, err
	}
	return d, nil
}

// mediaTypeOf reads the mediaType field of a stored manifest or index.
func mediaTypeOf(raw []byte) types.MediaType {
	var probe struct {
		MediaType types.MediaType `json:"mediaType"`
		Manifests []any           `json:"manifests"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return ""
	}
	if probe.MediaType != "" {
		return probe.MediaType
	}
	if probe.Manifests != nil {
		return types.OCIImageIndex
	}
	return types.OCIManifestSchema1
}

// archive imports a docker-archive tarball: its layers are stored gzip-compressed by
// WriteLayer's compressor (docker save writes them uncompressed), and checked against the
// configuration's diff IDs, under a new OCI manifest.
func (im Importer) archive(b BaseRef) (v1.Descriptor, error) {
	img, err := tarball.ImageFromPath(b.Path, nil)
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("%s is not a docker-archive tarball (docker save): %w", b.Path, err)
	}
	cfgRaw, err := img.RawConfigFile()
	if err != nil {
		return v1.Descriptor{}, err
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(cfgRaw))
	if err != nil {
		return v1.Descriptor{}, fmt.Errorf("configuration: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return v1.Descriptor{}, err
	}
	if len(layers) != len(cfg.RootFS.DiffIDs) {
		return v1.Descriptor{}, fmt.Errorf("%d layers, but the configuration lists %d", len(layers), len(cfg.RootFS.DiffIDs))
	}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1}
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("layer %d: %w", i+1, err)
		}
		d, diffID, err := im.compress(rc, nil)
		rc.Close()
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("layer %d: %w", i+1, err)
		}
		if diffID != cfg.RootFS.DiffIDs[i] {
			return v1.Descriptor{}, fmt.Errorf("layer %d is %s, but the configuration says %s", i+1, diffID, cfg.RootFS.DiffIDs[i])
		}
		m.Layers = append(m.Layers, d)
	}
	cd, err := putBytes(im.Store, types.OCIConfigJSON, cfgRaw)
	if err != nil {
		return v1.Descriptor{}, err
	}
	m.Config = cd
	return putJSON(im.Store, types.OCIManifestSchema1, m)
}

// compress stores r gzip-compressed and returns the layer's descriptor and diff ID. When
// verdict is not nil it is asked, once r is exhausted, whether the bytes are acceptable:
// if not, nothing is stored.
func (im Importer) compress(r io.Reader, verdict func() error) (v1.Descriptor, v1.Hash, error) {
	pr, pw := io.Pipe()
	diff := sha256.New()
	go func() {
		gz, err := layerGzip.NewWriter(pw)
		if err == nil {
			_, err = io.Copy(gz, io.TeeReader(r, diff))
			if cerr := gz.Close(); err == nil {
				err = cerr
			}
		}
		if verdict != nil {
			if verr := verdict(); err == nil {
				err = verr
			}
		}
		pw.CloseWithError(err)
	}()
	sha, n, err := im.Store.AddBlob(pr, "")
	pr.CloseWithError(err)
	if err != nil {
		return v1.Descriptor{}, v1.Hash{}, err
	}
	return v1.Descriptor{MediaType: types.OCILayer, Digest: sha256Hash(sha), Size: n}, sha256Hash(hex.EncodeToString(diff.Sum(nil))), nil
}

// rootfs imports a root file system tarball as a one-layer image. The tar's bytes become
// the layer unchanged (so its owners, modes, times and hard links are kept), compressed by
// WriteLayer's compressor; the configuration says linux and the architecture of the first
// executable found in bin/ or usr/bin/, and its history's time is the newest entry's.
func (im Importer) rootfs(b BaseRef) (v1.Descriptor, error) {
	f, err := os.Open(b.Path)
	if err != nil {
		return v1.Descriptor{}, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return v1.Descriptor{}, fmt.Errorf("%s is a directory: make a tarball of it (tar -C DIR -cf FILE.tar .)", b.Path)
	}
	file := sha256.New()
	br := bufio.NewReader(io.TeeReader(f, file))
	var r io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return v1.Descriptor{}, fmt.Errorf("%s: %w", b.Path, err)
		}
		defer gz.Close()
		r = gz
	}
	d, diffID, s, err := im.rootfsLayer(r, b.Path)
	if err != nil {
		return v1.Descriptor{}, err
	}
	if _, err := io.Copy(io.Discard, br); err != nil { // the file's hash covers every byte
		return v1.Descriptor{}, err
	}
	return im.putRootFSImage(d, diffID, s, hex.EncodeToString(file.Sum(nil)))
}

// rootfsScan is what reading a root file system's tar found.
type rootfsScan struct {
	arch    string
	newest  time.Time
	entries int
	err     error
}

// rootfsLayer stores the tar r as a layer while reading it through: one pass over the
// file, and the blob is kept only if the tar reads to its end.
func (im Importer) rootfsLayer(r io.Reader, file string) (v1.Descriptor, v1.Hash, rootfsScan, error) {
	pr, pw := io.Pipe()
	done := make(chan rootfsScan, 1)
	go func() { done <- scanRootFS(pr, file) }()
	var s rootfsScan
	d, diffID, err := im.compress(io.TeeReader(r, pw), func() error {
		pw.Close()
		s = <-done
		return s.err
	})
	if s.err != nil {
		return v1.Descriptor{}, v1.Hash{}, s, s.err
	}
	if err != nil {
		return v1.Descriptor{}, v1.Hash{}, s, fmt.Errorf("%s: %w", file, err)
	}
	return d, diffID, s, nil
}

// scanRootFS reads the tar from pr to its end, noting the architecture of the first
// executable in bin/ or usr/bin/ and the newest entry's time. It closes pr with its error,
// so that the compressor's next write fails.
func scanRootFS(pr *io.PipeReader, file string) rootfsScan {
	s := rootfsScan{}
	tr := tar.NewReader(pr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.err = fmt.Errorf("%s is not a tar archive: %w", file, err)
			break
		}
		s.entries++
		if hdr.ModTime.After(s.newest) {
			s.newest = hdr.ModTime
		}
		if s.arch == "" && hdr.Typeflag == tar.TypeReg && isBinDir(hdr.Name) {
			s.arch = elfArch(tr)
		}
	}
	if s.err == nil && s.entries == 0 {
		s.err = fmt.Errorf("%s is an empty tar archive", file)
	}
	if s.err == nil {
		// Whatever follows the end-of-archive marker is part of the layer too.
		_, s.err = io.Copy(io.Discard, pr)
	}
	pr.CloseWithError(s.err)
	return s
}

// putRootFSImage stores the configuration and manifest of the one-layer image d, whose
// history names the file's sha256.
func (im Importer) putRootFSImage(d v1.Descriptor, diffID v1.Hash, s rootfsScan, fileSHA256 string) (v1.Descriptor, error) {
	if s.arch == "" {
		s.arch = "amd64" // no executable to tell: a data-only root, which any platform can run
	}
	cfg := v1.ConfigFile{
		Architecture: s.arch, OS: "linux",
		RootFS:  v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{diffID}},
		History: []v1.History{{Created: Time(s.newest), CreatedBy: "mwedition: root file system sha256:" + fileSHA256}},
	}
	cd, err := putJSON(im.Store, types.OCIConfigJSON, cfg)
	if err != nil {
		return v1.Descriptor{}, err
	}
	return putJSON(im.Store, types.OCIManifestSchema1, v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: cd, Layers: []v1.Descriptor{d}})
}

func isBinDir(p string) bool {
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	d := path.Dir(p)
	return d == "bin" || d == "usr/bin"
}

// elfArch names the Go architecture of an ELF executable, or "" if r is not one.
func elfArch(r io.Reader) string {
	var h [20]byte
	if _, err := io.ReadFull(r, h[:]); err != nil || !bytes.Equal(h[:4], []byte("\x7fELF")) {
		return ""
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if h[5] == 2 {
		bo = binary.BigEndian
	}
	class64 := h[4] == 2
	switch bo.Uint16(h[18:]) {
	case 0x3e:
		return "amd64"
	case 0xb7:
		return "arm64"
	case 0x03:
		return "386"
	case 0x28:
		return "arm"
	case 0x15:
		if bo == binary.LittleEndian {
			return "ppc64le"
		}
		return "ppc64"
	case 0x16:
		return "s390x"
	case 0xf3:
		if class64 {
			return "riscv64"
		}
	case 0x102:
		return "loong64"
	}
	return ""
}

// AddLayer stores the uncompressed layer tar r gzip-compressed, as every layer mwedition
// writes is, and returns its digest, diff ID and size.
func AddLayer(st Store, r io.Reader) (Layer, error) {
	d, diffID, err := Importer{Store: st}.compress(r, nil)
	if err != nil {
		return Layer{}, err
	}
	return Layer{Digest: d.Digest, DiffID: diffID, Size: d.Size}, nil
}

package push

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/pack/oci"
)

// ErrNoLayout means the directory holds no OCI image layout (no index.json).
var ErrNoLayout = errors.New("no OCI image layout")

// Ref is one (edition, tag) of the layout and the manifest or index it names.
type Ref struct {
	Edition, Tag string
	Desc         v1.Descriptor
}

// Layout is what an OCI image layout asks to publish: its refs, sorted by edition then
// tag, and every manifest and blob they reach, read and checked up front so that nothing
// is pushed from a layout that is incomplete. What reaches an image also includes its
// referrers: the manifests index.json lists without a tag whose subject is the image (or
// one of an index's images), such as the SBOM and provenance the image sink attaches.
type Layout struct {
	Dir  string
	Refs []Ref

	manifests map[v1.Hash]manifest
	blobs     map[v1.Hash]blob      // the files of configurations and layers
	referrers map[v1.Hash][]v1.Hash // subject -> manifests referring to it, by digest
}

// manifest is a manifest or index of the layout: its exact bytes (the digest is over them)
// and what it points to.
type manifest struct {
	desc     v1.Descriptor
	raw      []byte
	children []v1.Hash // manifests an index lists
	blobs    []v1.Hash // config and layers of an image manifest
}

// RawManifest and MediaType make a manifest a remote.Taggable: pushed byte for byte.
func (m manifest) RawManifest() ([]byte, error)        { return m.raw, nil }
func (m manifest) MediaType() (types.MediaType, error) { return m.desc.MediaType, nil }

// ReadLayout reads the layout at dir. Descriptors of index.json without the edition and tag
// annotations are published only as referrers of an image that is; it is an error if
// none has them.
func ReadLayout(dir string) (*Layout, error) {
	p := oci.LayoutDir(dir)
	im, err := p.Index()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w (no index.json)", dir, ErrNoLayout)
	} else if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, "index.json"), err)
	}
	l := &Layout{Dir: dir, manifests: map[v1.Hash]manifest{}, blobs: map[v1.Hash]blob{}, referrers: map[v1.Hash][]v1.Hash{}}
	seen := map[[2]string]v1.Hash{}
	for _, d := range im.Manifests {
		ed, tag := d.Annotations[outdir.AnnotationEdition], d.Annotations[outdir.AnnotationTag]
		if ed == "" && tag == "" {
			if err := l.readReferrer(p, d); err != nil {
				return nil, err
			}
			continue
		}
		if ed == "" || tag == "" {
			return nil, fmt.Errorf("index.json: descriptor %s has only one of the %s and %s annotations", d.Digest, outdir.AnnotationEdition, outdir.AnnotationTag)
		}
		k := [2]string{ed, tag}
		if prev, ok := seen[k]; ok {
			if prev != d.Digest {
				return nil, fmt.Errorf("index.json: edition %q tag %q names two manifests, %s and %s", ed, tag, prev, d.Digest)
			}
			continue
		}
		seen[k] = d.Digest
		if err := l.read(p, d, 0); err != nil {
			return nil, fmt.Errorf("edition %q tag %q: %w", ed, tag, err)
		}
		l.Refs = append(l.Refs, Ref{Edition: ed, Tag: tag, Desc: d})
	}
	if len(l.Refs) == 0 {
		return nil, fmt.Errorf("%s: no descriptor in index.json carries the %s and %s annotations: nothing to publish", dir, outdir.AnnotationEdition, outdir.AnnotationTag)
	}
	slices.SortFunc(l.Refs, func(a, b Ref) int {
		if a.Edition != b.Edition {
			return strings.Compare(a.Edition, b.Edition)
		}
		return strings.Compare(a.Tag, b.Tag)
	})
	return l, nil
}

// readReferrer reads an untagged descriptor of index.json: an image manifest with a
// subject is a referrer (read and checked like any manifest); anything else is not
// published, and not read.
func (l *Layout) readReferrer(p oci.LayoutDir, d v1.Descriptor) error {
	if !d.MediaType.IsImage() {
		return nil
	}
	raw, err := p.Blob(d.Digest)
	if err != nil {
		return fmt.Errorf("index.json lists %s, which is missing from the layout: %w", d.Digest, err)
	}
	var m struct {
		Subject *v1.Descriptor `json:"subject"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("manifest %s: %w", d.Digest, err)
	}
	if m.Subject == nil {
		return nil
	}
	if err := l.read(p, d, 0); err != nil {
		return fmt.Errorf("referrer of %s: %w", m.Subject.Digest, err)
	}
	refs := l.referrers[m.Subject.Digest]
	if !slices.Contains(refs, d.Digest) {
		refs = append(refs, d.Digest)
		slices.SortFunc(refs, func(a, b v1.Hash) int { return strings.Compare(a.String(), b.String()) })
		l.referrers[m.Subject.Digest] = refs
	}
	return nil
}

// Referrers lists the manifests of the layout that refer to subject, by digest.
func (l *Layout) Referrers(subject v1.Hash) []v1.Hash { return l.referrers[subject] }

// Editions lists the layout's editions, sorted.
func (l *Layout) Editions() []string {
	var eds []string
	for _, r := range l.Refs {
		if len(eds) == 0 || eds[len(eds)-1] != r.Edition {
			eds = append(eds, r.Edition)
		}
	}
	return eds
}

// read loads the manifest d names and, recursively, what it reaches.
func (l *Layout) read(p oci.LayoutDir, d v1.Descriptor, depth int) error {
	if _, ok := l.manifests[d.Digest]; ok {
		return nil
	}
	if depth > 8 {
		return fmt.Errorf("manifest %s: indexes nested more than 8 deep", d.Digest)
	}
	raw, err := p.Blob(d.Digest)
	if err != nil {
		return fmt.Errorf("manifest %s is missing from the layout: %w", d.Digest, err)
	}
	if h, n, _ := v1.SHA256(bytes.NewReader(raw)); h != d.Digest || n != d.Size {
		return fmt.Errorf("manifest %s: the layout's blob has digest %s and %d bytes, the descriptor says %d: the layout is corrupt", d.Digest, h, n, d.Size)
	}
	m := manifest{desc: d, raw: raw}
	switch {
	case d.MediaType.IsIndex():
		im, err := v1.ParseIndexManifest(bytes.NewReader(raw))
		if err != nil {
			return fmt.Errorf("index %s: %w", d.Digest, err)
		}
		for _, c := range im.Manifests {
			if !c.MediaType.IsIndex() && !c.MediaType.IsImage() {
				return fmt.Errorf("index %s lists %s of media type %q, neither an image nor an index", d.Digest, c.Digest, c.MediaType)
			}
			if err := l.read(p, c, depth+1); err != nil {
				return err
			}
			m.children = append(m.children, c.Digest)
		}
	case d.MediaType.IsImage():
		mf, err := v1.ParseManifest(bytes.NewReader(raw))
		if err != nil {
			return fmt.Errorf("manifest %s: %w", d.Digest, err)
		}
		for _, b := range append([]v1.Descriptor{mf.Config}, mf.Layers...) {
			// Foreign layers (Windows base layers) are not ours to push; registries fetch them from their URLs.
			if !b.MediaType.IsDistributable() {
				continue
			}
			if err := l.checkBlob(p, b); err != nil {
				return fmt.Errorf("manifest %s: %w", d.Digest, err)
			}
			m.blobs = append(m.blobs, b.Digest)
		}
	default:
		return fmt.Errorf("%s has media type %q, neither an image manifest nor an index", d.Digest, d.MediaType)
	}
	l.manifests[d.Digest] = m
	return nil
}

func (l *Layout) checkBlob(p oci.LayoutDir, b v1.Descriptor) error {
	if _, ok := l.blobs[b.Digest]; ok {
		return nil
	}
	path, err := p.BlobPath(b.Digest)
	if err != nil {
		return fmt.Errorf("manifest lists blob %s: %w", b.Digest, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("blob %s (%s) is missing from the layout", b.Digest, b.MediaType)
	}
	if fi.Size() != b.Size {
		return fmt.Errorf("blob %s has %d bytes in the layout, the manifest says %d: the layout is corrupt", b.Digest, fi.Size(), b.Size)
	}
	l.blobs[b.Digest] = blob{path: path, desc: b}
	return nil
}

// reach lists, in push order, the manifests a ref reaches (children before the indexes
// listing them, referrers after their subject) and the blobs they need.
func (l *Layout) reach(root v1.Hash) (manifests []v1.Hash, blobs []v1.Hash) {
	seenM, seenB := map[v1.Hash]bool{}, map[v1.Hash]bool{}
	var walk func(h v1.Hash)
	walk = func(h v1.Hash) {
		if seenM[h] {
			return
		}
		seenM[h] = true
		m := l.manifests[h]
		for _, c := range m.children {
			walk(c)
		}
		for _, b := range m.blobs {
			if !seenB[b] {
				seenB[b] = true
				blobs = append(blobs, b)
			}
		}
		manifests = append(manifests, h)
		for _, r := range l.referrers[h] {
			walk(r)
		}
	}
	walk(root)
	return manifests, blobs
}

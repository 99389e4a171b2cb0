package repro

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/pack/oci"
)

// ociDesc is the part of an OCI descriptor a comparison needs.
type ociDesc struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
		Variant      string `json:"variant,omitempty"`
	} `json:"platform,omitempty"`
}

type ociManifest struct {
	MediaType string    `json:"mediaType"`
	Config    ociDesc   `json:"config"`
	Layers    []ociDesc `json:"layers"`
	Manifests []ociDesc `json:"manifests"` // when it is an index
}

type ociConfig struct {
	History []struct {
		CreatedBy  string `json:"created_by"`
		EmptyLayer bool   `json:"empty_layer"`
	} `json:"history"`
}

// blobPath is the file of the blob named d in l: "" when d is not a sha256 digest, which
// then reads as a missing blob.
func blobPath(l oci.LayoutDir, d string) string {
	h, err := v1.NewHash(d)
	if err != nil {
		return ""
	}
	p, _ := l.BlobPath(h)
	return p
}

// readBlob reads the blob named d in l.
func readBlob(l oci.LayoutDir, d string) ([]byte, error) {
	h, err := v1.NewHash(d)
	if err != nil {
		return nil, fmt.Errorf("%q is not a sha256 digest", d)
	}
	return l.Blob(h)
}

// closure lists the blobs, as digests, that the index entry d reaches.
func closure(l oci.LayoutDir, d v1.Hash) ([]string, error) {
	hs, err := l.Closure(d)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	return out, nil
}

// CompareLayouts compares the images of two OCI image layouts: for each edition
// (io.mwedition.edition) that keep says to (nil: every edition, and then index.json and
// oci-layout as files too), one result naming its tags. Every blob the original's images
// reach must hash to its name; the images must have the same digests under the same
// names; where they do not, manifests and configurations are compared field by field and
// layers entry by entry.
func CompareLayouts(orig, rebuilt string, keep func(edition string) bool) ([]Result, error) {
	lo, lr := oci.LayoutDir(orig), oci.LayoutDir(rebuilt)
	oi, err := lo.Index()
	if err != nil {
		return nil, fmt.Errorf("the original layout: %w", err)
	}
	ri, err := lr.Index()
	if err != nil {
		return nil, fmt.Errorf("the rebuilt layout: %w", err)
	}
	var results []Result
	if keep == nil {
		if results, err = compareLayoutFiles(orig, rebuilt); err != nil {
			return nil, err
		}
	}
	rebuiltByName := map[string]v1.Descriptor{}
	for _, d := range ri.Manifests {
		rebuiltByName[manifestName(d, ri.Manifests)] = d
	}
	byEdition := map[string][]v1.Descriptor{}
	for _, d := range oi.Manifests {
		e := editionOf(d)
		if keep == nil || keep(e) {
			byEdition[e] = append(byEdition[e], d)
		}
	}
	results = append(results, extraEditions(ri.Manifests, byEdition, keep)...)
	editions := make([]string, 0, len(byEdition))
	for e := range byEdition {
		editions = append(editions, e)
	}
	sort.Strings(editions)
	c := &ociComparer{orig: lo, rebuilt: lr, done: map[[2]string][]Difference{}, hashed: map[string]string{}}
	for _, e := range editions {
		res, err := c.edition(e, byEdition[e], oi.Manifests, rebuiltByName)
		if err != nil {
			return nil, err
		}
		results = append(results, res)
	}
	return results, nil
}

// compareLayoutFiles compares the layouts' index.json and oci-layout as files.
func compareLayoutFiles(orig, rebuilt string) ([]Result, error) {
	var results []Result
	for _, f := range []string{"index.json", "oci-layout"} {
		r, err := CompareFiles(outdir.OCI+"/"+f, filepath.Join(orig, f), filepath.Join(rebuilt, f))
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	return results, nil
}

// extraEditions reports the editions only the rebuild has: those of the rebuilt index's
// entries that keep wants and byEdition, the original's, lacks.
func extraEditions(rebuilt []v1.Descriptor, byEdition map[string][]v1.Descriptor, keep func(edition string) bool) []Result {
	var results []Result
	for _, d := range rebuilt {
		e := editionOf(d)
		if _, ok := byEdition[e]; !ok && (keep == nil || keep(e)) {
			results = append(results, Result{Artifact: outdir.OCI + "/" + e, Status: Extra, Rebuilt: d.Digest.String(),
				Note: "the rebuild has an image the original layout lacks: " + d.Annotations["org.opencontainers.image.ref.name"]})
		}
	}
	return results
}

// edition compares one edition's images, ds (all being the original index's entries), with
// the rebuilt images of the same names, and checks the integrity of the original's blobs.
func (c *ociComparer) edition(e string, ds, all []v1.Descriptor, rebuiltByName map[string]v1.Descriptor) (Result, error) {
	res := Result{Artifact: outdir.OCI + "/" + e, Status: Identical}
	var names []string
	var diffs []Difference
	for _, d := range ds {
		name := manifestName(d, all)
		names = append(names, name)
		res.Original = d.Digest.String()
		r, ok := rebuiltByName[name]
		if !ok {
			diffs = append(diffs, Difference{Entry: "index.json: " + name, Field: "missing"})
			continue
		}
		res.Rebuilt = r.Digest.String()
		if r.Digest != d.Digest {
			diffs = append(diffs, Difference{Entry: "index.json: " + name, Field: "digest", Original: d.Digest.String(), Rebuilt: r.Digest.String()})
			more, err := c.image("", d.Digest.String(), r.Digest.String())
			if err != nil {
				return Result{}, err
			}
			diffs = append(diffs, more...)
		}
		bad, err := c.integrity(d.Digest)
		if err != nil {
			return Result{}, err
		}
		diffs = append(diffs, bad...)
	}
	res.Note = "tags " + strings.Join(names, ", ")
	diffs = dedupeDiffs(diffs)
	if len(diffs) > 0 {
		res.Status = Differs
		res.setDifferences(diffs)
	}
	return res, nil
}

// editionOf is the edition an index entry belongs to; untagged referrers, which name none,
// are compared as one artifact, oci/referrers.
func editionOf(d v1.Descriptor) string {
	if e := d.Annotations[outdir.AnnotationEdition]; e != "" || d.Annotations["org.opencontainers.image.ref.name"] != "" {
		return e
	}
	return "referrers"
}

// manifestName is how a manifest of the index is matched with its counterpart: its tag, or,
// for an untagged one (a referrer: an SBOM or provenance attached to an image), its edition
// and its place among that edition's untagged manifests, which the build writes in a fixed
// order.
func manifestName(d v1.Descriptor, all []v1.Descriptor) string {
	if n := d.Annotations["org.opencontainers.image.ref.name"]; n != "" {
		return n
	}
	e := d.Annotations[outdir.AnnotationEdition]
	i := 0
	for _, o := range all {
		if o.Digest == d.Digest && o.Annotations[outdir.AnnotationEdition] == e {
			break
		}
		if o.Annotations["org.opencontainers.image.ref.name"] == "" && o.Annotations[outdir.AnnotationEdition] == e {
			i++
		}
	}
	return fmt.Sprintf("%s referrer %d", e, i+1)
}

type ociComparer struct {
	orig, rebuilt oci.LayoutDir
	done          map[[2]string][]Difference
	hashed        map[string]string // original blob -> its actual sha256
}

func dedupeDiffs(ds []Difference) []Difference {
	seen := map[Difference]bool{}
	var out []Difference
	for _, d := range ds {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// integrity checks that every blob the original image reaches hashes to its name: a blob
// rewritten in place keeps its name. A layer that does not is compared, entry by entry,
// with the rebuilt blob of that name.
func (c *ociComparer) integrity(d v1.Hash) ([]Difference, error) {
	blobs, err := closure(c.orig, d)
	if err != nil {
		return []Difference{{Entry: "blob " + d.String(), Field: "readable", Original: err.Error()}}, nil
	}
	var out []Difference
	for _, b := range blobs {
		got, ok := c.hashed[b]
		if !ok {
			if got, err = fstree.FileSHA256(blobPath(c.orig, b)); err != nil {
				got = "unreadable: " + err.Error()
			} else {
				got = "sha256:" + got
			}
			c.hashed[b] = got
		}
		if got == b {
			continue
		}
		out = append(out, Difference{Entry: "blob " + b, Field: "sha256", Original: got, Rebuilt: b})
		if _, err := os.Stat(blobPath(c.rebuilt, b)); err == nil {
			more, err := c.blob("blob "+short(b), b, b, "")
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		}
	}
	return out, nil
}

func short(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

// image compares two manifests or indexes by digest.
func (c *ociComparer) image(where, od, rd string) ([]Difference, error) {
	key := [2]string{od, rd}
	if ds, ok := c.done[key]; ok {
		return ds, nil
	}
	ob, err := readBlob(c.orig, od)
	if err != nil {
		return []Difference{{Entry: where + "manifest " + od, Field: "readable", Original: err.Error()}}, nil
	}
	rb, err := readBlob(c.rebuilt, rd)
	if err != nil {
		return nil, fmt.Errorf("the rebuilt layout: %w", err)
	}
	var om, rm ociManifest
	if err := json.Unmarshal(ob, &om); err != nil {
		return []Difference{{Entry: where + "manifest " + od, Field: "json", Original: err.Error()}}, nil
	}
	if err := json.Unmarshal(rb, &rm); err != nil {
		return nil, fmt.Errorf("the rebuilt manifest %s: %w", rd, err)
	}
	kind := "manifest"
	if len(om.Manifests) > 0 || len(rm.Manifests) > 0 {
		kind = "index"
	}
	ds, err := DiffJSON(where+kind, ob, rb)
	if err != nil {
		return nil, err
	}
	more, err := c.children(where, om, rm)
	if err != nil {
		return nil, err
	}
	ds = append(ds, more...)
	if om.Config.Digest != "" && om.Config.Digest != rm.Config.Digest {
		more, err := c.blob(where+"config", om.Config.Digest, rm.Config.Digest, "json")
		if err != nil {
			return nil, err
		}
		ds = append(ds, more...)
	}
	more, err = c.layers(where, om, rm)
	if err != nil {
		return nil, err
	}
	ds = append(ds, more...)
	c.done[key] = ds
	return ds, nil
}

// children compares the images of two indexes, by position, naming each by its platform.
func (c *ociComparer) children(where string, om, rm ociManifest) ([]Difference, error) {
	var ds []Difference
	for i := range min(len(om.Manifests), len(rm.Manifests)) {
		if om.Manifests[i].Digest != rm.Manifests[i].Digest {
			p := "image " + strconv.Itoa(i)
			if pl := om.Manifests[i].Platform; pl != nil {
				p = pl.OS + "/" + pl.Architecture
			}
			more, err := c.image(where+p+": ", om.Manifests[i].Digest, rm.Manifests[i].Digest)
			if err != nil {
				return nil, err
			}
			ds = append(ds, more...)
		}
	}
	return ds, nil
}

// layers compares two manifests' layers, by position, naming each by the step of the
// rebuilt image's history that made it.
func (c *ociComparer) layers(where string, om, rm ociManifest) ([]Difference, error) {
	history := c.layerHistory(rm.Config.Digest)
	var ds []Difference
	for i := range min(len(om.Layers), len(rm.Layers)) {
		if om.Layers[i].Digest == rm.Layers[i].Digest {
			continue
		}
		name := "layer " + strconv.Itoa(i)
		if i < len(history) && history[i] != "" {
			name += " (" + strings.TrimPrefix(history[i], "mwedition: ") + ")"
		}
		kind := "layer"
		if !strings.Contains(om.Layers[i].MediaType, "tar") {
			kind = "" // a referrer's document (an SBOM, a provenance statement): by content
		}
		more, err := c.blob(where+name, om.Layers[i].Digest, rm.Layers[i].Digest, kind)
		if err != nil {
			return nil, err
		}
		ds = append(ds, more...)
	}
	return ds, nil
}

// layerHistory is the created_by of each layer-making step of the rebuilt configuration
// named digest; nil when it cannot be read, which only leaves the layers unnamed.
func (c *ociComparer) layerHistory(digest string) []string {
	var history []string
	if cb, err := readBlob(c.rebuilt, digest); err == nil {
		var cfg ociConfig
		if json.Unmarshal(cb, &cfg) == nil {
			for _, h := range cfg.History {
				if !h.EmptyLayer {
					history = append(history, h.CreatedBy)
				}
			}
		}
	}
	return history
}

// blob compares two blobs: as JSON, as layers, or (kind "") as whatever their bytes parse as.
func (c *ociComparer) blob(where, od, rd, kind string) ([]Difference, error) {
	key := [2]string{od, rd}
	if ds, ok := c.done[key]; ok && od != rd {
		return ds, nil
	}
	op, rp := blobPath(c.orig, od), blobPath(c.rebuilt, rd)
	if kind == "" {
		b, err := os.ReadFile(op)
		if err == nil && len(b) > 0 && b[0] == '{' {
			kind = "json"
		} else {
			kind = "layer"
		}
	}
	var ds []Difference
	if kind == "json" {
		ob, err := os.ReadFile(op)
		if err != nil {
			return []Difference{{Entry: where, Field: "readable", Original: err.Error()}}, nil
		}
		rb, err := os.ReadFile(rp)
		if err != nil {
			return nil, fmt.Errorf("the rebuilt layout: %w", err)
		}
		if ds, err = DiffJSON(where, ob, rb); err != nil {
			return []Difference{{Entry: where, Field: "json", Original: err.Error()}}, nil
		}
	} else {
		o, err := walkLayerFile(where, op)
		if err != nil {
			return []Difference{{Entry: where, Field: "readable", Original: err.Error()}}, nil
		}
		r, err := walkLayerFile(where, rp)
		if err != nil {
			return nil, fmt.Errorf("the rebuilt layout: %w", err)
		}
		ds = DiffEntries(o, r)
		if len(ds) == 0 {
			ds = []Difference{{Entry: where, Field: "bytes", Original: od, Rebuilt: rd}}
		}
	}
	c.done[key] = ds
	return ds, nil
}

func walkLayerFile(where, p string) ([]Entry, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return WalkLayer(where, f, nil)
}

package push_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mwedition/mwedition/internal/push"
)

// addReferrer attaches doc to subject in the layout at dir as the image sink does: an
// artifact manifest with the empty configuration, listed in index.json without a tag.
func addReferrer(t *testing.T, dir string, subject v1.Descriptor, artifactType string, doc []byte) v1.Hash {
	t.Helper()
	p := layout.Path(dir)
	put := func(b []byte) v1.Descriptor {
		h, n, _ := v1.SHA256(bytes.NewReader(b))
		if err := p.WriteBlob(h, io.NopCloser(bytes.NewReader(b))); err != nil {
			t.Fatal(err)
		}
		return v1.Descriptor{Digest: h, Size: n}
	}
	cfg := put([]byte("{}"))
	cfg.MediaType, cfg.Data = types.OCIEmptyJSON, []byte("{}")
	layer := put(doc)
	layer.MediaType = types.MediaType(artifactType)
	raw, err := json.Marshal(v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: artifactType,
		Config: cfg, Layers: []v1.Descriptor{layer},
		Subject: &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}})
	if err != nil {
		t.Fatal(err)
	}
	d := put(raw)
	d.MediaType, d.ArtifactType = types.OCIManifestSchema1, artifactType
	if err := p.AppendDescriptor(d); err != nil {
		t.Fatal(err)
	}
	return d.Digest
}

// TestPushReferrers pushes an edition's image with its SBOM and provenance attached: the
// in-memory registry, like Debian's, has no referrers API, so they are listed under the
// referrers tag schema's sha256-<hex> tag, which go-containerregistry reads back.
func TestPushReferrers(t *testing.T) {
	dir, want := editionLayout(t)
	l := read(t, dir)
	core, ent := l.Refs[0].Desc, v1.Descriptor{}
	for _, r := range l.Refs {
		if r.Edition == "enterprise" {
			ent = r.Desc
		}
	}
	sbom := addReferrer(t, dir, core, "application/spdx+json", []byte(`{"spdxVersion": "SPDX-2.3"}`))
	prov := addReferrer(t, dir, core, "application/vnd.in-toto+json", []byte(`{"_type": "https://in-toto.io/Statement/v1"}`))
	entSBOM := addReferrer(t, dir, ent, "application/spdx+json", []byte(`{"spdxVersion": "SPDX-2.3", "name": "enterprise"}`))
	// A referrer of an image nobody publishes is not pushed.
	addReferrer(t, dir, v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0", 64)}, Size: 2}, "application/spdx+json", []byte(`{}`))

	l = read(t, dir)
	wantRefs := []v1.Hash{sbom, prov}
	slices.SortFunc(wantRefs, func(a, b v1.Hash) int { return strings.Compare(a.String(), b.String()) })
	if diff := cmp.Diff(wantRefs, l.Referrers(core.Digest)); diff != "" {
		t.Fatalf("Referrers(core) (-want +got):\n%s", diff)
	}
	host, _ := testRegistry(t)
	rep, err := push.Push(context.Background(), l, target(t, host), push.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 4 edition manifests, the 2 of enterprise's index, and 3 referrers.
	if rep.Manifests != 8 || len(rep.Tags) != len(want) {
		t.Errorf("report %+v: want 8 manifests and %d tags", rep, len(want))
	}
	check := func(edition string, subject v1.Hash, want map[v1.Hash]string) {
		t.Helper()
		repo, _ := name.NewRepository(host + "/mediawiki/" + edition)
		idx, err := remote.Referrers(repo.Digest(subject.String()))
		if err != nil {
			t.Fatalf("referrers of %s in %s: %v", subject, repo, err)
		}
		im, _ := idx.IndexManifest()
		got := map[v1.Hash]string{}
		for _, d := range im.Manifests {
			got[d.Digest] = d.ArtifactType
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("referrers of %s in %s (-want +got):\n%s", subject, repo, diff)
		}
		tags, err := remote.List(repo)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(tags, "sha256-"+subject.Hex) {
			t.Errorf("%s has tags %v, without the fallback tag sha256-%s", repo, tags, subject.Hex)
		}
	}
	check("core", core.Digest, map[v1.Hash]string{sbom: "application/spdx+json", prov: "application/vnd.in-toto+json"})
	check("enterprise", ent.Digest, map[v1.Hash]string{entSBOM: "application/spdx+json"})

	// Pushing again changes nothing: each referrer is listed once.
	if _, err := push.Push(context.Background(), l, target(t, host), push.Options{}); err != nil {
		t.Fatal(err)
	}
	check("core", core.Digest, map[v1.Hash]string{sbom: "application/spdx+json", prov: "application/vnd.in-toto+json"})
}

package build_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/embargo"
	"github.com/mwedition/mwedition/internal/outdir"
)

// An embargoed patch on core's source marks every edition holding core or Alpha: in
// out/manifest.json, in each image (its manifest and its index.json entries) and in each
// SBOM.
func TestEmbargoMarksArtifacts(t *testing.T) {
	f := imageFixture(t)
	sum := f.withPatch("0001-sec.patch", securityPatch, "      embargoed = true\n")
	f.bumpEdition("base", "1.1")
	f.bumpEdition("full", "1.1")
	f.lock()
	out := filepath.Join(f.root, "out")
	if _, err := f.buildImages(out, nil); err != nil {
		t.Fatal(err)
	}
	var m build.Manifest
	b, err := os.ReadFile(filepath.Join(out, outdir.Manifest))
	must(t, err)
	must(t, json.Unmarshal(b, &m))
	want := []embargo.Patch{{File: "patches/0001-sec.patch", SHA256: sum, CVEs: []string{"CVE-2026-0001"}, Components: []string{"core/mediawiki", "extension/Alpha"}}}
	for _, e := range m.Editions {
		if !e.Embargoed {
			t.Errorf("edition %s is not marked embargoed", e.Name)
		}
		if diff := cmp.Diff(want, e.EmbargoedPatches); diff != "" {
			t.Errorf("edition %s's embargoed patches (-want +got):\n%s", e.Name, diff)
		}
	}

	var index v1.IndexManifest
	b, err = os.ReadFile(filepath.Join(out, outdir.OCI, "index.json"))
	must(t, err)
	must(t, json.Unmarshal(b, &index))
	tagged := 0
	for _, d := range index.Manifests {
		if d.Annotations[outdir.AnnotationTag] == "" {
			continue // a referrer
		}
		tagged++
		if d.Annotations[outdir.AnnotationEmbargoed] != "true" || d.Annotations[outdir.AnnotationEmbargoedPatches] != "patches/0001-sec.patch" {
			t.Errorf("index.json entry %s: annotations %v", d.Annotations["org.opencontainers.image.ref.name"], d.Annotations)
		}
		var im v1.Manifest
		b, err := os.ReadFile(filepath.Join(out, outdir.OCI, "blobs", d.Digest.Algorithm, d.Digest.Hex))
		must(t, err)
		must(t, json.Unmarshal(b, &im))
		if im.Annotations[outdir.AnnotationEmbargoed] != "true" {
			t.Errorf("image %s: manifest annotations %v", d.Digest, im.Annotations)
		}
	}
	if tagged == 0 {
		t.Fatal("index.json names no image")
	}
	for _, e := range []string{"base", "full"} {
		b, err := os.ReadFile(filepath.Join(out, outdir.SBOM, e+".spdx.json"))
		must(t, err)
		if !strings.Contains(string(b), `"comment": "EMBARGOED: `) || !strings.Contains(string(b), "patches/0001-sec.patch (sha256 "+sum) {
			t.Errorf("%s's SBOM does not say it is embargoed", e)
		}
	}
}

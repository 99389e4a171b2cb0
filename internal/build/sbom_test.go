package build_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/sbom"
)

// TestSBOMsReferrersAndSums builds packages, tarballs and images of the fixture and checks
// what describes them: an SBOM and a provenance per edition in out/sbom naming every
// artifact by its digest, both attached to the edition's image as referrers, and
// out/SHA256SUMS and manifest.json's artifacts covering every file published.
func TestSBOMsReferrersAndSums(t *testing.T) {
	f := newFixture(t)
	write(t, filepath.Join(f.root, "editions/editions.hcl"), `
edition "base" {
  title   = "Base"
  version = "1.0"
  skins   = ["Vector"]
  extensions = ["Beta"]
  output "deb" {}
  output "tarball" { compression = ["gz"] }
  output "image" {}
}
edition "full" {
  title    = "Full"
  version  = "1.0"
  inherits = "base"
  extensions = ["Gamma", "Delta"]
  output "image" {}
}
`)
	lk := f.lock()
	o := f.options()
	o.Formats = []string{build.FormatDeb, build.FormatTarball, build.FormatImage}
	o.Builder = sbom.Builder{Version: "v1.2.3", Go: "go1.26.8"}
	o.Out = filepath.Join(t.TempDir(), "out")
	res, diags, err := build.Build(context.Background(), o, f.load().Set, lk)
	if err != nil || diags.HasErrors() {
		t.Fatalf("build: %v %v", err, diags)
	}
	out := o.Out
	images := map[string]v1.Descriptor{}
	for _, im := range res.Images {
		images[im.Edition] = im.Descriptor
	}

	// SBOMs: every artifact by digest, made from the edition or one of its components.
	wantArtifacts := map[string][]string{
		"base": {"deb/mediawiki-core_1.39.17-1_all.deb", "deb/mediawiki-edition-base_1.0-1_all.deb", "deb/mediawiki-extension-alpha_1.2.0+mw1.39.17-1_all.deb",
			"deb/mediawiki-extension-beta_1.39.17-1_all.deb", "deb/mediawiki-skin-vector_1.0.0+mw1.39.17-1_all.deb", "oci/base-1.0", "tarballs/mediawiki-base-1.0.tar.gz"},
		"full": {"oci/full-1.0"},
	}
	for ed, want := range wantArtifacts {
		b, err := os.ReadFile(filepath.Join(out, "sbom", ed+".spdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := spdxjson.Read(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s.spdx.json: %v", ed, err)
		}
		var got []string
		for _, p := range doc.Packages {
			if !strings.HasPrefix(string(p.PackageSPDXIdentifier), "Artifact-") {
				continue
			}
			path := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(p.PackageComment, "Published as "), "The image's manifest, published as "), " in the build's output directory.")
			path = strings.TrimSuffix(path, " in the build's OCI image layout.")
			got = append(got, path)
			sum := p.PackageChecksums[0].Value
			if strings.HasPrefix(path, "oci/") {
				if sum != images[ed].Digest.Hex {
					t.Errorf("%s: %s has checksum %s, the image is %s", ed, path, sum, images[ed].Digest)
				}
			} else if file := fileSum(t, filepath.Join(out, path)); sum != file {
				t.Errorf("%s: %s has checksum %s, the file %s", ed, path, sum, file)
			}
		}
		sort.Strings(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: artifacts (-want +got):\n%s", ed, diff)
		}
		if doc.CreationInfo.Creators[0].Creator != "mwedition-v1.2.3" {
			t.Errorf("%s: creators %+v", ed, doc.CreationInfo.Creators)
		}
		var st sbom.Statement
		readJSONFile(t, filepath.Join(out, "sbom", ed+".provenance.json"), &st)
		if len(st.Subject) != len(want) || st.Predicate.RunDetails.Builder.Version["go"] != "go1.26.8" {
			t.Errorf("%s: provenance has %d subjects (want %d), builder %+v", ed, len(st.Subject), len(want), st.Predicate.RunDetails.Builder)
		}
	}

	// Referrers: both documents attached to each edition's image, byte for byte.
	p, err := layout.FromPath(filepath.Join(out, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := p.ImageIndex()
	im, _ := idx.IndexManifest()
	attached := map[string]bool{}
	for _, d := range im.Manifests {
		if d.ArtifactType == "" {
			continue
		}
		if len(d.Annotations) != 0 {
			t.Errorf("referrer %s has annotations in index.json: %v", d.Digest, d.Annotations)
		}
		raw, err := p.Bytes(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		m, err := v1.ParseManifest(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		layer, err := p.Bytes(m.Layers[0].Digest)
		if err != nil {
			t.Fatal(err)
		}
		name := m.Layers[0].Annotations["org.opencontainers.image.title"]
		ed, _, _ := strings.Cut(name, ".")
		doc, err := os.ReadFile(filepath.Join(out, "sbom", name))
		if err != nil || !bytes.Equal(doc, layer) {
			t.Errorf("referrer %s carries %s, which is not out/sbom/%s (%v)", d.Digest, name, name, err)
		}
		if m.Subject == nil || m.Subject.Digest != images[ed].Digest || m.ArtifactType != d.ArtifactType ||
			m.Config.MediaType != "application/vnd.oci.empty.v1+json" || string(m.Config.Data) != "{}" {
			t.Errorf("referrer %s: %+v", d.Digest, m)
		}
		attached[name+" "+d.ArtifactType] = true
	}
	if diff := cmp.Diff(map[string]bool{
		"base.spdx.json application/spdx+json": true, "base.provenance.json application/vnd.in-toto+json": true,
		"full.spdx.json application/spdx+json": true, "full.provenance.json application/vnd.in-toto+json": true,
	}, attached); diff != "" {
		t.Errorf("referrers (-want +got):\n%s", diff)
	}

	// SHA256SUMS: every file below out/ but itself, each digest right; manifest.json's
	// artifacts are the same list without manifest.json.
	sums := readSums(t, filepath.Join(out, "SHA256SUMS"))
	var files []string
	filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if rel, _ := filepath.Rel(out, path); rel != "SHA256SUMS" {
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	var listed []string
	for _, s := range sums {
		listed = append(listed, s[1])
		if got := fileSum(t, filepath.Join(out, s[1])); got != s[0] {
			t.Errorf("SHA256SUMS says %s for %s, the file is %s", s[0], s[1], got)
		}
	}
	if diff := cmp.Diff(files, listed); diff != "" {
		t.Errorf("SHA256SUMS lists (-files +listed):\n%s", diff)
	}
	var m struct{ Artifacts []build.ManifestArtifact }
	readJSONFile(t, filepath.Join(out, "manifest.json"), &m)
	var fromManifest []string
	for _, a := range m.Artifacts {
		fromManifest = append(fromManifest, a.Path)
		if fi, err := os.Stat(filepath.Join(out, a.Path)); err != nil || fi.Size() != a.Size {
			t.Errorf("manifest.json: %+v: %v", a, err)
		}
	}
	var notManifest []string
	for _, l := range listed {
		if l != "manifest.json" {
			notManifest = append(notManifest, l)
		}
	}
	if diff := cmp.Diff(notManifest, fromManifest); diff != "" {
		t.Errorf("manifest.json artifacts (-SHA256SUMS +manifest):\n%s", diff)
	}

	// A build of the trees only writes the SBOMs (no artifacts, so no provenance), and
	// lists only them.
	o.Formats, o.Out = nil, filepath.Join(t.TempDir(), "trees")
	if _, diags, err := build.Build(context.Background(), o, f.load().Set, lk); err != nil || diags.HasErrors() {
		t.Fatalf("build --format tree: %v %v", err, diags)
	}
	sums = readSums(t, filepath.Join(o.Out, "SHA256SUMS"))
	listed = nil
	for _, s := range sums {
		listed = append(listed, s[1])
	}
	if diff := cmp.Diff([]string{"manifest.json", "sbom/base.spdx.json", "sbom/full.spdx.json"}, listed); diff != "" {
		t.Errorf("trees only: SHA256SUMS lists (-want +got):\n%s", diff)
	}
}

func fileSum(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// readSums reads a sha256sum file: [digest, path] per line, checking its form and order.
func readSums(t *testing.T, p string) [][2]string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, path, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("%s: line %q is not <sha256>  <path>", p, sc.Text())
		}
		if len(out) > 0 && out[len(out)-1][1] >= path {
			t.Errorf("%s: %s after %s: not sorted", p, path, out[len(out)-1][1])
		}
		out = append(out, [2]string{sum, path})
	}
	return out
}

func readJSONFile(t *testing.T, p string, v any) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
}

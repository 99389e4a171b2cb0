//go:build e2e

package tests

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/santhosh-tekuri/jsonschema/v6"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// The official SPDX 2.3 JSON schema, as the Go module proxy serves it: Anchore's syft ships
// spdx-spec's schemas/spdx-schema.json of the 2.3 release (draft-07, $id
// http://spdx.org/rdf/terms/2.3) for its own tests. It is fetched into the module cache by
// `go mod download`, not copied into this repository nor required by go.mod; the pinned
// SHA-256 is the file's.
const (
	schemaModule = "github.com/anchore/syft@v1.57.2"
	schemaFile   = "schema/spdx-json/spdx-schema-2.3.json"
	schemaSHA256 = "c2e139546ef93597d3b1214d1d452369d0b536af6c6d6500dbd25c582034aa7c"
	schemaID     = "http://spdx.org/rdf/terms/2.3"
)

// spdxSchema fetches and compiles the SPDX 2.3 JSON schema.
func spdxSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", schemaModule)
	cmd.Dir = t.TempDir() // outside this module: go.mod stays as it is
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var mod struct{ Dir, Error string }
	json.Unmarshal(out, &mod)
	if err != nil || mod.Dir == "" {
		t.Fatalf("go mod download %s (the SPDX 2.3 schema; needs the Go module proxy or a module cache that has it): %v %s\n%s%s", schemaModule, err, mod.Error, stderr.Bytes(), out)
	}
	p := filepath.Join(mod.Dir, schemaFile)
	if got := sha256File(t, p); got != schemaSHA256 {
		t.Fatalf("%s has sha256 %s, want %s", p, got, schemaSHA256)
	}
	b, _ := os.ReadFile(p)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schemaID)
	if err != nil {
		t.Fatalf("compiling the SPDX 2.3 schema: %v", err)
	}
	return sch
}

func validateSPDX(sch *jsonschema.Schema, b []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// installedLibrary is composer's record of one package, read here independently of mwedition.
type installedLibrary struct {
	Name, Version string
	License       []string
	Source        struct{ Type, URL, Reference string }
}

// realInstalled reads the real release's vendor/composer/installed.json from the cache's
// unpacked source.
func realInstalled(t *testing.T, cacheDir string) []installedLibrary {
	t.Helper()
	var doc struct{ Packages []installedLibrary }
	readJSON(t, filepath.Join(cacheDir, "src", "tarball-"+mediawikiSHA, "mediawiki-1.39.17", "vendor/composer/installed.json"), &doc)
	if len(doc.Packages) == 0 {
		t.Fatal("the real installed.json lists no package")
	}
	return doc.Packages
}

// TestSBOMRealTree builds the three shipped editions from the real release twice: once with
// the corpus cache, once from another project directory with a fresh cache. Every SBOM
// parses with tools-golang and validates against the official SPDX 2.3 schema; each holds
// every component of its edition and every composer library of the real tree with a
// licence; its artifacts and the provenance's subjects are the published files by digest;
// both documents are attached to the edition's image; and the two builds give the same
// bytes.
func TestSBOMRealTree(t *testing.T) {
	sch := spdxSchema(t)
	cache := corpusCache(t)
	outs := []string{t.TempDir(), t.TempDir()}
	for i, c := range []string{cache, seededCache(t)} {
		start := time.Now()
		if r := run(t, project(t), c, "--offline", "-q", "build", "--out", outs[i], "--image-base", "scratch"); r.code != 0 {
			t.Fatalf("build %d exited %d:\n%s", i+1, r.code, r.stderr)
		}
		t.Logf("build %d (%s cache): %s", i+1, map[int]string{0: "corpus", 1: "fresh"}[i], time.Since(start).Round(time.Second))
	}
	out := outs[0]

	// Two builds, same bytes: the documents, and everything SHA256SUMS lists.
	for _, f := range []string{"SHA256SUMS", "manifest.json"} {
		a, _ := os.ReadFile(filepath.Join(outs[0], f))
		b, _ := os.ReadFile(filepath.Join(outs[1], f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between the two builds (or is empty)", f)
		}
	}
	names, _ := filepath.Glob(filepath.Join(out, "sbom", "*"))
	var docs []string
	for _, n := range names {
		docs = append(docs, filepath.Base(n))
		a, _ := os.ReadFile(n)
		b, err := os.ReadFile(filepath.Join(outs[1], "sbom", filepath.Base(n)))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("sbom/%s differs between the two builds: %v", filepath.Base(n), err)
		}
	}
	want := []string{"core.provenance.json", "core.spdx.json", "enterprise.provenance.json", "enterprise.spdx.json",
		"knowledge-base.provenance.json", "knowledge-base.spdx.json"}
	if diff := cmp.Diff(want, docs); diff != "" {
		t.Fatalf("out/sbom (-want +got):\n%s", diff)
	}

	// sha256sum itself checks SHA256SUMS.
	cmd := exec.Command("sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS")
	cmd.Dir = out
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum --check SHA256SUMS: %v\n%s", err, b)
	}

	var manifest struct {
		Editions []struct {
			Name    string
			Members []struct{ ID string }
		}
		Components []struct{ ID, Version, License string }
	}
	readJSON(t, filepath.Join(out, "manifest.json"), &manifest)
	comps := map[string]struct{ ID, Version, License string }{}
	for _, c := range manifest.Components {
		comps[c.ID] = c
	}
	libs := realInstalled(t, cache)
	images := imageDigests(t, filepath.Join(out, "oci"))

	for _, e := range manifest.Editions {
		b, err := os.ReadFile(filepath.Join(out, "sbom", e.Name+".spdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := validateSPDX(sch, b); err != nil {
			t.Errorf("%s.spdx.json is not valid SPDX 2.3: %v", e.Name, err)
		}
		doc, err := spdxjson.Read(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("tools-golang cannot read %s.spdx.json: %v", e.Name, err)
		}
		checkSPDX(t, e.Name, doc, e.Members, comps, libs)
		checkProvenance(t, out, e.Name, doc, images[e.Name])
	}

	// A spoiled document fails the schema: the validator is really at work.
	var spoiled map[string]any
	readJSON(t, filepath.Join(out, "sbom", "core.spdx.json"), &spoiled)
	delete(spoiled["packages"].([]any)[0].(map[string]any), "downloadLocation")
	b, _ := json.Marshal(spoiled)
	if err := validateSPDX(sch, b); err == nil || !strings.Contains(err.Error(), "downloadLocation") {
		t.Errorf("a package without downloadLocation passed the schema: %v", err)
	}

	checkReferrers(t, out, images)
}

// checkSPDX finds every member of the edition and every library of the real installed.json
// in the document, each with a licence and its source.
func checkSPDX(t *testing.T, edition string, doc *v2_3.Document, members []struct{ ID string }, comps map[string]struct{ ID, Version, License string }, libs []installedLibrary) {
	t.Helper()
	byName := map[string][]*v2_3.Package{}
	purls := map[string]*v2_3.Package{}
	for _, p := range doc.Packages {
		byName[p.PackageName] = append(byName[p.PackageName], p)
		for _, r := range p.PackageExternalReferences {
			if r.RefType == "purl" {
				purls[r.Locator] = p
			}
		}
		if p.PackageLicenseDeclared == "" {
			t.Errorf("%s: package %s has no licenseDeclared", edition, p.PackageSPDXIdentifier)
		}
	}
	rels := map[string]bool{}
	for _, r := range doc.Relationships {
		rels[string(r.RefA.ElementRefID)+" "+r.Relationship+" "+string(r.RefB.ElementRefID)] = true
	}
	var edPkg *v2_3.Package
	for _, p := range byName[edition] {
		if p.PrimaryPackagePurpose == "APPLICATION" && p.PackageDownloadLocation == "NOASSERTION" {
			edPkg = p
		}
	}
	if edPkg == nil || !rels["DOCUMENT DESCRIBES "+string(edPkg.PackageSPDXIdentifier)] {
		t.Fatalf("%s: the document does not describe a package for the edition", edition)
	}
	var core *v2_3.Package
	for _, m := range members {
		c := comps[m.ID]
		_, name, _ := strings.Cut(m.ID, "/")
		var found *v2_3.Package
		for _, p := range byName[name] {
			if p.PackageVersion == c.Version && strings.HasPrefix(p.PackageComment, "mwedition component "+m.ID+";") {
				found = p
			}
		}
		switch {
		case found == nil:
			t.Errorf("%s: no package for %s %s", edition, m.ID, c.Version)
			continue
		case found.PackageLicenseDeclared != c.License || c.License == "":
			t.Errorf("%s: %s declares %q, its registration %q", edition, m.ID, found.PackageLicenseDeclared, c.License)
		case found.PackageDownloadLocation != "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz" ||
			len(found.PackageChecksums) != 1 || found.PackageChecksums[0].Value != mediawikiSHA:
			t.Errorf("%s: %s comes from %s %+v, not the release", edition, m.ID, found.PackageDownloadLocation, found.PackageChecksums)
		case !rels[string(edPkg.PackageSPDXIdentifier)+" CONTAINS "+string(found.PackageSPDXIdentifier)]:
			t.Errorf("%s: the edition does not contain %s", edition, m.ID)
		}
		if m.ID == "core/mediawiki" {
			core = found
		}
	}
	if core == nil {
		t.Fatalf("%s: no core", edition)
	}
	composer := 0
	for l := range purls {
		if strings.HasPrefix(l, "pkg:composer/") {
			composer++
		}
	}
	if composer != len(libs) {
		t.Errorf("%s: %d composer packages, the real installed.json lists %d", edition, composer, len(libs))
	}
	for _, l := range libs {
		p := purls["pkg:composer/"+l.Name+"@"+l.Version]
		if p == nil {
			t.Errorf("%s: no package pkg:composer/%s@%s", edition, l.Name, l.Version)
			continue
		}
		lic := p.PackageLicenseDeclared
		wantLic := strings.Join(l.License, " OR ")
		if wantLic == "PHP License" {
			wantLic = "PHP-3.01" // pear/net_socket: not an SPDX identifier
		}
		if lic != wantLic || lic == "NOASSERTION" {
			t.Errorf("%s: %s declares %q, installed.json %q", edition, l.Name, lic, l.License)
		}
		if p.PackageName != l.Name || p.PackageVersion != l.Version || p.PackageDownloadLocation != "git+"+l.Source.URL+"@"+l.Source.Reference {
			t.Errorf("%s: %s is %s %s from %s, installed.json says %s at %s", edition, l.Name, p.PackageName, p.PackageVersion, p.PackageDownloadLocation, l.Source.URL, l.Source.Reference)
		}
		if !rels[string(core.PackageSPDXIdentifier)+" CONTAINS "+string(p.PackageSPDXIdentifier)] {
			t.Errorf("%s: core does not contain %s", edition, l.Name)
		}
	}
}

// checkProvenance matches the provenance's subjects with the files they name and with the
// SBOM's artifacts, and its dependencies with the lock.
func checkProvenance(t *testing.T, out, edition string, doc *v2_3.Document, image string) {
	t.Helper()
	var st struct {
		Type          string `json:"_type"`
		PredicateType string
		Subject       []struct {
			Name   string
			Digest map[string]string
		}
		Predicate struct {
			BuildDefinition struct {
				ExternalParameters   map[string]any
				ResolvedDependencies []struct {
					Name, URI string
					Digest    map[string]string
				}
			}
			RunDetails struct {
				Builder struct{ Version map[string]string }
			}
		}
	}
	readJSON(t, filepath.Join(out, "sbom", edition+".provenance.json"), &st)
	if st.Type != "https://in-toto.io/Statement/v1" || st.PredicateType != "https://slsa.dev/provenance/v1" {
		t.Errorf("%s: statement %s, predicate %s", edition, st.Type, st.PredicateType)
	}
	var subjects, artifacts []string
	for _, s := range st.Subject {
		subjects = append(subjects, s.Digest["sha256"])
		if strings.HasPrefix(s.Name, "oci/") {
			if s.Digest["sha256"] != strings.TrimPrefix(image, "sha256:") {
				t.Errorf("%s: subject %s is %s, the image %s", edition, s.Name, s.Digest["sha256"], image)
			}
		} else if got := sha256File(t, filepath.Join(out, s.Name)); got != s.Digest["sha256"] {
			t.Errorf("%s: subject %s is %s, the file %s", edition, s.Name, s.Digest["sha256"], got)
		}
	}
	for _, p := range doc.Packages {
		if p.PrimaryPackagePurpose == "INSTALL" || p.PrimaryPackagePurpose == "ARCHIVE" || p.PrimaryPackagePurpose == "CONTAINER" {
			artifacts = append(artifacts, p.PackageChecksums[0].Value)
		}
	}
	sort.Strings(subjects)
	sort.Strings(artifacts)
	// deb and rpm of every member and the edition, two tarballs, one image.
	if diff := cmp.Diff(subjects, artifacts); diff != "" || len(subjects) < 2*3+3 {
		t.Errorf("%s: provenance subjects and SBOM artifacts (-provenance +sbom):\n%s", edition, diff)
	}
	// The release, then each patch file the shipped core applies, by its bytes.
	deps := st.Predicate.BuildDefinition.ResolvedDependencies
	if len(deps) == 0 || deps[0].Digest["sha256"] != mediawikiSHA || deps[0].Name != "core/mediawiki" {
		t.Errorf("%s: resolved dependencies %+v, want the release first", edition, deps)
	}
	patchFiles, _ := filepath.Glob(filepath.Join("..", "patches", "*.patch"))
	want := map[string]string{}
	for _, f := range patchFiles {
		want["patches/"+filepath.Base(f)] = sha256File(t, f)
	}
	got := map[string]string{}
	for _, d := range deps[min(1, len(deps)):] {
		if d.URI != d.Name {
			t.Errorf("%s: patch dependency %s has URI %s", edition, d.Name, d.URI)
		}
		got[d.Name] = d.Digest["sha256"]
	}
	if diff := cmp.Diff(want, got); diff != "" || len(want) != 5 {
		t.Errorf("%s: patch files among the resolved dependencies (-patches/ +provenance):\n%s", edition, diff)
	}
	lock := sha256File(t, filepath.Join("..", "editions.lock"))
	if l, _ := st.Predicate.BuildDefinition.ExternalParameters["lock"].(map[string]any); l["sha256"] != lock {
		t.Errorf("%s: lock %v, editions.lock is %s", edition, l, lock)
	}
	if v := st.Predicate.RunDetails.Builder.Version; !strings.HasPrefix(v["go"], "go1.") || v["mwedition"] == "" {
		t.Errorf("%s: builder version %v", edition, v)
	}
}

// imageDigests reads the tagged images of out/oci: edition -> digest.
func imageDigests(t *testing.T, dir string) map[string]string {
	t.Helper()
	var idx v1.IndexManifest
	readJSON(t, filepath.Join(dir, "index.json"), &idx)
	got := map[string]string{}
	for _, d := range idx.Manifests {
		if ed := d.Annotations["io.mwedition.edition"]; ed != "" {
			got[ed] = d.Digest.String()
		}
	}
	return got
}

// checkReferrers finds each edition's SBOM and provenance attached to its image in
// out/oci, untagged, byte for byte.
func checkReferrers(t *testing.T, out string, images map[string]string) {
	t.Helper()
	p, err := layout.FromPath(filepath.Join(out, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	var idx v1.IndexManifest
	readJSON(t, filepath.Join(out, "oci", "index.json"), &idx)
	var got []string
	for _, d := range idx.Manifests {
		if d.Annotations["org.opencontainers.image.ref.name"] != "" {
			continue
		}
		raw, err := p.Bytes(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		m, err := v1.ParseManifest(bytes.NewReader(raw))
		if err != nil || m.Subject == nil || len(m.Layers) != 1 {
			t.Fatalf("untagged %s is not a referrer: %v %+v", d.Digest, err, m)
		}
		title := m.Layers[0].Annotations["org.opencontainers.image.title"]
		ed, _, _ := strings.Cut(title, ".")
		layer, _ := p.Bytes(m.Layers[0].Digest)
		file, _ := os.ReadFile(filepath.Join(out, "sbom", title))
		if m.Subject.Digest.String() != images[ed] || !bytes.Equal(layer, file) || len(file) == 0 {
			t.Errorf("referrer %s (%s) of %s: not %s's image, or not out/sbom/%s", d.Digest, d.ArtifactType, m.Subject.Digest, ed, title)
		}
		got = append(got, title+" "+d.ArtifactType)
	}
	slices.Sort(got)
	want := []string{"core.provenance.json application/vnd.in-toto+json", "core.spdx.json application/spdx+json",
		"enterprise.provenance.json application/vnd.in-toto+json", "enterprise.spdx.json application/spdx+json",
		"knowledge-base.provenance.json application/vnd.in-toto+json", "knowledge-base.spdx.json application/spdx+json"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("referrers in out/oci (-want +got):\n%s", diff)
	}
}

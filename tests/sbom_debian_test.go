//go:build e2e

package tests

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/mwedition/mwedition/internal/lock"
)

// TestSBOMDebianBase builds the shipped editions' images, on the shipped Debian base, and
// reads what their SBOM and provenance say of the base: every pinned .deb, php8.2-cli
// among them, by the version and sha256 editions.lock pins and the URL it is fetched from.
// It builds in the shared corpus cache, online so that it fetches the .debs the cache
// lacks: the base's root is made once for this test and TestFeatures, whichever runs first.
func TestSBOMDebianBase(t *testing.T) {
	proj := project(t)
	cache := corpusCache(t)
	out := filepath.Join(t.TempDir(), "out")
	if r := run(t, proj, cache, "-q", "build", "--out", out, "--format", "image"); r.code != 0 {
		t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
	}
	base, ok := readLock(t, proj).DebianBase("bookworm")
	if !ok {
		t.Fatal("the shipped lock has no Debian base bookworm")
	}
	var php lock.DebPackage
	for _, p := range base.Packages {
		if p.Name == "php8.2-cli" {
			php = p
		}
	}
	if php.SHA256 == "" {
		t.Fatal("the shipped base bookworm pins no php8.2-cli")
	}
	url := strings.TrimSuffix(php.Archive, "/") + "/" + php.Filename

	sb, err := os.ReadFile(filepath.Join(out, "sbom", "core.spdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := validateSPDX(spdxSchema(t), sb); err != nil {
		t.Errorf("the SPDX document does not follow the SPDX 2.3 schema: %v", err)
	}
	doc, err := spdxjson.Read(bytes.NewReader(sb))
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ ID, Version, Purl, SHA256, Location string }
	var got []row
	debs := 0
	for _, p := range doc.Packages {
		if !strings.HasPrefix(string(p.PackageSPDXIdentifier), "Deb-") {
			continue
		}
		debs++
		if p.PackageName != "php8.2-cli" {
			continue
		}
		r := row{ID: string(p.PackageSPDXIdentifier), Version: p.PackageVersion, Location: p.PackageDownloadLocation}
		for _, c := range p.PackageChecksums {
			r.SHA256 = c.Value
		}
		for _, ref := range p.PackageExternalReferences {
			r.Purl = ref.Locator
		}
		got = append(got, r)
	}
	// purl percent-encodes a version's '+' and ':', not its '~'.
	v := strings.NewReplacer("+", "%2B", ":", "%3A").Replace(php.Version)
	want := []row{{"Deb-php8.2-cli-" + php.Architecture, php.Version,
		"pkg:deb/debian/php8.2-cli@" + v + "?arch=" + php.Architecture + "&distro=debian-12", php.SHA256, url}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("php8.2-cli in the SPDX document (-want +got):\n%s", diff)
	}
	if debs != len(base.Packages) {
		t.Errorf("the SPDX document lists %d Debian packages, the lock pins %d", debs, len(base.Packages))
	}
	contains := map[string]bool{}
	for _, r := range doc.Relationships {
		contains[string(r.RefA.ElementRefID)+" "+r.Relationship+" "+string(r.RefB.ElementRefID)] = true
	}
	for _, rel := range []string{
		"Artifact-oci-core-" + shippedEditionVersion + " CONTAINS ImageBase-bookworm",
		"ImageBase-bookworm CONTAINS Deb-php8.2-cli-" + php.Architecture,
	} {
		if !contains[rel] {
			t.Errorf("the SPDX document does not say %s", rel)
		}
	}

	b, err := os.ReadFile(filepath.Join(out, "sbom", "core.provenance.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Predicate struct {
			BuildDefinition struct {
				ResolvedDependencies []struct {
					Name, URI string
					Digest    map[string]string
				}
			}
		}
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range st.Predicate.BuildDefinition.ResolvedDependencies {
		if d.URI == url {
			found = d.Name == "deb php8.2-cli" && d.Digest["sha256"] == php.SHA256
			break
		}
	}
	if !found {
		t.Errorf("the provenance has no dependency deb php8.2-cli %s with sha256 %s", url, php.SHA256)
	}
}
